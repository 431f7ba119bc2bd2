/**
 * Probes one (address, port): the scripted dialogue an administrator would type by hand, in the
 * order that gathers the most with the fewest round trips, plus the TLS version probes on their
 * own connections in parallel. Returns facts; every failure is recorded, never thrown.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type {
  EndpointFacts,
  EnumerationProbe,
  PortProfile,
  SmtpReply,
  TlsHandshakeFacts,
} from '../model/artifacts.js';
import type { Requirement } from '../checks/types.js';
import { ProbeError, toFailure } from '../errors.js';
import { authenticate, credentialRefusal, type Credentials } from './smtp/auth.js';
import { probeRelay } from './smtp/relay.js';
import { probeData } from './smtp/data.js';
import { parseCapabilities } from './smtp/capabilities.js';
import { expectReply, tlsOptions } from './smtp/channel.js';
import type { Deadline } from './smtp/session.js';
import { SmtpSession } from './smtp/session.js';
import { handshakeFacts } from './tls/certificate.js';
import type { TrustStore } from './tls/trust.js';
import { probeVersions, versionTable, type VersionProbeResults } from './tls/versions.js';
import type { ConnectionLimiter } from './limiter.js';

export interface ProbeSettings {
  /** Name sent with EHLO/HELO (--ehlo). */
  ehloName: string;
  stepTimeoutMs: number;
  trust: TrustStore;
  credentials?: Credentials;
  allowPlaintextAuth: boolean;
  needs: ReadonlySet<Requirement>;
  limiter: ConnectionLimiter;
  /** The external domain the relay battery addresses (--relay-domain). */
  relayDomain?: string;
  /** --send-test --from A --to B: the opt-in test message. */
  sendTest?: { from: string; to: string };
}

export interface EndpointTarget {
  host: string;
  address: string;
  family: 4 | 6;
  port: number;
  profile: PortProfile;
  explicit: boolean;
  /** The one endpoint of a host that gets the --send-test message. */
  sendTest?: boolean;
}

/** RFC 5321 §4.5.1: every SMTP domain must accept mail for postmaster, so it surely exists. */
const KNOWN_USER = 'postmaster';

/** A 421 at any step means the server is closing the session (RFC 5321 §3.8): stop, report it. */
function stopOn421(reply: SmtpReply, stage: ProbeError['context']['stage'], t: EndpointTarget): SmtpReply {
  if (reply.code === 421) expectReply(reply, () => false, stage, t);
  return reply;
}

/** Greeting, EHLO (HELO fallback), recorded into facts. */
async function open(session: SmtpSession, facts: EndpointFacts, t: EndpointTarget, s: ProbeSettings) {
  const start = Date.now();
  const greeting = await session.read('GREETING', '220 greeting').catch((err: unknown) => {
    if (
      err instanceof ProbeError &&
      err.code === 'REPLY_TIMEOUT' &&
      session.bytesReceived === 0 &&
      t.profile !== 'smtps'
    ) {
      // Silence on a STARTTLS port is what a TLS-on-connect server looks like from here.
      throw new ProbeError(
        'REPLY_TIMEOUT',
        `no greeting (nothing received); if this port expects TLS on connect like 465, use --smtps-port ${t.port}`,
        err.context,
      );
    }
    throw err;
  });
  facts.greeting = { reply: greeting, ms: Date.now() - start };
  expectReply(greeting, (c) => c === 220, 'GREETING', t);
  const ehlo = await session.command(`EHLO ${s.ehloName}`, 'EHLO');
  if (ehlo.code === 250)
    return { command: 'EHLO' as const, reply: ehlo, capabilities: parseCapabilities(ehlo) };
  expectReply(ehlo, (c) => c >= 500, 'EHLO', t);
  const helo = await session.command(`HELO ${s.ehloName}`, 'HELO');
  expectReply(helo, (c) => c === 250, 'HELO', t);
  return {
    command: 'HELO' as const,
    reply: helo,
    ehloRejected: ehlo,
    capabilities: parseCapabilities({ code: 250, lines: [] }),
  };
}

async function enumeration(
  session: SmtpSession,
  command: 'VRFY' | 'EXPN',
  overTls: boolean,
  t: EndpointTarget,
): Promise<EnumerationProbe> {
  const unknownName = `mailcheck-nonexistent-${randomBytes(4).toString('hex')}`;
  const known = stopOn421(await session.command(`${command} ${KNOWN_USER}`, command), command, t);
  // When the command is refused outright there is nothing to compare; one round trip is enough.
  const unknown =
    known.code >= 500 && known.code !== 550 && known.code !== 551 && known.code !== 553
      ? known
      : stopOn421(await session.command(`${command} ${unknownName}`, command), command, t);
  return {
    command,
    overTls,
    known: { argument: KNOWN_USER, reply: known },
    unknown: { argument: unknownName, reply: unknown },
  };
}

