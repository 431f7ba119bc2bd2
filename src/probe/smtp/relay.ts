/**
 * The open-relay battery (SPEC §2 "Relay"): on a connection of its own, the MAIL FROM / RCPT TO
 * forms nmap's smtp-open-relay tries, plus a sender in the host's own domain, sent as a stranger
 * would send them; then, with credentials, the same battery after AUTH. No transaction ever goes
 * past RCPT: every form ends with RSET and DATA is never sent, so nothing can be relayed.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type {
  AuthAttempt,
  RelayAttempt,
  RelayBattery,
  RelayFacts,
  RelayFormKind,
  SmtpExchange,
  SmtpReply,
  TranscriptEntry,
} from '../../model/artifacts.js';
import { ProbeError, toFailure } from '../../errors.js';
import type { EndpointTarget, ProbeSettings } from '../endpoint.js';
import {
  type Channel,
  isDisconnect,
  login,
  loginHere,
  openChannel,
  Transcripts,
  upgrade,
} from './channel.js';
import type { Deadline } from './session.js';

/** RFC 2606 reserves .example: mail to it can never be delivered anywhere. */
export const DEFAULT_RELAY_DOMAIN = 'mailcheck-relay-test.example';
/** Local parts of the test sender and recipient; recognisable in the server's logs. */
const SENDER = 'mailcheck-probe';
const RECIPIENT = 'relay-test';
/** New connections allowed after the server drops one part-way (each must have made progress). */
export const MAX_RECONNECTS = 3;
/**
 * Refusals per session before the battery moves to a new connection. Postfix counts every refused
 * command as an error: past smtpd_soft_error_limit (10) it delays every reply by
 * smtpd_error_sleep_time (1 s), at smtpd_hard_error_limit (20) it says 421 and closes. A fresh
 * session costs a few round trips; staying costs seconds per form.
 */
export const ERRORS_PER_SESSION = 8;
/** A host name of two or more labels (RFC 1123 §2.1). */
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;

export interface RelayOptions {
  /** The external domain recipients are addressed to (--relay-domain); default {@link DEFAULT_RELAY_DOMAIN}. */
  relayDomain?: string;
  /** The host's own mail domain if known; else the parent of the name in the greeting. */
  localDomain?: string;
}

export interface RelayProbeResult {
  facts: RelayFacts;
  /** The dialogue of every connection the probe used, on one clock, credentials redacted. */
  transcript: TranscriptEntry[];
}

/** One row of the battery. */
export interface RelayForm {
  form: string;
  kind: RelayFormKind;
  from: string;
  to: string;
}

/** What the forms are built from. */
export interface FormParams {
  relayDomain: string;
  serverName: string;
  localDomain: string;
  ipLiteral: string;
}

/**
 * The battery, in nmap's order (scripts/smtp-open-relay.nse), with our "local domain sender"
 * added after the server-name sender. Duplicate rows (a server whose name is its own domain)
 * are dropped.
 */
