/**
 * Shared by the SPF checks: a syntax checker for one SPF record (RFC 7208 §12 ABNF, with the
 * offset of every problem), and readers of the record tree the gatherer builds (see
 * src/probe/dns/spf.ts for its conventions: loop nodes, void-lookup entries).
 */
import net from 'node:net';
import type { DnsStatus, SpfFacts, SpfNode } from '../../model/dns-artifacts.js';
import type { Finding } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';

export type Qualifier = '+' | '-' | '~' | '?';

export interface SpfTerm {
  /** The term as published. */
  text: string;
  /** Character offset of the term in the (joined) record, from 0. */
  offset: number;
  kind: 'mechanism' | 'modifier';
  qualifier: Qualifier;
  /** Lower-case mechanism or modifier name ('' when the term is neither). */
  name: string;
  /** What follows the name: ":x/24" for a mechanism, the value for a modifier. */
  rest: string;
}

export interface SpfIssue {
  offset: number;
  term: string;
  problem: string;
  /** `error` makes the record invalid (permerror); `note` is worth knowing but legal. */
  severity: 'error' | 'note';
}

export interface ParsedSpf {
  terms: SpfTerm[];
  issues: SpfIssue[];
}

const MECHANISMS = new Set(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);

/** RFC 7208 §7.1 macro-expand inside "%{...}": letter, digits, optional r, delimiters. */
const MACRO_BODY = /^[slodiphcrtv](\d*)r?[.\-+,/_=]*$/i;

/** Problem with a macro-string (RFC 7208 §7.1), or undefined when it is well formed. */
export function macroStringProblem(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e)
      return `character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed`;
    if (s[i] !== '%') continue;
    const next = s[i + 1];
    if (next === '%' || next === '_' || next === '-') {
      i++;
      continue;
    }
    if (next !== '{') return `"%" must start a macro ("%{x}", "%%", "%_" or "%-")`;
    const close = s.indexOf('}', i + 2);
    if (close < 0) return `macro "${s.slice(i)}" is not closed with "}"`;
    const body = s.slice(i + 2, close);
    const m = MACRO_BODY.exec(body);
    if (!m) return `macro "%{${body}}" is not valid (RFC 7208 §7.1)`;
    if (m[1] !== '' && Number(m[1]) === 0) return `macro "%{${body}}": the digit transformer must not be 0`;
    i = close;
  }
  return undefined;
}

const TOP_LABEL = /^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])$/;

/** Problem with a domain-spec (RFC 7208 §7.1: macro-string domain-end), or undefined. */
export function domainSpecProblem(spec: string): string | undefined {
  if (spec === '') return 'the domain is empty';
  const macro = macroStringProblem(spec);
  if (macro) return macro;
  // domain-end may be a macro-expand (e.g. "%{d}"), which we cannot check without a message.
  if (/%\{[^}]*\}$/.test(spec)) return undefined;
  const name = spec.endsWith('.') ? spec.slice(0, -1) : spec;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return `"${spec}" is not a fully qualified domain name`;
  const top = name.slice(dot + 1);
  if (!TOP_LABEL.test(top)) return `"${top}" is not a valid top label of "${spec}"`;
  if (!name.includes('%')) {
    const labels = name.split('.');
    if (labels.some((l) => l === '')) return `"${spec}" has an empty label`;
    const long = labels.find((l) => l.length > 63);
    if (long !== undefined) return `label "${long.slice(0, 20)}…" is over 63 octets`;
  }
  return undefined;
}

/** An ip4 (0-32) or ip6 (0-128) prefix length: "0" or no leading zero (RFC 7208 §5.6). */
function cidrProblem(digits: string, max: number): string | undefined {
  if (!/^(0|[1-9]\d*)$/.test(digits) || Number(digits) > max)
    return `"/${digits}" is not a prefix length 0-${max}`;
  return undefined;
}

