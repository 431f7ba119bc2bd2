/**
 * The scripted server's SMTP commands (RFC 5321 §4.1), one handler per verb. Handlers change the
 * session state at once and queue their replies on the connection, which sends them in order.
 */
import { randomBytes } from 'node:crypto';
import { handleAuth } from './scripted-auth.js';
import { hostileOnEhlo, hostileOnStartTls } from './hostile.js';
import { REPLIES } from './scripted-replies.js';
import { authOffered, starttlsOffered } from './scripted-session.js';
import type { Connection } from './scripted-connection.js';
import type { SessionState } from './scripted-session.js';
import type { MessageSink } from './scripted-data.js';
import type { ResolvedOptions } from './scripted-types.js';

/** RFC 5321 §4.5.3.1.8 asks for at least 100 recipients per transaction. */
const MAX_RECIPIENTS = 100;
const MAX_MESSAGES_KEPT = 20;

type Handler = (conn: Connection, args: string) => void;

const HANDLERS: Record<string, Handler> = {
  EHLO: (c, a) => hello(c, a, true),
  HELO: (c, a) => hello(c, a, false),
  STARTTLS: starttls,
  AUTH: handleAuth,
  MAIL: mail,
  RCPT: rcpt,
  DATA: data,
  BDAT: bdat,
  RSET: (c) => {
    resetTransaction(c.session);
    c.reply(REPLIES.ok);
  },
  NOOP: (c) => c.reply(REPLIES.ok),
  HELP: (c) => c.reply(REPLIES.help),
  QUIT: (c) => {
    c.reply(REPLIES.bye);
    c.quit();
  },
  VRFY: vrfy,
  EXPN: expn,
};

/** Runs one command line (CRLF already removed). */
export function dispatch(conn: Connection, line: string): void {
  const m = /^\s*([A-Za-z]+)(?:\s+(.*?))?\s*$/.exec(line);
  if (!m) {
    conn.reply(line.trim() === '' ? REPLIES.emptyLine : REPLIES.unknownCommand);
    return;
  }
  const handler = HANDLERS[m[1].toUpperCase()];
  if (handler) handler(conn, m[2] ?? '');
  else conn.reply(REPLIES.unknownCommand);
}

function resetTransaction(s: SessionState): void {
  s.mailFrom = undefined;
  s.rcpts = [];
  s.rejectAtData = false;
}

/** RFC 3207 §4: with requireTls, these commands are refused before STARTTLS. */
function refusedBeforeTls(conn: Connection): boolean {
  if (!conn.options.requireTls || conn.session.tls) return false;
  conn.reply(REPLIES.mustStartTls);
  return true;
}

function hello(conn: Connection, args: string, extended: boolean): void {
  if (args === '') return conn.reply(REPLIES.syntax(`${extended ? 'EHLO' : 'HELO'} hostname`));
  if (hostileOnEhlo(conn)) return;
  const o = conn.options;
  const s = conn.session;
  resetTransaction(s);
  s.greeted = true;
  s.clientName = args;
  if (!extended) return conn.reply(`250 ${o.hostname}`);
  const lines = [o.hostname, ...o.extensions];
  if (starttlsOffered(o, s)) lines.push('STARTTLS');
  if (authOffered(o, s)) lines.push(`AUTH ${o.authMechanisms.join(' ')}`);
  conn.replyLines(250, lines);
}

function starttls(conn: Connection, args: string): void {
  if (args !== '') return conn.reply(REPLIES.syntax('STARTTLS'));
  if (conn.session.tls) return conn.reply(REPLIES.tlsAlready);
  if (!starttlsOffered(conn.options, conn.session)) return conn.reply(REPLIES.tlsUnavailable);
  if (hostileOnStartTls(conn)) return;
  conn.startTls(`${REPLIES.tlsGo}\r\n`);
}

function mail(conn: Connection, args: string): void {
  if (refusedBeforeTls(conn)) return;
  const s = conn.session;
  if (!s.greeted) return conn.reply(REPLIES.needHelo);
  if (s.mailFrom !== undefined) return conn.reply(REPLIES.nestedMail);
  const m = /^FROM:\s*<([^<>]*)>(.*)$/i.exec(args);
  if (!m) return conn.reply(REPLIES.syntax('MAIL FROM:<address>'));
  // RFC 1870 §6: a declared SIZE over the limit is refused before any data is sent.
  const size = /(?:^|\s)SIZE=(\d+)/i.exec(m[2]);
  if (size && Number(size[1]) > conn.options.maxMessageSize) return conn.reply(REPLIES.tooBig);
  s.mailFrom = m[1];
  s.rcpts = [];
  conn.reply(REPLIES.mailOk);
}

/**
 * Whether an address is delivered here, and to whom. Routing tricks that nmap's smtp-open-relay
 * tries (source routes, %-hack, bang paths, quoted local parts hiding an @) count as foreign,
 * as on a Postfix with allow_untrusted_routing = no.
 */
export function classifyRecipient(o: ResolvedOptions, address: string): 'known' | 'unknown' | 'foreign' {
  const addr = address.trim();
  if (addr.startsWith('@')) return 'foreign';
  const at = addr.lastIndexOf('@');
  // RFC 5321 §4.5.1: a bare "Postmaster" is always local.
  if (at < 0) return addr.toLowerCase() === 'postmaster' ? 'known' : 'foreign';
  const domain = addr.slice(at + 1).toLowerCase();
  const local = addr.slice(0, at).replace(/^"(.*)"$/, '$1');
  if (!o.localDomains.includes(domain) || /[%!@]/.test(local)) return 'foreign';
  return o.knownUsers.includes(local.toLowerCase()) ? 'known' : 'unknown';
}

