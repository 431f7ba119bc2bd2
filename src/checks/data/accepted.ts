/**
 * data.accepted: the opt-in test message (--send-test --from A --to B) was accepted. Reports the
 * final reply, the queue id and the time from the end of data to the final 250.
 */
import type { SmtpExchange } from '../../model/artifacts.js';
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason, notApplicable, replyOneLine } from '../util.js';

const line = (x: SmtpExchange) => `${x.command} -> ${replyOneLine(x.reply)}`;

export default defineEndpointCheck({
  id: 'data.accepted',
  area: 'data',
  title: 'Test message accepted',
  scope: 'endpoint',
  reference: 'RFC 5321 §4.1.1.4',
  requires: ['smtp', 'data'],
  defaultParams: {},
  messages: {
    queued: 'Test message {mailcheckId} accepted {finalMs} ms after the end of data, queue id {queueId}',
    'queued-no-id':
      'Test message {mailcheckId} accepted {finalMs} ms after the end of data (the reply names no queue id): {reply}',
    refused: 'Test message {mailcheckId} refused at {stage}: {reply}',
  },
  remediation: {
    generic:
      'Find why the server refused mail from {from} to {to}: its log names the rule (relay, sender or recipient checks, content filter)',
    postfix:
      'Look for "NOQUEUE: reject" or the queue id in the mail log and adjust `smtpd_recipient_restrictions` / `smtpd_relay_restrictions` (or the content filter that answered)',
    exim: 'Check /var/log/exim4/rejectlog for the ACL that refused it; `exim -bh <client-ip>` replays the dialogue',
    sendmail:
      'Check /var/log/maillog for the reject and the access database (`makemap hash /etc/mail/access`)',
    exchange:
      'Trace it with `Get-MessageTrackingLog -Sender {from}` and the receive connector protocol log (`Set-ReceiveConnector -ProtocolLoggingLevel Verbose`)',
    opensmtpd: 'Run `smtpctl trace smtp` and check which `match` rule refused the envelope',
  },
  run({ endpoint }) {
    const d = endpoint.data;
    if (!d) {
      if (!endpoint.connect.ok) return cannotJudge(missingReason(endpoint, 'test message'));
      return notApplicable('no test message was sent through this port (--send-test --from A --to B)');
    }
    const base = { mailcheckId: d.mailcheckId, from: d.from, to: d.to };
    const evidence = [
      ...(d.auth?.reply ? [`AUTH ${d.auth.mechanism} -> ${replyOneLine(d.auth.reply)}`] : []),
      ...d.steps.map(line),
      `X-Mailcheck-Id: ${d.mailcheckId}`,
      `Message-ID: ${d.messageId}`,
    ];
    if (d.final) {
      const reply = replyOneLine(d.final);
      evidence.push(`. -> ${reply}`);
      if (d.final.code >= 200 && d.final.code < 300) {
        const data = { ...base, reply, finalMs: d.finalMs ?? 0, queueId: d.queueId, size: d.size };
        return { status: 'pass', messageId: d.queueId ? 'queued' : 'queued-no-id', data, evidence };
      }
      return {
        status: 'fail',
        messageId: 'refused',
        data: { ...base, reply, stage: 'end of data' },
        evidence,
      };
    }
    // 354 is the go-ahead to DATA, not a refusal; anything from 400 up refused the envelope.
    const refusal = d.steps.find((x) => x.reply.code >= 400);
    if (refusal) {
      const stage = refusal.command.split(/[\s:]/)[0] ?? refusal.command;
      const data = { ...base, reply: replyOneLine(refusal.reply), stage };
      return { status: 'fail', messageId: 'refused', data, evidence };
    }
    return cannotJudge(
      `test message not sent: ${d.failure?.message ?? 'the dialogue ended early'}`,
      evidence,
    );
  },
});
