import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dmarc/record.js';
import { parseDmarc } from '../../../src/checks/dmarc/common.js';
import { judge } from './helpers.js';

describe('dmarc.record', () => {
  it('passes one valid record, ignoring other TXT records', () => {
    const f = judge(check, ['v=DMARC1; p=reject; rua=mailto:d@example.edu; pct=100', 'some-verification=1']);
    expect(f).toMatchObject({ status: 'pass', messageId: 'valid' });
    expect(f.evidence).toContain(
      'TXT _dmarc.example.edu: "v=DMARC1; p=reject; rua=mailto:d@example.edu; pct=100"',
    );
  });

  it('accepts every defined tag with valid values, whitespace and a trailing ";"', () => {
    const r =
      'v=DMARC1 ; p = quarantine; sp=reject; np=reject; adkim=s; aspf=r; pct=50; fo=0:1:d:s; rf=afrf; ri=86400; ' +
      'rua=mailto:a@example.edu,mailto:b@reports.example.net!10m; ruf=mailto:f@example.edu; ';
    expect(judge(check, [r]).status).toBe('pass');
  });

  it('fails without a record (NXDOMAIN, or TXT that is not DMARC) and notes a near miss', () => {
    expect(judge(check, 'NXDOMAIN')).toMatchObject({ status: 'fail', messageId: 'missing' });
    const f = judge(check, ['v=DMARC1p=reject']);
    expect(f.message).toBe('example.edu publishes no DMARC record at _dmarc.example.edu');
    expect(f.evidence?.at(-1)).toContain('looks like DMARC');
  });

  it('fails on two records (RFC 7489 §6.6.3)', () => {
    const f = judge(check, ['v=DMARC1; p=none', 'v=DMARC1; p=reject']);
    expect(f).toMatchObject({ status: 'fail', messageId: 'multiple', data: { count: 2 } });
  });

  it('reports a bad value with its offset (the lab broken.example: p=rejectt)', () => {
    const f = judge(check, ['v=DMARC1; p=rejectt']);
    expect(f).toMatchObject({
      status: 'fail',
      messageId: 'syntax',
      data: {
        count: 1,
        offset: 10,
        tag: 'p=rejectt',
        problem: '"rejectt" is not none, quarantine or reject',
      },
    });
    expect(f.message).toBe(
      'The DMARC record of example.edu has 1 error(s), the first at offset 10 ("p=rejectt"): "rejectt" is not none, quarantine or reject',
    );
  });

  it('fails without p=, and hints at a missing ";"', () => {
    expect(judge(check, ['v=DMARC1; rua=mailto:d@example.edu']).data?.problem).toBe(
      'p= is required (RFC 7489 §6.3)',
    );
    expect(judge(check, ['v=DMARC1 p=reject']).data?.problem).toBe(
      'v must be exactly "DMARC1", not "DMARC1 p=reject" (a ";" missing between tags?)',
    );
  });

  it('warns on unknown tags (usually typos)', () => {
    const f = judge(check, ['v=DMARC1; p=reject; rue=mailto:d@example.edu']);
    expect(f).toMatchObject({
      status: 'warn',
      messageId: 'unknown-tags',
      data: { tags: ['rue=mailto:d@example.edu'] },
    });
  });

  it('errors when the lookup went unanswered or was not made', () => {
    expect(judge(check, 'SERVFAIL').message).toBe(
      'DMARC record of example.edu could not be fetched: TXT _dmarc.example.edu SERVFAIL',
    );
    expect(judge(check, null).status).toBe('error');
  });
});

describe('parseDmarc', () => {
  const errors = (r: string) =>
    parseDmarc(r)
      .issues.filter((i) => i.severity === 'error')
      .map((i) => `${i.offset} ${i.problem}`);

  it('checks each defined tag', () => {
    expect(errors('v=DMARC1; p=none; pct=101')).toEqual(['18 "101" is not a whole number from 0 to 100']);
    expect(errors('v=DMARC1; p=none; adkim=x')).toEqual(['18 "x" is not r (relaxed) or s (strict)']);
    expect(errors('v=DMARC1; p=none; fo=2')).toEqual(['18 "2" is not a colon-separated list of 0, 1, d, s']);
    expect(errors('v=DMARC1; p=none; ri=day')).toEqual(['18 "day" is not a number of seconds']);
    expect(errors('v=DMARC1; p=none; rua=d@example.edu')).toEqual([
      '18 "d@example.edu" is not a URI (e.g. mailto:dmarc@example.org)',
    ]);
    expect(errors('v=DMARC1; p=none; rua=mailto:nobody')).toEqual(['18 "nobody" is not a mail address']);
    expect(errors('v=DMARC1; p=none; sp=')).toEqual(['18 the value is empty']);
    expect(errors('v=DMARC1; p=none; p=reject')).toEqual(['18 "p" appears more than once']);
    expect(errors('v=DMARC1; p=none; junk')).toEqual(['18 not a tag=value pair']);
    expect(errors('v=dmarc1; p=none')).toEqual(['0 v must be exactly "DMARC1", not "dmarc1"']);
    expect(errors('p=none; v=DMARC1')).toEqual([
      '0 the first tag must be v=DMARC1',
      '8 v= must be the first tag',
    ]);
  });

  it('notes what receivers tolerate', () => {
    const notes = parseDmarc('v=DMARC1; rua=https://r.example.net/x; p=none; rf=iodef; zz=1').issues.filter(
      (i) => i.severity === 'note',
    );
    expect(notes.map((n) => n.problem)).toEqual([
      '"https://r.example.net/x" is not a mailto: URI; report generators send by mail',
      'p= should directly follow v= (RFC 7489 §6.4)',
      'only the afrf report format is defined',
      'unknown tag "zz" (receivers ignore it)',
    ]);
  });
});
