import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dns/fcrdns.js';
import {
  addressFacts,
  dnsLookup,
  domainFacts,
  renderDomainMessage,
  runDomainCheck,
} from '../../helpers/dns-facts.js';

const only = (...a: ReturnType<typeof addressFacts>[]) => domainFacts({ addresses: a });

describe('dns.fcrdns', () => {
  it('passes when each PTR name resolves back to its address', () => {
    const f = runDomainCheck(check, domainFacts());
    expect(f.status).toBe('pass');
    expect(f.data?.pairs).toEqual([
      '192.0.2.25 ↔ mx1.example.edu',
      '2001:db8::25 ↔ mx1.example.edu',
      '198.51.100.25 ↔ mx2.example.edu',
    ]);
    expect(f.evidence).toContain('  AAAA mx1.example.edu: 2001:db8::25');
  });

  it('compares IPv6 addresses in canonical form', () => {
    const a = addressFacts('2001:db8::25', ['mx1.example.edu'], {
      forward: [dnsLookup('mx1.example.edu', 'AAAA', ['2001:0DB8:0:0:0:0:0:25'])],
    });
    expect(runDomainCheck(check, only(a)).status).toBe('pass');
  });

  it('passes when one of several PTR names is confirmed', () => {
    const a = addressFacts('192.0.2.25', ['old.example.edu', 'mx1.example.edu'], {
      forward: [
        dnsLookup('old.example.edu', 'A', 'NXDOMAIN'),
        dnsLookup('mx1.example.edu', 'A', ['192.0.2.25']),
      ],
    });
    expect(runDomainCheck(check, only(a)).status).toBe('pass');
  });

  it('fails when the PTR name resolves elsewhere', () => {
    const a = addressFacts('192.0.2.25', ['host-25.isp.example'], {
      forward: [dnsLookup('host-25.isp.example', 'A', ['203.0.113.9'])],
    });
    const f = runDomainCheck(check, only(a));
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toBe(
      '1 mail host address(es) fail forward-confirmed reverse DNS: host-25.isp.example (PTR of 192.0.2.25) does not resolve back to 192.0.2.25',
    );
  });

  it('fails an address without a PTR', () => {
    const f = runDomainCheck(check, only(addressFacts('192.0.2.25', 'NXDOMAIN')));
    expect(f.status).toBe('fail');
    expect(f.data?.problems).toEqual(['192.0.2.25 has no PTR record (NXDOMAIN)']);
  });

  it('errors when the forward lookup got no answer', () => {
    const a = addressFacts('192.0.2.25', ['mx1.example.edu'], {
      forward: [dnsLookup('mx1.example.edu', 'A', 'SERVFAIL')],
    });
    const f = runDomainCheck(check, only(a));
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toContain('forward lookup of mx1.example.edu not answered');
  });

  it('errors when reverse DNS was not gathered and skips without addresses', () => {
    expect(runDomainCheck(check, domainFacts({ addresses: undefined })).status).toBe('error');
    const skip = runDomainCheck(check, domainFacts({ addresses: [] }));
    expect(skip.status).toBe('skip');
    expect(renderDomainMessage(check, skip)).toBe('no mail host addresses');
  });
});