export function relayForms(p: FormParams): RelayForm[] {
  const foreign = `${RECIPIENT}@${p.relayDomain}`;
  const fromIp = `${SENDER}@${p.ipLiteral}`;
  const rows: RelayForm[] = [
    // The null reverse-path of bounces (RFC 5321 §4.5.5): no sender checks can apply.
    { form: 'null-sender', kind: 'foreign', from: '', to: foreign },
    // A stranger writing to a stranger: the plainest relay attempt.
    { form: 'foreign-sender', kind: 'foreign', from: `${SENDER}@${p.relayDomain}`, to: foreign },
    // A sender at the server's own name, which careless rules trust.
    { form: 'server-name-sender', kind: 'foreign', from: `${SENDER}@${p.serverName}`, to: foreign },
    // A sender in the host's mail domain ("local sender").
    { form: 'local-domain-sender', kind: 'foreign', from: `${SENDER}@${p.localDomain}`, to: foreign },
    // A sender at the server's IP literal (RFC 5321 §4.1.3).
    { form: 'ip-literal-sender', kind: 'foreign', from: fromIp, to: foreign },
    // The %-hack: user%remote@this-host, relayed by servers that rewrite % to @.
    {
      form: 'percent-hack-ip',
      kind: 'routed',
      from: fromIp,
      to: `${RECIPIENT}%${p.relayDomain}@${p.ipLiteral}`,
    },
    {
      form: 'percent-hack-name',
      kind: 'routed',
      from: fromIp,
      to: `${RECIPIENT}%${p.relayDomain}@${p.serverName}`,
    },
    // A quoted local part holding the whole foreign address, and no domain of its own.
    { form: 'quoted-address', kind: 'routed', from: fromIp, to: `"${foreign}"` },
    { form: 'quoted-percent', kind: 'routed', from: fromIp, to: `"${RECIPIENT}%${p.relayDomain}"` },
    // Two @: servers that split at the last @ deliver "locally" to a foreign address.
    { form: 'double-at-ip', kind: 'routed', from: fromIp, to: `${foreign}@${p.ipLiteral}` },
    { form: 'quoted-at-ip', kind: 'routed', from: fromIp, to: `"${foreign}"@${p.ipLiteral}` },
    { form: 'double-at-name', kind: 'routed', from: fromIp, to: `${foreign}@${p.serverName}` },
    // Source routes (RFC 5321 §3.6.1, deprecated): the final address is foreign.
    { form: 'source-route-ip', kind: 'foreign', from: fromIp, to: `@${p.ipLiteral}:${foreign}` },
    { form: 'source-route-name', kind: 'foreign', from: fromIp, to: `@${p.serverName}:${foreign}` },
    // UUCP bang paths: remote!user, bare or at this host.
    { form: 'bang-path', kind: 'routed', from: fromIp, to: `${p.relayDomain}!${RECIPIENT}` },
    {
      form: 'bang-path-ip',
      kind: 'routed',
      from: fromIp,
      to: `${p.relayDomain}!${RECIPIENT}@${p.ipLiteral}`,
    },
    {
      form: 'bang-path-name',
      kind: 'routed',
      from: fromIp,
      to: `${p.relayDomain}!${RECIPIENT}@${p.serverName}`,
    },
  ];
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.from}\n${r.to}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A bad --relay-domain value; the CLI turns it into a usage error (exit 2). */
export class RelayDomainError extends Error {
  override name = 'RelayDomainError';
}

/**
 * Checks a --relay-domain value (or the policy's relayDomain) and returns it in lower case: a
 * host name of two or more labels, nothing that could smuggle a command into RCPT TO.
 */
export function validateRelayDomain(input: string): string {
  const d = input.trim().toLowerCase().replace(/\.$/, '');
  // Control characters anywhere (a trailing CR/LF too) are refused rather than trimmed away.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!DOMAIN.test(d) || /[\x00-\x1f\x7f]/.test(input)) {
    const shown = input.replace(
      /[^\x20-\x7e]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
    throw new RelayDomainError(
      `relay domain "${shown}" is not a domain name; use one that cannot receive mail, such as ${DEFAULT_RELAY_DOMAIN}, or a domain you control`,
    );
  }
  return d;
}

/** RFC 5321 §4.1.3 address literal: "[192.0.2.1]" or "[IPv6:2001:db8::1]". */
export function addressLiteral(address: string): string {
  return net.isIPv6(address) ? `[IPv6:${address}]` : `[${address}]`;
}

/** The server's own name: the first word of the greeting or EHLO reply that is a domain name. */
export function serverNameOf(greeting: SmtpReply, hello: SmtpReply | undefined, t: EndpointTarget): string {
  for (const line of [greeting.lines[0], hello?.lines[0]]) {
    const word = /^\s*(\S+)/.exec(line ?? '')?.[1]?.replace(/\.$/, '');
    if (word && DOMAIN.test(word)) return word.toLowerCase();
  }
  return net.isIP(t.host) ? addressLiteral(t.address) : t.host.toLowerCase();
}

/** The parent of a host name with three or more labels ("mx1.campus.edu" -> "campus.edu"). */
export function parentDomain(name: string): string {
  if (name.startsWith('[')) return name;
  const labels = name.split('.');
  return labels.length >= 3 ? labels.slice(1).join('.') : name;
}