/** Opens a fresh connection and walks it to the point where a ClientHello goes. */
function preparer(t: EndpointTarget, s: ProbeSettings, deadline: Deadline) {
  return async (label: string): Promise<net.Socket> => {
    const release = await s.limiter.acquire(t.address, deadline.remaining());
    let session: SmtpSession | undefined;
    try {
      session = (await SmtpSession.connect({ ...t, stepTimeoutMs: s.stepTimeoutMs, deadline })).session;
      session.note(label);
      if (t.profile !== 'smtps') {
        expectReply(await session.read('GREETING', '220 greeting'), (c) => c === 220, 'GREETING', t);
        expectReply(await session.command(`EHLO ${s.ehloName}`, 'EHLO'), (c) => c === 250, 'EHLO', t);
        expectReply(await session.command('STARTTLS', 'STARTTLS'), (c) => c === 220, 'STARTTLS', t);
      }
      const socket = session.takeSocket();
      socket.once('close', release);
      return socket;
    } catch (err) {
      // A probe connection that cannot reach the ClientHello is closed at once, not left to the server's idle timer.
      session?.close();
      release();
      throw err;
    }
  };
}

export async function probeEndpoint(
  t: EndpointTarget,
  s: ProbeSettings,
  deadline: Deadline,
): Promise<EndpointFacts> {
  const started = Date.now();
  const { sendTest: _sendTest, ...where } = t; // a probing instruction, not a fact
  const facts: EndpointFacts = { ...where, connect: { ok: false }, timings: [], transcript: [], ms: 0 };
  let tlsOffered!: (yes: boolean) => void;
  const tlsKnown = new Promise<boolean>((r) => (tlsOffered = r));
  const wantVersions = s.needs.has('tls-versions') || s.needs.has('tls-weak-ciphers');
  const versions: Promise<VersionProbeResults | undefined> = wantVersions
    ? tlsKnown.then((yes) =>
        yes
          ? probeVersions({
              prepare: preparer(t, s, deadline),
              ...(net.isIP(t.host) ? {} : { servername: t.host }),
              stepTimeoutMs: s.stepTimeoutMs,
              deadline,
              weakCiphers: s.needs.has('tls-weak-ciphers'),
            })
          : undefined,
      )
    : Promise.resolve(undefined);
  if (t.profile === 'smtps') tlsOffered(true);

  // The relay battery and the test message use connections of their own, alongside the dialogue.
  const relay = s.needs.has('relay')
    ? probeRelay(t, s, deadline, s.relayDomain ? { relayDomain: s.relayDomain } : {})
    : undefined;
  const data =
    s.needs.has('data') && s.sendTest && t.sendTest ? probeData(t, s, deadline, s.sendTest) : undefined;
  let release: (() => void) | undefined;
  let session: SmtpSession | undefined;
  try {
    release = await s.limiter.acquire(t.address, deadline.remaining());
    session = await mainDialogue(t, s, deadline, facts, tlsOffered, (sess) => (session = sess));
  } catch (err) {
    const failure = toFailure(err, { stage: 'CONNECT', address: t.address, port: t.port });
    if (!facts.connect.ok) facts.connect.failure = failure;
    else facts.failure = failure;
  } finally {
    tlsOffered(false);
    await session?.quit();
    release?.();
  }
  const v = await versions;
  if (facts.tls && (v || wantVersions)) {
    facts.tls.versions = v ? versionTable(facts.tls.handshake, v) : [];
    facts.tls.weakCiphers = v?.weakCiphers ?? [];
  }
  if (session) {
    facts.transcript = session.transcript;
    facts.timings = session.timings;
  }
  const [r, d] = await Promise.all([relay, data]);
  if (r) {
    facts.relay = r.facts;
    facts.transcript.push(...r.transcript);
  }
  if (d) {
    facts.data = d.facts;
    facts.transcript.push(...d.transcript);
  }
  facts.ms = Date.now() - started;
  return facts;
}

