/**
 * smtp.expn: EXPN cannot be used to list mailing lists or find out which mailboxes exist.
 *
 * EXPN of postmaster returning 250 discloses the address behind it; several 250 lines disclose
 * a list's members (RFC 5321 §3.5.2). Same answers for both names (252, 502, 530) reveal nothing.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import { enumerationFacts, enumerationVerdict } from './common.js';

export default defineEndpointCheck({
  id: 'smtp.expn',
  area: 'smtp',
  title: 'No user or list enumeration via EXPN',
  scope: 'endpoint',
  reference: 'RFC 5321 §7.3',
  requires: ['smtp', 'expn'],
  defaultParams: {},
  messages: {
    disabled: 'EXPN is disabled: {knownReply}',
    same: 'EXPN answers both names alike ({knownCode}), so it does not reveal mailboxes or lists',
    'no-leak':
      'EXPN answers do not reveal mailboxes or lists ({knownArg}: {knownCode}, {unknownArg}: {unknownCode})',
    expands: 'EXPN {knownArg} expands to {members} addresses: {knownReply}',
    reveals:
      'EXPN reveals which mailboxes exist: {knownArg} gets {knownCode}, the non-existent {unknownArg} gets {unknownCode}',
  },
  remediation: {
    generic: 'Disable EXPN',
    postfix:
      'Postfix does not implement EXPN; look for a proxy or content filter in front of it that answers EXPN',
    exim: 'Leave `acl_smtp_expn` unset (Exim then refuses EXPN) or make that ACL `deny`',
    sendmail: "Set `define(`confPRIVACY_FLAGS', `goaway')` (or at least `noexpn`)",
    exchange:
      'Look for a transport agent or a proxy in front of Exchange that answers EXPN and turn that feature off',
    opensmtpd: 'OpenSMTPD does not implement EXPN; look for a proxy or filter answering it',
  },
  run({ endpoint }) {
    const probe = endpoint.expn;
    if (!probe) return cannotJudge(missingReason(endpoint, 'EXPN replies'));
    const known = probe.known.reply;
    const facts = enumerationFacts(probe, { members: known.lines.length });
    if (known.code === 250 && known.lines.length > 1)
      return { status: 'fail', messageId: 'expands', ...facts };
    // A 250 for postmaster discloses the mailbox behind it, unless everything gets the same 250.
    return enumerationVerdict(probe, facts, known.code === 250 && probe.unknown.reply.code !== 250);
  },
});
