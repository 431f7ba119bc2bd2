import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/cert_signature.js';
import {
  LAB_CA,
  certificate,
  endpoint,
  failedHandshake,
  runCheck,
  servingChain,
} from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const sha1Root = { ...LAB_CA, signatureAlgorithm: 'sha1WithRSAEncryption' };

describe('tls.cert_signature', () => {
  it('passes on SHA-256 signatures, and a SHA-1 trust anchor is exempt', () => {
    const f = runCheck(check, endpoint(servingChain(certificate(), sha1Root)));
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe(
      'every certificate in the chain is signed with a current digest (sha256WithRSAEncryption)',
    );
    expect(f.evidence?.[1]).toContain('signature=sha1WithRSAEncryption (trust anchor)');
  });

  it('fails on a SHA-1 leaf, naming it', () => {
    const weak = certificate({
      subject: 'CN=legacy.lab.example',
      commonName: 'legacy.lab.example',
      signatureAlgorithm: 'sha1WithRSAEncryption',
      selfSigned: true,
    });
    const f = runCheck(check, endpoint(servingChain(weak)));
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe(
      'weak signature digest in the chain: CN=legacy.lab.example (sha1WithRSAEncryption, SHA-1)',
    );
  });

  it('fails on an MD5-signed intermediate and an ecdsa-with-SHA1 one', () => {
    const md5 = certificate({ commonName: 'Old CA', isCA: true, signatureAlgorithm: 'md5WithRSAEncryption' });
    expect(runCheck(check, endpoint(servingChain(certificate(), md5))).data?.weak).toBe(
      'CN=Old CA (md5WithRSAEncryption, MD5)',
    );
    const ecdsa = certificate({ commonName: 'EC CA', isCA: true, signatureAlgorithm: 'ecdsa-with-SHA1' });
    expect(runCheck(check, endpoint(servingChain(certificate(), ecdsa))).status).toBe('fail');
    const sha512 = certificate({ signatureAlgorithm: 'sha512WithRSAEncryption' });
    expect(runCheck(check, endpoint(servingChain(sha512))).status).toBe('pass');
  });

  it('reports error without a TLS session, certificates or a readable algorithm', () => {
    const f = runCheck(check, endpoint({ tls: failedHandshake() }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe('no TLS session: alert handshake failure');
    expect(runCheck(check, endpoint(servingChain())).status).toBe('error');
    const garbled = runCheck(check, endpoint(servingChain(certificate({ signatureAlgorithm: 'unknown' }))));
    expect(garbled.status).toBe('error');
    expect(renderMessage(check, garbled)).toBe(
      'the signature algorithm of CN=mail.lab.example could not be read',
    );
  });
});
