/**
 * An extra SMTP connection for the probes that need one of their own (the relay battery, the test
 * message): connect (implicit TLS on smtps), greeting, EHLO with HELO fallback, STARTTLS, login.
 * Several sessions may make up one probe (reconnects); their transcripts are merged on one clock.
 */
import net from 'node:net';
import type tls from 'node:tls';
import type {
  AuthAttempt,
  Capabilities,
  SmtpReply,
  Stage,
  TlsHandshakeFacts,
  TranscriptEntry,
} from '../../model/artifacts.js';
import { ProbeError } from '../../errors.js';
import type { EndpointTarget, ProbeSettings } from '../endpoint.js';
import { handshakeFacts } from '../tls/certificate.js';
import type { TrustStore } from '../tls/trust.js';
import { authenticate, credentialRefusal } from './auth.js';
import { parseCapabilities } from './capabilities.js';
import { SmtpSession, type Deadline } from './session.js';

/** One open session and what we know about it. */
export interface Channel {
  session: SmtpSession;
  greeting: SmtpReply;
  /** The last EHLO (or HELO) reply: inside TLS once upgraded. */
  hello: SmtpReply;
  caps: Capabilities;
  overTls: boolean;
  handshake?: TlsHandshakeFacts;
}

/** Collects the transcripts of every session of one probe, on the probe's clock. */
export class Transcripts {
  private readonly started = Date.now();
  private readonly parts: { offset: number; session: SmtpSession; label: string }[] = [];

  add(session: SmtpSession, label: string): void {
    this.parts.push({ offset: Date.now() - session.elapsed - this.started, session, label });
  }

  get elapsed(): number {
    return Date.now() - this.started;
  }

  entries(): TranscriptEntry[] {
    return this.parts.flatMap(({ offset, session, label }) => [
      { t: Math.max(0, offset), dir: '*' as const, text: label },
      ...session.transcript.map((e) => ({ ...e, t: Math.max(0, e.t + offset) })),
    ]);
  }
}

/** TLS options of every SMTP session (main, relay, DATA): the run's shared context, validation recorded but not enforced. */
export function tlsOptions(t: EndpointTarget, trust: TrustStore): tls.ConnectionOptions {
  return {
    ...(net.isIP(t.host) ? {} : { servername: t.host }),
    secureContext: trust.context(),
    // Validation is recorded, not enforced; the name is judged on its own (tls.cert_hostname):
    // the session connects through connectTls.
    rejectUnauthorized: false,
  };
}

/** Throws a ProbeError for a reply the dialogue cannot go on from (421 as SERVICE_UNAVAILABLE). */
export function expectReply(
  reply: SmtpReply,
  ok: (code: number) => boolean,
  stage: Stage,
  t: EndpointTarget,
) {
  if (ok(reply.code)) return;
  const code = reply.code === 421 ? 'SERVICE_UNAVAILABLE' : 'UNEXPECTED_REPLY';
  throw new ProbeError(code, `server answered ${reply.code} ${reply.lines.join(' ')}`.slice(0, 300), {
    stage,
    address: t.address,
    port: t.port,
  });
}

/** Connects and greets: 220, then EHLO (HELO when EHLO is refused). */
export async function openChannel(
  t: EndpointTarget,
  s: ProbeSettings,
  deadline: Deadline,
  transcripts: Transcripts,
  label: string,
): Promise<Channel> {
  const implicit = t.profile === 'smtps';
  const start = Date.now();
  const { session, tlsSocket } = await SmtpSession.connect({
    ...t,
    stepTimeoutMs: s.stepTimeoutMs,
    deadline,
    ...(implicit ? { implicitTls: tlsOptions(t, s.trust) } : {}),
  });
  transcripts.add(session, label);
  try {
    const handshake = tlsSocket ? handshakeFacts(tlsSocket, t.host, s.trust, Date.now() - start) : undefined;
    const greeting = await session.read('GREETING', '220 greeting');
    expectReply(greeting, (c) => c === 220, 'GREETING', t);
    const ehlo = await session.command(`EHLO ${s.ehloName}`, 'EHLO');
    if (ehlo.code === 250) {
      return { session, greeting, hello: ehlo, caps: parseCapabilities(ehlo), overTls: implicit, handshake };
    }
    expectReply(ehlo, (c) => c >= 500, 'EHLO', t);
    const helo = await session.command(`HELO ${s.ehloName}`, 'HELO');
    expectReply(helo, (c) => c === 250, 'HELO', t);
    const caps = parseCapabilities({ code: 250, lines: [] });
    return { session, greeting, hello: helo, caps, overTls: implicit, handshake };
  } catch (err) {
    session.close();
    throw err;
  }
}

/** STARTTLS, the handshake, and EHLO again inside TLS (RFC 3207 §4.2: forget what came before). */
export async function upgrade(ch: Channel, t: EndpointTarget, s: ProbeSettings): Promise<void> {
  const r = await ch.session.command('STARTTLS', 'STARTTLS');
  expectReply(r, (c) => c === 220, 'STARTTLS', t);
  const start = Date.now();
  const secure = await ch.session.startTls(tlsOptions(t, s.trust));
  ch.handshake = handshakeFacts(secure, t.host, s.trust, Date.now() - start);
  ch.overTls = true;
  const again = await ch.session.command(`EHLO ${s.ehloName}`, 'EHLO');
  expectReply(again, (c) => c === 250, 'EHLO', t);
  ch.hello = again;
  ch.caps = parseCapabilities(again);
}

/**
 * Why credentials must not be sent on this channel, or undefined when they may: the same rule as
 * the main session's login. TLS whose certificate does not validate for the host protects against
 * nobody who can answer STARTTLS with a certificate of their own, so it counts as cleartext.
 */
export function channelCredentialRefusal(ch: Channel, allowed: boolean): string | undefined {
  return credentialRefusal(ch.overTls, ch.handshake, allowed);
}

/** Whether this port is one a client logs in on: submission ports, or a port the user named. */
export function loginHere(t: EndpointTarget): boolean {
  return t.profile !== 'smtp' || t.explicit;
}

/**
 * Logs in on the channel when the rules allow it: upgrades first when STARTTLS is offered, then
 * applies {@link credentialRefusal}. Returns the attempt, or why no attempt was made.
 */
export async function login(
  ch: Channel,
  t: EndpointTarget,
  s: ProbeSettings,
): Promise<{ attempt?: AuthAttempt; skipped?: string }> {
  const creds = s.credentials;
  if (!creds) return { skipped: 'no credentials given' };
  if (!ch.overTls && ch.caps.starttls) await upgrade(ch, t, s);
  if (ch.caps.auth.length === 0) {
    return { skipped: `the server offers no AUTH${ch.overTls ? ' inside TLS' : ' (and no STARTTLS)'}` };
  }
  const refused = channelCredentialRefusal(ch, s.allowPlaintextAuth);
  if (refused) return { attempt: { mechanism: 'none', overTls: ch.overTls, success: false, refused } };
  return { attempt: await authenticate(ch.session, ch.caps.auth, creds, ch.overTls) };
}
