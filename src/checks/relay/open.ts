/**
 * relay.open: the host does not relay for strangers. Judges the unauthenticated relay battery
 * (nmap smtp-open-relay's forms and one more): any 2xx to a foreign RCPT is an open relay. A 2xx
 * to a routed form (%-hack, bang path, ...) on a server that accepts any local address at all
 * cannot show relaying without sending a message, so it is a warning, not a failure.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, replyOneLine } from '../util.js';
import {
  attemptLines,
  exchangeLine,
  incompleteReason,
  isPositive,
  rcptAccepted,
  refusingExchange,
  relayMissingReason,
} from './common.js';

/** The same value as the relay probe's DEFAULT_RELAY_DOMAIN (a test keeps them equal). */
const DEFAULT_RELAY_DOMAIN = 'mailcheck-relay-test.example';

export default defineEndpointCheck({
  id: 'relay.open',
  area: 'relay',
  title: 'No relaying for strangers',
  scope: 'endpoint',
  reference: 'RFC 5321 §3.6.2',
  requires: ['smtp', 'relay'],
  // The external domain the battery addresses (policy parameter, or --relay-domain).
  defaultParams: { relayDomain: DEFAULT_RELAY_DOMAIN },
  messages: {
    refused: 'Refused all {refused} relay attempts to {relayDomain} ({codes})',
    'auth-required': 'Relaying needs authentication: {reply} (stopped at form {form})',
    'tls-required': 'Mail is refused before STARTTLS and the server offers no TLS: {reply}',
    open: 'Open relay: accepted RCPT to {relayDomain} from a stranger in {accepted} of {tested} forms ({forms})',
    'catch-all':
      'Accepted {accepted} routed recipient forms ({forms}), but it accepts any local address too ({catchAll}); whether it would relay them cannot be told without sending a message',
  },
  remediation: {
    generic:
      'Relay only for your own networks and for authenticated users; refuse RCPT to other domains from everyone else (and any %-hack, source-route or bang-path address)',
    postfix:
      '`smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination`, `mynetworks` limited to your own hosts (never 0.0.0.0/0), `allow_untrusted_routing = no`',
    exim: 'In `acl_check_rcpt` keep `accept hosts = +relay_from_hosts` and `accept authenticated = *` before `require domains = +local_domains : +relay_to_domains`; limit `relay_from_hosts` to your networks; leave `percent_hack_domains` empty',
    sendmail:
      "Remove `FEATURE(`promiscuous_relay')`, `FEATURE(`loose_relay_check')` and `FEATURE(`relay_local_from')`; list only your networks as `Connect:10.1.2 RELAY` in /etc/mail/access",
    exchange:
      'Take Accept-Any-Recipient away from anonymous users: `Get-ReceiveConnector "<name>" | Remove-ADPermission -User "NT AUTHORITY\\ANONYMOUS LOGON" -ExtendedRights ms-Exch-SMTP-Accept-Any-Recipient`',
    opensmtpd:
      'Relay only with `match from local for any action "relay"` and `match auth from any for any action "relay"`; never `match from any for any action "relay"`',
  },
  run({ endpoint, params }) {
    const relay = endpoint.relay;
    if (!relay) return cannotJudge(relayMissingReason(endpoint));
    const b = relay.unauthenticated;
    const relayDomain = relay.relayDomain || params.relayDomain;
    const accepted = b.attempts.filter(rcptAccepted);
    const catchAll = relay.catchAll && isPositive(relay.catchAll.reply);
    const decisive = accepted.filter((a) => a.kind === 'foreign' || !catchAll);
    if (decisive.length > 0) {
      return {
        status: 'fail',
        messageId: 'open',
        data: {
          relayDomain,
          accepted: accepted.length,
          tested: b.attempts.length,
          forms: accepted.map((a) => a.form),
        },
        evidence: accepted.flatMap(attemptLines),
      };
    }
    if (accepted.length > 0) {
      return {
        status: 'warn',
        messageId: 'catch-all',
        data: {
          relayDomain,
          accepted: accepted.length,
          forms: accepted.map((a) => a.form),
          catchAll: replyOneLine(relay.catchAll!.reply),
        },
        evidence: [...accepted.flatMap(attemptLines), exchangeLine(relay.catchAll!)],
      };
    }
    const tls = b.tlsRequired ? [exchangeLine(b.tlsRequired), 'STARTTLS, then the battery inside TLS'] : [];
    if (b.stopped) {
      const data = { relayDomain, reply: replyOneLine(b.stopped.exchange.reply), form: b.stopped.form };
      return {
        status: 'pass',
        messageId: b.stopped.reason,
        data,
        evidence: [...tls, exchangeLine(b.stopped.exchange)],
      };
    }
    if (b.failure || b.attempts.length === 0) return cannotJudge(incompleteReason(b));
    const refusals = b.attempts.map(refusingExchange);
    const codes = countCodes(refusals.map((x) => x.reply.code));
    const evidence = [
      ...tls,
      ...attemptLines(b.attempts[0]!),
      `${b.attempts.length} forms refused: ${codes}`,
    ];
    if (refusals.every((x) => x.reply.code >= 400 && x.reply.code < 500)) {
      // Greylisting defers everything at first: a 4xx is no verdict on relaying (RFC 5321 §4.2.5).
      return cannotJudge(`every relay attempt was deferred with a 4xx (${codes}); try again later`, evidence);
    }
    return {
      status: 'pass',
      messageId: 'refused',
      data: { relayDomain, refused: b.attempts.length, codes },
      evidence,
    };
  },
});

/** "554 x15, 501 x2", most frequent first. */
function countCodes(codes: number[]): string {
  const counts = new Map<number, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([c, n]) => `${c} x${n}`)
    .join(', ');
}