async function mainDialogue(
  t: EndpointTarget,
  s: ProbeSettings,
  deadline: Deadline,
  facts: EndpointFacts,
  tlsOffered: (yes: boolean) => void,
  keep: (session: SmtpSession) => void,
): Promise<SmtpSession> {
  const implicit = t.profile === 'smtps';
  let handshake: TlsHandshakeFacts | undefined;
  const connectStart = Date.now();
  const opened = await SmtpSession.connect({
    ...t,
    stepTimeoutMs: s.stepTimeoutMs,
    deadline,
    ...(implicit ? { implicitTls: tlsOptions(t, s.trust) } : {}),
  }).catch((err: unknown) => {
    // For 465 a failed handshake is a TLS finding, not an unreachable port.
    if (implicit && err instanceof ProbeError && err.context.stage === 'TLS') {
      facts.connect = { ok: true, ms: Date.now() - connectStart };
      facts.tls = {
        handshake: { ok: false, failure: err.toFailure(), chain: [] },
        versions: [],
        weakCiphers: [],
      };
    }
    throw err;
  });
  const session = opened.session;
  keep(session);
  facts.connect = { ok: true, ms: session.timings[0]?.ms ?? Date.now() - connectStart };
  if (opened.tlsSocket) {
    handshake = handshakeFacts(opened.tlsSocket, t.host, s.trust, session.timings[1]?.ms ?? 0);
    facts.tls = { handshake, versions: [], weakCiphers: [] };
  }

  const first = await open(session, facts, t, s);
  if (implicit) facts.ehloTls = { reply: first.reply, capabilities: first.capabilities };
  else facts.ehlo = first;
  const caps = first.capabilities;
  let overTls = implicit;

  if (!implicit) {
    tlsOffered(caps.starttls);
    if (s.needs.has('mail-before-tls')) {
      // Null sender: no sender-domain checks can mask the answer we are after.
      const cmds = ['MAIL FROM:<>', 'RSET'];
      const [mail, rset] = caps.pipelining
        ? await session.pipeline(cmds, 'MAIL')
        : [await session.command(cmds[0]!, 'MAIL'), undefined];
      facts.mailBeforeTls = { command: cmds[0]!, reply: mail! };
      stopOn421(mail!, 'MAIL', t);
      if (!rset && mail!.code < 400) await session.command('RSET', 'RSET');
    }
    facts.starttls = { offered: caps.starttls, attempted: false };
    if (caps.starttls) {
      facts.starttls.attempted = true;
      const r = await session.command('STARTTLS', 'STARTTLS');
      facts.starttls.reply = r;
      stopOn421(r, 'STARTTLS', t);
      if (r.code === 220) {
        const hsStart = Date.now();
        try {
          const secure = await session.startTls(tlsOptions(t, s.trust));
          handshake = handshakeFacts(secure, t.host, s.trust, Date.now() - hsStart);
        } catch (err) {
          const failure = toFailure(err, { stage: 'STARTTLS', address: t.address, port: t.port });
          facts.starttls.failure = failure;
          facts.tls = { handshake: { ok: false, failure, chain: [] }, versions: [], weakCiphers: [] };
          if (session.discardedBeforeTls) facts.tls.handshake!.discardedBytes = session.discardedBeforeTls;
          throw err;
        }
        if (session.discardedBeforeTls) handshake.discardedBytes = session.discardedBeforeTls;
        facts.tls = { handshake, versions: [], weakCiphers: [] };
        const again = await session.command(`EHLO ${s.ehloName}`, 'EHLO');
        expectReply(again, (c) => c === 250, 'EHLO', t);
        facts.ehloTls = { reply: again, capabilities: parseCapabilities(again) };
        overTls = true;
      }
    }
  }

  if (s.needs.has('vrfy')) facts.vrfy = await enumeration(session, 'VRFY', overTls, t);
  if (s.needs.has('expn')) facts.expn = await enumeration(session, 'EXPN', overTls, t);

  // Log in only where a client would: submission ports, or a port the user named. Trying the
  // MX ports too would multiply failed logins (and lockouts) for nothing.
  const loginHere = t.profile !== 'smtp' || t.explicit;
  if (s.needs.has('auth-login') && s.credentials && loginHere) {
    const mechs = (overTls ? facts.ehloTls?.capabilities.auth : caps.auth) ?? [];
    const refusal = credentialRefusal(overTls, handshake, s.allowPlaintextAuth);
    if (mechs.length === 0) {
      // Nothing offered on this channel: auth.submission and auth.login report that themselves.
    } else if (refusal) {
      facts.auth = { mechanism: 'none', overTls, success: false, refused: refusal };
    } else {
      facts.auth = await authenticate(session, mechs, s.credentials, overTls);
    }
  }
  return session;
}
