/**
 * tls.required — where policy requires encryption, MAIL FROM on the cleartext session is refused.
 */
import type { PortProfile, SmtpReply } from '../../model/artifacts.js';
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason, notApplicable, replyLines, replyOneLine } from '../util.js';

/** What the reply to a cleartext MAIL FROM says about TLS being required. */
function classify(reply: SmtpReply): 'refused-tls' | 'accepted' | 'other' {
  if (reply.code >= 200 && reply.code < 300) return 'accepted';
  // 530 is RFC 3207's "Must issue a STARTTLS command first" (RFC 4954 reuses it for "Authentication
  // required", which before TLS also means "come back encrypted" when AUTH is only offered in TLS).
  if (reply.code === 530) return 'refused-tls';
  if (reply.code >= 500 && /\b(tls|starttls|ssl|encrypt\w*)\b/i.test(reply.lines.join(' ')))
    return 'refused-tls';
  return 'other';
}

export default defineEndpointCheck({
  id: 'tls.required',
  area: 'tls',
  title: 'Cleartext MAIL FROM refused where TLS is required',
  scope: 'endpoint',
  reference: 'RFC 3207 §4',
  requires: ['smtp', 'mail-before-tls'],
  defaultParams: { profiles: ['submission'] as PortProfile[] },
  messages: {
    ok: 'MAIL FROM before STARTTLS is refused: {reply}',
    accepted:
      'MAIL FROM before STARTTLS is accepted: mail can be sent to this {profile} port without encryption',
    inconclusive:
      'could not tell whether TLS is required: MAIL FROM before STARTTLS got {reply}, which does not mention TLS',
    'not-required': 'cleartext MAIL FROM {outcome} (not required on this port by policy)',
  },
  remediation: {
    generic:
      'Refuse MAIL FROM until the client has issued STARTTLS ("530 5.7.0 Must issue a STARTTLS command first")',
    postfix:
      'master.cf, submission service: -o smtpd_tls_security_level=encrypt (main.cf smtpd_tls_security_level = encrypt only on relays not referenced by MX)',
    exim: 'acl_smtp_mail: deny message = 5.7.0 Must issue a STARTTLS command first  !encrypted = *',
    sendmail:
      'access database: TLS_Clt:<client network> ENCR:128 so that the tls_client ruleset refuses MAIL without STARTTLS',
    exchange: 'Set-ReceiveConnector "<server>\\Client Frontend <server>" -RequireTLS $true',
    opensmtpd: 'listen on egress port submission tls-require pki mail.example.edu auth',
  },
  run({ endpoint: ep, params }) {
    if (ep.profile === 'smtps') return notApplicable('implicit TLS port: every session is encrypted');
    const probe = ep.mailBeforeTls;
    if (!ep.connect.ok || !probe) return cannotJudge(missingReason(ep, 'reply to MAIL FROM before STARTTLS'));
    const evidence = [`C: ${probe.command}`, ...replyLines(probe.reply)];
    const kind = classify(probe.reply);
    const reply = replyOneLine(probe.reply);

    if (!params.profiles.includes(ep.profile)) {
      const outcome = kind === 'accepted' ? 'accepted' : 'refused';
      return {
        status: 'info',
        messageId: 'not-required',
        data: { outcome, reply, profile: ep.profile },
        evidence,
      };
    }
    if (kind === 'refused-tls') return { status: 'pass', messageId: 'ok', data: { reply }, evidence };
    if (kind === 'accepted') {
      return { status: 'fail', messageId: 'accepted', data: { reply, profile: ep.profile }, evidence };
    }
    return { status: 'error', messageId: 'inconclusive', data: { reply }, evidence };
  },
});
