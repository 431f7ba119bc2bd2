/**
 * spf.ptr: no record on the SPF evaluation path uses the `ptr` mechanism. RFC 7208 §5.5 says it
 * SHOULD NOT be used: it is slow, costs receivers several lookups per message, and some large
 * receivers skip it, so the mail it was meant to authorise fails instead.
 */
import { UNANSWERED, isLoop, label, parseSpf, spfStart, theRecord, walk } from './common.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge } from '../util.js';

export default defineDomainCheck({
  id: 'spf.ptr',
  area: 'spf',
  title: 'No ptr mechanism in SPF',
  scope: 'domain',
  reference: 'RFC 7208 §5.5',
  requires: ['spf'],
  defaultParams: {},
  messages: {
    none: 'No SPF record on the evaluation path of {domain} uses "ptr"',
    found: 'The SPF records of {domain} use "ptr", which RFC 7208 says not to use: {where}',
  },
  remediation: {
    generic:
      'Replace "ptr" in the SPF records of {domain} with the ip4:/ip6: ranges (or a:/mx: names) of the hosts it was meant to cover',
  },
  run({ domain }) {
    const start = spfStart(domain.spf, domain.domain);
    if ('finding' in start) return start.finding;
    const evidence: string[] = [];
    const where: string[] = [];
    const unanswered: string[] = [];
    walk(start.tree, (node, depth) => {
      if (isLoop(node)) return;
      if (UNANSWERED.has(node.lookup.status)) {
        unanswered.push(`${label(node)}: TXT ${node.domain} ${node.lookup.status}`);
        return;
      }
      const record = theRecord(node);
      if (record === undefined) return;
      const ptrs = parseSpf(record).terms.filter((t) => t.kind === 'mechanism' && t.name === 'ptr');
      const indent = '  '.repeat(depth);
      evidence.push(`${indent}${label(node)}: "${record}"`);
      for (const t of ptrs) {
        evidence.push(`${indent}  ptr term at offset ${t.offset}: ${t.text}`);
        where.push(`${t.text} in ${label(node)}`);
      }
    });
    const data = { domain: domain.domain, where };
    if (where.length > 0) return { status: 'fail', messageId: 'found', data, evidence };
    if (unanswered.length > 0) {
      return cannotJudge(
        `records pulled in by the SPF record of ${domain.domain} could not be fetched: ${unanswered.join('; ')}`,
        evidence,
      );
    }
    return { status: 'pass', messageId: 'none', data, evidence };
  },
});
