/**
 * Property: whatever body a policy server returns, parsing it and judging it never throws, and
 * the finding's message renders.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/mta_sts/policy.js';
import { parseMtaStsPolicy } from '../../../src/probe/dns/mta-sts.js';
import { dnsLookup, domainFacts, renderDomainMessage, runDomainCheck } from '../../helpers/dns-facts.js';

/** Policy-like bodies: known and unknown keys with plausible and arbitrary values. */
const policyLike = fc
  .array(
    fc.tuple(
      fc.constantFrom('version', 'mode', 'mx', 'max_age', 'MODE', ' mx ', 'extension', ''),
      fc.oneof(
        fc.constantFrom(
          'STSv1',
          'enforce',
          'testing',
          'none',
          '*.example.edu',
          'mx1.example.edu',
          '86400',
          '-1',
          '1e9',
          '',
        ),
        fc.string(),
      ),
    ),
    { maxLength: 10 },
  )
  .chain((lines) =>
    fc.constantFrom('\n', '\r\n', '\r').map((eol) => lines.map(([k, v]) => `${k}: ${v}`).join(eol)),
  );

describe('mta_sts.policy on arbitrary policy bodies', () => {
  it('never throws and always renders', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 2000 }), policyLike),
        (body) => {
          const policy = parseMtaStsPolicy(body);
          expect(Array.isArray(policy.errors)).toBe(true);
          const facts = domainFacts({
            mtaSts: {
              txt: dnsLookup('_mta-sts.example.edu', 'TXT', ['v=STSv1; id=1']),
              fetch: {
                url: 'https://mta-sts.example.edu/.well-known/mta-sts.txt',
                status: 200,
                contentType: 'text/plain',
                body,
              },
              policy,
            },
          });
          const finding = runDomainCheck(check, facts);
          expect(['pass', 'fail', 'warn', 'error']).toContain(finding.status);
          renderDomainMessage(check, finding);
        },
      ),
      { numRuns: 500 },
    );
  });
});
