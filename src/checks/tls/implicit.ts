/**
 * tls.implicit — on an implicit-TLS port (465) the TLS handshake on connect succeeds.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason, notApplicable } from '../util.js';
import { isInconclusive, sessionLine } from './common.js';

export default defineEndpointCheck({
  id: 'tls.implicit',
  area: 'tls',
  title: 'Implicit TLS handshake on connect',
  scope: 'endpoint',
  reference: 'RFC 8314 §3.3',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    ok: 'TLS handshake on connect succeeded ({protocol}, {cipher})',
    'handshake-failed': 'the TLS handshake on connect failed: {reason}',
    'handshake-inconclusive': 'could not tell whether the TLS handshake on connect works: {reason}',
  },
  remediation: {
    generic: 'Serve implicit TLS (SMTP submission over TLS) on this port with a valid certificate',
    postfix:
      'master.cf: submissions inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_sasl_auth_enable=yes',
    exim: 'tls_on_connect_ports = 465 with daemon_smtp_ports = 25 : 465 : 587 and tls_certificate set',
    sendmail:
      "DAEMON_OPTIONS(`Port=465, Name=MSA-SSL, M=Esa') in sendmail.mc, with confSERVER_CERT and confSERVER_KEY set",
    exchange:
      'Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP (Exchange has no implicit-TLS receive connector; offer 587 with STARTTLS instead)',
    opensmtpd: 'listen on egress port 465 smtps pki mail.example.edu auth',
  },
  run({ endpoint: ep }) {
    if (ep.profile !== 'smtps') {
      return notApplicable('not an implicit-TLS port: STARTTLS is judged by tls.starttls');
    }
    if (!ep.connect.ok) return cannotJudge(missingReason(ep, 'TLS handshake on connect'));
    const hs = ep.tls?.handshake;
    if (!hs) return cannotJudge(missingReason(ep, 'TLS handshake on connect'));
    if (hs.ok) {
      const data = {
        protocol: hs.protocol ?? 'unknown protocol',
        cipher: hs.cipher?.name ?? 'unknown cipher',
      };
      return { status: 'pass', messageId: 'ok', data, evidence: [sessionLine(hs)] };
    }
    const failure = hs.failure ?? ep.failure;
    if (!failure) return cannotJudge(missingReason(ep, 'TLS handshake result'));
    const found = {
      messageId: isInconclusive(failure) ? 'handshake-inconclusive' : 'handshake-failed',
      data: { reason: failure.message, code: failure.code },
      evidence: [`TLS handshake: ${failure.message}`],
    };
    return isInconclusive(failure) ? { status: 'error', ...found } : { status: 'fail', ...found };
  },
});
