/**
 * auth.login: with the credentials given, logging in succeeds (the readiness check before a
 * department moves to an authenticated relay). Credentials never appear in the result.
 */
import { defineEndpointCheck } from '../types.js';
import {
  cannotJudge,
  isSubmission,
  missingReason,
  notApplicable,
  replyLines,
  replyOneLine,
} from '../util.js';
import { advertisedAuth, tlsSessionMissingReason } from './common.js';

export default defineEndpointCheck({
  id: 'auth.login',
  area: 'auth',
  title: 'Login with the given credentials succeeds',
  scope: 'endpoint',
  reference: 'RFC 4954 §4',
  requires: ['smtp', 'auth-login'],
  defaultParams: {},
  messages: {
    success: 'Logged in with AUTH {mechanism} inside TLS: {reply}',
    'success-cleartext': 'Logged in with AUTH {mechanism} WITHOUT TLS (--allow-plaintext-auth): {reply}',
    rejected: 'Login with AUTH {mechanism} failed: {reply}',
  },
  remediation: {
    generic:
      'Check the user name and password, that the account may submit mail, and that the server accepts AUTH {mechanism}',
    postfix:
      'Look for "SASL {mechanism} authentication failed" in the mail log and check `smtpd_sasl_type` / `smtpd_sasl_path` and the SASL backend (Dovecot `auth_mechanisms`)',
    exim: 'Check the `server_condition` of the authenticator for {mechanism} and the main log',
    sendmail: 'Check saslauthd (`testsaslauthd -u <user> -p <password>`) and `TRUST_AUTH_MECH`',
    exchange:
      'Check the mailbox may use SMTP AUTH (`Get-CASMailbox <user> | fl SmtpClientAuthenticationDisabled`) and the receive connector -AuthMechanism',
    opensmtpd:
      'Check the credentials table named by `auth <table>` on the `listen on` line (entries made with `smtpctl encrypt`)',
  },
  run({ endpoint, credentialsGiven }) {
    if (!credentialsGiven) {
      return notApplicable(
        'no credentials given (--auth-user and MAILCHECK_AUTH_PASSWORD or --auth-password-file)',
      );
    }
    const attempt = endpoint.auth;
    if (!attempt) {
      const { beforeTls, afterTls } = advertisedAuth(endpoint);
      if (afterTls === undefined && isSubmission(endpoint)) {
        return cannotJudge(tlsSessionMissingReason(endpoint));
      }
      const seen = beforeTls !== undefined || afterTls !== undefined;
      if (seen && (beforeTls ?? []).length === 0 && (afterTls ?? []).length === 0) {
        return notApplicable('the server offers no AUTH');
      }
      return cannotJudge(missingReason(endpoint, 'AUTH attempt'));
    }
    if (attempt.refused) return cannotJudge(`credentials not sent: ${attempt.refused}`);
    const reply = attempt.reply;
    if (attempt.failure && !reply) return cannotJudge(attempt.failure.message);
    if (!reply) return cannotJudge(missingReason(endpoint, 'AUTH reply'));
    const data = { mechanism: attempt.mechanism, reply: replyOneLine(reply), overTls: attempt.overTls };
    const evidence = [
      `AUTH ${attempt.mechanism}${attempt.overTls ? ' inside TLS' : ' without TLS'}`,
      ...replyLines(reply),
    ];
    if (attempt.success) {
      return { status: 'pass', messageId: attempt.overTls ? 'success' : 'success-cleartext', data, evidence };
    }
    // RFC 4954 §6: 454 is a temporary failure on the server's side, not a verdict on the password.
    if (reply.code >= 400 && reply.code < 500) {
      return cannotJudge(`temporary authentication failure: ${replyOneLine(reply)}`, evidence);
    }
    return { status: 'fail', messageId: 'rejected', data, evidence };
  },
});
