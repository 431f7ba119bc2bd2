/**
 * tls.cert_hostname — the server certificate covers the host name probed (or, for an IP literal
 * target, the address in an IP subjectAltName).
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import { tlsSession } from './common.js';

export default defineEndpointCheck({
  id: 'tls.cert_hostname',
  area: 'tls',
  title: 'Certificate matches the host name',
  scope: 'endpoint',
  reference: 'RFC 7817 §3',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    ok: 'the certificate covers {name}',
    mismatch: 'the certificate does not cover {name}; it is for {covered}',
  },
  remediation: {
    generic: 'Install a certificate whose subjectAltName includes {name}',
    postfix:
      'main.cf: smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem with a certificate for {name}',
    exim: 'tls_certificate = /etc/exim4/fullchain.pem with a certificate for {name}',
    sendmail: "define(`confSERVER_CERT', `/etc/mail/tls/fullchain.pem') with a certificate for {name}",
    exchange:
      'New-ExchangeCertificate -DomainName {name} -Services SMTP (or import one), then Enable-ExchangeCertificate -Services SMTP',
    opensmtpd: 'pki {name} cert "/etc/ssl/{name}.pem" and listen on egress tls pki {name}',
  },
  run({ endpoint: ep }) {
    const session = tlsSession(ep);
    if ('reason' in session) return cannotJudge(session.reason);
    const { chain, hostname } = session.handshake;
    const leaf = chain[0];
    if (!leaf) return cannotJudge(missingReason(ep, 'server certificate'));
    if (!hostname) return cannotJudge(missingReason(ep, 'host name match result'));
    const covered = [...leaf.subjectAltNames, ...(leaf.commonName ? [`CN=${leaf.commonName}`] : [])];
    const evidence = [
      `checked name: ${hostname.name}`,
      `subjectAltName: ${leaf.subjectAltNames.join(', ') || '(none)'}`,
      `subject: ${leaf.subject}`,
      ...(hostname.error ? [`mismatch: ${hostname.error}`] : []),
    ];
    const data = { name: hostname.name, covered: covered.join(', ') || 'no name at all' };
    if (hostname.matches) return { status: 'pass', messageId: 'ok', data, evidence };
    return { status: 'fail', messageId: 'mismatch', data, evidence };
  },
});
