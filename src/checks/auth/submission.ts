/**
 * auth.submission: a submission port (587 with STARTTLS, 465 with implicit TLS) offers AUTH
 * inside TLS, so users can log in to send.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, isSubmission, notApplicable, replyLines } from '../util.js';
import { authLines, tlsSessionMissingReason } from './common.js';

export default defineEndpointCheck({
  id: 'auth.submission',
  area: 'auth',
  title: 'AUTH offered after TLS on submission ports',
  scope: 'endpoint',
  reference: 'RFC 6409 §4.3',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    offered: 'AUTH {mechanisms} is offered inside TLS',
    missing: 'TLS works but no AUTH is offered inside it, so users cannot log in to submit mail',
  },
  remediation: {
    generic: 'Enable SMTP AUTH on the submission service and advertise it inside TLS',
    postfix:
      'In master.cf under `submission inet`, add `-o smtpd_sasl_auth_enable=yes -o smtpd_tls_security_level=encrypt` and set `smtpd_sasl_type`/`smtpd_sasl_path` (e.g. dovecot, private/auth)',
    exim: 'Define a `plaintext` authenticator (PLAIN/LOGIN) with `server_advertise_condition = ${if def:tls_in_cipher}`',
    sendmail:
      "Set `define(`confAUTH_MECHANISMS', `PLAIN LOGIN')`, `TRUST_AUTH_MECH(`PLAIN LOGIN')` and `DAEMON_OPTIONS(`Port=submission, Name=MSA, M=Ea')`",
    exchange:
      'Set-ReceiveConnector "Client Frontend <server>" -AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS',
    opensmtpd: 'Use `listen on egress port submission tls-require pki <name> auth`',
  },
  run({ endpoint }) {
    if (!isSubmission(endpoint)) return notApplicable('not a submission port (MX/relay profile)');
    const ehloTls = endpoint.ehloTls;
    if (!ehloTls) return cannotJudge(tlsSessionMissingReason(endpoint));
    const mechs = ehloTls.capabilities.auth;
    const lines = replyLines(ehloTls.reply);
    if (mechs.length === 0) return { status: 'fail', messageId: 'missing', evidence: lines };
    const data = { mechanisms: mechs.join(' '), mechanismList: mechs };
    return { status: 'pass', messageId: 'offered', data, evidence: authLines(lines) };
  },
});
