import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/spf/void_lookups.js';
import { apex, child, judge, spfNode } from './helpers.js';

const VOID = (term: string, name: string, type = 'A/AAAA', status = 'NXDOMAIN') =>
  `${term} → ${name} ${type} ${status}`;

describe('spf.void_lookups', () => {
  it('passes with every term answered, listing each', () => {
    const f = judge(check, {
      tree: apex('v=spf1 a mx:example.edu exists:ok.example.edu ip4:192.0.2.1 -all'),
    });
    expect(f).toMatchObject({ status: 'pass', messageId: 'ok', data: { count: 0, max: 2 } });
    expect(f.evidence).toEqual([
      'example.edu:',
      '  a: answered',
      '  mx:example.edu: answered',
      '  exists:ok.example.edu: answered',
    ]);
  });

  it('passes at the limit and fails past it, counting included records too', () => {
    const two = apex('v=spf1 a:n1.example.edu a:n2.example.edu -all', {
      voidLookups: [
        VOID('a:n1.example.edu', 'n1.example.edu'),
        VOID('a:n2.example.edu', 'n2.example.edu', 'A/AAAA', 'NODATA'),
      ],
    });
    expect(judge(check, { tree: two }).status).toBe('pass');
    const three = apex('v=spf1 a:n1.example.edu a:n2.example.edu include:x.example.net -all', {
      voidLookups: [VOID('a:n1.example.edu', 'n1.example.edu'), VOID('a:n2.example.edu', 'n2.example.edu')],
      children: [
        child('include', 'x.example.net', 'v=spf1 mx -all', {
          voidLookups: [VOID('mx (MX host mx.example.net)', 'mx.example.net')],
        }),
      ],
    });
    const f = judge(check, { tree: three });
    expect(f).toMatchObject({ status: 'fail', messageId: 'too-many', data: { count: 3 } });
    expect(f.evidence).toContain('    mx (MX host mx.example.net) → mx.example.net A/AAAA NXDOMAIN (void)');
  });

  it('errors when a lookup went unanswered and the limit is not already passed', () => {
    const tree = apex('v=spf1 a:slow.example.edu -all', {
      voidLookups: [VOID('a:slow.example.edu', 'slow.example.edu', 'A/AAAA', 'SERVFAIL')],
    });
    const f = judge(check, { tree });
    expect(f.status).toBe('error');
    expect(f.message).toContain('SERVFAIL');
  });

  it('lists macro terms as not evaluated', () => {
    const f = judge(check, { tree: apex('v=spf1 exists:%{i}._spf.example.edu -all') });
    expect(f.status).toBe('pass');
    expect(f.evidence).toContain(
      '  exists:%{i}._spf.example.edu: not evaluated (macro; depends on the message)',
    );
  });

  it('skips without one SPF record and errors without facts', () => {
    expect(judge(check, { tree: spfNode({ status: 'NXDOMAIN' }) }).status).toBe('skip');
    expect(judge(check, undefined).status).toBe('error');
  });
});
