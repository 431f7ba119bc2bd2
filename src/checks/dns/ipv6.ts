/**
 * dns.ipv6 — which MX hosts can be reached over IPv6 (have AAAA records). Informational.
 */
import { defineDomainCheck } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';
import { isUnanswered, lookupLine, unansweredReason } from './common.js';

export default defineDomainCheck({
  id: 'dns.ipv6',
  area: 'dns',
  title: 'MX hosts reachable over IPv6',
  scope: 'domain',
  reference: 'RFC 3596 §2.1',
  requires: ['dns-mx'],
  defaultParams: {},
  messages: {
    all: 'every MX host has an IPv6 address: {v6}',
    some: '{withCount} of {total} MX hosts have an IPv6 address ({v6}); IPv4 only: {v4only}',
    none: 'no MX host has an IPv6 address, so IPv6-only senders cannot deliver to {domain}',
  },
  remediation: {
    generic:
      'Give the MX hosts AAAA records (e.g. `mx1.example.edu. IN AAAA 2001:db8::25`) with a matching ip6.arpa PTR',
    postfix: 'Set `inet_protocols = all` so Postfix listens and sends on IPv6 too',
    exim: 'Leave `disable_ipv6` false and listen on the IPv6 address (`local_interfaces = <; 0.0.0.0 ; ::0`)',
    sendmail: "Add DAEMON_OPTIONS(`Port=smtp, Addr=::, Name=MTA-v6, Family=inet6')",
    exchange:
      'Bind the receive connector to an IPv6 address as well (Set-ReceiveConnector -Bindings [::]:25,0.0.0.0:25)',
    opensmtpd: 'Listen on the IPv6 address too (`listen on egress` covers both families)',
  },
  run({ domain }) {
    const mx = domain.mx;
    if (!mx) return cannotJudge('MX records not gathered');
    if (isUnanswered(mx.lookup.status)) return cannotJudge(unansweredReason(mx.lookup));
    if (mx.nullMx) return notApplicable('the domain accepts no mail (null MX)');
    if (mx.hosts.length === 0) return notApplicable('the domain has no MX hosts');
    const evidence = mx.hosts.map((h) => lookupLine(h.aaaa));
    const open = mx.hosts.filter((h) => isUnanswered(h.aaaa.status));
    if (open.length) return cannotJudge(open.map((h) => unansweredReason(h.aaaa)).join('; '), evidence);
    const v6 = mx.hosts.filter((h) => h.aaaa.status === 'ok').map((h) => h.name);
    const v4only = mx.hosts.filter((h) => h.aaaa.status !== 'ok').map((h) => h.name);
    const data = { domain: domain.displayName, v6, v4only, withCount: v6.length, total: mx.hosts.length };
    const messageId = v4only.length === 0 ? 'all' : v6.length === 0 ? 'none' : 'some';
    return { status: 'info', messageId, data, evidence };
  },
});
