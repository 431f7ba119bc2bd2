import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/cert_hostname.js';
import { certificate, endpoint, runCheck } from '../../helpers/facts.js';
import { failedHandshake, render, withHandshake } from './helpers.js';

describe('tls.cert_hostname', () => {
  it('passes when the certificate covers the name probed', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('pass');
    expect(render(check, f)).toBe('the certificate covers mail.lab.example');
    expect(f.evidence?.[0]).toBe('checked name: mail.lab.example');
  });

  it('passes for an IP literal target matched against an IP SAN', () => {
    const tls = withHandshake({ hostname: { name: '127.0.0.1', matches: true } });
    expect(runCheck(check, endpoint({ host: '127.0.0.1', tls })).status).toBe('pass');
  });

  it('fails naming what the certificate does cover', () => {
    const other = certificate({
      subject: 'O=mailcheck lab, CN=wrong-host.example',
      commonName: 'wrong-host.example',
      subjectAltNames: ['DNS:wrong-host.example'],
    });
    const tls = withHandshake({
      chain: [other],
      hostname: {
        name: 'mail.lab.example',
        matches: false,
        error: "Host: mail.lab.example. is not in the cert's altnames: DNS:wrong-host.example",
      },
    });
    const f = runCheck(check, endpoint({ tls }));
    expect(f.status).toBe('fail');
    expect(render(check, f)).toBe(
      'the certificate does not cover mail.lab.example; it is for DNS:wrong-host.example, CN=wrong-host.example',
    );
    expect(f.evidence).toContain('subjectAltName: DNS:wrong-host.example');
  });

  it('reports error without a TLS session, a leaf or a match result', () => {
    const failure = {
      code: 'TLS_HANDSHAKE' as const,
      message: 'alert handshake failure',
      stage: 'TLS' as const,
    };
    expect(runCheck(check, endpoint({ tls: failedHandshake(failure) })).status).toBe('error');
    const noLeaf = runCheck(check, endpoint({ tls: withHandshake({ chain: [] }) }));
    expect(render(check, noLeaf)).toBe('server certificate not available');
    const noMatch = runCheck(check, endpoint({ tls: withHandshake({ hostname: undefined }) }));
    expect(noMatch.status).toBe('error');
    expect(render(check, noMatch)).toBe('host name match result not available');
  });
});
