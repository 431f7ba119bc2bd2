/**
 * dns.mx — the domain publishes MX records (or an RFC 7505 null MX), and every MX names a host
 * that resolves to an address: not an IP literal, not an alias.
 */
import type { MxHostFacts } from '../../model/dns-artifacts.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge } from '../util.js';
import { isUnanswered, lookupLine, unansweredReason } from './common.js';

/** What is wrong with one MX host, or why we cannot tell; undefined when it is fine. */
function judgeHost(h: MxHostFacts): { problem?: string; unknown?: string } {
  if (h.ipLiteral) return { problem: `${h.name} is an IP address, not a host name` };
  if (h.cname) return { problem: `${h.name} is an alias (CNAME) for ${h.cname}` };
  if (h.a.status === 'ok' || h.aaaa.status === 'ok') return {};
  const open = [h.a, h.aaaa].find((l) => isUnanswered(l.status));
  if (open) return { unknown: unansweredReason(open) };
  return { problem: `${h.name} has no A or AAAA record (${h.a.status})` };
}

function hostEvidence(h: MxHostFacts): string[] {
  const lines = [lookupLine(h.a), lookupLine(h.aaaa)];
  if (h.cname) lines.unshift(`${h.name}: alias (CNAME) for ${h.cname}`);
  return lines;
}

export default defineDomainCheck({
  id: 'dns.mx',
  area: 'dns',
  title: 'MX records name resolvable hosts',
  scope: 'domain',
  reference: 'RFC 5321 §5.1',
  requires: ['dns-mx'],
  defaultParams: {},
  messages: {
    ok: '{domain} has {count} MX host(s), each resolving to an address: {hosts}',
    'null-mx': '{domain} publishes a null MX and accepts no mail (RFC 7505)',
    nxdomain: '{domain} does not exist (NXDOMAIN)',
    none: '{domain} has no MX record: senders would fall back to its A/AAAA record (the implicit MX of RFC 5321 §5.1), which is not a configuration to rely on',
    problems: 'MX records of {domain} have problems: {problems}',
  },
  remediation: {
    generic:
      'Publish MX records that name hosts with their own A/AAAA records, e.g. `{zone}. IN MX 10 mx1.{zone}.` plus `mx1.{zone}. IN A 192.0.2.25` (never an IP address or a CNAME as the target); a domain that receives no mail publishes `{zone}. IN MX 0 .` (RFC 7505)',
    postfix:
      'Point the MX at the name in `myhostname` and give that name an A (and AAAA) record, not a CNAME',
    exim: 'Point the MX at `primary_hostname` and give that name an A (and AAAA) record, not a CNAME',
    sendmail:
      'Point the MX at the host name in `confDOMAIN_NAME` ($j) and give it an A (and AAAA) record, not a CNAME',
    exchange:
      'Point the MX at the FQDN of the Internet-facing receive connector (Get-ReceiveConnector | fl Fqdn) and give it an A record, not a CNAME',
    opensmtpd:
      'Point the MX at the `hostname` of the `listen on` line and give it an A (and AAAA) record, not a CNAME',
  },
  run({ domain }) {
    const mx = domain.mx;
    if (!mx) return cannotJudge('MX records not gathered');
    const data = { domain: domain.displayName, zone: domain.domain };
    const { lookup } = mx;
    if (isUnanswered(lookup.status)) return cannotJudge(unansweredReason(lookup));
    const evidence = [lookupLine(lookup, (r) => `${r.priority} ${r.exchange || '.'}`)];
    if (lookup.status === 'NXDOMAIN') return { status: 'fail', messageId: 'nxdomain', data, evidence };
    if (lookup.status === 'NODATA') return { status: 'fail', messageId: 'none', data, evidence };
    if (mx.nullMx) return { status: 'pass', messageId: 'null-mx', data, evidence };

    const problems: string[] = [];
    const unknown: string[] = [];
    // RFC 7505 §3: "." is only valid as the single MX record, with preference 0.
    const roots = lookup.records.filter((r) => r.exchange === '' || r.exchange === '.');
    if (roots.length) {
      problems.push(
        `an MX with target "." (null MX) is only valid as the single MX record with preference 0 (RFC 7505 §3)`,
      );
    }
    for (const h of mx.hosts) {
      evidence.push(...hostEvidence(h));
      const verdict = judgeHost(h);
      if (verdict.problem) problems.push(verdict.problem);
      if (verdict.unknown) unknown.push(verdict.unknown);
    }
    if (problems.length) {
      return { status: 'fail', messageId: 'problems', data: { ...data, problems, unknown }, evidence };
    }
    if (unknown.length)
      return cannotJudge(`could not resolve every MX host: ${unknown.join('; ')}`, evidence);
    const hosts = mx.hosts.map((h) => h.name);
    return { status: 'pass', messageId: 'ok', data: { ...data, count: hosts.length, hosts }, evidence };
  },
});
