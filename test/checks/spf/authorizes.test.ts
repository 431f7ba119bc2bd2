import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/spf/authorizes.js';
import { apex, judge } from './helpers.js';

const tree = apex('v=spf1 mx -all');

describe('spf.authorizes', () => {
  it('passes when every address passes', () => {
    const f = judge(check, {
      tree,
      evaluations: [{ address: '192.0.2.25', result: 'pass', explanation: 'designates' }],
    });
    expect(f).toMatchObject({ status: 'pass', messageId: 'pass' });
    expect(f.evidence).toEqual(['192.0.2.25: pass (designates)']);
  });

  it('fails on fail, softfail, neutral and none, naming the addresses', () => {
    for (const result of ['fail', 'softfail', 'neutral', 'none']) {
      const f = judge(check, {
        tree,
        evaluations: [
          { address: '192.0.2.25', result: 'pass' },
          { address: '198.51.100.9', result },
        ],
      });
      expect(f.status, result).toBe('fail');
      expect(f.message).toBe(`SPF of example.edu does not authorise 198.51.100.9: 198.51.100.9 ${result}`);
    }
  });

  it('errors on temperror (nothing known) with the reason', () => {
    const f = judge(check, {
      tree,
      evaluations: [
        { address: '192.0.2.25', result: 'temperror', explanation: 'DNS timeout for include:spf.example' },
      ],
    });
    expect(f.status).toBe('error');
    expect(f.message).toContain('DNS timeout for include:spf.example');
  });

  it('fails on permerror: a record that cannot be evaluated authorises nobody (RFC 7208 §2.6.7)', () => {
    const f = judge(check, {
      tree,
      evaluations: [{ address: '192.0.2.25', result: 'permerror', explanation: 'Too many void DNS results' }],
    });
    expect(f.status).toBe('fail');
    expect(f.message).toContain('192.0.2.25 permerror');
  });

  it('skips when no address was evaluated, errors without facts', () => {
    expect(judge(check, { tree, evaluations: [] }).status).toBe('skip');
    expect(judge(check, { tree }).status).toBe('skip');
    expect(judge(check, undefined).status).toBe('error');
  });
});