/** Whether a 530 asks for STARTTLS (RFC 3207 §4) rather than for authentication (RFC 4954 §6). */
function asksForTls(reply: SmtpReply): boolean {
  return /starttls|\btls\b|encrypt/i.test(reply.lines.join(' '));
}

/** The state the battery needs across reconnects. */
interface Run {
  t: EndpointTarget;
  s: ProbeSettings;
  deadline: Deadline;
  transcripts: Transcripts;
  channel: Channel | undefined;
  /** A 530 asked for STARTTLS: every new connection upgrades first. */
  tlsWanted: boolean;
  connections: number;
  /** 4xx/5xx replies on the current session. */
  errors: number;
}

async function reopen(run: Run, authenticated: boolean): Promise<Channel> {
  run.connections += 1;
  run.errors = 0;
  const label = `relay test: connection ${run.connections}${authenticated ? ' (authenticated)' : ''}`;
  const ch = await openChannel(run.t, run.s, run.deadline, run.transcripts, label);
  try {
    if (run.tlsWanted && !ch.overTls && ch.caps.starttls) await upgrade(ch, run.t, run.s);
    if (authenticated) {
      const { attempt, skipped } = await login(ch, run.t, run.s);
      if (!attempt?.success) {
        const why = skipped ?? attempt?.refused ?? attempt?.failure?.message ?? replyText(attempt?.reply);
        throw new ProbeError('UNEXPECTED_REPLY', `login failed on the new connection: ${why}`, {
          stage: 'AUTH',
          address: run.t.address,
          port: run.t.port,
        });
      }
    }
  } catch (err) {
    ch.session.close();
    throw err;
  }
  return ch;
}

function replyText(r: SmtpReply | undefined): string {
  return r ? `${r.code} ${r.lines.join(' ')}` : 'no reply';
}

/** Sends one form: MAIL, RCPT, RSET; pipelined in one write when the server offers it. */
async function tryForm(ch: Channel, f: RelayForm): Promise<RelayAttempt> {
  const mailCmd = `MAIL FROM:<${f.from}>`;
  const rcptCmd = `RCPT TO:<${f.to}>`;
  const base = { form: f.form, kind: f.kind, overTls: ch.overTls, pipelined: ch.caps.pipelining };
  if (ch.caps.pipelining) {
    const [mail, rcpt, rset] = await ch.session.pipeline([mailCmd, rcptCmd, 'RSET'], 'MAIL');
    return {
      ...base,
      mail: { command: mailCmd, reply: mail! },
      ...(rcpt ? { rcpt: { command: rcptCmd, reply: rcpt } } : {}),
      ...(rset ? { rset } : {}),
    };
  }
  const mail = await ch.session.command(mailCmd, 'MAIL');
  const attempt: RelayAttempt = { ...base, mail: { command: mailCmd, reply: mail } };
  if (mail.code >= 300) return attempt;
  const rcpt = await ch.session.command(rcptCmd, 'RCPT');
  attempt.rcpt = { command: rcptCmd, reply: rcpt };
  if (rcpt.code !== 421) attempt.rset = await ch.session.command('RSET', 'RSET');
  return attempt;
}

/** The exchange that answered 530, if any. */
function refusedWith530(a: RelayAttempt): SmtpExchange | undefined {
  if (a.mail.reply.code === 530) return a.mail;
  if (a.mail.reply.code < 300 && a.rcpt?.reply.code === 530) return a.rcpt;
  return undefined;
}

/** Whether the form got its answer: MAIL refused, or RCPT answered with something other than 421. */
function answered(a: RelayAttempt): boolean {
  if (a.mail.reply.code === 421) return false;
  if (a.mail.reply.code >= 300) return true;
  return a.rcpt !== undefined && a.rcpt.reply.code !== 421;
}

/**
 * Runs every form, stopping at the first 530. A dropped connection (close, reset, 421) is
 * re-opened when the one before it got at least one answer, at most {@link MAX_RECONNECTS} times.
 */
