import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dns/ptr.js';
import {
  addressFacts,
  domainFacts,
  nullMxFacts,
  renderDomainMessage,
  renderDomainRemediation,
  runDomainCheck,
} from '../../helpers/dns-facts.js';

describe('dns.ptr', () => {
  it('passes when every address (IPv4 and IPv6) has a PTR', () => {
    const f = runDomainCheck(check, domainFacts());
    expect(f.status).toBe('pass');
    expect(renderDomainMessage(check, f)).toBe(
      'every mail host address has a PTR record: 192.0.2.25 → mx1.example.edu, 2001:db8::25 → mx1.example.edu, 198.51.100.25 → mx2.example.edu',
    );
    expect(f.evidence).toContain(
      '2001:db8::25 (mx1.example.edu): PTR 5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa: mx1.example.edu',
    );
  });

  it('fails an address without PTR and gives the record to publish', () => {
    const d = domainFacts({
      addresses: [
        addressFacts('192.0.2.25', ['mx1.example.edu']),
        addressFacts('198.51.100.25', 'NXDOMAIN', { usedBy: ['mx2.example.edu'] }),
      ],
    });
    const f = runDomainCheck(check, d);
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toBe(
      '1 mail host address(es) without a PTR record: 198.51.100.25 (mx2.example.edu)',
    );
    expect(renderDomainRemediation(check, f)[0]).toContain(
      '25.100.51.198.in-addr.arpa. IN PTR mx2.example.edu.',
    );
  });

  it('errors when a PTR lookup was not answered', () => {
    const d = domainFacts({
      addresses: [addressFacts('192.0.2.25', 'TIMEOUT', { usedBy: ['mx1.example.edu'] })],
    });
    const f = runDomainCheck(check, d);
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toContain('PTR 25.2.0.192.in-addr.arpa: no answer (timeout)');
  });

  it('errors when reverse DNS was not gathered', () => {
    const f = runDomainCheck(check, domainFacts({ addresses: undefined }));
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toBe('reverse DNS not gathered');
  });

  it('skips a domain with a null MX (no mail host addresses)', () => {
    const f = runDomainCheck(check, domainFacts({ mx: nullMxFacts('example.edu'), addresses: [] }));
    expect(f.status).toBe('skip');
    expect(renderDomainMessage(check, f)).toContain('null MX');
  });

  it('ignores the DNSBL test entry 127.0.0.2', () => {
    const test = addressFacts('127.0.0.2', 'NXDOMAIN', { usedBy: [] });
    const f = runDomainCheck(check, domainFacts({ addresses: [...domainFacts().addresses!, test] }));
    expect(f.status).toBe('pass');
  });
});
