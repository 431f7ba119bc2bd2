/**
 * spf.record: the domain publishes exactly one SPF record and its syntax is valid, and so are
 * the records it pulls in with include: and redirect=. Receivers treat no record as "none",
 * and several records or a syntax error anywhere on the path as "permerror" (RFC 7208 §4.5, §5.2).
 *
 * TXT character-strings are joined without a separator (RFC 7208 §3.3), so a split inside a term
 * is harmless, but a string that ends without the space between two terms glues them together;
 * such errors name the boundary. Strings of 255 octets (the maximum) are noted.
 */
import type { SpfIssue } from './common.js';
import {
  UNANSWERED,
  formatIssue,
  isLoop,
  label,
  nodeProblem,
  parseSpf,
  parseTerm,
  recordLine,
  theRecord,
  walk,
} from './common.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge } from '../util.js';

/** The offsets at which the character-strings of a record meet. */
function boundaries(strings: string[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const s of strings.slice(0, -1)) out.push((at += s.length));
  return out;
}

function validAlone(term: string): boolean {
  return term.toLowerCase() === 'v=spf1' || (term !== '' && parseTerm(term, 0).problem === undefined);
}

/** Adds the string-boundary explanation to an error whose term is two valid terms glued at a boundary. */
function withBoundaryHint(issue: SpfIssue, cuts: number[]): SpfIssue {
  const end = issue.offset + issue.term.length;
  for (const b of cuts) {
    if (b <= issue.offset || b >= end) continue;
    const left = issue.term.slice(0, b - issue.offset);
    const right = issue.term.slice(b - issue.offset);
    if (validAlone(left) && validAlone(right)) {
      const hint = `the TXT strings meet at offset ${b} with no space between "${left}" and "${right}" (strings are joined as they are, RFC 7208 §3.3)`;
      return { ...issue, problem: `${issue.problem}; ${hint}` };
    }
  }
  return issue;
}

/** Notes on the size of each character-string (RFC 1035 §3.3.14: at most 255 octets). */
function stringNotes(strings: string[]): string[] {
  return strings.flatMap((s, i) => {
    const octets = Buffer.byteLength(s, 'utf8');
    const which = `TXT string ${i + 1} of ${strings.length}`;
    if (octets > 255) return [`note: ${which} is ${octets} octets, over the 255-octet maximum`];
    if (octets === 255)
      return [
        `note: ${which} is 255 octets, the maximum for one string; the record continues in the next string`,
      ];
    return [];
  });
}

export default defineDomainCheck({
  id: 'spf.record',
  area: 'spf',
  title: 'Exactly one valid SPF record',
  scope: 'domain',
  reference: 'RFC 7208 §4.5',
  requires: ['spf'],
  defaultParams: {},
  messages: {
    valid: '{domain} publishes one SPF record with valid syntax',
    missing: '{domain} publishes no SPF record (no TXT record starting with "v=spf1")',
    multiple: '{domain} publishes {count} SPF records; receivers treat that as a permanent error (permerror)',
    syntax:
      'The SPF record of {domain} has {count} syntax error(s), the first at offset {offset} ("{term}"): {problem}',
    'include-broken': 'The SPF record of {domain} pulls in {where}, which receivers cannot use: {problem}',
  },
  remediation: {
    generic:
      'Publish exactly one TXT record at {domain} that starts with "v=spf1" and lists your senders, e.g. "v=spf1 mx -all"; merge or delete any others',
    exchange:
      'For Microsoft 365 add "include:spf.protection.outlook.com" to the one SPF record rather than publishing a second',
  },
  run({ domain }) {
    const name = domain.domain;
    const spf = domain.spf;
    if (!spf) return cannotJudge('SPF facts not gathered');
    if (spf.error) return cannotJudge(`SPF record of ${name} could not be fetched: ${spf.error}`);
    const tree = spf.tree;
    if (!tree) return cannotJudge('SPF record tree not gathered');
    if (UNANSWERED.has(tree.lookup.status)) {
      return cannotJudge(
        `SPF record of ${name} could not be fetched: TXT ${tree.domain} ${tree.lookup.status}`,
      );
    }

    const evidence: string[] = [];
    if (tree.spfRecords.length === 0) {
      if (tree.lookup.status !== 'ok') evidence.push(`TXT ${tree.domain}: ${tree.lookup.status}`);
      for (const r of tree.lookup.records) {
        evidence.push(`TXT ${tree.domain}: ${JSON.stringify(r)}`);
        // A record that almost starts right is the usual cause of "no SPF": "v=spf1include:...", " v=spf1".
        if (/^\s*v\s*=\s*spf/i.test(r))
          evidence.push('note: this looks like SPF but does not begin with "v=spf1" and a space');
      }
      return { status: 'fail', messageId: 'missing', data: { domain: name }, evidence };
    }
    if (tree.spfRecords.length > 1) {
      for (const r of tree.spfRecords) evidence.push(`TXT ${tree.domain}: ${JSON.stringify(r)}`);
      return {
        status: 'fail',
        messageId: 'multiple',
        data: { domain: name, count: tree.spfRecords.length },
        evidence,
      };
    }

    const record = tree.spfRecords[0]!;
    const strings = tree.rawStrings[0] ?? [record];
    evidence.push(`TXT ${tree.domain}: ${strings.map((s) => JSON.stringify(s)).join(' ')}`);
    evidence.push(...stringNotes(strings));
    const cuts = boundaries(strings);
    const issues = parseSpf(record).issues.map((i) =>
      i.severity === 'error' ? withBoundaryHint(i, cuts) : i,
    );
    for (const i of issues) evidence.push(`${i.severity}: ${formatIssue(i)}`);
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      const first = errors[0]!;
      return {
        status: 'fail',
        messageId: 'syntax',
        data: {
          domain: name,
          count: errors.length,
          offset: first.offset,
          term: first.term,
          problem: first.problem,
        },
        evidence,
      };
    }

    // Everything include: and redirect= lead to must be usable too (RFC 7208 §5.2, §6.1).
    const broken: { where: string; problem: string }[] = [];
    const unanswered: string[] = [];
    walk(tree, (node, depth) => {
      if (depth === 0 || isLoop(node)) return;
      const indent = '  '.repeat(depth);
      if (UNANSWERED.has(node.lookup.status)) {
        unanswered.push(`${label(node)}: TXT ${node.domain} ${node.lookup.status}`);
        evidence.push(`${indent}${label(node)}: TXT ${node.domain} ${node.lookup.status}`);
        return;
      }
      const one = theRecord(node);
      const firstError =
        one === undefined ? undefined : parseSpf(one).issues.find((i) => i.severity === 'error');
      const problem =
        nodeProblem(node) ?? (firstError ? `syntax error at ${formatIssue(firstError)}` : undefined);
      evidence.push(
        ...recordLine(node)
          .split('\n')
          .map((l) => indent + l),
      );
      if (problem) {
        evidence.push(`${indent}error: ${problem}`);
        broken.push({ where: label(node), problem });
      }
    });
    if (broken.length > 0) {
      return { status: 'fail', messageId: 'include-broken', data: { domain: name, ...broken[0]! }, evidence };
    }
    if (unanswered.length > 0) {
      return cannotJudge(
        `records pulled in by the SPF record of ${name} could not be fetched: ${unanswered.join('; ')}`,
        evidence,
      );
    }
    return { status: 'pass', messageId: 'valid', data: { domain: name, record }, evidence };
  },
});
