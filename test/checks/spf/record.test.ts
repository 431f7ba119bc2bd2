import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/spf/record.js';
import { parseSpf } from '../../../src/checks/spf/common.js';
import { apex, child, judge, loopChild, spfNode } from './helpers.js';

describe('spf.record', () => {
  it('passes one valid record and lists it as published', () => {
    const f = judge(check, {
      tree: apex('v=spf1 mx ip4:192.0.2.0/24 -all', { txt: ['google-site-verification=x'] }),
    });
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('valid');
    expect(f.evidence).toContain('TXT example.edu: "v=spf1 mx ip4:192.0.2.0/24 -all"');
  });

  it('accepts an upper-case version and mechanism names (RFC 7208 §4.5, §12)', () => {
    expect(judge(check, { tree: apex('V=SPF1 MX IP4:192.0.2.1 -ALL') }).status).toBe('pass');
  });

  it('fails when there is no SPF record, and notes a near miss', () => {
    const f = judge(check, { tree: spfNode({ txt: ['v=spf1include:_spf.example.net -all', 'other'] }) });
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('missing');
    expect(f.message).toBe('example.edu publishes no SPF record (no TXT record starting with "v=spf1")');
    expect(f.evidence?.some((e) => e.includes('looks like SPF'))).toBe(true);
  });

  it('fails on NXDOMAIN or NODATA (real answers)', () => {
    expect(judge(check, { tree: spfNode({ status: 'NXDOMAIN' }) }).messageId).toBe('missing');
    expect(judge(check, { tree: spfNode({ status: 'NODATA' }) }).evidence).toEqual([
      'TXT example.edu: NODATA',
    ]);
  });

  it('fails on two SPF records (RFC 7208 §3.2: permerror)', () => {
    const f = judge(check, { tree: spfNode({ txt: ['v=spf1 mx -all', 'v=spf1 a -all'] }) });
    expect(f).toMatchObject({ status: 'fail', messageId: 'multiple', data: { count: 2 } });
    expect(f.message).toContain('2 SPF records');
  });

  it('reports a syntax error with its offset and term', () => {
    const f = judge(check, { tree: apex('v=spf1 ip4:300.1.1.1 foo:bar -all') });
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('syntax');
    expect(f.data).toMatchObject({
      count: 2,
      offset: 7,
      term: 'ip4:300.1.1.1',
      problem: '"300.1.1.1" is not an IPv4 address',
    });
    expect(f.evidence).toContain('error: offset 21 "foo:bar": unknown mechanism "foo"');
  });

  it('explains a syntax error caused by strings joined without a space', () => {
    const f = judge(check, { tree: apex(['v=spf1 ip4:192.0.2.1', 'include:_spf.example.net -all']) });
    expect(f.status).toBe('fail');
    expect(String(f.data?.problem)).toContain(
      'the TXT strings meet at offset 20 with no space between "ip4:192.0.2.1" and "include:_spf.example.net"',
    );
  });

  it('accepts a string boundary inside a term, and notes a 255-octet string', () => {
    const terms = ['v=spf1'];
    for (let i = 0; terms.join(' ').length < 300; i++) terms.push(`ip4:192.0.2.${i}`);
    const text = [...terms, '-all'].join(' ');
    const f = judge(check, { tree: apex([text.slice(0, 255), text.slice(255)]) });
    expect(f.status).toBe('pass');
    expect(f.evidence).toContain(
      'note: TXT string 1 of 2 is 255 octets, the maximum for one string; the record continues in the next string',
    );
  });

  it('fails when an include has no SPF record or a syntax error (permerror)', () => {
    const missing = apex('v=spf1 include:gone.example.net -all', {
      children: [child('include', 'gone.example.net', 'NXDOMAIN')],
    });
    const f = judge(check, { tree: missing });
    expect(f).toMatchObject({
      status: 'fail',
      messageId: 'include-broken',
      data: { where: 'include:gone.example.net', problem: 'no SPF record (NXDOMAIN)' },
    });
    const bad = apex('v=spf1 redirect=_spf.example.edu', {
      children: [child('redirect', '_spf.example.edu', 'v=spf1 ip4:1.2.3 -all')],
    });
    expect(judge(check, { tree: bad }).data?.problem).toContain('syntax error at offset 7 "ip4:1.2.3"');
  });

  it('does not judge when an include went unanswered', () => {
    const tree = apex('v=spf1 include:slow.example.net -all', {
      children: [child('include', 'slow.example.net', 'SERVFAIL')],
    });
    const f = judge(check, { tree });
    expect(f.status).toBe('error');
    expect(f.message).toContain('include:slow.example.net: TXT slow.example.net SERVFAIL');
  });

  it('passes a loop (spf.lookups reports it) without following it again', () => {
    const tree = apex('v=spf1 include:a.example.net -all', {
      children: [
        child('include', 'a.example.net', 'v=spf1 include:example.edu -all', {
          children: [loopChild('include', 'example.edu', 'v=spf1 include:a.example.net -all')],
        }),
      ],
    });
    expect(judge(check, { tree }).status).toBe('pass');
  });

  it('errors when facts are missing or the apex went unanswered', () => {
    expect(judge(check, undefined).status).toBe('error');
    expect(
      judge(check, { error: 'TXT example.edu: TIMEOUT', tree: spfNode({ status: 'TIMEOUT' }) }).message,
    ).toContain('TIMEOUT');
    expect(judge(check, { tree: spfNode({ status: 'SERVFAIL' }) }).status).toBe('error');
  });
});

