import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dmarc/policy.js';
import { judge } from './helpers.js';

describe('dmarc.policy', () => {
  it('passes quarantine and reject in the baseline', () => {
    expect(judge(check, ['v=DMARC1; p=reject'])).toMatchObject({
      status: 'pass',
      messageId: 'ok',
      data: { p: 'reject', sp: 'reject' },
    });
    expect(judge(check, ['v=DMARC1; p=Quarantine; sp=reject']).data).toMatchObject({
      p: 'quarantine',
      sp: 'reject',
    });
  });

  it('fails p=none', () => {
    const f = judge(check, ['v=DMARC1; p=none']);
    expect(f).toMatchObject({ status: 'fail', messageId: 'monitoring' });
    expect(f.message).toBe(
      'DMARC policy of example.edu is p=none: mail failing DMARC is delivered as usual (allowed: quarantine, reject)',
    );
  });

  it('fails quarantine when the strict policy allows only reject', () => {
    expect(judge(check, ['v=DMARC1; p=quarantine'], { allowed: ['reject'] })).toMatchObject({
      status: 'fail',
      messageId: 'weak',
    });
  });

  it('fails a weaker sp=, and lets an invalid sp= fall back to p=', () => {
    expect(judge(check, ['v=DMARC1; p=reject; sp=none'])).toMatchObject({
      status: 'fail',
      messageId: 'weak-sp',
    });
    const f = judge(check, ['v=DMARC1; p=reject; sp=bogus']);
    expect(f.status).toBe('pass');
    expect(f.evidence).toContain('sp=bogus (invalid, subdomains get p=reject)');
  });

  it('fails without a valid p=', () => {
    expect(judge(check, ['v=DMARC1; p=rejectt'])).toMatchObject({
      status: 'fail',
      messageId: 'no-p',
      data: { p: 'p=rejectt' },
    });
    expect(judge(check, ['v=DMARC1; rua=mailto:d@example.edu']).data?.p).toBe('absent');
  });

  it('skips without one DMARC record, errors when unanswered or not gathered', () => {
    expect(judge(check, 'NXDOMAIN').status).toBe('skip');
    expect(judge(check, ['v=DMARC1; p=none', 'v=DMARC1; p=reject']).status).toBe('skip');
    expect(judge(check, 'TIMEOUT').status).toBe('error');
    expect(judge(check, null).status).toBe('error');
  });
});
