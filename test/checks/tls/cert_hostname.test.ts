import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/cert_hostname.js';
import { certificate, endpoint, failedHandshake, runCheck, withHandshake } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

describe('tls.cert_hostname', () => {
  it('passes when the certificate covers the name probed', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe('the certificate covers mail.lab.example');
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
    expect(renderMessage(check, f)).toBe(
      'the certificate does not cover mail.lab.example; it is for DNS:wrong-host.example, CN=wrong-host.example',
    );
    expect(f.evidence).toContain('subjectAltName: DNS:wrong-host.example');
  });

  it('reports error without a TLS session, a leaf or a match result', () => {
    expect(runCheck(check, endpoint({ tls: failedHandshake() })).status).toBe('error');
    const noLeaf = runCheck(check, endpoint({ tls: withHandshake({ chain: [] }) }));
    expect(renderMessage(check, noLeaf)).toBe('server certificate not available');
    const noMatch = runCheck(check, endpoint({ tls: withHandshake({ hostname: undefined }) }));
    expect(noMatch.status).toBe('error');
    expect(renderMessage(check, noMatch)).toBe('host name match result not available');
  });
});
