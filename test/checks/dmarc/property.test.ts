/**
 * Whatever is published at _dmarc, the DMARC checks return a well-formed finding: they never
 * throw, the status is one of the six, and the message (and remediation) renders. (The gatherer
 * joins a record's character-strings, so the checks only ever see joined text; the split itself
 * is covered by test/probe/dns/dmarc.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import pct from '../../../src/checks/dmarc/pct.js';
import policy from '../../../src/checks/dmarc/policy.js';
import record from '../../../src/checks/dmarc/record.js';
import rua from '../../../src/checks/dmarc/rua.js';
import { isDmarcRecord, parseDmarc } from '../../../src/checks/dmarc/common.js';
import type { DomainCheck } from '../../../src/checks/types.js';
import type { DnsStatus } from '../../../src/model/dns-artifacts.js';
import { judge } from './helpers.js';

const CHECKS = [record, policy, pct, rua] as DomainCheck<object>[];
const STATUSES = ['pass', 'fail', 'warn', 'info', 'skip', 'error'];

const VOCABULARY = [
  'v=DMARC1',
  'v = DMARC1',
  'v=dmarc1',
  'v=DMARC',
  'p=',
  'sp=',
  'np=',
  'pct=',
  'rua=',
  'ruf=',
  'fo=',
  'rf=',
  'ri=',
  'adkim=',
  'aspf=',
  'psd=',
  't=',
  'none',
  'quarantine',
  'reject',
  'rejectt',
  '100',
  '0',
  '101',
  '-1',
  'r',
  's',
  'd',
  '1',
  'afrf',
  'mailto:',
  'dmarc@example.edu',
  'x@reports.example.net',
  '!10m',
  '!',
  ',',
  ';',
  ':',
  '=',
  ' ',
  '\t',
  '%',
  '%zz',
  '@',
  'https://r.example.net/',
  'é',
  '',
];

const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 24 }).map((t) => t.join('')),
  fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 16 }).map((t) => `v=DMARC1; ${t.join('')}`),
  fc
    .array(fc.tuple(fc.constantFrom(...VOCABULARY), fc.constantFrom(...VOCABULARY)), { maxLength: 8 })
    .map((pairs) => `v=DMARC1; ${pairs.map(([k, v]) => `${k}${v}`).join('; ')}`),
);

const answer: fc.Arbitrary<string[] | DnsStatus | null> = fc.oneof(
  fc.array(text, { maxLength: 3 }),
  fc.constantFrom<DnsStatus | null>('NXDOMAIN', 'NODATA', 'SERVFAIL', 'REFUSED', 'TIMEOUT', null),
);

describe('DMARC checks on arbitrary records', () => {
  it('never throw and always return a renderable finding', () => {
    fc.assert(
      fc.property(answer, (a) => {
        for (const check of CHECKS) {
          const f = judge(check, a);
          expect(STATUSES).toContain(f.status);
          expect(typeof f.message).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the parser reports offsets inside the record and passes only records with v first and a valid p', () => {
    fc.assert(
      fc.property(text, (t) => {
        const parsed = parseDmarc(t);
        for (const i of parsed.issues) {
          expect(i.offset).toBeGreaterThanOrEqual(0);
          expect(i.offset).toBeLessThanOrEqual(t.length);
        }
        const ok = !parsed.issues.some((i) => i.severity === 'error');
        if (ok) {
          expect(parsed.tags[0]?.name).toBe('v');
          expect(parsed.byName.get('p')?.value).toMatch(/^(none|quarantine|reject)$/i);
          expect(isDmarcRecord(t)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