async function runBattery(run: Run, forms: RelayForm[], authenticated: boolean): Promise<RelayBattery> {
  const battery: RelayBattery = {
    authenticated,
    forms: forms.length,
    attempts: [],
    sessions: run.channel ? 1 : 0,
    reconnects: 0,
  };
  const where = { stage: 'RCPT' as const, address: run.t.address, port: run.t.port };
  let i = 0;
  // The connection in use must answer at least one form before a lost one is replaced, so a
  // server that closes at once (or says 421 to everything) is not asked again and again.
  let progressed = false;
  let lastDrop: ProbeError | undefined;
  /** The failure of a battery cut short by disconnects, saying how far it got. */
  const gaveUp = (e: ProbeError) =>
    new ProbeError(
      e.code,
      `${e.detail}; gave up after ${battery.reconnects} reconnect(s) with ${i} of ${forms.length} forms tried`,
      { ...e.context, ...where },
    ).toFailure();
  while (i < forms.length) {
    try {
      if (run.channel && run.errors >= ERRORS_PER_SESSION) {
        await run.channel.session.quit();
        run.channel = undefined;
        run.channel = await reopen(run, authenticated);
        battery.sessions += 1;
      }
      if (!run.channel) {
        if (!progressed || battery.reconnects >= MAX_RECONNECTS) {
          battery.failure = gaveUp(lastDrop ?? new ProbeError('CLOSED', 'the connection was lost', where));
          break;
        }
        battery.reconnects += 1;
        battery.sessions += 1;
        progressed = false;
        run.channel = await reopen(run, authenticated);
      }
      const ch = run.channel;
      const attempt = await tryForm(ch, forms[i]!);
      run.errors += [attempt.mail.reply, attempt.rcpt?.reply, attempt.rset].filter(
        (r) => r && r.code >= 400,
      ).length;
      const with530 = refusedWith530(attempt);
      if (with530 && !ch.overTls && ch.caps.starttls && asksForTls(with530.reply)) {
        // The server wants TLS before mail: go on inside TLS, as a stranger could.
        battery.tlsRequired ??= with530;
        run.tlsWanted = true;
        await upgrade(ch, run.t, run.s);
        continue;
      }
      const r421 = [attempt.mail.reply, attempt.rcpt?.reply, attempt.rset].find((r) => r?.code === 421);
      // A form cut short by a 421 is sent again on the next connection; any other is done.
      if (!r421 || answered(attempt)) {
        battery.attempts.push(attempt);
        progressed = true;
        i += 1;
      }
      if (with530) {
        const reason = !ch.overTls && asksForTls(with530.reply) ? 'tls-required' : 'auth-required';
        battery.stopped = { reason, form: attempt.form, exchange: with530 };
        break;
      }
      if (r421) {
        lastDrop = new ProbeError('SERVICE_UNAVAILABLE', `server answered ${replyText(r421)}`, where);
        dropChannel(run);
      }
    } catch (err) {
      dropChannel(run);
      if (!isDisconnect(err)) {
        battery.failure = toFailure(err, where);
        break;
      }
      lastDrop = err as ProbeError;
      if (!progressed || battery.reconnects >= MAX_RECONNECTS) {
        battery.failure = gaveUp(lastDrop);
        break;
      }
    }
  }
  return battery;
}

function dropChannel(run: Run): void {
  run.channel?.session.close();
  run.channel = undefined;
}

/** RCPT to a random local part at the server's own name, in a transaction of its own. */
async function probeCatchAll(ch: Channel, serverName: string): Promise<SmtpExchange | undefined> {
  const mailCmd = 'MAIL FROM:<>';
  const rcptCmd = `RCPT TO:<mailcheck-nonexistent-${randomBytes(4).toString('hex')}@${serverName}>`;
  const replies = ch.caps.pipelining
    ? await ch.session.pipeline([mailCmd, rcptCmd, 'RSET'], 'RCPT')
    : [await ch.session.command(mailCmd, 'MAIL')];
  if (!ch.caps.pipelining && replies[0]!.code < 300) {
    replies.push(await ch.session.command(rcptCmd, 'RCPT'));
    if (replies[1]!.code !== 421) replies.push(await ch.session.command('RSET', 'RSET'));
  }
  const [mail, rcpt] = replies;
  if (!mail || mail.code >= 300 || !rcpt || rcpt.code === 421) return undefined;
  return { command: rcptCmd, reply: rcpt };
}

