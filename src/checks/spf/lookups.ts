/**
 * spf.lookups: evaluating the SPF record needs at most 10 DNS-querying terms (include, a, mx,
 * ptr, exists, redirect), counted across every record include: and redirect= pull in (RFC 7208
 * §4.6.4). Past the limit receivers return permerror, so the domain's mail fails SPF at random
 * depending on how far evaluation gets. Counted as the worst case: every term evaluated.
 */
import type { SpfNode } from '../../model/dns-artifacts.js';
import { UNANSWERED, isLoop, label, queryTerms, spfStart } from './common.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge } from '../util.js';

interface Count {
  total: number;
  loops: string[];
  macros: string[];
  unanswered: string[];
  lines: string[];
}

/** Counts the lookup terms of a node and below, writing one evidence line per node. */
function count(node: SpfNode, depth: number, acc: Count): number {
  const indent = '  '.repeat(depth);
  const terms = queryTerms(node);
  const mark = acc.lines.length;
  acc.lines.push('');
  let total = terms.length;
  for (const t of terms) {
    if (t.child) {
      const c = t.child;
      if (isLoop(c)) {
        acc.loops.push(`${label(node)} → ${label(c)}`);
        acc.lines.push(`${indent}  ${label(c)}: loops back to ${c.domain}, which is already being evaluated`);
      } else if (UNANSWERED.has(c.lookup.status)) {
        acc.unanswered.push(`${label(c)}: TXT ${c.domain} ${c.lookup.status}`);
        acc.lines.push(`${indent}  ${label(c)}: TXT ${c.domain} ${c.lookup.status}, not counted`);
      } else if (c.spfRecords.length !== 1) {
        const why =
          c.spfRecords.length === 0
            ? `no SPF record (${c.lookup.status})`
            : `${c.spfRecords.length} SPF records`;
        acc.lines.push(`${indent}  ${label(c)}: ${why}, permerror (see spf.record)`);
      } else {
        total += count(c, depth + 1, acc);
      }
    } else if ((t.name === 'include' || t.name === 'redirect') && t.macro) {
      acc.macros.push(t.text);
      acc.lines.push(
        `${indent}  ${t.text}: not expanded (macro; depends on the message), its own lookups not counted`,
      );
    } else if (t.invalid) {
      acc.lines.push(`${indent}  ${t.text}: not a valid domain name, not followed (see spf.record)`);
    } else if (t.notFollowed) {
      acc.lines.push(`${indent}  ${t.text}: not followed (mailcheck stops at 10 levels or 50 records)`);
    }
  }
  acc.lines[mark] = `${indent}${label(node)}: ${terms.length} here, ${total} in total`;
  return total;
}

export default defineDomainCheck({
  id: 'spf.lookups',
  area: 'spf',
  title: 'At most 10 DNS lookups to evaluate SPF',
  scope: 'domain',
  reference: 'RFC 7208 §4.6.4',
  requires: ['spf'],
  defaultParams: { max: 10 },
  messages: {
    ok: 'Evaluating the SPF record of {domain} takes {count} DNS-querying term(s) (limit {max})',
    'too-many':
      'Evaluating the SPF record of {domain} takes {count} DNS-querying terms, over the limit of {max}: receivers return permerror',
    loop: 'The SPF records of {domain} form a loop ({loop}): evaluation runs into the lookup limit, a permerror',
    partial:
      'Evaluating the SPF record of {domain} takes at least {count} DNS-querying terms (limit {max}); {macros} cannot be expanded without a message',
  },
  remediation: {
    generic:
      'Cut the DNS-querying terms in the SPF record of {domain} to {max} or fewer: replace a/mx/include of your own hosts with ip4:/ip6: ranges, drop includes of services you no longer use, and never use ptr',
    exchange: 'Microsoft 365 needs only "include:spf.protection.outlook.com" (one lookup plus its own)',
  },
  run({ domain, params }) {
    const start = spfStart(domain.spf, domain.domain);
    if ('finding' in start) return start.finding;
    const acc: Count = { total: 0, loops: [], macros: [], unanswered: [], lines: [] };
    const total = count(start.tree, 0, acc);
    const data = { domain: domain.domain, count: total, max: params.max };
    if (acc.loops.length > 0) {
      return {
        status: 'fail',
        messageId: 'loop',
        data: { ...data, loop: acc.loops[0]! },
        evidence: acc.lines,
      };
    }
    if (total > params.max) return { status: 'fail', messageId: 'too-many', data, evidence: acc.lines };
    if (acc.unanswered.length > 0) {
      return cannotJudge(
        `the lookup count of ${domain.domain} is incomplete: ${acc.unanswered.join('; ')} (${total} counted so far)`,
        acc.lines,
      );
    }
    if (acc.macros.length > 0) {
      return {
        status: 'info',
        messageId: 'partial',
        data: { ...data, macros: acc.macros },
        evidence: acc.lines,
      };
    }
    return { status: 'pass', messageId: 'ok', data, evidence: acc.lines };
  },
});