function rcpt(conn: Connection, args: string): void {
  if (refusedBeforeTls(conn)) return;
  const s = conn.session;
  if (s.mailFrom === undefined) return conn.reply(REPLIES.needMail);
  const m = /^TO:\s*<([^<>]*)>/i.exec(args);
  if (!m) return conn.reply(REPLIES.syntax('RCPT TO:<address>'));
  const addr = m[1];
  if (addr.trim() === '') return conn.reply(REPLIES.badRecipient);
  if (s.rcpts.length >= MAX_RECIPIENTS) return conn.reply(REPLIES.tooManyRecipients);
  const kind = classifyRecipient(conn.options, addr);
  if (kind === 'unknown') return conn.reply(REPLIES.userUnknown(addr));
  if (kind === 'foreign' && s.user === undefined) {
    switch (conn.options.relay) {
      case 'closed':
        return conn.reply(REPLIES.relayDenied(addr));
      case 'auth-required':
        return conn.reply(REPLIES.authRequired);
      case 'reject-at-data':
        s.rejectAtData = true;
        break;
      case 'open':
        break;
    }
  }
  s.rcpts.push(addr);
  conn.reply(REPLIES.rcptOk);
}

/** The reply to DATA or BDAT when the transaction cannot take a message, if so. */
function transactionError(s: SessionState): string | undefined {
  if (s.mailFrom === undefined) return REPLIES.needMail;
  if (s.rcpts.length === 0) return REPLIES.noRecipients;
  return undefined;
}

function data(conn: Connection, args: string): void {
  conn.ctx.stats.dataCommands += 1;
  if (args !== '') return conn.reply(REPLIES.syntax('DATA'));
  const error = transactionError(conn.session);
  if (error !== undefined) return conn.reply(error);
  conn.beginData();
  conn.reply(REPLIES.dataGo);
}

function bdat(conn: Connection, args: string): void {
  conn.ctx.stats.dataCommands += 1;
  const m = /^(\d{1,10})(\s+LAST)?$/i.exec(args);
  // Without a valid size the chunk cannot be skipped; RFC 3030 §2 leaves closing as the only option.
  if (!m) {
    conn.reply(REPLIES.syntax('BDAT size [LAST]'));
    conn.quit();
    return;
  }
  conn.beginBdat(Number(m[1]), m[2] !== undefined, transactionError(conn.session));
}

/** Ends a transaction once the whole message is in: too big, relay refused, or queued. */
export function finishMessage(conn: Connection, sink: MessageSink): void {
  const s = conn.session;
  const refused = sink.tooBig
    ? REPLIES.tooBig
    : s.rejectAtData && s.user === undefined
      ? REPLIES.relayDeniedAtData
      : undefined;
  if (refused !== undefined) {
    resetTransaction(s);
    return conn.reply(refused);
  }
  const queueId = randomBytes(5).toString('hex').toUpperCase();
  const list = conn.ctx.messages;
  list.push({ from: s.mailFrom ?? '', to: [...s.rcpts], data: sink.data, queueId });
  if (list.length > MAX_MESSAGES_KEPT) list.shift();
  resetTransaction(s);
  conn.reply(REPLIES.queued(queueId));
}

/** The local part an VRFY/EXPN argument names, if it names a local address at all. */
function localPart(o: ResolvedOptions, arg: string): string | undefined {
  const addr = arg.replace(/^<(.*)>$/, '$1').trim();
  const at = addr.lastIndexOf('@');
  if (at < 0) return addr.toLowerCase();
  return o.localDomains.includes(addr.slice(at + 1).toLowerCase())
    ? addr.slice(0, at).toLowerCase()
    : undefined;
}

function mailbox(o: ResolvedOptions, member: string): string {
  return `<${member.includes('@') ? member : `${member}@${o.hostname}`}>`;
}

function vrfy(conn: Connection, args: string): void {
  if (refusedBeforeTls(conn)) return;
  const o = conn.options;
  if (args === '') return conn.reply(REPLIES.syntax('VRFY address'));
  if (o.vrfy === 'disabled') return conn.reply(REPLIES.vrfyDisabled);
  if (o.vrfy === 'ambiguous') return conn.reply(REPLIES.vrfyAmbiguous);
  const user = localPart(o, args);
  if (user !== undefined && o.knownUsers.includes(user)) {
    return conn.reply(`250 2.1.5 ${mailbox(o, user)}`);
  }
  conn.reply(REPLIES.userUnknown(args.replace(/^<(.*)>$/, '$1')));
}

function expn(conn: Connection, args: string): void {
  if (refusedBeforeTls(conn)) return;
  const o = conn.options;
  if (args === '') return conn.reply(REPLIES.syntax('EXPN list'));
  if (o.expn === 'disabled') return conn.reply(REPLIES.expnDisabled);
  const name = localPart(o, args);
  const members =
    name === undefined ? undefined : Object.entries(o.lists).find(([k]) => k.toLowerCase() === name)?.[1];
  if (members !== undefined && members.length > 0) {
    return conn.replyLines(
      250,
      members.map((m) => `2.1.5 ${mailbox(o, m)}`),
    );
  }
  if (name !== undefined && o.knownUsers.includes(name)) return conn.reply(`250 2.1.5 ${mailbox(o, name)}`);
  conn.reply(REPLIES.listUnknown(args.replace(/^<(.*)>$/, '$1')));
}
