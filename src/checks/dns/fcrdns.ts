/**
 * dns.fcrdns — forward-confirmed reverse DNS: a PTR name of every mail host address resolves
 * back to that address.
 */
import type { AddressFacts } from '../../model/dns-artifacts.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge } from '../util.js';
import {
  addressLabel,
  forwardConfirms,
  isUnanswered,
  lookupLine,
  reverseTargets,
  unansweredReason,
} from './common.js';

type Verdict = { confirmed: string } | { problem: string } | { unknown: string };

/** Whether one address is forward-confirmed, by which PTR name, or why not. */
function judge(a: AddressFacts): Verdict {
  if (isUnanswered(a.ptr.status)) return { unknown: unansweredReason(a.ptr) };
  if (a.ptr.status !== 'ok') return { problem: `${a.address} has no PTR record (${a.ptr.status})` };
  const answers = a.ptr.records.map((name) => ({ name, ok: forwardConfirms(a, name) }));
  const hit = answers.find((x) => x.ok === true);
  if (hit) return { confirmed: `${a.address} ↔ ${hit.name}` };
  const open = answers.filter((x) => x.ok === 'unanswered');
  if (open.length) return { unknown: `forward lookup of ${open.map((x) => x.name).join(', ')} not answered` };
  return {
    problem: `${a.ptr.records.join(', ')} (PTR of ${a.address}) does not resolve back to ${a.address}`,
  };
}

export default defineDomainCheck({
  id: 'dns.fcrdns',
  area: 'dns',
  title: 'PTR names resolve back to the address (FCrDNS)',
  scope: 'domain',
  reference: 'RFC 8601 §3',
  requires: ['dns-mx', 'dns-reverse'],
  defaultParams: {},
  messages: {
    ok: 'every mail host address is forward-confirmed: {pairs}',
    unconfirmed: '{count} mail host address(es) fail forward-confirmed reverse DNS: {problems}',
  },
  remediation: {
    generic:
      'Give the PTR name an A (IPv4) or AAAA (IPv6) record with the same address, e.g. `mx1.example.edu. IN A 192.0.2.25` for `25.2.0.192.in-addr.arpa. IN PTR mx1.example.edu.`, or change the PTR to a name that has it',
    postfix:
      'Use the forward-confirmed name as `myhostname`; receivers with `reject_unknown_client_hostname` refuse hosts without FCrDNS',
    exim: 'Use the forward-confirmed name as `primary_hostname`; receivers using `verify = reverse_host_lookup` refuse hosts without FCrDNS',
    sendmail:
      'Use the forward-confirmed name as `confDOMAIN_NAME`; Sendmail receivers mark such clients "may be forged"',
    exchange: 'Use the forward-confirmed name as the FQDN of the send connector (Set-SendConnector -Fqdn)',
    opensmtpd:
      'Use the forward-confirmed name as `helo` of the relay action; receivers with a `filter … match !fcrdns disconnect` rule refuse hosts without it',
  },
  run({ domain }) {
    const targets = reverseTargets(domain);
    if ('finding' in targets) return targets.finding;
    const { addresses } = targets;
    const evidence: string[] = [];
    const pairs: string[] = [];
    const problems: string[] = [];
    const unknown: string[] = [];
    for (const a of addresses) {
      evidence.push(
        `${addressLabel(a)}: ${lookupLine(a.ptr)}`,
        ...a.forward.map((f) => `  ${lookupLine(f)}`),
      );
      const v = judge(a);
      if ('confirmed' in v) pairs.push(v.confirmed);
      else if ('problem' in v) problems.push(v.problem);
      else unknown.push(v.unknown);
    }
    if (problems.length) {
      return {
        status: 'fail',
        messageId: 'unconfirmed',
        data: { count: problems.length, problems, unknown },
        evidence,
      };
    }
    if (unknown.length) return cannotJudge(`cannot confirm every address: ${unknown.join('; ')}`, evidence);
    return { status: 'pass', messageId: 'ok', data: { pairs }, evidence };
  },
});
