/**
 * The opt-in test message (SPEC §2 "DATA", `--send-test --from A --to B`): on a connection of its
 * own, over TLS when offered and after AUTH when credentials are given on a submission port, one
 * generated message with Date, Message-ID and a unique X-Mailcheck-Id. Records every reply, the
 * queue id and the time from the end of data to the final reply.
 */
import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import type { DataFacts, SmtpReply, TranscriptEntry } from '../../model/artifacts.js';
import { ProbeError, toFailure } from '../../errors.js';
import type { EndpointTarget, ProbeSettings } from '../endpoint.js';
import { expectReply, login, loginHere, openChannel, Transcripts, upgrade } from './channel.js';
import { FramingError, ReplyParser } from './framing.js';
import type { Deadline, SmtpSession } from './session.js';

export interface DataOptions {
  from: string;
  to: string;
  /** The clock for the Date header (tests). */
  now?: Date;
}

export interface DataProbeResult {
  facts: DataFacts;
  transcript: TranscriptEntry[];
}

/** A bad --from/--to value; the CLI turns it into a usage error (exit 2). */
export class AddressError extends Error {
  override name = 'AddressError';
}

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const DOT_ATOM = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*$`);
const QUOTED = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/**
 * Checks an address given on the command line and returns it without surrounding <>: ASCII, no
 * control characters (a CR or LF would smuggle SMTP commands, RFC 5321 §2.3.8), a local part of
 * at most 64 octets (dot-atom or quoted string) and a domain name or address literal
 * (RFC 5321 §4.1.2, §4.5.3.1). Throws {@link AddressError} saying what is wrong.
 */
export function validateAddress(input: string): string {
  const bad = (why: string) =>
    new AddressError(`"${printableAddress(input)}" is not a usable address: ${why}`);
  // Checked before trimming: a value with CR or LF anywhere is refused, not quietly repaired.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x1f\x7f]/.test(input)) {
    throw bad('it contains a control character (CR or LF would inject SMTP commands)');
  }
  const addr = input.trim().replace(/^<(.*)>$/s, '$1');
  if (/[^\x20-\x7e]/.test(addr)) throw bad('only ASCII addresses are supported');
  if (addr.length > 254) throw bad('it is longer than 254 characters');
  const at = addr.lastIndexOf('@');
  if (at <= 0) throw bad('use the form user@domain');
  const local = addr.slice(0, at);
  const domain = addr.slice(at + 1);
  if (local.length > 64) throw bad('the part before @ is longer than 64 characters');
  if (!DOT_ATOM.test(local) && !QUOTED.test(local)) throw bad(`"${local}" is not a valid local part`);
  const literal = /^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\]$/.test(domain);
  const labels = domain.replace(/\.$/, '').split('.');
  if (!literal && (labels.length < 2 || !labels.every((l) => LABEL.test(l)))) {
    throw bad(`"${domain}" is not a valid domain`);
  }
  return addr;
}

function printableAddress(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** RFC 5322 §3.3 date-time in UTC: "Sat, 21 Nov 2026 12:00:00 +0000". */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

export interface TestMessage {
  mailcheckId: string;
  messageId: string;
  /** Lines without CRLF, not yet dot-stuffed. */
  lines: string[];
}

/**
 * The generated message: plain 7-bit text, with a line that starts with "." so that the server's
 * handling of dot-stuffing (RFC 5321 §4.5.2) is exercised on every run.
 */
export function buildTestMessage(p: {
  from: string;
  to: string;
  target: string;
  ehloName: string;
  now: Date;
  id?: string;
}): TestMessage {
  const mailcheckId = p.id ?? randomUUID();
  const host = /^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(p.ehloName) ? p.ehloName : 'mailcheck.invalid';
  const messageId = `<mailcheck.${mailcheckId}@${host}>`;
  return {
    mailcheckId,
    messageId,
    lines: [
      `From: mailcheck <${p.from}>`,
      `To: <${p.to}>`,
      `Subject: mailcheck test message ${mailcheckId}`,
      `Date: ${rfc5322Date(p.now)}`,
      `Message-ID: ${messageId}`,
      `X-Mailcheck-Id: ${mailcheckId}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      'Content-Transfer-Encoding: 7bit',
      '',
      `This is a test message sent by mailcheck (--send-test) through ${p.target}.`,
      'It checks that the server accepts mail; it can be deleted.',
      '',
      '.This line starts with a dot: it arrives intact when dot-stuffing works (RFC 5321 section 4.5.2).',
      '',
      `X-Mailcheck-Id: ${mailcheckId}`,
    ],
  };
}

