/**
 * dns.ptr — every mail host address has a PTR record (reverse DNS).
 */
import { defineDomainCheck } from '../types.js';
import { cannotJudge } from '../util.js';
import { addressLabel, isUnanswered, lookupLine, reverseTargets, unansweredReason } from './common.js';

export default defineDomainCheck({
  id: 'dns.ptr',
  area: 'dns',
  title: 'Mail host addresses have PTR records',
  scope: 'domain',
  reference: 'RFC 1912 §2.1',
  requires: ['dns-mx', 'dns-reverse'],
  defaultParams: {},
  messages: {
    ok: 'every mail host address has a PTR record: {pairs}',
    missing: '{count} mail host address(es) without a PTR record: {addresses}',
  },
  remediation: {
    generic:
      'Ask whoever runs the address block (campus network team or ISP) to publish a PTR record naming the host, e.g. `{example}`',
    postfix:
      'Make the PTR name the same as `myhostname`, so the reverse name, the banner and the HELO name agree',
    exim: 'Make the PTR name the same as `primary_hostname` (and `helo_data` on the remote_smtp transport)',
    sendmail: 'Make the PTR name the same as `confDOMAIN_NAME` ($j)',
    exchange:
      'Make the PTR name the same as the FQDN of the send and receive connectors (Set-SendConnector -Fqdn, Set-ReceiveConnector -Fqdn)',
    opensmtpd: 'Make the PTR name the same as the `hostname` of `listen on` and of the relay action (`helo`)',
  },
  run({ domain }) {
    const targets = reverseTargets(domain);
    if ('finding' in targets) return targets.finding;
    const { addresses } = targets;
    const evidence: string[] = [];
    const pairs: string[] = [];
    const missing: string[] = [];
    const examples: string[] = [];
    const unknown: string[] = [];
    for (const a of addresses) {
      evidence.push(`${addressLabel(a)}: ${lookupLine(a.ptr)}`);
      if (a.ptr.status === 'ok') pairs.push(`${a.address} → ${a.ptr.records.join(', ')}`);
      else if (isUnanswered(a.ptr.status)) unknown.push(unansweredReason(a.ptr));
      else {
        missing.push(addressLabel(a));
        examples.push(`${a.ptr.name}. IN PTR ${a.usedBy[0] ?? 'mail.example.edu'}.`);
      }
    }
    if (missing.length) {
      const data = { count: missing.length, addresses: missing, example: examples[0], unknown };
      return { status: 'fail', messageId: 'missing', data, evidence };
    }
    if (unknown.length) return cannotJudge(`PTR lookups not answered: ${unknown.join('; ')}`, evidence);
    return { status: 'pass', messageId: 'ok', data: { pairs }, evidence };
  },
});
