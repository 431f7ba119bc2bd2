/**
 * spf.void_lookups: at most 2 of the SPF record's a, mx and exists lookups come back empty
 * (NXDOMAIN, or NOERROR with no answer). RFC 7208 §4.6.4 lets receivers stop with permerror
 * past two such "void lookups"; they usually point at hosts that were retired long ago.
 * Terms with macros depend on the message and are listed as not evaluated; ptr needs the
 * sender's address and is not counted here (spf.ptr reports it).
 */
import type { SpfNode } from '../../model/dns-artifacts.js';
import { UNANSWERED, isLoop, label, queryTerms, spfStart } from './common.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge } from '../util.js';

/** "<term> → <name> <TYPE> <STATUS>", as the gatherer writes it. */
const ENTRY = /^(.*) → (\S+) (\S+) (\S+)$/s;

interface Tally {
  voids: string[];
  unanswered: string[];
  lines: string[];
}

function tally(node: SpfNode, depth: number, acc: Tally): void {
  const indent = '  '.repeat(depth);
  acc.lines.push(`${indent}${label(node)}:`);
  const entries = node.voidLookups.map((text) => ({ text, m: ENTRY.exec(text), shown: false }));
  const show = (e: (typeof entries)[number]): void => {
    e.shown = true;
    const status = e.m?.[4];
    if (status === 'NXDOMAIN' || status === 'NODATA') {
      acc.voids.push(`${label(node)}: ${e.text}`);
      acc.lines.push(`${indent}  ${e.text} (void)`);
    } else {
      acc.unanswered.push(`${label(node)}: ${e.text}`);
      acc.lines.push(`${indent}  ${e.text} (unanswered)`);
    }
  };
  for (const t of queryTerms(node)) {
    if (t.name === 'a' || t.name === 'mx' || t.name === 'exists') {
      if (t.macro) {
        acc.lines.push(`${indent}  ${t.text}: not evaluated (macro; depends on the message)`);
        continue;
      }
      const mine = entries.filter(
        (e) => !e.shown && ((e.m?.[1] ?? e.text) === t.text || e.text.startsWith(`${t.text} (`)),
      );
      if (mine.length === 0) acc.lines.push(`${indent}  ${t.text}: answered`);
      mine.forEach(show);
    } else if (t.child && !isLoop(t.child)) {
      const c = t.child;
      if (UNANSWERED.has(c.lookup.status))
        acc.unanswered.push(`${label(c)}: TXT ${c.domain} ${c.lookup.status}`);
      else if (c.spfRecords.length === 1) tally(c, depth + 1, acc);
    } else if (t.macro && (t.name === 'include' || t.name === 'redirect')) {
      acc.lines.push(`${indent}  ${t.text}: not expanded (macro; depends on the message)`);
    }
  }
  // Entries for terms not in the record as we read it still count.
  entries.filter((e) => !e.shown).forEach(show);
}

export default defineDomainCheck({
  id: 'spf.void_lookups',
  area: 'spf',
  title: 'At most 2 void DNS lookups in SPF',
  scope: 'domain',
  reference: 'RFC 7208 §4.6.4',
  requires: ['spf'],
  defaultParams: { max: 2 },
  messages: {
    ok: 'The SPF record of {domain} has {count} void lookup(s) (limit {max})',
    'too-many':
      'The SPF record of {domain} has {count} void lookups (names that do not exist or have no address), over the limit of {max}: receivers may return permerror',
  },
  remediation: {
    generic:
      'Remove the a:, mx: and exists: terms of {domain} whose names no longer exist or have no address, or publish the records they expect',
  },
  run({ domain, params }) {
    const start = spfStart(domain.spf, domain.domain);
    if ('finding' in start) return start.finding;
    const acc: Tally = { voids: [], unanswered: [], lines: [] };
    tally(start.tree, 0, acc);
    const data = { domain: domain.domain, count: acc.voids.length, max: params.max };
    if (acc.voids.length > params.max)
      return { status: 'fail', messageId: 'too-many', data, evidence: acc.lines };
    if (acc.unanswered.length > 0) {
      return cannotJudge(
        `some SPF lookups of ${domain.domain} went unanswered: ${acc.unanswered.join('; ')}`,
        acc.lines,
      );
    }
    return { status: 'pass', messageId: 'ok', data, evidence: acc.lines };
  },
});
