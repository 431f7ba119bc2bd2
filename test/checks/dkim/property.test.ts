/**
 * Property: whatever text a DNS zone publishes at a selector, the DKIM checks return a finding
 * (never throw) whose message renders.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import keyCheck from '../../../src/checks/dkim/key.js';
import selectorCheck from '../../../src/checks/dkim/selector.js';
import testingCheck from '../../../src/checks/dkim/testing.js';
import { domainFacts, renderDomainMessage, runDomainCheck } from '../../helpers/dns-facts.js';
import { publicKey, selector } from './helpers.js';

const STATUSES = ['pass', 'fail', 'warn', 'info', 'skip', 'error'];

/** Tag lists that look like DKIM records, so the properties also reach the key decoding. */
const recordLike = fc
  .array(
    fc.tuple(
      fc.constantFrom('v', 'k', 'p', 't', 'h', 's', 'n', 'V', ' p ', '', 'x-y'),
      fc.oneof(
        fc.constantFrom(
          'DKIM1',
          'rsa',
          'ed25519',
          'y',
          's:y',
          'sha1',
          'sha256',
          '',
          '==',
          publicKey('rsa', 1024),
        ),
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')),
        fc.string(),
      ),
    ),
    { maxLength: 8 },
  )
  .chain((tags) =>
    fc.constantFrom('; ', ';', ' ; ').map((sep) => tags.map(([k, v]) => `${k}=${v}`).join(sep)),
  );

const anyRecord = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), recordLike);

describe('DKIM checks on arbitrary records', () => {
  it('never throw and always render', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyRecord, fc.boolean()), { minLength: 1, maxLength: 4 }), (entries) => {
        const dkim = entries.map(([text, configured], i) =>
          selector(`s${i}`, { records: [text], configured }),
        );
        for (const check of [selectorCheck, keyCheck, testingCheck]) {
          const finding = runDomainCheck(check as typeof keyCheck, domainFacts({ dkim }));
          expect(STATUSES).toContain(finding.status);
          renderDomainMessage(check as typeof keyCheck, finding);
        }
      }),
      { numRuns: 300 },
    );
  });
});
