/**
 * tls.starttls — STARTTLS is advertised on smtp and submission ports and the upgrade works.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason, notApplicable, replyLines, replyOneLine } from '../util.js';
import { isInconclusive, sessionLine } from './common.js';

export default defineEndpointCheck({
  id: 'tls.starttls',
  area: 'tls',
  title: 'STARTTLS offered and working',
  scope: 'endpoint',
  reference: 'RFC 3207 §4',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    ok: 'STARTTLS offered and the upgrade succeeded ({protocol}, {cipher})',
    'not-offered': 'STARTTLS is not advertised in the EHLO reply: mail to this host travels in cleartext',
    'not-offered-submission':
      'STARTTLS is not advertised on this submission port: passwords and mail would travel in cleartext (RFC 8314 §3)',
    refused: 'STARTTLS is advertised but the command was refused: {reply}',
    'handshake-failed': 'STARTTLS is advertised but the TLS handshake failed: {reason}',
    'handshake-inconclusive': 'could not tell whether the STARTTLS upgrade works: {reason}',
    'plaintext-injected':
      'the server (or a middlebox) sent {bytes} bytes of cleartext after "220" to STARTTLS and before the TLS handshake; they were discarded (RFC 3207 §4.2) but the cleartext channel was tampered with',
  },
  remediation: {
    generic: 'Enable STARTTLS with a certificate for the host name and make sure the TLS handshake completes',
    postfix:
      'main.cf: smtpd_tls_chain_files = /etc/postfix/key.pem, /etc/postfix/fullchain.pem and smtpd_tls_security_level = may (encrypt on submission in master.cf)',
    exim: 'tls_advertise_hosts = * with tls_certificate = /etc/exim4/fullchain.pem and tls_privatekey = /etc/exim4/key.pem',
    sendmail:
      "define(`confSERVER_CERT', `/etc/mail/tls/fullchain.pem') and define(`confSERVER_KEY', `/etc/mail/tls/key.pem') in sendmail.mc, then rebuild sendmail.cf",
    exchange:
      "Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP, and keep Tls in the receive connector's -AuthMechanism",
    opensmtpd:
      'pki mail.example.edu cert "/etc/ssl/fullchain.pem" and listen on egress tls pki mail.example.edu',
  },
  run({ endpoint: ep }) {
    if (ep.profile === 'smtps') return notApplicable('implicit TLS port: STARTTLS does not apply');
    const ehlo = ep.ehlo;
    if (!ep.connect.ok || !ehlo) return cannotJudge(missingReason(ep, 'EHLO reply'));
    const ehloEvidence = [
      ...(ehlo.ehloRejected ? replyLines(ehlo.ehloRejected) : []),
      ...replyLines(ehlo.reply),
    ];

    const st = ep.starttls;
    if (!ehlo.capabilities.starttls && !st?.offered) {
      return {
        status: 'fail',
        messageId: ep.profile === 'submission' ? 'not-offered-submission' : 'not-offered',
        evidence: ehloEvidence,
      };
    }
    if (!st?.attempted) return cannotJudge(missingReason(ep, 'STARTTLS result'), ehloEvidence);

    const evidence = st.reply ? ['C: STARTTLS', ...replyLines(st.reply)] : ['C: STARTTLS'];
    if (st.reply && st.reply.code !== 220) {
      return { status: 'fail', messageId: 'refused', data: { reply: replyOneLine(st.reply) }, evidence };
    }

    const hs = ep.tls?.handshake;
    // RFC 3207 §4.2: nothing may follow "220" before the handshake. Bytes there were injected into
    // the cleartext channel (the STARTTLS command-injection class of attack), so whatever the
    // handshake says afterwards is not a trustworthy answer.
    const injected = hs?.discardedBytes ?? 0;
    if (
      injected > 0 ||
      st.failure?.code === 'PLAINTEXT_INJECTION' ||
      hs?.failure?.code === 'PLAINTEXT_INJECTION'
    ) {
      return {
        status: 'error',
        messageId: 'plaintext-injected',
        data: { bytes: injected > 0 ? injected : 'an unknown number of' },
        evidence: [
          ...evidence,
          `discarded ${injected > 0 ? injected : 'some'} cleartext bytes before the handshake`,
        ],
      };
    }

    const failure = hs?.failure ?? st.failure;
    if (hs?.ok) {
      const data = {
        protocol: hs.protocol ?? 'unknown protocol',
        cipher: hs.cipher?.name ?? 'unknown cipher',
      };
      return { status: 'pass', messageId: 'ok', data, evidence: [...evidence, sessionLine(hs)] };
    }
    if (!failure) return cannotJudge(missingReason(ep, 'TLS handshake result'), evidence);
    const failed = {
      messageId: isInconclusive(failure) ? 'handshake-inconclusive' : 'handshake-failed',
      data: { reason: failure.message, code: failure.code },
      evidence: [...evidence, `TLS handshake: ${failure.message}`],
    };
    return isInconclusive(failure) ? { status: 'error', ...failed } : { status: 'fail', ...failed };
  },
});
