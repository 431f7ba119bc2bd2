import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/cert_chain.js';
import {
  LAB_CA,
  certificate,
  ehloWith,
  endpoint,
  failedHandshake,
  runCheck,
  smtpsEndpoint,
  withHandshake,
} from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const intermediate = certificate({
  subject: 'O=mailcheck lab, CN=mailcheck lab issuing CA',
  commonName: 'mailcheck lab issuing CA',
  isCA: true,
});
const untrusted = (error: string, chain = [certificate()]) =>
  withHandshake({ chain, validation: { authorized: false, error, caSources: ['system'] } });

describe('tls.cert_chain', () => {
  it('passes when the chain validates, one evidence line per certificate', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe('the certificate chain validates against system, ca-file:ca.pem');
    expect(f.evidence).toEqual([
      '0 subject=O=mailcheck lab, CN=mail.lab.example issuer=O=mailcheck lab, CN=mailcheck lab root CA',
      '1 subject=O=mailcheck lab, CN=mailcheck lab root CA issuer=O=mailcheck lab, CN=mailcheck lab root CA (trust anchor)',
      'validated against: system, ca-file:ca.pem',
    ]);
  });

  it('fails with "intermediate not sent" when the server sent only its leaf', () => {
    const f = runCheck(check, endpoint({ tls: untrusted('UNABLE_TO_VERIFY_LEAF_SIGNATURE') }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('missing-intermediate');
    expect(renderMessage(check, f)).toContain('the server did not send its intermediate certificate');
    expect(renderMessage(check, f)).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('explains other OpenSSL codes in plain words', () => {
    const self = certificate({ issuer: 'O=mailcheck lab, CN=mail.lab.example', selfSigned: true });
    const f = runCheck(check, smtpsEndpoint({ tls: untrusted('DEPTH_ZERO_SELF_SIGNED_CERT', [self]) }));
    expect(renderMessage(check, f)).toBe(
      'the certificate chain does not validate: the server certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)',
    );
    expect(f.evidence?.[0]).toMatch(/^0 subject=.* \(self-signed\)$/);
    const withIntermediate = untrusted('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', [certificate(), intermediate]);
    const g = runCheck(check, endpoint({ tls: withIntermediate }));
    expect(g.messageId).toBe('untrusted');
    expect(renderMessage(check, g)).toContain('the issuing CA is not among the trusted roots');
    const odd = runCheck(check, endpoint({ tls: untrusted('SOMETHING_NEW', [certificate(), intermediate]) }));
    expect(renderMessage(check, odd)).toContain('OpenSSL reported SOMETHING_NEW');
    const expired = runCheck(
      check,
      endpoint({ tls: untrusted('CERT_HAS_EXPIRED', [certificate(), LAB_CA]) }),
    );
    expect(renderMessage(check, expired)).toContain('a certificate in the chain has expired');
  });

  it('reports error without a TLS session or a validation result', () => {
    const f = runCheck(check, endpoint({ tls: failedHandshake() }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe('no TLS session: alert handshake failure');
    const g = runCheck(check, endpoint({ tls: withHandshake({ validation: undefined }) }));
    expect(g.status).toBe('error');
    expect(renderMessage(check, g)).toBe('certificate validation result not available');
  });

  it('reports error, pointing at tls.starttls, when STARTTLS is not offered', () => {
    const ehlo = ehloWith([], { starttls: false });
    const ep = endpoint({ ehlo, starttls: { offered: false, attempted: false }, tls: undefined });
    const f = runCheck(check, ep);
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe('no TLS session: STARTTLS is not offered (see tls.starttls)');
  });
});
