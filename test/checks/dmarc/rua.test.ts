import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dmarc/rua.js';
import { judge } from './helpers.js';

describe('dmarc.rua', () => {
  it('passes a mailto: address in the domain', () => {
    const f = judge(check, ['v=DMARC1; p=reject; rua=mailto:dmarc@example.edu']);
    expect(f).toMatchObject({ status: 'pass', messageId: 'ok', data: { addresses: ['dmarc@example.edu'] } });
    expect(f.evidence).toContain('mailto:dmarc@example.edu: ok');
  });

  it('notes that an external address needs an authorisation record (not verified)', () => {
    const f = judge(check, [
      'v=DMARC1; p=reject; rua=mailto:x@reports.example.net!10m,mailto:y@sub.example.edu',
    ]);
    expect(f.status).toBe('pass');
    expect(f.data?.addresses).toEqual(['x@reports.example.net', 'y@sub.example.edu']);
    expect(f.evidence).toContain(
      'mailto:x@reports.example.net!10m: outside example.edu; unless both are one organisation, reports.example.net must publish TXT ' +
        '"v=DMARC1" at example.edu._report._dmarc.reports.example.net (RFC 7489 §7.1) — not verified by mailcheck',
    );
  });

  it('fails without rua= or without a usable address', () => {
    expect(judge(check, ['v=DMARC1; p=none'])).toMatchObject({ status: 'fail', messageId: 'missing' });
    const f = judge(check, ['v=DMARC1; p=none; rua=dmarc@example.edu']);
    expect(f).toMatchObject({ status: 'fail', messageId: 'invalid' });
    expect(f.message).toContain('is not a URI');
  });

  it('skips without a record, errors when unanswered', () => {
    expect(judge(check, 'NXDOMAIN').status).toBe('skip');
    expect(judge(check, 'REFUSED').status).toBe('error');
  });
});
