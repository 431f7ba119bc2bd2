/**
 * The DNS summaries behind the table's domain facts block and reverse-DNS annotations: lookup
 * outcomes kept apart (absent vs failed), FCrDNS decided on the address the PTR was asked for, and
 * each kind of record described when it is missing or broken.
 */
import { describe, expect, it } from 'vitest';
import type { AddressFacts, DnsLookup, DomainFacts } from '../../src/model/dns-artifacts.js';
import { domainFactFields, lookupOutcome, reverseSummary } from '../../src/report/dns-summary.js';

const lookup = (status: DnsLookup<string>['status'], records: string[] = []): DnsLookup<string> => ({
  name: 'x.example',
  type: 'TXT',
  status,
  records,
});

describe('lookupOutcome', () => {
  it('keeps "not there" apart from "could not tell"', () => {
    expect(lookupOutcome(lookup('ok', ['v=spf1 -all']))).toBeUndefined();
    expect(lookupOutcome(lookup('ok'))).toBe('none');
    expect(lookupOutcome(lookup('NXDOMAIN'))).toBe('none (NXDOMAIN)');
    expect(lookupOutcome(lookup('NODATA'))).toBe('none (NODATA)');
    expect(lookupOutcome(lookup('SERVFAIL'))).toBe('lookup failed (SERVFAIL)');
    expect(lookupOutcome(lookup('REFUSED'))).toBe('lookup failed (REFUSED)');
    expect(lookupOutcome(lookup('TIMEOUT'))).toBe('lookup failed (TIMEOUT)');
  });
});

describe('reverseSummary', () => {
  const facts = (address: string, ptr: DnsLookup<string>, forward: DnsLookup<string>[]): AddressFacts => ({
    address,
    family: address.includes(':') ? 6 : 4,
    usedBy: ['mail.example'],
    ptr,
    forward,
  });

  it('gives the bare address when nothing was looked up for it', () => {
    expect(reverseSummary('192.0.2.1', undefined)).toEqual({ text: '192.0.2.1' });
    expect(reverseSummary('192.0.2.1', [facts('192.0.2.2', lookup('ok', ['a.example']), [])])).toEqual({
      text: '192.0.2.1',
    });
  });

  it('passes FCrDNS only when a PTR name resolves back to this very address', () => {
    const ptr = lookup('ok', ['mail.example']);
    expect(reverseSummary('192.0.2.1', [facts('192.0.2.1', ptr, [lookup('ok', ['192.0.2.1'])])])).toEqual({
      text: '192.0.2.1 → mail.example',
      mark: { status: 'pass', label: 'FCrDNS' },
    });
    // Resolving to a neighbour is not confirmation.
    expect(
      reverseSummary('192.0.2.1', [facts('192.0.2.1', ptr, [lookup('ok', ['192.0.2.10'])])]).mark,
    ).toEqual({
      status: 'fail',
      label: 'no FCrDNS',
    });
    expect(reverseSummary('192.0.2.1', [facts('192.0.2.1', ptr, [lookup('NXDOMAIN')])]).mark?.status).toBe(
      'fail',
    );
  });

  it('says FCrDNS is unknown, not failed, when a forward lookup could not be answered', () => {
    const ptr = lookup('ok', ['a.example', 'b.example']);
    const r = reverseSummary('192.0.2.1', [facts('192.0.2.1', ptr, [lookup('NXDOMAIN'), lookup('TIMEOUT')])]);
    expect(r).toEqual({
      text: '192.0.2.1 → a.example, b.example',
      mark: { status: 'error', label: 'FCrDNS unknown (TIMEOUT)' },
    });
    // One name confirming is enough, whatever happened to the others.
    const ok = reverseSummary('192.0.2.1', [
      facts('192.0.2.1', ptr, [lookup('TIMEOUT'), lookup('ok', ['192.0.2.1'])]),
    ]);
    expect(ok.mark?.status).toBe('pass');
  });

  it('compares IPv6 addresses in canonical form', () => {
    const r = reverseSummary('2001:db8::1', [
      facts('2001:0DB8:0:0::1', lookup('ok', ['v6.example']), [lookup('ok', ['2001:db8:0:0:0:0:0:1'])]),
    ]);
    expect(r.mark).toEqual({ status: 'pass', label: 'FCrDNS' });
  });

  it('tells a missing PTR from a failed PTR lookup', () => {
    expect(reverseSummary('192.0.2.1', [facts('192.0.2.1', lookup('NXDOMAIN'), [])]).mark).toEqual({
      status: 'fail',
      label: 'no PTR',
    });
    expect(reverseSummary('192.0.2.1', [facts('192.0.2.1', lookup('ok'), [])]).mark?.label).toBe('no PTR');
    expect(reverseSummary('192.0.2.1', [facts('192.0.2.1', lookup('SERVFAIL'), [])]).mark).toEqual({
      status: 'error',
      label: 'PTR lookup SERVFAIL',
    });
  });
});

