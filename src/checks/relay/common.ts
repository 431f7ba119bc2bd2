/**
 * Helpers shared by the checks that judge the open-relay battery (relay.open, auth.required):
 * whether a form was accepted, and how an exchange is shown as evidence.
 */
import type {
  EndpointFacts,
  RelayAttempt,
  RelayBattery,
  SmtpExchange,
  SmtpReply,
} from '../../model/artifacts.js';
import { missingReason, replyOneLine } from '../util.js';

const positive = (r: SmtpReply | undefined): boolean => r !== undefined && r.code >= 200 && r.code < 300;

/** The server took responsibility for the recipient: MAIL and RCPT both got 2xx (RFC 5321 §4.2.1). */
export function rcptAccepted(a: RelayAttempt): boolean {
  return positive(a.mail.reply) && positive(a.rcpt?.reply);
}

/** Whether a reply is a 2xx. */
export function isPositive(r: SmtpReply | undefined): boolean {
  return positive(r);
}

/** "RCPT TO:<x@y> -> 554 5.7.1 <x@y>: Relay access denied" */
export function exchangeLine(x: SmtpExchange): string {
  return `${x.command} -> ${replyOneLine(x.reply)}`;
}

/** The commands of one form and their replies, as evidence. */
export function attemptLines(a: RelayAttempt): string[] {
  return a.rcpt ? [exchangeLine(a.mail), exchangeLine(a.rcpt)] : [exchangeLine(a.mail)];
}

/** The exchange that refused a form: RCPT, or MAIL when MAIL was already refused. */
export function refusingExchange(a: RelayAttempt): SmtpExchange {
  return !positive(a.mail.reply) || !a.rcpt ? a.mail : a.rcpt;
}

/** Why the battery could not be judged: no relay facts, or it broke off early. */
export function relayMissingReason(endpoint: EndpointFacts): string {
  return missingReason(endpoint, 'relay test');
}

export function incompleteReason(b: RelayBattery): string {
  const tried = `${b.attempts.length} of ${b.forms || 'the'} forms tried`;
  return `relay test incomplete (${tried}): ${b.failure?.message ?? 'no reply'}`;
}
