/**
 * SMTP AUTH (RFC 4954) with PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195) and XOAUTH2. Every
 * client line of the exchange is recorded as "<redacted>": neither the password nor its base64
 * ever reaches the transcript, timings, errors or reports.
 */
import { createHmac } from 'node:crypto';
import type { AuthAttempt, SmtpReply, TlsHandshakeFacts } from '../../model/artifacts.js';
import { ProbeError, toFailure } from '../../errors.js';
import type { SmtpSession } from './session.js';

export interface Credentials {
  user: string;
  password?: string;
  /** OAuth 2.0 bearer token for XOAUTH2 (from MAILCHECK_OAUTH_TOKEN). */
  oauthToken?: string;
}

/** Mechanisms we can use, best first: the token if we have one, then the common password ones. */
const PREFERENCE = ['XOAUTH2', 'PLAIN', 'LOGIN', 'CRAM-MD5'] as const;
type Mechanism = (typeof PREFERENCE)[number];

export const REDACTED = '<redacted>';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Picks the mechanism to log in with, or undefined when none we can use is offered. */
export function chooseMechanism(offered: readonly string[], creds: Credentials): Mechanism | undefined {
  return PREFERENCE.find((m) => {
    if (!offered.includes(m)) return false;
    return m === 'XOAUTH2' ? creds.oauthToken !== undefined : creds.password !== undefined;
  });
}

/**
 * Logs in; returns the attempt as data. `overTls` is recorded; the caller has already decided
 * whether sending credentials on this channel is allowed.
 */
export async function authenticate(
  session: SmtpSession,
  offered: readonly string[],
  creds: Credentials,
  overTls: boolean,
): Promise<AuthAttempt> {
  const mechanism = chooseMechanism(offered, creds);
  if (!mechanism) {
    return {
      mechanism: 'none',
      overTls,
      success: false,
      refused: `no usable mechanism: server offers ${offered.join(' ') || 'nothing'}, we can use ${PREFERENCE.join(', ')}${creds.oauthToken ? '' : ' (XOAUTH2 needs MAILCHECK_OAUTH_TOKEN)'}`,
    };
  }
  try {
    const reply = await exchange(session, mechanism, creds);
    return { mechanism, overTls, success: reply.code === 235, reply };
  } catch (err) {
    return {
      mechanism,
      overTls,
      success: false,
      failure: toFailure(err, { stage: 'AUTH', address: session.address }),
    };
  }
}

async function exchange(session: SmtpSession, mechanism: Mechanism, creds: Credentials): Promise<SmtpReply> {
  const secret = (line: string) => session.command(line, 'AUTH', REDACTED);
  const password = creds.password ?? '';
  switch (mechanism) {
    case 'PLAIN':
      return continueIfAsked(
        await session.command(
          `AUTH PLAIN ${b64(`\0${creds.user}\0${password}`)}`,
          'AUTH',
          `AUTH PLAIN ${REDACTED}`,
        ),
        () => secret(b64(`\0${creds.user}\0${password}`)),
      );
    case 'LOGIN': {
      let r = await session.command('AUTH LOGIN', 'AUTH');
      if (r.code !== 334) return r;
      r = await secret(b64(creds.user));
      if (r.code !== 334) return r;
      return secret(b64(password));
    }
    case 'CRAM-MD5': {
      const r = await session.command('AUTH CRAM-MD5', 'AUTH');
      if (r.code !== 334) return r;
      const challenge = Buffer.from(r.lines[0] ?? '', 'base64').toString('utf8');
      const digest = createHmac('md5', password).update(challenge).digest('hex');
      return secret(b64(`${creds.user} ${digest}`));
    }
    case 'XOAUTH2': {
      const token = b64(`user=${creds.user}\x01auth=Bearer ${creds.oauthToken ?? ''}\x01\x01`);
      const r = await session.command(`AUTH XOAUTH2 ${token}`, 'AUTH', `AUTH XOAUTH2 ${REDACTED}`);
      // On failure the server sends a 334 with a JSON error; an empty line ends the exchange.
      return r.code === 334 ? session.command('', 'AUTH') : r;
    }
  }
  throw new ProbeError('INTERNAL', `unsupported mechanism ${String(mechanism)}`, { stage: 'AUTH' });
}

/** PLAIN with an initial response may still get "334" from servers that want it separately. */
async function continueIfAsked(reply: SmtpReply, send: () => Promise<SmtpReply>): Promise<SmtpReply> {
  return reply.code === 334 ? send() : reply;
}

/**
 * Why credentials must not be sent on this channel, or undefined when they may. TLS whose
 * certificate does not validate for the host protects against nobody who can answer STARTTLS
 * with a certificate of their own, so it counts as cleartext.
 */
export function credentialRefusal(
  overTls: boolean,
  hs: TlsHandshakeFacts | undefined,
  allowed: boolean,
): string | undefined {
  if (allowed) return undefined;
  if (!overTls) return 'no TLS session: credentials are not sent in cleartext without --allow-plaintext-auth';
  if (hs && (!hs.validation?.authorized || !hs.hostname?.matches)) {
    const why = !hs.validation?.authorized
      ? `the certificate chain does not validate (${hs.validation?.error ?? 'unknown'})`
      : `the certificate is not valid for ${hs.hostname?.name}`;
    return `TLS is not verified: ${why}; credentials are not sent without --allow-plaintext-auth (or --ca-file for a private CA)`;
  }
  return undefined;
}
