/**
 * SMTP AUTH (RFC 4954) for the scripted server: PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-
 * login), CRAM-MD5 (RFC 2195) and XOAUTH2 (Google's SASL profile). Every exchange is checked
 * against the server's `users` / `oauthTokens` tables.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { authOffered } from './scripted-session.js';
import { REPLIES } from './scripted-replies.js';
import type { Connection } from './scripted-connection.js';

/** base64 of "Username:" and "Password:", the LOGIN prompts every client expects. */
const LOGIN_USER_PROMPT = 'VXNlcm5hbWU6';
const LOGIN_PASSWORD_PROMPT = 'UGFzc3dvcmQ6';

/** Decodes a SASL response; "=" is the empty initial response (RFC 4954 §4). */
function decode(text: string): Buffer | undefined {
  if (text === '=') return Buffer.alloc(0);
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function passwordOk(conn: Connection, user: string, password: string): boolean {
  const users = conn.options.users;
  return Object.hasOwn(users, user) && sameSecret(users[user], password);
}

function finish(conn: Connection, user: string | undefined): void {
  if (user === undefined) return conn.reply(REPLIES.authFailed);
  conn.session.user = user;
  conn.reply(REPLIES.authOk);
}

/** Sends a 334 challenge and passes the decoded answer on (or handles "*" and bad base64). */
function ask(conn: Connection, challenge: string, then: (answer: Buffer) => void): void {
  conn.reply(`334 ${challenge}`);
  conn.expectSasl((line) => {
    conn.endSasl();
    if (line.trim() === '*') return conn.reply(REPLIES.authCancelled);
    const answer = decode(line.trim());
    if (answer === undefined) return conn.reply(REPLIES.authBadBase64);
    then(answer);
  });
}

/** Uses the initial response when there is one, or asks for it with an empty challenge. */
function initialOrAsk(conn: Connection, initial: string | undefined, then: (answer: Buffer) => void): void {
  if (initial === undefined) return ask(conn, '', then);
  const answer = decode(initial);
  if (answer === undefined) return conn.reply(REPLIES.authBadBase64);
  then(answer);
}

function plain(conn: Connection, answer: Buffer): void {
  // RFC 4616 §2: authzid NUL authcid NUL passwd; we act for nobody else, so authzid is empty or
  // the same user.
  const parts = answer.toString('utf8').split('\0');
  if (parts.length !== 3) return finish(conn, undefined);
  const [authz, user, password] = parts;
  const ok = (authz === '' || authz === user) && passwordOk(conn, user, password);
  finish(conn, ok ? user : undefined);
}

function login(conn: Connection, initial: string | undefined): void {
  const withUser = (userBytes: Buffer): void => {
    const user = userBytes.toString('utf8');
    ask(conn, LOGIN_PASSWORD_PROMPT, (pw) =>
      finish(conn, passwordOk(conn, user, pw.toString('utf8')) ? user : undefined),
    );
  };
  if (initial === undefined) return ask(conn, LOGIN_USER_PROMPT, withUser);
  initialOrAsk(conn, initial, withUser);
}

function cramMd5(conn: Connection): void {
  const challenge = `<${randomInt(1, 2 ** 31)}.${Date.now()}@${conn.options.hostname}>`;
  ask(conn, Buffer.from(challenge).toString('base64'), (answer) => {
    // RFC 2195 §2: "user SP hex(HMAC-MD5(password, challenge))".
    const m = /^(.+) ([0-9a-f]{32})$/i.exec(answer.toString('utf8'));
    if (!m) return finish(conn, undefined);
    const [, user, digest] = m;
    const users = conn.options.users;
    const ok =
      Object.hasOwn(users, user) &&
      sameSecret(createHmac('md5', users[user]).update(challenge).digest('hex'), digest.toLowerCase());
    finish(conn, ok ? user : undefined);
  });
}

function xoauth2(conn: Connection, answer: Buffer): void {
  // "user=" U ^A "auth=Bearer " T ^A ^A
  const fields = answer.toString('utf8').split('\x01');
  const user = fields.find((f) => f.startsWith('user='))?.slice(5);
  const token = /^auth=Bearer (.+)$/.exec(fields.find((f) => f.startsWith('auth=')) ?? '')?.[1];
  const tokens = conn.options.oauthTokens;
  const ok =
    user !== undefined &&
    token !== undefined &&
    Object.hasOwn(tokens, user) &&
    sameSecret(tokens[user], token);
  finish(conn, ok ? user : undefined);
}

/** The AUTH command: checks the session may authenticate, then runs the mechanism's exchange. */
export function handleAuth(conn: Connection, args: string): void {
  const o = conn.options;
  const s = conn.session;
  conn.ctx.stats.authAttempts += 1;
  if (o.requireTls && !s.tls) return conn.reply(REPLIES.mustStartTls);
  if (o.authMechanisms.length === 0) return conn.reply(REPLIES.authDisabled);
  if (!s.greeted) return conn.reply(REPLIES.needHelo);
  // RFC 4954 §4 / RFC 3207 §4: credentials only over TLS unless explicitly allowed.
  if (!authOffered(o, s)) return conn.reply(REPLIES.encryptionRequired);
  if (s.user !== undefined) return conn.reply(REPLIES.authAlready);
  if (s.mailFrom !== undefined) return conn.reply(REPLIES.authInTransaction);
  const words = args.split(/\s+/).filter((w) => w !== '');
  if (words.length < 1 || words.length > 2)
    return conn.reply(REPLIES.syntax('AUTH mechanism [initial-response]'));
  const mech = words[0].toUpperCase();
  const initial = words[1];
  if (!(o.authMechanisms as string[]).includes(mech)) return conn.reply(REPLIES.authUnknownMech);
  switch (mech) {
    case 'PLAIN':
      return initialOrAsk(conn, initial, (a) => plain(conn, a));
    case 'LOGIN':
      return login(conn, initial);
    case 'CRAM-MD5':
      // RFC 2195 has no initial response.
      if (initial !== undefined) return conn.reply(REPLIES.syntax('AUTH CRAM-MD5'));
      return cramMd5(conn);
    case 'XOAUTH2':
      return initialOrAsk(conn, initial, (a) => xoauth2(conn, a));
    default:
      return conn.reply(REPLIES.authUnknownMech);
  }
}
