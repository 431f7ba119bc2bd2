/**
 * Whatever a zone publishes, the SPF checks return a well-formed finding: they never throw, the
 * status is one of the six, and the message (and the remediation of a fail/warn) renders from
 * the finding's data. Records are arbitrary text, SPF-vocabulary soup, or both, split into
 * character-strings at arbitrary places; the tree around them is arbitrary too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import all from '../../../src/checks/spf/all.js';
import authorizes from '../../../src/checks/spf/authorizes.js';
import lookups from '../../../src/checks/spf/lookups.js';
import ptr from '../../../src/checks/spf/ptr.js';
import record from '../../../src/checks/spf/record.js';
import voidLookups from '../../../src/checks/spf/void_lookups.js';
import type { DnsStatus, SpfFacts, SpfNode } from '../../../src/model/dns-artifacts.js';
import type { DomainCheck } from '../../../src/checks/types.js';
import { LOOP_MARK, isSpfRecord, spfLookupTerms } from '../../../src/probe/dns/spf.js';
import { parseSpf } from '../../../src/checks/spf/common.js';
import { DOMAIN, judge } from './helpers.js';

const CHECKS = [record, lookups, voidLookups, all, ptr, authorizes] as DomainCheck<object>[];
const STATUSES = ['pass', 'fail', 'warn', 'info', 'skip', 'error'];
const DNS_STATUSES: DnsStatus[] = ['ok', 'NXDOMAIN', 'NODATA', 'SERVFAIL', 'REFUSED', 'TIMEOUT'];

const VOCABULARY = [
  'v=spf1',
  'V=SPF1',
  'v=spf10',
  'include:',
  'a',
  'mx',
  'ptr',
  'exists:',
  'ip4:',
  'ip6:',
  'all',
  '-all',
  '~all',
  '?all',
  '+all',
  '-',
  '~',
  '?',
  '+',
  'redirect=',
  'exp=',
  '%{i}',
  '%{d}',
  '%{l1r+-}',
  '%%',
  '%_',
  '%',
  '{',
  '}',
  '/24',
  '//64',
  '/0',
  '/',
  ':',
  '=',
  '.',
  '..',
  'example.org',
  '_spf.example.net',
  'example.edu',
  '192.0.2.1',
  '0.0.0.0',
  '2001:db8::',
  '::1',
  '300.1.1.1',
  ' ',
  '  ',
  '\t',
  '\u00a0',
  'é',
  '"',
  ';',
  '\\',
  '→',
  'NXDOMAIN',
  'A/AAAA',
];

/** A record: arbitrary text, vocabulary tokens, or a valid prefix followed by either. */
const recordText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 24 }).map((t) => t.join('')),
  fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 16 }).map((t) => `v=spf1 ${t.join(' ')}`),
);

/** The record cut into character-strings at arbitrary offsets. */
const published = fc.tuple(recordText, fc.array(fc.nat(), { maxLength: 4 })).map(([text, cuts]) => {
  const at = [...new Set(cuts.map((c) => (text.length ? c % (text.length + 1) : 0)))].sort((a, b) => a - b);
  const strings: string[] = [];
  let from = 0;
  for (const c of at) {
    strings.push(text.slice(from, c));
    from = c;
  }
  strings.push(text.slice(from));
  return strings;
});

const viaOf = fc.oneof(
  fc.constant('apex'),
  fc
    .tuple(
      fc.constantFrom('include:', 'redirect='),
      fc.constantFrom('example.edu', 'x.example.net', '%{d}.example', ''),
      fc.boolean(),
    )
    .map(([k, d, loop]) => `${k}${d}${loop ? LOOP_MARK : ''}`),
  fc.string({ maxLength: 12 }),
);

const voidEntry = fc.oneof(
  fc
    .tuple(fc.constantFrom(...VOCABULARY), fc.constantFrom(...DNS_STATUSES))
    .map(([t, s]) => `${t} → x.example.org A/AAAA ${s}`),
  fc.string({ maxLength: 30 }),
);

function nodeFrom(
  domain: string,
  via: string,
  status: DnsStatus,
  txt: string[][],
  voids: string[],
  children: SpfNode[],
): SpfNode {
  const chosen = txt.filter((s) => isSpfRecord(s.join('')));
  const joined = txt.map((s) => s.join(''));
  return {
    domain,
    via,
    lookup: { name: domain, type: 'TXT', status, records: status === 'ok' ? joined : [] },
    spfRecords: chosen.map((s) => s.join('')),
    rawStrings: chosen,
    lookupTerms: chosen.length === 1 ? spfLookupTerms(chosen[0]!.join('')) : [],
    voidLookups: voids,
    children,
  };
}

const leaf = fc
  .tuple(
    viaOf,
    fc.constantFrom(...DNS_STATUSES),
    fc.array(published, { maxLength: 2 }),
    fc.array(voidEntry, { maxLength: 3 }),
  )
  .map(([via, status, txt, voids]) => nodeFrom('x.example.net', via, status, txt, voids, []));

