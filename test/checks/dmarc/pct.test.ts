import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dmarc/pct.js';
import { judge } from './helpers.js';

describe('dmarc.pct', () => {
  it('passes pct=100 or no pct', () => {
    expect(judge(check, ['v=DMARC1; p=reject; pct=100'])).toMatchObject({
      status: 'pass',
      messageId: 'full',
    });
    expect(judge(check, ['v=DMARC1; p=reject']).message).toBe(
      'DMARC policy of example.edu applies to all failing mail (pct absent, default 100)',
    );
  });

  it('warns on pct below 100, and on a value that is not a percentage', () => {
    const f = judge(check, ['v=DMARC1; p=quarantine; pct=20']);
    expect(f).toMatchObject({ status: 'warn', messageId: 'partial', data: { pct: 20 } });
    expect(judge(check, ['v=DMARC1; p=quarantine; pct=half'])).toMatchObject({
      status: 'warn',
      messageId: 'invalid',
    });
  });

  it('skips under p=none or without a record, errors when unanswered', () => {
    expect(judge(check, ['v=DMARC1; p=none; pct=10']).status).toBe('skip');
    expect(judge(check, 'NODATA').status).toBe('skip');
    expect(judge(check, 'SERVFAIL').status).toBe('error');
    expect(judge(check, null).status).toBe('error');
  });
});

describe('dmarc.pct without a valid p=', () => {
  it('skips: pct has no effect', () => {
    expect(judge(check, ['v=DMARC1; p=rejectt; pct=10']).status).toBe('skip');
  });
});
