import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/spf/all.js';
import { apex, child, judge, loopChild, spfNode } from './helpers.js';

describe('spf.all', () => {
  it('passes -all', () => {
    const f = judge(check, { tree: apex('v=spf1 mx -all') });
    expect(f).toMatchObject({ status: 'pass', messageId: 'hardfail', data: { term: '-all' } });
  });

  it('warns on ~all (or fails when the policy says so)', () => {
    expect(judge(check, { tree: apex('v=spf1 mx ~all') })).toMatchObject({
      status: 'warn',
      messageId: 'softfail',
    });
    expect(judge(check, { tree: apex('v=spf1 mx ~all') }, { softfail: 'fail' }).status).toBe('fail');
  });

  it('fails ?all, +all, all and no all', () => {
    expect(judge(check, { tree: apex('v=spf1 mx ?all') })).toMatchObject({
      status: 'fail',
      messageId: 'neutral',
    });
    expect(judge(check, { tree: apex('v=spf1 +all') })).toMatchObject({
      status: 'fail',
      messageId: 'pass-all',
    });
    expect(judge(check, { tree: apex('v=spf1 mx all') })).toMatchObject({
      status: 'fail',
      messageId: 'pass-all',
      data: { term: 'all' },
    });
    expect(judge(check, { tree: apex('v=spf1 mx') })).toMatchObject({ status: 'fail', messageId: 'none' });
  });

  it('takes the first all (later terms are never reached)', () => {
    expect(judge(check, { tree: apex('v=spf1 -all +all') }).status).toBe('pass');
  });

  it('judges the redirect target when there is no all', () => {
    const tree = apex('v=spf1 mx redirect=_spf.example.edu', {
      children: [child('redirect', '_spf.example.edu', 'v=spf1 ip4:192.0.2.0/24 ~all')],
    });
    const f = judge(check, { tree });
    expect(f.status).toBe('warn');
    expect(f.evidence).toContain('final: ~all (in redirect=_spf.example.edu)');
  });

  it('fails when the redirect target is unusable, errors when it is unanswered', () => {
    const gone = apex('v=spf1 redirect=gone.example.edu', {
      children: [child('redirect', 'gone.example.edu', 'NXDOMAIN')],
    });
    expect(judge(check, { tree: gone })).toMatchObject({ status: 'fail', messageId: 'redirect-broken' });
    const loop = apex('v=spf1 redirect=a.example.edu', {
      children: [
        child('redirect', 'a.example.edu', 'v=spf1 redirect=example.edu', {
          children: [loopChild('redirect', 'example.edu', 'v=spf1 redirect=a.example.edu')],
        }),
      ],
    });
    expect(judge(check, { tree: loop }).data?.why).toBe('redirect=example.edu loops back to example.edu');
    const slow = apex('v=spf1 redirect=slow.example.edu', {
      children: [child('redirect', 'slow.example.edu', 'TIMEOUT')],
    });
    expect(judge(check, { tree: slow }).status).toBe('error');
  });

  it('fails when an include or a /0 range authorises everyone before -all', () => {
    const tree = apex('v=spf1 include:open.example.net -all', {
      children: [child('include', 'open.example.net', 'v=spf1 +all')],
    });
    const f = judge(check, { tree });
    expect(f).toMatchObject({
      status: 'fail',
      messageId: 'open',
      data: { open: 'include:open.example.net: +all' },
    });
    expect(judge(check, { tree: apex('v=spf1 ip4:0.0.0.0/0 -all') }).messageId).toBe('open');
    // A "-" include of an open record does not authorise anyone.
    const minus = apex('v=spf1 -include:open.example.net -all', {
      children: [child('include', 'open.example.net', 'v=spf1 +all', { via: 'include:open.example.net' })],
    });
    expect(judge(check, { tree: minus }).status).toBe('pass');
  });

  it('skips without one SPF record and errors without facts', () => {
    expect(judge(check, { tree: spfNode({ status: 'NODATA' }) }).status).toBe('skip');
    expect(judge(check, undefined).status).toBe('error');
  });
});
