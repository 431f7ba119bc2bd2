import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/spf/ptr.js';
import { apex, child, judge, spfNode } from './helpers.js';

describe('spf.ptr', () => {
  it('passes without ptr anywhere', () => {
    const tree = apex('v=spf1 mx include:x.example.net -all', {
      children: [child('include', 'x.example.net', 'v=spf1 a -all')],
    });
    expect(judge(check, { tree })).toMatchObject({ status: 'pass', messageId: 'none' });
  });

  it('fails on ptr in the record or in an include, naming where', () => {
    expect(judge(check, { tree: apex('v=spf1 ?ptr:example.edu -all') }).data?.where).toEqual([
      '?ptr:example.edu in example.edu',
    ]);
    const tree = apex('v=spf1 include:x.example.net -all', {
      children: [child('include', 'x.example.net', 'v=spf1 ptr -all')],
    });
    const f = judge(check, { tree });
    expect(f).toMatchObject({ status: 'fail', messageId: 'found' });
    expect(f.message).toContain('ptr in include:x.example.net');
  });

  it('errors when an include went unanswered', () => {
    const tree = apex('v=spf1 include:x.example.net -all', {
      children: [child('include', 'x.example.net', 'REFUSED')],
    });
    expect(judge(check, { tree }).status).toBe('error');
  });

  it('skips without one SPF record and errors without facts', () => {
    expect(judge(check, { tree: spfNode({ txt: ['v=spf1 -all', 'v=spf1 -all'] }) }).status).toBe('skip');
    expect(judge(check, undefined).status).toBe('error');
  });
});
