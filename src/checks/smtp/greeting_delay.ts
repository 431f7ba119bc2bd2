/**
 * smtp.greeting_delay: how long the server took to send its greeting.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason, replyLines } from '../util.js';

export default defineEndpointCheck({
  id: 'smtp.greeting_delay',
  area: 'smtp',
  title: 'Greeting arrives promptly',
  scope: 'endpoint',
  reference: 'RFC 5321 §4.5.3.2.1',
  requires: ['smtp'],
  defaultParams: { warnMs: 10_000 },
  messages: {
    prompt: 'Greeting after {ms} ms',
    slow: 'Greeting after {ms} ms (over {warnMs} ms); a deliberate greet pause (postscreen, greet_pause) does this, so does a slow reverse DNS or ident lookup',
  },
  remediation: {
    generic:
      'If the delay is not a deliberate greet pause, check the DNS resolver the MTA uses and turn off ident (RFC 1413) lookups',
    postfix:
      'A deliberate pause comes from `postscreen_greet_wait`; otherwise check the resolver in /etc/resolv.conf (reverse lookups of each client happen before the greeting)',
    exim: 'Set `rfc1413_hosts =` (empty) to stop ident lookups and check `host_lookup` and the resolver',
    sendmail:
      "Set `define(`confTO_IDENT', `0s')`; a deliberate pause comes from `FEATURE(`greet_pause', `5000')`",
    exchange: 'Check the DNS servers the Transport service uses (`Get-TransportService | fl *DNS*`)',
    opensmtpd: 'Check the resolver in /etc/resolv.conf; OpenSMTPD resolves the client name before greeting',
  },
  run({ endpoint, params }) {
    const greeting = endpoint.greeting;
    if (!greeting) return cannotJudge(missingReason(endpoint, 'greeting'));
    const ms = Math.round(greeting.ms);
    const data = { ms, warnMs: params.warnMs };
    const evidence = [`greeting after ${ms} ms`, ...replyLines(greeting.reply)];
    if (ms > params.warnMs) return { status: 'warn', messageId: 'slow', data, evidence };
    return { status: 'pass', messageId: 'prompt', data, evidence };
  },
});
