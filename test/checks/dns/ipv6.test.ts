import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dns/ipv6.js';
import {
  domainFacts,
  mxFacts,
  mxFailed,
  mxHost,
  nullMxFacts,
  renderDomainMessage,
  runDomainCheck,
} from '../../helpers/dns-facts.js';

const withHosts = (...hosts: ReturnType<typeof mxHost>[]) =>
  domainFacts({ mx: mxFacts('example.edu', hosts) });

describe('dns.ipv6', () => {
  it('reports which MX hosts have AAAA records (info)', () => {
    const f = runDomainCheck(check, domainFacts());
    expect(f.status).toBe('info');
    expect(renderDomainMessage(check, f)).toBe(
      '1 of 2 MX hosts have an IPv6 address (mx1.example.edu); IPv4 only: mx2.example.edu',
    );
    expect(f.evidence).toEqual(['AAAA mx1.example.edu: 2001:db8::25', 'AAAA mx2.example.edu: NODATA']);
  });

  it('is info when every host has IPv6, and when none has', () => {
    const all = runDomainCheck(check, withHosts(mxHost('mx1.example.edu', ['192.0.2.25'], ['2001:db8::25'])));
    expect([all.status, all.messageId]).toEqual(['info', 'all']);
    const none = runDomainCheck(check, withHosts(mxHost('mx1.example.edu')));
    expect([none.status, none.messageId]).toEqual(['info', 'none']);
    expect(renderDomainMessage(check, none)).toContain('IPv6-only senders cannot deliver to example.edu');
  });

  it('errors when an AAAA lookup failed', () => {
    const f = runDomainCheck(check, withHosts(mxHost('mx1.example.edu', ['192.0.2.25'], 'TIMEOUT')));
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toBe('AAAA mx1.example.edu: no answer (timeout)');
    expect(runDomainCheck(check, domainFacts({ mx: undefined })).status).toBe('error');
  });

  it('skips a null MX and a domain without MX', () => {
    expect(runDomainCheck(check, domainFacts({ mx: nullMxFacts('example.edu') })).status).toBe('skip');
    expect(runDomainCheck(check, domainFacts({ mx: mxFailed('example.edu', 'NODATA') })).status).toBe('skip');
  });
});