/**
 * Runs the open-relay battery against one endpoint on a connection of its own, taken through
 * `s.limiter`. With credentials (used on submission ports and ports named explicitly, over
 * verified TLS unless --allow-plaintext-auth), runs it again after AUTH. Never throws: every
 * failure is recorded in the facts.
 */
export async function probeRelay(
  t: EndpointTarget,
  s: ProbeSettings,
  deadline: Deadline,
  opts: RelayOptions = {},
): Promise<RelayProbeResult> {
  const transcripts = new Transcripts();
  const relayDomain = opts.relayDomain ?? DEFAULT_RELAY_DOMAIN;
  const ipLiteral = addressLiteral(t.address);
  const run: Run = {
    t,
    s,
    deadline,
    transcripts,
    channel: undefined,
    tlsWanted: false,
    connections: 0,
    errors: 0,
  };
  const facts: RelayFacts = {
    relayDomain,
    serverName: net.isIP(t.host) ? ipLiteral : t.host,
    localDomain: opts.localDomain ?? parentDomain(net.isIP(t.host) ? ipLiteral : t.host),
    ipLiteral,
    pipelining: false,
    unauthenticated: { authenticated: false, forms: 0, attempts: [], sessions: 0, reconnects: 0 },
    ms: 0,
  };
  let release: (() => void) | undefined;
  try {
    release = await s.limiter.acquire(t.address, deadline.remaining());
    run.channel = await reopen(run, false);
    const ch = run.channel;
    facts.serverName = serverNameOf(ch.greeting, ch.hello, t);
    facts.localDomain = opts.localDomain ?? parentDomain(facts.serverName);
    facts.pipelining = ch.caps.pipelining;
    const forms = relayForms({ ...facts });
    facts.unauthenticated = await runBattery(run, forms, false);
    const b = facts.unauthenticated;
    if (run.channel && !b.stopped && !b.failure) {
      facts.catchAll = await probeCatchAll(run.channel, facts.serverName).catch((err: unknown) => {
        if (isDisconnect(err)) dropChannel(run);
        return undefined;
      });
    }
    await authenticatedBattery(run, facts, forms);
  } catch (err) {
    facts.unauthenticated.failure = toFailure(err, { stage: 'CONNECT', address: t.address, port: t.port });
  } finally {
    await run.channel?.session.quit();
    release?.();
  }
  facts.ms = transcripts.elapsed;
  return { facts, transcript: transcripts.entries() };
}

/** Logs in (on the session if it is still open, else on a new one) and runs the battery again. */
async function authenticatedBattery(run: Run, facts: RelayFacts, forms: RelayForm[]): Promise<void> {
  const { t, s } = run;
  if (!s.credentials) return;
  if (!loginHere(t)) {
    facts.authSkipped = 'credentials are only used on submission ports and on ports named explicitly';
    return;
  }
  let attempt: AuthAttempt | undefined;
  let skipped: string | undefined;
  // A server that counted the battery's refusals as errors may close before AUTH: one more try.
  for (let tries = 0; tries < 2; tries++) {
    try {
      run.channel ??= await openForLogin(run);
      ({ attempt, skipped } = await login(run.channel, t, s));
    } catch (err) {
      dropChannel(run);
      if (isDisconnect(err) && tries === 0) continue;
      const failure = toFailure(err, { stage: 'AUTH', address: t.address, port: t.port });
      facts.authSkipped = `could not log in: ${failure.message}`;
      return;
    }
    const code = attempt?.failure?.code;
    const gone =
      attempt?.reply?.code === 421 ||
      code === 'CLOSED' ||
      code === 'ECONNRESET' ||
      code === 'SERVICE_UNAVAILABLE';
    if (!gone) break;
    dropChannel(run);
  }
  if (attempt) facts.auth = attempt;
  if (!attempt?.success) {
    facts.authSkipped =
      skipped ??
      attempt?.refused ??
      `login failed: ${attempt?.failure?.message ?? replyText(attempt?.reply)}`;
    return;
  }
  facts.authenticated = await runBattery(run, forms, true);
}

async function openForLogin(run: Run): Promise<Channel> {
  run.connections += 1;
  run.errors = 0;
  return openChannel(
    run.t,
    run.s,
    run.deadline,
    run.transcripts,
    `relay test: connection ${run.connections}`,
  );
}