describe('parseSpf', () => {
  const problems = (r: string) =>
    parseSpf(r)
      .issues.filter((i) => i.severity === 'error')
      .map((i) => `${i.offset} ${i.problem}`);

  it('accepts the ABNF forms of every mechanism and modifier', () => {
    const ok = [
      'v=spf1',
      'v=spf1 -all',
      'v=spf1 a a/24 a//64 a/24//64 a:mail.example.org a:mail.example.org/28 mx mx:example.org/24//48 ~all',
      'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip6:::1 ?all',
      'v=spf1 ptr ptr:example.org exists:%{i}._spf.%{d} include:_spf.example.org. -all',
      'v=spf1 redirect=_spf.example.org exp=explain._spf.%{d}',
      'v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} unknown-mod=%{s} -all',
      'v=spf1 a:foo-bar.x1 mx:host.123-4 -all',
    ];
    for (const r of ok) expect(problems(r), r).toEqual([]);
  });

  it('rejects what the ABNF does not allow, each at its offset', () => {
    expect(problems('v=spf1 ip4:192.0.2.0/33')).toEqual(['7 "/33" is not a prefix length 0-32']);
    expect(problems('v=spf1 ip6:2001:db8::/129')).toEqual(['7 "/129" is not a prefix length 0-128']);
    expect(problems('v=spf1 a/024')).toEqual(['7 "/024" is not a prefix length 0-32']);
    expect(problems('v=spf1 include')).toEqual(['7 "include" needs a domain: include:example.org']);
    expect(problems('v=spf1 include:localhost')).toEqual([
      '7 "localhost" is not a fully qualified domain name',
    ]);
    expect(problems('v=spf1 a:example.123')).toEqual(['7 "123" is not a valid top label of "example.123"']);
    expect(problems('v=spf1 a:foo..example')).toEqual(['7 "foo..example" has an empty label']);
    expect(problems('v=spf1 -all:x')).toEqual(['7 "all" takes no argument']);
    expect(problems('v=spf1 exists:%{x}.example.org')).toEqual([
      '7 macro "%{x}" is not valid (RFC 7208 §7.1)',
    ]);
    expect(problems('v=spf1 exists:%{i0}.example.org')).toEqual([
      '7 macro "%{i0}": the digit transformer must not be 0',
    ]);
    expect(problems('v=spf1 exists:50%.example.org')).toEqual([
      '7 "%" must start a macro ("%{x}", "%%", "%_" or "%-")',
    ]);
    expect(problems('v=spf1 mx -all redirect=a.example redirect=b.example')).toEqual([
      '34 "redirect=" appears more than once',
    ]);
    expect(problems('v=spf1 =x')).toEqual(['7 neither a mechanism nor a modifier (name=value)']);
    expect(problems('v=spf1\tmx')).toEqual([
      '6 whitespace U+0009: terms are separated by spaces only (RFC 7208 §12)',
    ]);
    expect(problems('v=spf1 ip4:192.0.2.1\u00e9')).toEqual(['7 character U+00E9 is not allowed']);
    expect(problems('v=spf10 -all')[0]).toBe('0 the record must begin with "v=spf1" and a space');
  });

  it('notes legal oddities without failing', () => {
    const notes = parseSpf('v=spf1 -all mx redirect=x.example v=spf1').issues.filter(
      (i) => i.severity === 'note',
    );
    expect(notes.map((n) => n.problem)).toEqual([
      'never evaluated: it follows "all"',
      'ignored because the record has "all" (RFC 7208 §6.1)',
      'a second version term: two records pasted into one?',
    ]);
  });
});