/** a and mx: [":" domain-spec] [ip4-cidr] ["/" ip6-cidr]. */
function addressMechanismProblem(name: string, rest: string): string | undefined {
  const m = /^(:.*?)?(?:\/(\d+))?(?:\/\/(\d+))?$/s.exec(rest);
  if (!m) return `unexpected "${rest}" after "${name}"`;
  if (m[1] !== undefined) {
    const p = domainSpecProblem(m[1].slice(1));
    if (p) return p;
  }
  return (
    (m[2] !== undefined ? cidrProblem(m[2], 32) : undefined) ??
    (m[3] !== undefined ? cidrProblem(m[3], 128) : undefined)
  );
}

function ipProblem(name: 'ip4' | 'ip6', rest: string): string | undefined {
  const m = /^:([^/]*)(?:\/(\d*))?$/s.exec(rest);
  if (!m || m[1] === '')
    return `"${name}" needs an address: ${name}:${name === 'ip4' ? '192.0.2.0/24' : '2001:db8::/32'}`;
  const ok = name === 'ip4' ? net.isIPv4(m[1]!) : net.isIPv6(m[1]!);
  if (!ok) return `"${m[1]}" is not an ${name === 'ip4' ? 'IPv4' : 'IPv6'} address`;
  return m[2] !== undefined ? cidrProblem(m[2], name === 'ip4' ? 32 : 128) : undefined;
}

/** Classifies one term (not the version) and says what is wrong with it, if anything. */
export function parseTerm(text: string, offset: number): { term: SpfTerm; problem?: string } {
  const mod = /^([A-Za-z][A-Za-z0-9_.-]*)=(.*)$/s.exec(text);
  if (mod) {
    const name = mod[1]!.toLowerCase();
    const term: SpfTerm = { text, offset, kind: 'modifier', qualifier: '+', name, rest: mod[2]! };
    const problem =
      name === 'redirect' || name === 'exp' ? domainSpecProblem(mod[2]!) : macroStringProblem(mod[2]!);
    return problem ? { term, problem } : { term };
  }
  const mech = /^([+\-~?]?)([A-Za-z][A-Za-z0-9]*)?(.*)$/s.exec(text)!;
  const name = (mech[2] ?? '').toLowerCase();
  const rest = mech[3]!;
  const term: SpfTerm = {
    text,
    offset,
    kind: 'mechanism',
    qualifier: (mech[1] || '+') as Qualifier,
    name,
    rest,
  };
  const bad = /[^\x21-\x7e]/.exec(text);
  let problem: string | undefined;
  if (bad)
    problem = `character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed`;
  else if (name === '') problem = 'neither a mechanism nor a modifier (name=value)';
  else if (!MECHANISMS.has(name)) problem = `unknown mechanism "${mech[2]}"`;
  else if (name === 'all') problem = rest === '' ? undefined : `"all" takes no argument`;
  else if (name === 'include' || name === 'exists')
    problem = rest.startsWith(':')
      ? domainSpecProblem(rest.slice(1))
      : `"${name}" needs a domain: ${name}:example.org`;
  else if (name === 'a' || name === 'mx') problem = addressMechanismProblem(name, rest);
  else if (name === 'ptr')
    problem =
      rest === ''
        ? undefined
        : rest.startsWith(':')
          ? domainSpecProblem(rest.slice(1))
          : `unexpected "${rest}" after "ptr"`;
  else problem = ipProblem(name as 'ip4' | 'ip6', rest);
  return problem ? { term, problem } : { term };
}

/**
 * Reads one SPF record (strings already joined): its terms and every problem, each with its
 * character offset. Never throws, whatever the input.
 */
