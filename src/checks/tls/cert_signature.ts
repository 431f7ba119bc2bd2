/**
 * tls.cert_signature — no certificate the server sends is signed with SHA-1, MD5, MD4 or MD2.
 */
import type { CertificateFacts } from '../../model/artifacts.js';
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import { certName, chainLines, tlsSession } from './common.js';

/** Broken signature digests, matched in OpenSSL and Node names ("sha1WithRSAEncryption", "ecdsa-with-SHA1", "RSA-MD5"). */
const WEAK_DIGESTS: readonly { name: string; re: RegExp }[] = [
  { name: 'SHA-1', re: /sha-?1(?!\d)/i }, // chosen-prefix collisions (SHAttered, 2017/2020)
  { name: 'MD5', re: /md5/i }, // forged CA certificate demonstrated in 2008
  { name: 'MD4', re: /md4/i },
  { name: 'MD2', re: /md2/i },
];

function weakDigest(algorithm: string): string | undefined {
  return WEAK_DIGESTS.find((d) => d.re.test(algorithm))?.name;
}

/**
 * Whether a certificate's own signature is never checked by a client: a trust anchor we added, or
 * a self-signed root the server sent above its intermediates.
 */
function exempt(cert: CertificateFacts, index: number): boolean {
  return cert.trustAnchor || (index > 0 && cert.selfSigned && cert.isCA);
}

export default defineEndpointCheck({
  id: 'tls.cert_signature',
  area: 'tls',
  title: 'No SHA-1 or MD5 certificate signatures',
  scope: 'endpoint',
  reference: 'RFC 9155 §2',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    ok: 'every certificate in the chain is signed with a current digest ({algorithms})',
    weak: 'weak signature digest in the chain: {weak}',
    unreadable: 'the signature algorithm of {cert} could not be read',
  },
  remediation: {
    generic: 'Reissue the certificate (and use a CA chain) signed with SHA-256 or stronger',
    postfix:
      'Request a SHA-256 certificate (openssl req -sha256 ...) and install it in smtpd_tls_chain_files',
    exim: 'Request a SHA-256 certificate (openssl req -sha256 ...) and point tls_certificate at it',
    sendmail:
      "Request a SHA-256 certificate (openssl req -sha256 ...) and point define(`confSERVER_CERT') at it",
    exchange:
      'Request a new certificate from a CA that signs with SHA-256, then Enable-ExchangeCertificate -Services SMTP',
    opensmtpd:
      'Request a SHA-256 certificate (openssl req -sha256 ...) and point the pki ... cert line at it',
  },
  run({ endpoint: ep }) {
    const session = tlsSession(ep);
    if ('reason' in session) return cannotJudge(session.reason);
    const chain = session.handshake.chain;
    if (chain.length === 0) return cannotJudge(missingReason(ep, 'server certificate'));
    const evidence = chainLines(chain, (c) => `signature=${c.signatureAlgorithm}`);
    const checked = chain.filter((c, i) => !exempt(c, i));
    const unreadable = checked.find((c) => !c.signatureAlgorithm || c.signatureAlgorithm === 'unknown');
    if (unreadable) {
      return { status: 'error', messageId: 'unreadable', data: { cert: certName(unreadable) }, evidence };
    }
    const weak = checked
      .map((c) => ({ c, digest: weakDigest(c.signatureAlgorithm) }))
      .filter((w) => w.digest !== undefined)
      .map((w) => `${certName(w.c)} (${w.c.signatureAlgorithm}, ${w.digest})`);
    if (weak.length > 0) {
      return { status: 'fail', messageId: 'weak', data: { weak: weak.join('; ') }, evidence };
    }
    const algorithms = [...new Set(checked.map((c) => c.signatureAlgorithm))].join(', ');
    return { status: 'pass', messageId: 'ok', data: { algorithms }, evidence };
  },
});
