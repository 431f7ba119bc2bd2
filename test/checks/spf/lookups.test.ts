import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/spf/lookups.js';
import { apex, child, judge, loopChild, spfNode } from './helpers.js';

/** include chain of `n` records, each with one more include; the last has none. */
function chain(n: number, i = 1): ReturnType<typeof child> {
  const name = `inc${i}.example.net`;
  if (i === n) return child('include', name, 'v=spf1 ip4:192.0.2.0/24 -all');
  return child('include', name, `v=spf1 include:inc${i + 1}.example.net -all`, {
    children: [chain(n, i + 1)],
  });
}

describe('spf.lookups', () => {
  it('counts terms across includes and redirects, with a tree as evidence', () => {
    const tree = apex('v=spf1 mx a include:_spf.example.net redirect=_spf.example.edu', {
      children: [
        child('include', '_spf.example.net', 'v=spf1 ip4:192.0.2.0/24 include:x.example.net -all', {
          children: [child('include', 'x.example.net', 'v=spf1 a:h.example.net mx -all')],
        }),
        child('redirect', '_spf.example.edu', 'v=spf1 exists:%{i}.e.example.edu -all'),
      ],
    });
    const f = judge(check, { tree });
    expect(f).toMatchObject({ status: 'pass', messageId: 'ok', data: { count: 8, max: 10 } });
    expect(f.evidence).toEqual([
      'example.edu: 4 here, 8 in total',
      '  include:_spf.example.net: 1 here, 3 in total',
      '    include:x.example.net: 2 here, 2 in total',
      '  redirect=_spf.example.edu: 1 here, 1 in total',
    ]);
  });

  it('ignores a redirect when the record has "all" (RFC 7208 §6.1)', () => {
    expect(judge(check, { tree: apex('v=spf1 mx -all redirect=x.example.net') }).data?.count).toBe(1);
  });

  it('fails past the limit (the lab weak.example: 16)', () => {
    const tree = apex(
      'v=spf1 a:n1.example.edu a:n2.example.edu a:n3.example.edu ptr mx include:inc1.example.net ~all',
      {
        children: [chain(11)],
      },
    );
    const f = judge(check, { tree });
    expect(f).toMatchObject({ status: 'fail', messageId: 'too-many', data: { count: 16, max: 10 } });
    expect(f.message).toBe(
      'Evaluating the SPF record of example.edu takes 16 DNS-querying terms, over the limit of 10: receivers return permerror',
    );
  });

  it('takes the limit from params', () => {
    expect(judge(check, { tree: apex('v=spf1 mx a -all') }, { max: 1 }).status).toBe('fail');
  });

  it('fails on a loop', () => {
    const tree = apex('v=spf1 include:a.example.net -all', {
      children: [
        child('include', 'a.example.net', 'v=spf1 include:example.edu -all', {
          children: [loopChild('include', 'example.edu', 'v=spf1 include:a.example.net -all')],
        }),
      ],
    });
    const f = judge(check, { tree });
    expect(f).toMatchObject({
      status: 'fail',
      messageId: 'loop',
      data: { loop: 'include:a.example.net → include:example.edu' },
    });
  });

  it('is info when an include uses a macro (only a lower bound is known)', () => {
    const f = judge(check, { tree: apex('v=spf1 include:%{d}.spf.example.net -all') });
    expect(f).toMatchObject({ status: 'info', messageId: 'partial', data: { count: 1 } });
    expect(f.evidence).toContain(
      '  include:%{d}.spf.example.net: not expanded (macro; depends on the message), its own lookups not counted',
    );
  });

  it('counts a record without SPF as 0 and says so', () => {
    const tree = apex('v=spf1 include:gone.example.net -all', {
      children: [child('include', 'gone.example.net', 'NXDOMAIN')],
    });
    const f = judge(check, { tree });
    expect(f.status).toBe('pass');
    expect(f.evidence).toContain(
      '  include:gone.example.net: no SPF record (NXDOMAIN), permerror (see spf.record)',
    );
  });

  it('errors when an include went unanswered and the count is within the limit', () => {
    const tree = apex('v=spf1 include:slow.example.net -all', {
      children: [child('include', 'slow.example.net', 'TIMEOUT')],
    });
    expect(judge(check, { tree }).status).toBe('error');
  });

  it('still fails when an unanswered include cannot bring the count under the limit', () => {
    const terms = Array.from({ length: 10 }, (_, i) => `a:h${i}.example.edu`).join(' ');
    const tree = apex(`v=spf1 ${terms} include:slow.example.net -all`, {
      children: [child('include', 'slow.example.net', 'TIMEOUT')],
    });
    expect(judge(check, { tree }).status).toBe('fail');
  });

  it('marks includes the gatherer did not follow', () => {
    const tree = apex('v=spf1 include:deep.example.net -all');
    expect(judge(check, { tree }).evidence).toContain(
      '  include:deep.example.net: not followed (mailcheck stops at 10 levels or 50 records)',
    );
  });

  it('skips without one SPF record and errors without facts', () => {
    expect(judge(check, { tree: spfNode({ txt: ['other'] }) }).status).toBe('skip');
    expect(judge(check, { tree: spfNode({ txt: ['v=spf1 -all', 'v=spf1 mx -all'] }) }).status).toBe('skip');
    expect(judge(check, undefined).status).toBe('error');
    expect(
      judge(check, { error: 'TXT example.edu: SERVFAIL', tree: spfNode({ status: 'SERVFAIL' }) }).status,
    ).toBe('error');
  });
});