export function parseSpf(record: string): ParsedSpf {
  const issues: SpfIssue[] = [];
  const terms: SpfTerm[] = [];
  const tokens = [...record.matchAll(/\S+/g)];
  const first = tokens[0];
  if (!first || first.index !== 0 || first[0].toLowerCase() !== 'v=spf1') {
    issues.push({
      offset: 0,
      term: first?.[0] ?? '',
      problem: 'the record must begin with "v=spf1" and a space',
      severity: 'error',
    });
  }
  for (const ws of record.matchAll(/[^\S ]/g)) {
    const code = ws[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    issues.push({
      offset: ws.index,
      term: '',
      problem: `whitespace U+${code}: terms are separated by spaces only (RFC 7208 §12)`,
      severity: 'error',
    });
  }
  for (const tok of tokens.slice(1)) {
    const { term, problem } = parseTerm(tok[0], tok.index);
    terms.push(term);
    if (problem) issues.push({ offset: term.offset, term: term.text, problem, severity: 'error' });
  }
  for (const name of ['redirect', 'exp']) {
    const uses = terms.filter((t) => t.kind === 'modifier' && t.name === name);
    // RFC 7208 §6: each of these modifiers may appear at most once.
    for (const dup of uses.slice(1)) {
      issues.push({
        offset: dup.offset,
        term: dup.text,
        problem: `"${name}=" appears more than once`,
        severity: 'error',
      });
    }
  }
  const allAt = terms.findIndex((t) => t.kind === 'mechanism' && t.name === 'all');
  if (allAt >= 0) {
    const after = terms.slice(allAt + 1).find((t) => t.kind === 'mechanism');
    if (after)
      issues.push({
        offset: after.offset,
        term: after.text,
        problem: 'never evaluated: it follows "all"',
        severity: 'note',
      });
    const redirect = terms.find((t) => t.kind === 'modifier' && t.name === 'redirect');
    if (redirect) {
      issues.push({
        offset: redirect.offset,
        term: redirect.text,
        problem: 'ignored because the record has "all" (RFC 7208 §6.1)',
        severity: 'note',
      });
    }
  }
  for (const t of terms) {
    if (t.kind === 'modifier' && t.name === 'v') {
      issues.push({
        offset: t.offset,
        term: t.text,
        problem: 'a second version term: two records pasted into one?',
        severity: 'note',
      });
    }
  }
  const octets = Buffer.byteLength(record, 'utf8');
  if (octets > 450) {
    issues.push({
      offset: 0,
      term: '',
      problem: `${octets} octets: RFC 7208 §3.4 advises under 450 so the answer fits in 512-octet UDP`,
      severity: 'note',
    });
  }
  issues.sort((a, b) => a.offset - b.offset);
  return { terms, issues };
}

/** "offset 12 \"foo:bar\": unknown mechanism \"foo\"". */
export function formatIssue(i: SpfIssue): string {
  return `offset ${i.offset}${i.term ? ` "${i.term}"` : ''}: ${i.problem}`;
}

export const UNANSWERED: ReadonlySet<DnsStatus> = new Set(['SERVFAIL', 'REFUSED', 'TIMEOUT']);

/** Must match LOOP_MARK in src/probe/dns/spf.ts (the tree's convention for a loop). */
const LOOP_MARK = ' [loop]';

export function isLoop(node: SpfNode): boolean {
  return node.via.endsWith(LOOP_MARK);
}

/** How a node is named in evidence: the apex by its domain, others by the term that led there. */
export function label(node: SpfNode): string {
  if (node.via === 'apex') return node.domain;
  return isLoop(node) ? node.via.slice(0, -LOOP_MARK.length) : node.via;
}

/** One DNS-querying term of a node, joined to the child it led to (include/redirect). */
export interface QueryTerm {
  text: string;
  name: string;
  /** The domain-spec as published ('' when the term has none). */
  target: string;
  macro: boolean;
  child?: SpfNode;
  /** An include/redirect with a plain target the gatherer did not follow (depth or node limit). */
  notFollowed: boolean;
  /** An include/redirect whose target is not a valid domain-spec (spf.record reports it). */
  invalid: boolean;
}

/** The target of a term the way the gatherer reads it: after ':' or '=', cidr suffix removed. */
function targetOf(t: SpfTerm): string {
  if (t.kind === 'modifier') return t.rest;
  if (!t.rest.startsWith(':')) return '';
  return /^(.*?)(\/\d+)?(\/\/\d+)?$/s.exec(t.rest.slice(1))![1]!;
}

/** The node's lookup terms, each include/redirect matched (in order) with its child node. */
export function queryTerms(node: SpfNode): QueryTerm[] {
  const children = [...node.children];
  return node.lookupTerms.map((text) => {
    const { term } = parseTerm(text, 0);
    const target = targetOf(term);
    const macro = target.includes('%');
    const q: QueryTerm = { text, name: term.name, target, macro, notFollowed: false, invalid: false };
    if (term.name !== 'include' && term.name !== 'redirect') return q;
    if (macro) return q;
    if (target === '' || domainSpecProblem(target) !== undefined) return { ...q, invalid: true };
    const via = term.kind === 'modifier' ? `redirect=${target}` : `include:${target}`;
    if (children.length > 0 && label(children[0]!).toLowerCase() === via.toLowerCase())
      q.child = children.shift();
    else q.notFollowed = true;
    return q;
  });
}

/** The single SPF record of a node, or undefined (none or several). */
export function theRecord(node: SpfNode): string | undefined {
  return node.spfRecords.length === 1 ? node.spfRecords[0] : undefined;
}

/** Every node reached from `root` (loop nodes included, not expanded), depth first with depth. */
export function walk(root: SpfNode, visit: (node: SpfNode, depth: number) => void, depth = 0): void {
  visit(root, depth);
  for (const c of root.children) walk(c, visit, depth + 1);
}

/** What is wrong with a node that was followed into, as a receiver would see it, or undefined. */
export function nodeProblem(node: SpfNode): string | undefined {
  const st = node.lookup.status;
  if (UNANSWERED.has(st)) return undefined;
  if (node.spfRecords.length === 0) return st === 'ok' ? 'no SPF record' : `no SPF record (${st})`;
  if (node.spfRecords.length > 1) return `${node.spfRecords.length} SPF records`;
  return undefined;
}

/** Evidence line for a node's record(s) or why it has none. */
export function recordLine(node: SpfNode): string {
  const st = node.lookup.status;
  if (st !== 'ok') return `${label(node)}: TXT ${node.domain} ${st}`;
  if (node.spfRecords.length === 0)
    return `${label(node)}: no SPF record among ${node.lookup.records.length} TXT record(s)`;
  return node.spfRecords.map((r) => `${label(node)}: "${r}"`).join('\n');
}

export type SpfStart = { finding: Finding } | { tree: SpfNode; record: string };

/**
 * The common start of the checks that read the record tree: error when the facts are missing or
 * the apex TXT went unanswered, skip when there is no single SPF record (spf.record reports it).
 */
export function spfStart(spf: SpfFacts | undefined, domain: string): SpfStart {
  if (!spf) return { finding: cannotJudge('SPF facts not gathered') };
  if (spf.error)
    return { finding: cannotJudge(`SPF record of ${domain} could not be fetched: ${spf.error}`) };
  const tree = spf.tree;
  if (!tree) return { finding: cannotJudge('SPF record tree not gathered') };
  if (UNANSWERED.has(tree.lookup.status)) {
    return {
      finding: cannotJudge(
        `SPF record of ${domain} could not be fetched: TXT ${tree.domain} ${tree.lookup.status}`,
      ),
    };
  }
  const n = tree.spfRecords.length;
  if (n === 0) return { finding: notApplicable(`${domain} publishes no SPF record (see spf.record)`) };
  if (n > 1)
    return { finding: notApplicable(`${domain} publishes ${n} SPF records, a permerror (see spf.record)`) };
  return { tree, record: tree.spfRecords[0]! };
}

/** The first "all" mechanism of a record (evaluation stops there, RFC 7208 §5.1). */
export function firstAll(record: string): SpfTerm | undefined {
  return parseSpf(record).terms.find((t) => t.kind === 'mechanism' && t.name === 'all');
}