/** RFC 5321 §4.5.2: a line that starts with "." gets one more, so only "." alone ends the data. */
export function dotStuff(lines: readonly string[]): string[] {
  return lines.map((l) => (l.startsWith('.') ? `.${l}` : l));
}

/**
 * The queue id a final 250 names, for the common MTAs; a last token that looks like an id
 * otherwise; undefined when there is none.
 */
export function parseQueueId(reply: SmtpReply): string | undefined {
  const text = reply.lines.join(' ');
  const patterns: RegExp[] = [
    /\bqueued as\s+<?([A-Za-z0-9._@-]+?)>?(?:\s|$)/i, // Postfix "Ok: queued as 4Xyz1234"
    /\bid=([A-Za-z0-9-]+)/, // Exim "OK id=1rAbCd-000123-Ef"
    /\[InternalId=(\d+)/, // Exchange / Microsoft 365 "... [InternalId=1234, Hostname=...] Queued mail for delivery"
    /\bOK\s+\d+\s+(\S+)\s+-\s+gsmtp/i, // Gmail "OK  1700000000 a1-20020a05...  - gsmtp"
    /(?:^|\s)<?([A-Za-z0-9._@-]*\d[A-Za-z0-9._@-]*)>?\s+Message accepted/i, // Sendmail, OpenSMTPD
  ];
  for (const re of patterns) {
    const m = re.exec(text);
    if (m?.[1]) return m[1];
  }
  const last = /(?:^|\s)<?([A-Za-z0-9._@=-]+)>?\s*$/.exec(reply.lines[reply.lines.length - 1] ?? '')?.[1];
  // A bare word ("Ok", "accepted") is not an id: ask for a digit and some length.
  return last && /\d/.test(last) && last.length >= 6 && !/^\d\.\d{1,3}\.\d{1,3}$/.test(last)
    ? last
    : undefined;
}

/** RFC 5321 §4.5.3.2.6 allows the server 10 minutes after "."; we wait up to this, deadline permitting. */
const FINAL_REPLY_MS = 60_000;

/**
 * Sends one test message through the endpoint on a connection of its own (through `s.limiter`).
 * `opts.from` and `opts.to` must have passed {@link validateAddress}. Never throws.
 */
export async function probeData(
  t: EndpointTarget,
  s: ProbeSettings,
  deadline: Deadline,
  opts: DataOptions,
): Promise<DataProbeResult> {
  const transcripts = new Transcripts();
  const msg = buildTestMessage({
    from: opts.from,
    to: opts.to,
    target: `${t.host} port ${t.port}`,
    ehloName: s.ehloName,
    now: opts.now ?? new Date(),
  });
  const facts: DataFacts = {
    from: opts.from,
    to: opts.to,
    mailcheckId: msg.mailcheckId,
    messageId: msg.messageId,
    overTls: false,
    steps: [],
    ms: 0,
  };
  let release: (() => void) | undefined;
  let session: SmtpSession | undefined;
  let socket: net.Socket | undefined;
  try {
    validateAddress(opts.from);
    validateAddress(opts.to);
    release = await s.limiter.acquire(t.address, deadline.remaining());
    const ch = await openChannel(t, s, deadline, transcripts, 'test message (--send-test)');
    session = ch.session;
    if (!ch.overTls && ch.caps.starttls) await upgrade(ch, t, s);
    facts.overTls = ch.overTls;
    if (s.credentials && loginHere(t)) {
      const { attempt } = await login(ch, t, s);
      if (attempt) facts.auth = attempt;
      if (attempt && !attempt.success) {
        const why = attempt.refused ?? attempt.failure?.message ?? replyText(attempt.reply);
        throw new ProbeError('UNEXPECTED_REPLY', `no message sent: login failed: ${why}`, {
          stage: 'AUTH',
          address: t.address,
          port: t.port,
        });
      }
    }
    const body = `${dotStuff(msg.lines).join('\r\n')}\r\n.\r\n`;
    const size = ch.caps.size !== undefined ? ` SIZE=${Buffer.byteLength(body)}` : '';
    const mailCmd = `MAIL FROM:<${opts.from}>${size}`;
    const rcptCmd = `RCPT TO:<${opts.to}>`;
    const [mail, rcpt] = ch.caps.pipelining
      ? await ch.session.pipeline([mailCmd, rcptCmd], 'MAIL')
      : [await ch.session.command(mailCmd, 'MAIL')];
    facts.steps.push({ command: mailCmd, reply: mail! });
    if (rcpt) facts.steps.push({ command: rcptCmd, reply: rcpt });
    expectReply(mail!, (c) => c < 300, 'MAIL', t);
    const rcptReply = rcpt ?? (await ch.session.command(rcptCmd, 'RCPT'));
    if (!rcpt) facts.steps.push({ command: rcptCmd, reply: rcptReply });
    expectReply(rcptReply, (c) => c < 300, 'RCPT', t);
    const data = await ch.session.command('DATA', 'DATA');
    facts.steps.push({ command: 'DATA', reply: data });
    expectReply(data, (c) => c === 354, 'DATA', t);

    // Not after the deadline: the report would say DEADLINE while the server delivered the message.
    // Closing after the 354 without the final dot leaves the server nothing to deliver.
    session.assertWritable('DATA');
    // The session frames commands one line at a time; the message goes out on the socket itself.
    const octets = Buffer.byteLength(body);
    session.transcript.push({
      t: session.elapsed,
      dir: 'C',
      text: `<message: ${msg.lines.length} lines, ${octets} octets, X-Mailcheck-Id ${msg.mailcheckId}>`,
    });
    session.transcript.push({ t: session.elapsed, dir: 'C', text: '.' });
    socket = session.takeSocket();
    // readReply reports errors while it listens; afterwards there is nothing left to say.
    socket.on('error', () => undefined);
    const where = { address: t.address, port: t.port };
    const waitMs = Math.min(deadline.remaining(), Math.max(s.stepTimeoutMs, FINAL_REPLY_MS));
    const reading = readReply(socket, waitMs, { ...where, waitedFor: 'reply to end of data' });
    const sent = Date.now();
    socket.write(body);
    facts.size = octets;
    const final = await reading;
    facts.finalMs = Date.now() - sent;
    facts.final = final;
    for (const [i, l] of final.lines.entries()) {
      const sep = i === final.lines.length - 1 ? ' ' : '-';
      session.transcript.push({ t: session.elapsed, dir: 'S', text: `${final.code}${sep}${l}` });
    }
    if (final.code >= 200 && final.code < 300) {
      const id = parseQueueId(final);
      if (id) facts.queueId = id;
    }
    if (deadline.remaining() > 0) await quitRaw(socket, session, where);
  } catch (err) {
    facts.failure = toFailure(err, { stage: 'DATA', address: t.address, port: t.port });
  } finally {
    if (socket) socket.destroy();
    else await session?.quit();
    release?.();
  }
  facts.ms = transcripts.elapsed;
  return { facts, transcript: transcripts.entries() };
}

function replyText(r: SmtpReply | undefined): string {
  return r ? `${r.code} ${r.lines.join(' ')}` : 'no reply';
}

/** Reads one complete reply from a socket taken over from the session, bounded by `timeoutMs`. */
function readReply(
  socket: net.Socket,
  timeoutMs: number,
  where: { address: string; port: number; waitedFor: string },
): Promise<SmtpReply> {
  const parser = new ReplyParser();
  const ctx = { stage: 'DATA' as const, ...where };
  return new Promise<SmtpReply>((resolve, reject) => {
    const done = (err: ProbeError | undefined, reply?: SmtpReply) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (err) reject(err);
      else resolve(reply!);
    };
    const onData = (chunk: Buffer) => {
      try {
        const [reply] = parser.push(chunk);
        if (reply) done(undefined, reply);
      } catch (err) {
        if (err instanceof FramingError) done(new ProbeError(err.code, err.message, ctx));
        else done(new ProbeError('INTERNAL', String(err), ctx));
      }
    };
    const onClose = () => done(new ProbeError('CLOSED', 'the server closed the connection', ctx));
    const onError = (err: Error) => done(new ProbeError('ECONNRESET', `socket error: ${err.message}`, ctx));
    const timer = setTimeout(
      () => done(new ProbeError('REPLY_TIMEOUT', 'no complete reply', { ...ctx, timeoutMs })),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
  });
}

/** QUIT on the taken-over socket, waiting briefly for the 221; never throws. */
async function quitRaw(
  socket: net.Socket,
  session: SmtpSession,
  where: { address: string; port: number },
): Promise<void> {
  session.transcript.push({ t: session.elapsed, dir: 'C', text: 'QUIT' });
  const bye = readReply(socket, 1000, { ...where, waitedFor: 'reply to QUIT' });
  socket.write('QUIT\r\n');
  await bye.then(
    (r) => session.transcript.push({ t: session.elapsed, dir: 'S', text: `${r.code} ${r.lines.join(' ')}` }),
    () => undefined,
  );
}
