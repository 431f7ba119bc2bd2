/**
 * The scripted server's reply table. Texts follow Postfix where it has one, so the lab's transcripts
 * look like what administrators see on real hosts. Each row names the RFC section that defines the
 * code; enhanced status codes are from RFC 3463 unless stated.
 */

/** Formats a reply of one or more lines: `250-first`, ..., `250 last`, each ending in CRLF. */
export function formatReply(code: number, lines: readonly string[]): string {
  const body = lines.length > 0 ? lines : [''];
  return body.map((text, i) => `${code}${i === body.length - 1 ? ' ' : '-'}${text}\r\n`).join('');
}

export const REPLIES = {
  /** RFC 5321 §4.1.1.9 NOOP, §4.1.1.5 RSET. */
  ok: '250 2.0.0 Ok',
  /** RFC 5321 §4.1.1.2 MAIL accepted. */
  mailOk: '250 2.1.0 Ok',
  /** RFC 5321 §4.1.1.3 RCPT accepted. */
  rcptOk: '250 2.1.5 Ok',
  /** RFC 5321 §4.1.1.4 the 354 intermediate reply to DATA. */
  dataGo: '354 End data with <CR><LF>.<CR><LF>',
  /** RFC 5321 §4.1.1.10 QUIT. */
  bye: '221 2.0.0 Bye',
  /** RFC 5321 §4.1.1.8 HELP. */
  help: '214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY EXPN HELP STARTTLS AUTH',
  /** RFC 3207 §4 the go-ahead for the TLS handshake. */
  tlsGo: '220 2.0.0 Ready to start TLS',
  /** RFC 3207 §4 policy refuses a command before STARTTLS. */
  mustStartTls: '530 5.7.0 Must issue a STARTTLS command first',
  /** RFC 4954 §6 AUTH mechanism needs an encrypted session. */
  encryptionRequired: '538 5.7.11 Encryption required for requested authentication mechanism',
  /** RFC 4954 §6 success. */
  authOk: '235 2.7.0 Authentication successful',
  /** RFC 4954 §6 bad credentials. */
  authFailed: '535 5.7.8 Authentication credentials invalid',
  /** RFC 4954 §4 the client answered a challenge with "*". */
  authCancelled: '501 5.0.0 Authentication cancelled',
  /** RFC 4954 §4 the response was not valid base64. */
  authBadBase64: '501 5.5.2 Cannot decode response',
  /** RFC 4954 §6 mechanism not offered. */
  authUnknownMech: '504 5.5.4 Unrecognized authentication type',
  /** RFC 4954 §4 AUTH after a successful AUTH. */
  authAlready: '503 5.5.1 Error: already authenticated',
  /** RFC 4954 §4 AUTH is not allowed during a mail transaction. */
  authInTransaction: '503 5.5.1 Error: MAIL transaction in progress',
  /** RFC 4954 §6 "530 5.7.0 Authentication required" (the submission relay rule). */
  authRequired: '530 5.7.0 Authentication required',
  /** The server offers no AUTH at all. */
  authDisabled: '503 5.5.1 Error: authentication not enabled',
  /** RFC 5321 §4.1.4 commands before EHLO/HELO. */
  needHelo: '503 5.5.1 Error: send HELO/EHLO first',
  /** RFC 5321 §4.1.4 RCPT or DATA without MAIL. */
  needMail: '503 5.5.1 Error: need MAIL command',
  /** RFC 5321 §4.1.4 MAIL inside a transaction. */
  nestedMail: '503 5.5.1 Error: nested MAIL command',
  /** RFC 5321 §3.3 DATA with no accepted recipient. */
  noRecipients: '554 5.5.1 Error: no valid recipients',
  /** RFC 5321 §4.5.3.1.10 too many recipients. */
  tooManyRecipients: '452 4.5.3 Error: too many recipients',
  /** RFC 1870 §6.2 SIZE over the limit (or a message that turned out too big). */
  tooBig: '552 5.3.4 Message size exceeds fixed limit',
  /** RFC 5321 §4.2.4 unknown command. */
  unknownCommand: '502 5.5.2 Error: command not recognized',
  /** RFC 5321 §4.5.3.1.4 a command line over the limit. */
  lineTooLong: '500 5.5.0 Line too long',
  /** RFC 5321 §4.2.4 an empty line. */
  emptyLine: '500 5.5.2 Error: bad syntax',
  /** RFC 5321 §3.5.3 VRFY disabled by policy. */
  vrfyDisabled: '502 5.5.1 VRFY command is disabled',
  /** RFC 5321 §3.5.3 "cannot VRFY user, but will accept message". */
  vrfyAmbiguous: '252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery',
  /** RFC 5321 §3.5.3 EXPN disabled by policy. */
  expnDisabled: '502 5.5.1 EXPN command is disabled',
  /** RFC 3207 §4 STARTTLS on a server without TLS. */
  tlsUnavailable: '502 5.5.1 Error: STARTTLS not available',
  /** RFC 3207 §4.2 STARTTLS inside TLS. */
  tlsAlready: '503 5.5.1 Error: TLS already active',
  /** RFC 2920 §3.1: the client pipelined more than the server will queue. */
  tooMuchPipelining: '421 4.7.0 Error: too many pipelined commands, closing connection',
  /** RFC 5321 §3.8 the hostile 421 greeting. */
  serviceUnavailable: '421 4.3.2 Service not available, closing transmission channel',
  /** RFC 3030 §2 BDAT chunk received. */
  bdatChunk: (octets: number): string => `250 2.0.0 ${octets} octets received`,
  /** RFC 5321 §4.1.1.4 the message is queued. */
  queued: (id: string): string => `250 2.0.0 Ok: queued as ${id}`,
  /** RFC 5321 §3.6.2 relaying refused at RCPT (Postfix's reject_unauth_destination). */
  relayDenied: (addr: string): string => `554 5.7.1 <${addr}>: Relay access denied`,
  /** RFC 5321 §3.6.2 relaying refused once the message is in. */
  relayDeniedAtData: '554 5.7.1 Relay access denied',
  /** RFC 5321 §4.2.2 no such local user. */
  userUnknown: (addr: string): string =>
    `550 5.1.1 <${addr}>: Recipient address rejected: User unknown in local recipient table`,
  /** RFC 5321 §3.5.3 unknown mailing list. */
  listUnknown: (name: string): string => `550 5.1.1 <${name}>: mailing list unknown`,
  /** RFC 5321 §4.2.4 argument syntax. */
  syntax: (usage: string): string => `501 5.5.4 Syntax: ${usage}`,
  /** RFC 5321 §4.1.1.3 empty or malformed recipient. */
  badRecipient: '501 5.1.3 Bad recipient address syntax',
} as const;
