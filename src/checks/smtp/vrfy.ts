/**
 * smtp.vrfy: VRFY cannot be used to find out which mailboxes exist.
 *
 * The probe asks about postmaster (which must exist, RFC 5321 §4.5.1) and about a random name
 * that surely does not. Only a difference between the two answers leaks anything: a server that
 * answers 252 to both (RFC 5321 §3.5.3: "cannot VRFY user") is not enumerable.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import { enumerationFacts, enumerationVerdict } from './common.js';

export default defineEndpointCheck({
  id: 'smtp.vrfy',
  area: 'smtp',
  title: 'No user enumeration via VRFY',
  scope: 'endpoint',
  reference: 'RFC 5321 §7.3',
  requires: ['smtp', 'vrfy'],
  defaultParams: {},
  messages: {
    disabled: 'VRFY is disabled: {knownReply}',
    same: 'VRFY answers both names alike ({knownCode}), so it does not reveal which mailboxes exist',
    'no-leak':
      'VRFY answers do not reveal which mailboxes exist ({knownArg}: {knownCode}, {unknownArg}: {unknownCode})',
    reveals:
      'VRFY reveals which mailboxes exist: {knownArg} gets {knownCode}, the non-existent {unknownArg} gets {unknownCode}',
  },
  remediation: {
    generic: 'Disable VRFY, or make it answer 252 for every name',
    postfix: 'Set `disable_vrfy_command = yes`',
    exim: 'Leave `acl_smtp_vrfy` unset (Exim then refuses VRFY) or make that ACL `deny`',
    sendmail: "Set `define(`confPRIVACY_FLAGS', `goaway')` (or at least `novrfy,noexpn`)",
    exchange: 'Exchange answers VRFY with 252 by default; remove any agent or proxy that verifies recipients',
    opensmtpd: 'OpenSMTPD does not implement VRFY; look for a proxy or filter answering it',
  },
  run({ endpoint }) {
    const probe = endpoint.vrfy;
    if (!probe) return cannotJudge(missingReason(endpoint, 'VRFY replies'));
    return enumerationVerdict(probe, enumerationFacts(probe));
  },
});
