/**
 * spf.all: what the SPF record says about every address it does not list — the qualifier of its
 * "all" (RFC 7208 §5.1), or of the redirect= target's when it has no "all" (§6.1), or "?" (neutral)
 * when it has neither (§4.7). "-all" is what a campus domain wants; "~all" is a transition
 * setting; "?all", "+all" and no "all" give forgers the same result as the real servers.
 * Also flagged: a term that authorises every address before "all" is reached (an include whose
 * record ends in "+all", ip4:0.0.0.0/0), which makes "-all" meaningless.
 */
import type { SpfNode } from '../../model/dns-artifacts.js';
import type { SpfTerm } from './common.js';
import { UNANSWERED, firstAll, isLoop, label, parseSpf, queryTerms, spfStart, theRecord } from './common.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge } from '../util.js';

/** A "+" term that matches every address of a family: +all, ip4:x/0, ip6:x/0. */
function matchesEveryone(t: SpfTerm): boolean {
  if (t.kind !== 'mechanism' || t.qualifier !== '+') return false;
  if (t.name === 'all') return true;
  return (t.name === 'ip4' || t.name === 'ip6') && /\/0$/.test(t.rest);
}

/** The first term on the evaluation path of `node` that passes every address, if any. */
function openTerm(node: SpfNode, seen: Set<SpfNode>): string | undefined {
  const record = theRecord(node);
  if (record === undefined || seen.has(node) || isLoop(node)) return undefined;
  seen.add(node);
  const children = new Map(queryTerms(node).map((q) => [q.text, q.child]));
  for (const t of parseSpf(record).terms) {
    if (t.kind !== 'mechanism') continue;
    if (matchesEveryone(t)) return `${label(node)}: ${t.text}`;
    if (t.name === 'all') return undefined;
    const child = children.get(t.text);
    if (t.name === 'include' && t.qualifier === '+' && child) {
      const inner = openTerm(child, seen);
      if (inner !== undefined) return inner;
    }
  }
  const redirect = queryTerms(node).find((q) => q.name === 'redirect')?.child;
  return redirect ? openTerm(redirect, seen) : undefined;
}

type Final =
  | { kind: 'all'; term: SpfTerm; node: SpfNode }
  | { kind: 'none'; node: SpfNode }
  | { kind: 'broken'; why: string }
  | { kind: 'unknown'; why: string };

/** Follows redirect= from the apex to the record whose "all" (or lack of one) decides. */
function finalQualifier(tree: SpfNode, evidence: string[]): Final {
  let node = tree;
  for (let hops = 0; ; hops++) {
    const record = theRecord(node)!;
    evidence.push(`${label(node)}: "${record}"`);
    const all = firstAll(record);
    if (all) return { kind: 'all', term: all, node };
    const redirect = queryTerms(node).find((q) => q.name === 'redirect');
    if (!redirect) return { kind: 'none', node };
    const c = redirect.child;
    if (redirect.macro)
      return { kind: 'unknown', why: `${redirect.text} uses a macro and depends on the message` };
    if (!c || hops >= 10) return { kind: 'broken', why: `${redirect.text} was not followed (too deep)` };
    if (isLoop(c)) return { kind: 'broken', why: `${redirect.text} loops back to ${c.domain}` };
    if (UNANSWERED.has(c.lookup.status))
      return { kind: 'unknown', why: `${redirect.text}: TXT ${c.domain} ${c.lookup.status}` };
    if (c.spfRecords.length !== 1) {
      const why =
        c.spfRecords.length === 0
          ? `no SPF record (${c.lookup.status})`
          : `${c.spfRecords.length} SPF records`;
      return { kind: 'broken', why: `${redirect.text}: ${why}` };
    }
    node = c;
  }
}

export default defineDomainCheck({
  id: 'spf.all',
  area: 'spf',
  title: 'SPF ends in -all',
  scope: 'domain',
  reference: 'RFC 7208 §5.1',
  requires: ['spf'],
  defaultParams: { softfail: 'warn' as 'warn' | 'fail' },
  messages: {
    hardfail: 'The SPF record of {domain} ends in "{term}": other addresses fail SPF',
    softfail:
      'The SPF record of {domain} ends in "{term}": other addresses only soft-fail, which most receivers still accept',
    neutral:
      'The SPF record of {domain} ends in "{term}": other addresses are neutral, as if there were no SPF',
    'pass-all':
      'The SPF record of {domain} ends in "{term}": every address on the Internet passes SPF for {domain}',
    none: 'The SPF record of {domain} has neither "all" nor redirect=: other addresses get the default neutral result',
    open: 'The SPF record of {domain} authorises every address before its final "{term}" is reached: {open}',
    'redirect-broken': 'The SPF record of {domain} redirects to a record receivers cannot use: {why}',
  },
  remediation: {
    generic:
      'End the SPF record of {domain} with "-all" once every legitimate sender is listed (use "~all" only while migrating)',
  },
  run({ domain, params }) {
    const start = spfStart(domain.spf, domain.domain);
    if ('finding' in start) return start.finding;
    const evidence: string[] = [];
    const final = finalQualifier(start.tree, evidence);
    const data = { domain: domain.domain };
    if (final.kind === 'unknown')
      return cannotJudge(`the final SPF result of ${domain.domain} cannot be read: ${final.why}`, evidence);
    if (final.kind === 'broken')
      return { status: 'fail', messageId: 'redirect-broken', data: { ...data, why: final.why }, evidence };
    if (final.kind === 'none') return { status: 'fail', messageId: 'none', data, evidence };
    const term = final.term.text;
    evidence.push(`final: ${term}${final.node === start.tree ? '' : ` (in ${label(final.node)})`}`);
    if (final.term.qualifier === '+')
      return { status: 'fail', messageId: 'pass-all', data: { ...data, term }, evidence };
    const open = openTerm(start.tree, new Set());
    if (open !== undefined) {
      evidence.push(`passes every address: ${open}`);
      return { status: 'fail', messageId: 'open', data: { ...data, term, open }, evidence };
    }
    if (final.term.qualifier === '?')
      return { status: 'fail', messageId: 'neutral', data: { ...data, term }, evidence };
    if (final.term.qualifier === '~')
      return { status: params.softfail, messageId: 'softfail', data: { ...data, term }, evidence };
    return { status: 'pass', messageId: 'hardfail', data: { ...data, term }, evidence };
  },
});
