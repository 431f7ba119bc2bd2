import { describe, expect, it } from 'vitest';
import type { EndpointFacts } from '../../src/model/artifacts.js';
import {
  fleetName,
  STATUS_SYMBOL,
  areaRank,
  areaTitle,
  checkArea,
  checkGroup,
  endpointKey,
  endpointLabel,
  formatDuration,
  formatSeconds,
  plural,
  sanitize,
  statusLabel,
  truncate,
  wrap,
} from '../../src/report/format.js';
import { STATUSES } from '../../src/model/results.js';

describe('report format helpers', () => {
  it('gives every status a distinct symbol and a fixed-width label', () => {
    expect(new Set(STATUSES.map((s) => STATUS_SYMBOL[s])).size).toBe(STATUSES.length);
    expect(STATUSES.map(statusLabel)).toEqual([
      '✔ PASS ',
      '✖ FAIL ',
      '▲ WARN ',
      'ℹ INFO ',
      '– SKIP ',
      '‼ ERROR',
    ]);
  });

  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(419.6)).toBe('420 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatSeconds(420)).toBe('0.42 s');
    expect(formatSeconds(61_000)).toBe('61.00 s');
    expect(formatDuration(Number.NaN)).toBe('? ms');
  });

  it('writes endpoints as CheckResult.endpoint does, IPv6 in brackets', () => {
    expect(endpointKey('192.0.2.25', 25)).toBe('192.0.2.25:25');
    expect(endpointKey('2001:db8::25', 587)).toBe('[2001:db8::25]:587');
    const ep = { address: '::1', port: 25, profile: 'smtp' } as EndpointFacts;
    expect(endpointLabel(ep)).toBe('[::1]:25 (smtp)');
    expect(endpointLabel({ ...ep, starttls: { offered: true, attempted: true } })).toBe(
      '[::1]:25 (smtp, STARTTLS)',
    );
    expect(endpointLabel({ ...ep, ehlo: {} as EndpointFacts['ehlo'] })).toBe('[::1]:25 (smtp, no STARTTLS)');
    expect(endpointLabel({ ...ep, port: 465, profile: 'smtps' })).toBe('[::1]:465 (smtps, implicit TLS)');
  });

  it('names areas and orders them as the specification does', () => {
    expect(checkArea('tls.cert_expiry')).toBe('tls');
    expect(checkArea('mta_sts.policy')).toBe('mta_sts');
    expect(areaTitle('smtp')).toBe('SMTP dialogue');
    expect(areaTitle('mta_sts')).toBe('MTA-STS / TLS-RPT');
    expect(areaTitle('tls_rpt')).toBe('MTA-STS / TLS-RPT');
    expect(areaTitle('dane')).toBe('DANE');
    expect(areaTitle('future')).toBe('future');
    expect(areaRank('smtp')).toBeLessThan(areaRank('tls'));
    expect(areaRank('tls')).toBeLessThan(areaRank('auth'));
    expect(areaRank('dnsbl')).toBeLessThan(areaRank('future'));
  });

  it('orders the domain groups DNS, SPF, DKIM, DMARC, MTA-STS / TLS-RPT, DANE, DNSBL', () => {
    const groups = ['dns', 'spf', 'dkim', 'dmarc', 'mta_sts', 'dane', 'dnsbl'];
    expect([...groups].reverse().sort((a, b) => areaRank(a) - areaRank(b))).toEqual(groups);
    expect(areaRank('tls_rpt')).toBe(areaRank('mta_sts'));
    expect(areaRank('data')).toBeLessThan(areaRank('dns'));
  });

  it('groups TLS-RPT with MTA-STS, and a domain-level tls.dane under DANE but an endpoint one under TLS', () => {
    expect(checkGroup({ id: 'tls_rpt.record' })).toBe('mta_sts');
    expect(checkGroup({ id: 'mta_sts.policy' })).toBe('mta_sts');
    expect(checkGroup({ id: 'tls.dane' })).toBe('dane');
    expect(checkGroup({ id: 'tls.dane', endpoint: '192.0.2.25:25' })).toBe('tls');
    expect(checkGroup({ id: 'tls.cert_expiry' })).toBe('tls');
    expect(checkGroup({ id: 'spf.lookups' })).toBe('spf');
  });

  it('makes control characters and bidi overrides visible', () => {
    expect(sanitize('a\u001b[31mb')).toBe('a\\x1b[31mb');
    expect(sanitize('x\r\ny\u0000')).toBe('x\\x0d\\x0ay\\x00');
    expect(sanitize('\u202etxt.exe')).toBe('\\u202etxt.exe');
    expect(sanitize('smtp.bücher.example ✔')).toBe('smtp.bücher.example ✔');
  });

  it('wraps on word boundaries and cuts words longer than a line', () => {
    expect(wrap('aaa bbb ccc ddd', 10)).toEqual(['aaa bbb', 'ccc ddd']);
    expect(wrap('', 10)).toEqual(['']);
    expect(wrap('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    for (const l of wrap('lorem ipsum dolor sit amet '.repeat(20), 40))
      expect([...l].length).toBeLessThanOrEqual(40);
  });

  it('truncates with an ellipsis and pluralises', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(plural(1, 'check')).toBe('1 check');
    expect(plural(2, 'check')).toBe('2 checks');
  });
});

describe('fleetName', () => {
  const host = { kind: 'host' as const, name: 'mail.example.edu', displayName: 'mail.example.edu' };
  it('names a host listed with its port by what was listed, so one host per port stays apart', () => {
    expect(fleetName({ ...host, input: 'mail.example.edu:2525' })).toBe('mail.example.edu:2525');
    expect(
      fleetName({ ...host, input: '[2001:db8::25]:25', name: '2001:db8::25', displayName: '2001:db8::25' }),
    ).toBe('[2001:db8::25]:25');
  });
  it('uses the Unicode name otherwise, whether the input was Unicode or punycode', () => {
    expect(fleetName({ ...host, input: 'mail.example.edu' })).toBe('mail.example.edu');
    const idn = { kind: 'host' as const, name: 'xn--bcher-kva.example', displayName: 'bücher.example' };
    expect(fleetName({ ...idn, input: 'bücher.example' })).toBe('bücher.example');
    expect(fleetName({ ...idn, input: 'xn--bcher-kva.example' })).toBe('bücher.example');
    expect(
      fleetName({ kind: 'domain', input: 'example.edu', name: 'example.edu', displayName: 'example.edu' }),
    ).toBe('example.edu');
  });
});