const tree = fc
  .tuple(
    fc.constantFrom(...DNS_STATUSES),
    fc.array(published, { maxLength: 3 }),
    fc.array(voidEntry, { maxLength: 4 }),
    fc.array(
      fc.tuple(leaf, fc.array(leaf, { maxLength: 2 })).map(([n, kids]) => ({ ...n, children: kids })),
      { maxLength: 3 },
    ),
  )
  .map(([status, txt, voids, children]) => nodeFrom(DOMAIN, 'apex', status, txt, voids, children));

const facts: fc.Arbitrary<SpfFacts> = fc.record(
  {
    tree,
    error: fc.string({ maxLength: 10 }),
    evaluations: fc.array(
      fc.record({
        address: fc.constantFrom('192.0.2.1', '2001:db8::1'),
        result: fc.oneof(
          fc.constantFrom('pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror'),
          fc.string(),
        ),
        explanation: fc.string({ maxLength: 20 }),
      }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['tree'] },
);

describe('SPF checks on arbitrary records', () => {
  it('the gatherer term reader never throws', () => {
    fc.assert(fc.property(recordText, (text) => Array.isArray(spfLookupTerms(text))));
  });

  it('never throw and always return a renderable finding', () => {
    fc.assert(
      fc.property(facts, (spf) => {
        for (const check of CHECKS) {
          const f = judge(check, spf);
          expect(STATUSES).toContain(f.status);
          expect(typeof f.message).toBe('string');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('spf.record passes exactly the SPF records parseSpf finds no error in, however they are split', () => {
    fc.assert(
      fc.property(published, (strings) => {
        const text = strings.join('');
        const f = judge(record, { tree: nodeFrom(DOMAIN, 'apex', 'ok', [strings], [], []) });
        const valid = isSpfRecord(text) && !parseSpf(text).issues.some((i) => i.severity === 'error');
        expect(f.status).toBe(valid ? 'pass' : 'fail');
      }),
      { numRuns: 500 },
    );
  });

  it('records built from the RFC 7208 grammar pass, split anywhere', () => {
    const domain = fc.constantFrom(
      'example.org',
      '_spf.example.net.',
      'mail.example.edu',
      '%{i}._spf.%{d}',
      'x-1.example.co',
    );
    const term = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('', '+', '-', '~', '?'),
          fc.oneof(
            domain.map((d) => `include:${d}`),
            domain.map((d) => `exists:${d}`),
            fc
              .tuple(
                fc.constantFrom('a', 'mx'),
                fc.option(domain),
                fc.option(fc.integer({ min: 0, max: 32 })),
                fc.option(fc.integer({ min: 0, max: 128 })),
              )
              .map(
                ([m, d, c4, c6]) =>
                  `${m}${d !== null ? `:${d}` : ''}${c4 !== null ? `/${c4}` : ''}${c6 !== null ? `//${c6}` : ''}`,
              ),
            fc
              .tuple(fc.ipV4(), fc.option(fc.integer({ min: 0, max: 32 })))
              .map(([ip, c]) => `ip4:${ip}${c !== null ? `/${c}` : ''}`),
            fc
              .tuple(fc.ipV6(), fc.option(fc.integer({ min: 0, max: 128 })))
              .map(([ip, c]) => `ip6:${ip}${c !== null ? `/${c}` : ''}`),
            fc.option(domain).map((d) => (d === null ? 'ptr' : `ptr:${d}`)),
          ),
        )
        .map(([q, m]) => q + m),
      domain.map((d) => `exp=${d}`),
      fc.constantFrom('custom=%{l}', 'x.y-z=1'),
    );
    const valid = fc
      .tuple(
        fc.array(term, { maxLength: 12 }),
        fc.option(fc.constantFrom('-all', '~all', '?all', 'redirect=example.org')),
        fc.array(fc.nat(), { maxLength: 3 }),
      )
      .map(([terms, end, cuts]) => {
        const exps = terms.filter((t) => t.startsWith('exp='));
        const body = [
          ...terms.filter((t) => !t.startsWith('exp=')),
          ...exps.slice(0, 1),
          ...(end ? [end] : []),
        ];
        const text = ['v=spf1', ...body].join(' ');
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        return [0, ...at].map((c, i, all) => text.slice(c, all[i + 1]));
      });
    fc.assert(
      fc.property(valid, (strings) => {
        const text = strings.join('');
        expect(
          parseSpf(text).issues.filter((i) => i.severity === 'error'),
          text,
        ).toEqual([]);
        expect(judge(record, { tree: nodeFrom(DOMAIN, 'apex', 'ok', [strings], [], []) }).status).toBe(
          'pass',
        );
      }),
      { numRuns: 500 },
    );
  });
});