describe('domainFactFields', () => {
  const txt = (name: string, status: DnsLookup<string>['status'], records: string[] = []) => ({
    name,
    type: 'TXT',
    status,
    records,
  });
  const field = (d: DomainFacts, label: string) => domainFactFields(d, false).find(([l]) => l === label)?.[1];
  const base: DomainFacts = { domain: 'example.edu', displayName: 'example.edu' };

  it('leaves out what was not looked up', () => {
    expect(domainFactFields(base, true)).toEqual([]);
  });

  it('names a DKIM selector that was given but not found', () => {
    const d: DomainFacts = {
      ...base,
      dkim: [
        { selector: 's2026', configured: true, lookup: txt('s2026._domainkey.example.edu', 'NXDOMAIN') },
        { selector: 'default', configured: false, lookup: txt('default._domainkey.example.edu', 'NXDOMAIN') },
      ],
    };
    expect(field(d, 'DKIM')).toEqual(['no key found (2 selectors tried) · given but not found: s2026']);
  });

  it('tells apart an MTA-STS policy that is not published, not served, and served with errors', () => {
    const txtOk = txt('_mta-sts.example.edu', 'ok', ['v=STSv1; id=1']);
    expect(field({ ...base, mtaSts: { txt: txt('_mta-sts.example.edu', 'NXDOMAIN') } }, 'MTA-STS')).toEqual([
      'not published: none (NXDOMAIN)',
    ]);
    expect(
      field({ ...base, mtaSts: { txt: txt('_mta-sts.example.edu', 'ok', ['x=y']) } }, 'MTA-STS'),
    ).toEqual(['not published: none (other TXT records only)']);
    const notFound = {
      txt: txtOk,
      fetch: { url: 'https://mta-sts.example.edu/.well-known/mta-sts.txt', status: 404 },
    };
    expect(field({ ...base, mtaSts: notFound }, 'MTA-STS')).toEqual([
      'TXT published, policy fetch answered HTTP 404',
    ]);
    const bad = { txt: txtOk, policy: { mode: 'testing', mx: [], errors: ['no max_age', 'no mx'] } };
    expect(field({ ...base, mtaSts: bad }, 'MTA-STS')).toEqual([
      'testing · no max_age · no mx · 2 policy errors',
    ]);
  });

  it('says whether a TLSA answer was DNSSEC-validated', () => {
    const record = { usage: 3, selector: 1, matchingType: 1, data: 'ab' };
    const tlsa = (authenticated?: boolean) => ({
      'mx.example.edu': {
        name: '_25._tcp.mx.example.edu',
        type: 'TLSA',
        status: 'ok' as const,
        records: [record],
        authenticated,
      },
    });
    expect(field({ ...base, tlsa: tlsa(true) }, 'TLSA')).toEqual([
      'mx.example.edu: 3 1 1 (DNSSEC-validated, AD)',
    ]);
    expect(field({ ...base, tlsa: tlsa(false) }, 'TLSA')).toEqual([
      'mx.example.edu: 3 1 1 (not DNSSEC-validated: no AD)',
    ]);
    expect(field({ ...base, tlsa: tlsa(undefined) }, 'TLSA')).toEqual(['mx.example.edu: 3 1 1']);
  });

  it('reports an SPF fetch failure and a name without SPF among its TXT records', () => {
    expect(field({ ...base, spf: { error: 'DNS_TIMEOUT' } }, 'SPF')).toEqual(['lookup failed: DNS_TIMEOUT']);
    const tree = {
      domain: 'example.edu',
      via: 'apex',
      lookup: txt('example.edu', 'ok', ['google-site-verification=x']),
      spfRecords: [],
      rawStrings: [],
      lookupTerms: [],
      voidLookups: [],
      children: [],
    };
    expect(field({ ...base, spf: { tree } }, 'SPF')).toEqual(['no SPF record among the TXT records']);
  });
});
