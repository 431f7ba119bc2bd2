import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/cert_key.js';
import {
  certificate,
  endpoint,
  failedHandshake,
  runCheck,
  servingChain,
  withHandshake,
} from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const key = (over: Parameters<typeof certificate>[0]) => servingChain(certificate(over));

describe('tls.cert_key', () => {
  it('passes on RSA 2048, EC P-256 and Ed25519', () => {
    const rsa = runCheck(check, endpoint());
    expect(rsa.status).toBe('pass');
    expect(renderMessage(check, rsa)).toBe('the certificate key is RSA 2048-bit');
    expect(rsa.evidence).toEqual(['keyType=RSA keyBits=2048']);
    const ec = runCheck(check, endpoint(key({ keyType: 'EC', keyBits: undefined, curve: 'prime256v1' })));
    expect(ec.status).toBe('pass');
    expect(ec.evidence).toEqual(['keyType=EC keyBits=256 curve=prime256v1']);
    expect(runCheck(check, endpoint(key({ keyType: 'Ed25519', keyBits: undefined }))).status).toBe('pass');
  });

  it('fails on a small RSA key, a small EC key and DSA', () => {
    const rsa = runCheck(check, endpoint(key({ keyBits: 1024 })));
    expect(rsa.status).toBe('fail');
    expect(renderMessage(check, rsa)).toBe(
      'the certificate has an RSA key of 1024 bits, below the required 2048',
    );
    const ec = runCheck(check, endpoint(key({ keyType: 'EC', keyBits: 224, curve: 'secp224r1' })));
    expect(renderMessage(check, ec)).toBe(
      'the certificate has an EC key of 224 bits (secp224r1), below the required 256',
    );
    const dsa = runCheck(check, endpoint(key({ keyType: 'DSA', keyBits: 2048 })));
    expect(dsa.status).toBe('fail');
    expect(dsa.messageId).toBe('dsa');
  });

  it('applies minRsaBits from the policy', () => {
    expect(runCheck(check, endpoint(), { params: { minRsaBits: 3072 } }).status).toBe('fail');
  });

  it('reports error without a TLS session, a leaf, a known type or a size', () => {
    expect(runCheck(check, endpoint({ tls: failedHandshake() })).status).toBe('error');
    expect(runCheck(check, endpoint({ tls: withHandshake({ chain: [] }) })).status).toBe('error');
    const odd = runCheck(check, endpoint(key({ keyType: 'ML-DSA-65', keyBits: undefined })));
    expect(odd.status).toBe('error');
    expect(renderMessage(check, odd)).toBe('the certificate key type ML-DSA-65 is not one we can judge');
    const unsized = runCheck(check, endpoint(key({ keyType: 'EC', keyBits: undefined, curve: undefined })));
    expect(unsized.status).toBe('error');
  });
});
