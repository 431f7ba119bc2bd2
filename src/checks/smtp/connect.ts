/**
 * smtp.connect: the port accepts a TCP connection and the server greets with 220.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason, replyLines, replyOneLine } from '../util.js';

export default defineEndpointCheck({
  id: 'smtp.connect',
  area: 'smtp',
  title: 'TCP connect and 220 greeting',
  scope: 'endpoint',
  reference: 'RFC 5321 §3.1',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    greeted: 'Connected and greeted: {reply}',
    refused: 'The server refuses SMTP service to us: {reply}',
  },
  remediation: {
    generic:
      'Make sure the MTA listens on port {port} and that firewalls and access lists let this client in; a 5xx greeting means the server turns this client away',
    postfix:
      'Check the service in master.cf (`postconf -M smtp/inet`) and `postscreen_access_list` / `smtpd_client_restrictions` for rules that reject this client',
    exim: 'Check `daemon_smtp_ports` / `local_interfaces` and the `acl_smtp_connect` ACL for rules that deny this client',
    sendmail:
      "Check `DAEMON_OPTIONS(`Port=smtp, Name=MTA')` and `Connect:` entries in /etc/mail/access that REJECT this client",
    exchange:
      'Check `Get-ReceiveConnector | fl Identity,Bindings,RemoteIPRanges` for a connector bound to this port',
    opensmtpd: 'Check the `listen on` lines in smtpd.conf for this address and port',
  },
  run({ endpoint }) {
    if (!endpoint.connect.ok) return cannotJudge(missingReason(endpoint, 'TCP connection'));
    const greeting = endpoint.greeting;
    if (!greeting) return cannotJudge(missingReason(endpoint, '220 greeting'));
    const reply = greeting.reply;
    const evidence = replyLines(reply);
    const data = { port: endpoint.port, reply: replyOneLine(reply) };
    if (reply.code === 220) return { status: 'pass', messageId: 'greeted', data, evidence };
    if (reply.code === 421) {
      // RFC 5321 §3.8: 421 is "service not available", a temporary state; judge nothing yet.
      return cannotJudge(
        `service not available (temporary, try again later): ${replyOneLine(reply)}`,
        evidence,
      );
    }
    // RFC 5321 §3.1: a 554 greeting means the server will not serve this client.
    if (reply.code >= 500 && reply.code < 600)
      return { status: 'fail', messageId: 'refused', data, evidence };
    return cannotJudge(`unexpected greeting, expected 220: ${replyOneLine(reply)}`, evidence);
  },
});
