/**
 * Helpers shared by the SMTP dialogue checks: the EHLO of the first channel, the server name
 * syntax of RFC 5321 §4.1.2, and how VRFY/EXPN answers are read.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Capabilities, EndpointFacts, EnumerationProbe, SmtpReply } from '../../model/artifacts.js';
import type { Finding } from '../types.js';
import { replyLines, replyOneLine } from '../util.js';

/** The EHLO exchange of the first channel (cleartext, or the TLS session on smtps). */
export interface FirstEhlo {
  command: 'EHLO' | 'HELO';
  reply: SmtpReply;
  ehloRejected?: SmtpReply;
  capabilities: Capabilities;
}

/** `ehlo`, or on smtps (where only the TLS session exists) `ehloTls`. */
export function firstEhlo(endpoint: EndpointFacts): FirstEhlo | undefined {
  if (endpoint.ehlo) return endpoint.ehlo;
  if (endpoint.profile === 'smtps' && endpoint.ehloTls) return { command: 'EHLO', ...endpoint.ehloTls };
  return undefined;
}

/** How a server names itself in the greeting or EHLO reply. */
export type NameKind = 'fqdn' | 'placeholder' | 'address-literal' | 'invalid';

/** RFC 5321 §4.1.2 sub-domain: Let-dig [Ldh-str], at most 63 octets (RFC 1035 §2.3.4). */
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Names that are syntactically fine but name no host on the Internet: localhost (RFC 6761 §6.3),
 * the "localhost.localdomain" default of many installs, and ".local" (mDNS, RFC 6762), often an
 * Active Directory name left in an Exchange connector.
 */
const PLACEHOLDER = /(?:^|\.)(?:localhost|localdomain|local)$/i;

/**
 * Classifies the name a server gives: a FQDN (at least two labels, a non-numeric top label),
 * an address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]", RFC 5321 §4.1.3), a placeholder
 * such as localhost.localdomain, or invalid (no dot, bad characters, an unbracketed IP).
 */
export function classifyName(name: string): NameKind {
  const literal = /^\[(?:IPv6:(.+)|(.+))\]$/i.exec(name);
  if (literal) {
    const ok = literal[1] !== undefined ? isIPv6(literal[1]) : isIPv4(literal[2]);
    return ok ? 'address-literal' : 'invalid';
  }
  if (name.length === 0 || name.length > 253) return 'invalid';
  const labels = name.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return 'invalid';
  if (/^\d+$/.test(labels[labels.length - 1])) return 'invalid';
  return PLACEHOLDER.test(name) ? 'placeholder' : 'fqdn';
}

/** The first word of the first line of a reply: the name in "220 mail.example.edu ESMTP". */
export function firstWord(reply: SmtpReply): string {
  return (reply.lines[0] ?? '').trim().split(/\s+/)[0] ?? '';
}

/** What a VRFY/EXPN reply code says about the name asked for (RFC 5321 §3.5.3, §4.2.2). */
export type EnumerationAnswer =
  | 'confirms' // 250, 251: the mailbox exists (or is forwarded)
  | 'cannot-verify' // 252: will accept mail but does not say whether the name exists
  | 'denies' // 550, 551, 553: no such mailbox
  | 'disabled' // 500, 502, 504: command not recognised or not implemented
  | 'refused' // anything else: 530 authentication required, 4xx, 503 ...
  | 'other-5xx'; // another permanent refusal

export function enumerationAnswer(code: number): EnumerationAnswer {
  if (code === 250 || code === 251) return 'confirms';
  if (code === 252) return 'cannot-verify';
  if (code === 550 || code === 551 || code === 553) return 'denies';
  if (code === 500 || code === 502 || code === 504) return 'disabled';
  if (code >= 500 && code < 600 && code !== 530) return 'other-5xx';
  return 'refused';
}

/**
 * Whether the two answers tell an existing name from a non-existing one: the known name is
 * confirmed while the unknown one is refused permanently, or the known name gets 252 while the
 * unknown one is denied outright. Same answers (252 for both, 530 for both) reveal nothing.
 */
export function revealsExistence(probe: EnumerationProbe): boolean {
  const known = enumerationAnswer(probe.known.reply.code);
  const unknownCode = probe.unknown.reply.code;
  const unknown = enumerationAnswer(unknownCode);
  if (known === 'confirms') return unknownCode >= 500 && unknownCode < 600;
  if (known === 'cannot-verify') return unknown === 'denies';
  return false;
}

/** Both commands and both replies, as they went over the wire. */
export function enumerationEvidence(probe: EnumerationProbe): string[] {
  const tls = probe.overTls ? ' (inside TLS)' : '';
  return [
    `C: ${probe.command} ${probe.known.argument}${tls}`,
    ...replyLines(probe.known.reply).map((l) => `S: ${l}`),
    `C: ${probe.command} ${probe.unknown.argument}${tls}`,
    ...replyLines(probe.unknown.reply).map((l) => `S: ${l}`),
  ];
}

/** Message data and evidence of a VRFY/EXPN probe, shared by every finding of those checks. */
export interface EnumerationFacts {
  data: NonNullable<Finding['data']>;
  evidence: string[];
}

/**
 * The data the VRFY/EXPN messages use (both names, both codes, the known name's reply, whether
 * the probe ran inside TLS) plus `extra` for a check's own messages, and the evidence.
 */
export function enumerationFacts(
  probe: EnumerationProbe,
  extra: Record<string, string | number> = {},
): EnumerationFacts {
  const known = probe.known.reply;
  const unknown = probe.unknown.reply;
  return {
    data: {
      knownArg: probe.known.argument,
      unknownArg: probe.unknown.argument,
      knownCode: known.code,
      unknownCode: unknown.code,
      knownReply: replyOneLine(known),
      ...extra,
      overTls: probe.overTls,
    },
    evidence: enumerationEvidence(probe),
  };
}

/**
 * The verdict both VRFY and EXPN share: `reveals` (fail) when the answers tell an existing name
 * from a non-existing one, by {@link revealsExistence} or by the check's own rule `alsoReveals`;
 * else a pass that says whether the command is `disabled`, answers both names the `same` way,
 * or answers differently without leaking anything (`no-leak`).
 */
export function enumerationVerdict(
  probe: EnumerationProbe,
  { data, evidence }: EnumerationFacts,
  alsoReveals = false,
): Finding {
  if (alsoReveals || revealsExistence(probe)) return { status: 'fail', messageId: 'reveals', data, evidence };
  const knownAnswer = enumerationAnswer(probe.known.reply.code);
  if (knownAnswer === 'disabled') return { status: 'pass', messageId: 'disabled', data, evidence };
  const same = knownAnswer === enumerationAnswer(probe.unknown.reply.code);
  return { status: 'pass', messageId: same ? 'same' : 'no-leak', data, evidence };
}
