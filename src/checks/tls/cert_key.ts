/**
 * tls.cert_key — the server certificate's public key is strong enough.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import { tlsSession } from './common.js';

/** Field sizes of the named curves a server certificate may use, for when the runtime gives no size. */
const CURVE_BITS: Record<string, number> = {
  prime256v1: 256, // NIST P-256 (secp256r1)
  secp256r1: 256,
  secp384r1: 384, // NIST P-384
  secp521r1: 521, // NIST P-521
  secp256k1: 256,
  secp224r1: 224,
  prime192v1: 192,
};

export default defineEndpointCheck({
  id: 'tls.cert_key',
  area: 'tls',
  title: 'Certificate key strength',
  scope: 'endpoint',
  reference: 'RFC 9325 §4.5',
  requires: ['smtp'],
  defaultParams: { minRsaBits: 2048, minEcBits: 256 },
  messages: {
    ok: 'the certificate key is {keyDescription}',
    'rsa-small': 'the certificate has an RSA key of {keyBits} bits, below the required {minRsaBits}',
    'ec-small': 'the certificate has an EC key of {keyBits} bits ({curve}), below the required {minEcBits}',
    dsa: 'the certificate has a DSA key, which TLS 1.3 and current clients do not accept',
    'unknown-size': 'the size of the {keyType} key could not be determined',
    'unknown-type': 'the certificate key type {keyType} is not one we can judge',
  },
  remediation: {
    generic:
      'Issue a new certificate with an RSA key of at least {minRsaBits} bits or an EC key of at least {minEcBits} bits (P-256)',
    postfix:
      'openssl req -new -newkey rsa:3072 ... (or ec -pkeyopt ec_paramgen_curve:P-256), then smtpd_tls_chain_files (RSA and ECDSA can be listed together)',
    exim: 'openssl req -new -newkey rsa:3072 ..., then tls_certificate / tls_privatekey pointing at the new files',
    sendmail:
      "openssl req -new -newkey rsa:3072 ..., then define(`confSERVER_CERT') and define(`confSERVER_KEY') pointing at the new files",
    exchange:
      'New-ExchangeCertificate -KeySize 3072 -DomainName <name> -Services SMTP (or request one from your CA), then Enable-ExchangeCertificate',
    opensmtpd:
      'openssl req -new -newkey rsa:3072 ..., then pki <name> cert and pki <name> key pointing at the new files',
  },
  run({ endpoint: ep, params }) {
    const session = tlsSession(ep);
    if ('reason' in session) return cannotJudge(session.reason);
    const leaf = session.handshake.chain[0];
    if (!leaf) return cannotJudge(missingReason(ep, 'server certificate'));
    const type = leaf.keyType.toUpperCase();
    const bits =
      leaf.keyBits ??
      (leaf.curve && Object.hasOwn(CURVE_BITS, leaf.curve) ? CURVE_BITS[leaf.curve] : undefined);
    const evidence = [
      `keyType=${leaf.keyType}${bits !== undefined ? ` keyBits=${bits}` : ''}${leaf.curve ? ` curve=${leaf.curve}` : ''}`,
    ];
    const data = {
      keyType: leaf.keyType,
      keyBits: bits,
      curve: leaf.curve ?? 'unknown curve',
      minRsaBits: params.minRsaBits,
      minEcBits: params.minEcBits,
      keyDescription: `${leaf.keyType}${bits !== undefined ? ` ${bits}-bit` : ''}${leaf.curve ? ` (${leaf.curve})` : ''}`,
    };

    if (type === 'ED25519' || type === 'ED448') return { status: 'pass', messageId: 'ok', data, evidence };
    if (type === 'DSA') return { status: 'fail', messageId: 'dsa', data, evidence };
    const min =
      type === 'RSA' || type === 'RSA-PSS' ? params.minRsaBits : type === 'EC' ? params.minEcBits : undefined;
    if (min === undefined) return { status: 'error', messageId: 'unknown-type', data, evidence };
    if (bits === undefined) return { status: 'error', messageId: 'unknown-size', data, evidence };
    if (bits >= min) return { status: 'pass', messageId: 'ok', data, evidence };
    return { status: 'fail', messageId: type === 'EC' ? 'ec-small' : 'rsa-small', data, evidence };
  },
});
