import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dns/mx.js';
import {
  dnsLookup,
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

describe('dns.mx', () => {
  it('passes when every MX host resolves, and lists each record and address in evidence', () => {
    const f = runDomainCheck(check, domainFacts());
    expect(f.status).toBe('pass');
    expect(renderDomainMessage(check, f)).toBe(
      'example.edu has 2 MX host(s), each resolving to an address: mx1.example.edu, mx2.example.edu',
    );
    expect(f.evidence).toEqual([
      'MX example.edu: 10 mx1.example.edu, 20 mx2.example.edu',
      'A mx1.example.edu: 192.0.2.25',
      'AAAA mx1.example.edu: 2001:db8::25',
      'A mx2.example.edu: 198.51.100.25',
      'AAAA mx2.example.edu: NODATA',
    ]);
  });

  it('passes an IPv6-only MX host', () => {
    const f = runDomainCheck(check, withHosts(mxHost('mx6.example.edu', 'NODATA', ['2001:db8::25'])));
    expect(f.status).toBe('pass');
  });

  it('recognises an RFC 7505 null MX', () => {
    const f = runDomainCheck(check, domainFacts({ mx: nullMxFacts('example.edu'), addresses: [] }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('null-mx');
    expect(renderDomainMessage(check, f)).toContain('accepts no mail (RFC 7505)');
    expect(f.evidence).toEqual(['MX example.edu: 0 .']);
  });

  it('fails a "." exchange mixed with real MX records', () => {
    const d = withHosts(mxHost('mx1.example.edu'));
    d.mx!.lookup.records.push({ priority: 0, exchange: '' });
    const f = runDomainCheck(check, d);
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toContain('RFC 7505 §3');
  });

  it('fails an MX that points at a CNAME and names the alias', () => {
    const alias = mxHost('mail.example.edu', ['192.0.2.25'], [], {
      cname: 'mailhost.provider.example',
      a: dnsLookup('mail.example.edu', 'A', ['192.0.2.25'], { cname: 'mailhost.provider.example' }),
    });
    const f = runDomainCheck(check, withHosts(alias));
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toBe(
      'MX records of example.edu have problems: mail.example.edu is an alias (CNAME) for mailhost.provider.example',
    );
    expect(f.evidence).toContain('A mail.example.edu (via CNAME mailhost.provider.example): 192.0.2.25');
  });

  it('fails an IP-literal MX', () => {
    const f = runDomainCheck(
      check,
      withHosts(mxHost('192.0.2.25', 'NXDOMAIN', 'NXDOMAIN', { ipLiteral: true })),
    );
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toContain('192.0.2.25 is an IP address, not a host name');
  });

  it('fails an MX host without any address', () => {
    const f = runDomainCheck(
      check,
      withHosts(mxHost('mx1.example.edu'), mxHost('gone.example.edu', 'NXDOMAIN', 'NXDOMAIN')),
    );
    expect(f.status).toBe('fail');
    expect(f.data?.problems).toEqual(['gone.example.edu has no A or AAAA record (NXDOMAIN)']);
  });

  it('fails a domain that does not exist', () => {
    const f = runDomainCheck(check, domainFacts({ mx: mxFailed('example.edu', 'NXDOMAIN') }));
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toBe('example.edu does not exist (NXDOMAIN)');
  });

  it('fails a domain without MX and mentions the implicit MX', () => {
    const f = runDomainCheck(check, domainFacts({ mx: mxFailed('example.edu', 'NODATA') }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('none');
    expect(renderDomainMessage(check, f)).toContain('implicit MX of RFC 5321 §5.1');
  });

  it('errors when the MX lookup was not answered, or not gathered', () => {
    const f = runDomainCheck(check, domainFacts({ mx: mxFailed('example.edu', 'SERVFAIL') }));
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toContain('SERVFAIL');
    const none = runDomainCheck(check, domainFacts({ mx: undefined }));
    expect(none.status).toBe('error');
    expect(renderDomainMessage(check, none)).toBe('MX records not gathered');
  });

  it('errors (not pass) when a host address lookup timed out', () => {
    const f = runDomainCheck(
      check,
      withHosts(mxHost('mx1.example.edu'), mxHost('mx2.example.edu', 'TIMEOUT', 'NODATA')),
    );
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toContain('A mx2.example.edu: no answer (timeout)');
  });

  it('still fails on a definite problem when another host could not be resolved', () => {
    const f = runDomainCheck(
      check,
      withHosts(
        mxHost('192.0.2.1', ['192.0.2.1'], [], { ipLiteral: true }),
        mxHost('mx2.example.edu', 'SERVFAIL', 'SERVFAIL'),
      ),
    );
    expect(f.status).toBe('fail');
    expect(f.data?.unknown).toEqual(['A mx2.example.edu: SERVFAIL (the resolver could not answer)']);
  });
});
