/**
 * auth.required: a submission port refuses mail to other domains without AUTH, and (when
 * credentials were given) accepts it after AUTH. Judged from the relay battery run as a stranger
 * and again after login (src/probe/smtp/relay.ts).
 */
import type { RelayAttempt } from '../../model/artifacts.js';
import {
  attemptLines,
  exchangeLine,
  incompleteReason,
  rcptAccepted,
  refusingExchange,
  relayMissingReason,
} from '../relay/common.js';
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, isSubmission, notApplicable, replyOneLine } from '../util.js';

const foreign = (attempts: RelayAttempt[]) => attempts.filter((a) => a.kind === 'foreign');

export default defineEndpointCheck({
  id: 'auth.required',
  area: 'auth',
  title: 'Mail to other domains needs AUTH on submission ports',
  scope: 'endpoint',
  reference: 'RFC 6409 §4.3',
  requires: ['smtp', 'relay'],
  defaultParams: {},
  messages: {
    'refused-then-accepted':
      'Mail to {relayDomain} is refused without AUTH ({reply}) and accepted after AUTH {mechanism}',
    refused: 'Mail to {relayDomain} is refused without AUTH ({reply}); relaying after AUTH not tested: {why}',
    accepted: 'Accepts mail to {relayDomain} without authentication: {reply}',
    'refused-after-auth':
      'Mail to {relayDomain} is refused even after AUTH {mechanism} ({authReply}): users cannot send to other domains through this port',
  },
  remediation: {
    generic:
      'On submission ports relay mail to other domains for authenticated users only: refuse it without AUTH, accept it after AUTH',
    postfix:
      'In master.cf under `submission inet`: `-o smtpd_sasl_auth_enable=yes -o smtpd_relay_restrictions=permit_sasl_authenticated,reject`',
    exim: 'In the RCPT ACL of the submission port put `accept authenticated = *` first, then `deny message = Authentication required` for everyone else',
    sendmail:
      "Require AUTH on the MSA: `DAEMON_OPTIONS(`Port=submission, Name=MSA, M=Ea')` and `TRUST_AUTH_MECH(`PLAIN LOGIN')`",
    exchange:
      'On the "Client Frontend" receive connector allow only authenticated users: `Set-ReceiveConnector "<name>" -PermissionGroups ExchangeUsers -AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS`',
    opensmtpd:
      'Make AUTH mandatory with `listen on egress port submission tls-require pki <name> auth` and relay with `match auth from any for any action "relay"`',
  },
  run({ endpoint, credentialsGiven }) {
    const relay = endpoint.relay;
    if (!isSubmission(endpoint) && !relay?.authenticated) {
      return notApplicable(
        'not a submission port (MX/relay profile) and no authenticated relaying was tested here; relay.open covers strangers',
      );
    }
    if (!relay) return cannotJudge(relayMissingReason(endpoint));
    const b = relay.unauthenticated;
    const relayDomain = relay.relayDomain;
    const open = foreign(b.attempts).filter(rcptAccepted);
    if (open.length > 0) {
      const data = { relayDomain, reply: replyOneLine(open[0]!.rcpt!.reply) };
      return { status: 'fail', messageId: 'accepted', data, evidence: open.flatMap(attemptLines) };
    }
    if (b.failure) return cannotJudge(incompleteReason(b));
    const first = foreign(b.attempts)[0];
    const refusal = b.stopped?.exchange ?? (first ? refusingExchange(first) : undefined);
    if (!refusal) return cannotJudge(incompleteReason(b));
    const evidence = [
      ...(b.tlsRequired ? [exchangeLine(b.tlsRequired)] : []),
      ...(b.stopped ? [exchangeLine(refusal)] : attemptLines(first!)),
    ];
    const reply = replyOneLine(refusal.reply);

    const untested = (why: string) => ({
      status: 'pass' as const,
      messageId: 'refused',
      data: { relayDomain, reply, why },
      evidence,
    });
    if (!credentialsGiven) return untested('no credentials given (--auth-user and a password)');
    const ab = relay.authenticated;
    if (!ab) return untested(relay.authSkipped ?? 'no login was attempted');
    const login = relay.auth;
    const mechanism = login?.mechanism ?? 'unknown';
    const authLines = login?.reply ? [`AUTH ${mechanism} -> ${replyOneLine(login.reply)}`] : [];
    const ok = foreign(ab.attempts).find(rcptAccepted);
    if (ok) {
      return {
        status: 'pass',
        messageId: 'refused-then-accepted',
        data: { relayDomain, reply, mechanism },
        evidence: [...evidence, ...authLines, ...attemptLines(ok)],
      };
    }
    if (ab.failure) return untested(incompleteReason(ab));
    const authFirst = foreign(ab.attempts)[0];
    const authRefusal = ab.stopped?.exchange ?? (authFirst ? refusingExchange(authFirst) : undefined);
    if (!authRefusal) return untested('the authenticated battery sent no form');
    return {
      status: 'warn',
      messageId: 'refused-after-auth',
      data: { relayDomain, reply, mechanism, authReply: replyOneLine(authRefusal.reply) },
      evidence: [...evidence, ...authLines, exchangeLine(authRefusal)],
    };
  },
});
