/**
 * smtp.ehlo: the server accepts EHLO (ESMTP); a HELO-only server cannot offer STARTTLS or AUTH.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason, replyLines, replyOneLine } from '../util.js';
import { firstEhlo } from './common.js';

export default defineEndpointCheck({
  id: 'smtp.ehlo',
  area: 'smtp',
  title: 'EHLO accepted',
  scope: 'endpoint',
  reference: 'RFC 5321 §4.1.1.1',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    accepted: 'EHLO accepted; extensions: {extensions}',
    'helo-only':
      'EHLO rejected, HELO accepted: no ESMTP, so no STARTTLS or AUTH is possible (EHLO reply: {ehloReply})',
    rejected: '{command} rejected: {reply}',
  },
  remediation: {
    generic:
      'Let the server answer EHLO; if the MTA supports it, look for an SMTP-inspecting firewall or proxy in front of it (for example Cisco ASA `inspect esmtp`)',
    postfix:
      'Postfix always speaks ESMTP; remove any SMTP "fixup"/inspection in front of it and check `smtpd_helo_restrictions`',
    exim: 'Exim always speaks ESMTP; check `acl_smtp_helo` and any SMTP proxy in front of it',
    sendmail: 'Check for a firewall or proxy that rewrites EHLO, and the `check_helo` ruleset',
    exchange:
      'Exchange always speaks ESMTP; look for an SMTP inspection device or "mail guard" in front of it',
  },
  run({ endpoint }) {
    const ehlo = firstEhlo(endpoint);
    if (!ehlo) return cannotJudge(missingReason(endpoint, 'EHLO reply'));
    const evidence = [
      ...(ehlo.ehloRejected ? replyLines(ehlo.ehloRejected).map((l) => `reply to EHLO: ${l}`) : []),
      ...replyLines(ehlo.reply),
    ];
    const accepted = ehlo.reply.code >= 200 && ehlo.reply.code < 300;
    if (!accepted) {
      const data = { command: ehlo.command, reply: replyOneLine(ehlo.reply) };
      return { status: 'fail', messageId: 'rejected', data, evidence };
    }
    if (ehlo.command === 'HELO') {
      const ehloReply = ehlo.ehloRejected ? replyOneLine(ehlo.ehloRejected) : 'not recorded';
      return { status: 'fail', messageId: 'helo-only', data: { ehloReply }, evidence };
    }
    const keywords = ehlo.capabilities.raw;
    const extensions = keywords.length > 0 ? keywords.join(', ') : '(none)';
    return { status: 'pass', messageId: 'accepted', data: { extensions, keywords }, evidence };
  },
});
