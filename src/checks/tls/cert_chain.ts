/**
 * tls.cert_chain — the certificate chain validates against the system roots plus --ca-file.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import { chainLines, sentCertificates, tlsSession } from './common.js';

/** OpenSSL verification codes (as Node reports them) in plain words. */
const EXPLANATIONS: Record<string, string> = {
  // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: the leaf signed itself, nobody vouches for it
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed',
  // X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: the chain ends in a root we do not trust
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root that is not among the trusted roots',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'the issuing CA is not among the trusted roots (or the server did not send an intermediate certificate)',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate of an issuer in the chain could not be found',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'the issuer of the server certificate could not be found, so its signature cannot be checked',
  CERT_HAS_EXPIRED: 'a certificate in the chain has expired',
  CERT_NOT_YET_VALID: 'a certificate in the chain is not valid yet',
  CERT_SIGNATURE_FAILURE: 'a signature in the chain does not verify',
  CERT_REVOKED: 'a certificate in the chain has been revoked',
  CERT_UNTRUSTED: 'the root CA is not trusted for this purpose',
  CERT_REJECTED: 'the root CA is marked to reject this purpose',
  INVALID_CA: 'a certificate used as a CA is not allowed to act as one',
  PATH_LENGTH_EXCEEDED: 'the chain is longer than a CA in it allows',
  INVALID_PURPOSE: 'a certificate in the chain is not valid for TLS server use',
  // OpenSSL security level checks
  EE_KEY_TOO_SMALL: 'the server certificate key is too small for the TLS library to accept',
  CA_KEY_TOO_SMALL: 'a CA key in the chain is too small for the TLS library to accept',
  CA_MD_TOO_WEAK: 'a certificate in the chain is signed with a digest too weak to accept (e.g. SHA-1 or MD5)',
};

export default defineEndpointCheck({
  id: 'tls.cert_chain',
  area: 'tls',
  title: 'Certificate chain validates',
  scope: 'endpoint',
  reference: 'RFC 5280 §6.1',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    ok: 'the certificate chain validates against {caSources}',
    untrusted: 'the certificate chain does not validate: {explanation} ({code})',
    'missing-intermediate':
      'the certificate chain does not validate: the server did not send its intermediate certificate, or its issuer is a private CA not among the trusted roots ({code})',
  },
  remediation: {
    generic:
      'Serve a certificate from a trusted CA followed by every intermediate certificate (the full chain, leaf first)',
    postfix:
      'main.cf: smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem (leaf first, then intermediates)',
    exim: 'tls_certificate = /etc/exim4/fullchain.pem (leaf followed by the intermediates)',
    sendmail:
      "define(`confSERVER_CERT', `/etc/mail/tls/fullchain.pem') with the leaf followed by the intermediates",
    exchange:
      'Import the intermediate into the Intermediate Certification Authorities store, then Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP',
    opensmtpd: 'pki mail.example.edu cert "/etc/ssl/fullchain.pem" (leaf followed by the intermediates)',
  },
  run({ endpoint: ep }) {
    const session = tlsSession(ep);
    if ('reason' in session) return cannotJudge(session.reason);
    const { chain, validation } = session.handshake;
    if (chain.length === 0) return cannotJudge(missingReason(ep, 'server certificate'));
    if (!validation) return cannotJudge(missingReason(ep, 'certificate validation result'));
    const evidence = [
      ...chainLines(chain),
      `validated against: ${validation.caSources.join(', ') || 'no CA source'}`,
    ];
    if (validation.authorized) {
      return {
        status: 'pass',
        messageId: 'ok',
        data: { caSources: validation.caSources.join(', ') },
        evidence,
      };
    }
    const code = validation.error ?? 'UNKNOWN';
    const leafOnly = sentCertificates(chain).length === 1 && !chain[0].selfSigned;
    if (
      leafOnly &&
      (code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    ) {
      return { status: 'fail', messageId: 'missing-intermediate', data: { code }, evidence };
    }
    const explanation = Object.hasOwn(EXPLANATIONS, code) ? EXPLANATIONS[code] : `OpenSSL reported ${code}`;
    return { status: 'fail', messageId: 'untrusted', data: { code, explanation }, evidence };
  },
});
