/**
 * Probes one (address, port): the dialogue an administrator would type by hand, with as few
 * connections and as few sequential round trips as the answers allow. Returns facts; every
 * failure is recorded, never thrown.
 *
 * The connection plan (issue 6). plan.ts computes it from how a server behaves, by running the
 * same planning code, and test/probe/plan.test.ts holds this engine to it on the lab's servers.
 * One round trip: the TCP connect, a reply or pipelined group of replies, a TLS 1.3 handshake
 * (two for TLS 1.2), the answer to a bare ClientHello.
 *
 *   main session: 1 connection, holding one per-address slot from connect to QUIT
 *     connect · greeting · EHLO (HELO fallback)
 *     STARTTLS ports, one pipelined write: MAIL FROM:<> [RCPT TO:<relay test> on an MX port] RSET
 *       STARTTLS. MAIL before TLS is tls.required's evidence; on an MX port, which RFC 3207 §4
 *       forbids to require TLS, it is also the relay battery's first form, so its answer says at
 *       once how the battery goes on (stopped by a 530, on in cleartext, or inside TLS).
 *     TLS handshake · EHLO inside TLS                 (smtps: the handshake right after connect)
 *     VRFY, EXPN: each ends a pipelined write (RFC 2920 §3.1) that also carries the relay forms
 *       this session takes while the battery runs inside TLS (or where there is no TLS)
 *     AUTH, once, for auth.login and the authenticated battery alike (it used to be twice)
 *     the authenticated battery, as many forms per write as the refusal budget allows, QUIT
 *       riding with the last ones
 *   TLS version probes (version-probes.ts, tls/versions.ts): ≤TLS 1.2, ≤TLS 1.1 and the weak-suite
 *     ClientHello, each on its own connection, all started when the main session has its
 *     greeting (a 421 greeting or a failed connect costs exactly one connection); on a STARTTLS
 *     port they go past their own greeting only once EHLO has shown STARTTLS. A protocol_version
 *     alert to ≤1.1 settles 1.0 and SSLv3; TLS 1.3 comes from the main session.
 *   relay battery in cleartext (a STARTTLS port whose MAIL was accepted before TLS): its forms ride
 *     in the version probes' STARTTLS writes, up to 10 refusals per connection (Postfix's
 *     smtpd_soft_error_limit); sessions of its own only for what they cannot carry.
 *   Nothing waits for a slot while holding one, except a probe that has its greeting and waits for
 *     the main session's EHLO, which needs no slot to come.
 *
 * Measured on the bench's three-port scan (25 MX, 587 with AUTH, 465; TLS 1.2–1.3; credentials):
 *   before: 20 connections: per port main 1 + version probes 4 (≤1.2, ≤1.1, SSLv3, weak) + relay 1,
 *     3 on port 25 (a fresh session every 8 refusals); one form per round trip, and a second login
 *     on 587 and 465. Critical path ~33 round trips: port 25's relay battery, three sessions one
 *     after another at one form per round trip (587's relay connection took ~27).
 *   after: 12 connections: main 1 + probes 3 per port (the MX battery rides on its probes).
 *     Critical path 25: 9, 587: 11, 465: 9 round trips.
 */
import type { EndpointFacts, PortProfile, SmtpReply, TlsHandshakeFacts } from '../model/artifacts.js';
import type { Requirement } from '../checks/types.js';
import { ProbeError, toFailure } from '../errors.js';
import { authenticate, credentialRefusal, type Credentials } from './smtp/auth.js';
import { type Battery, isDisconnect, runChunk, SESSION_ERROR_BUDGET, type Worker } from './smtp/battery.js';
import { probeData, type DataProbeResult } from './smtp/data.js';
import { parseCapabilities } from './smtp/capabilities.js';
import { type Channel, expectReply, loginHere, tlsOptions } from './smtp/channel.js';
import { RelayRun } from './smtp/relay.js';
import { asksForTls } from './smtp/relay-forms.js';
import { Enumerations } from './smtp/enumeration.js';
import type { Deadline } from './smtp/session.js';
import { SmtpSession } from './smtp/session.js';
import { handshakeFacts } from './tls/certificate.js';
import type { TrustStore } from './tls/trust.js';
import { versionTable } from './tls/versions.js';
import { VersionProbes } from './version-probes.js';
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
  /** Told about every connection once it is closed: for tests and benchmarks of the plan. */
  trace?: (c: ConnectionTrace) => void;
}

/** What a connection was for. */
export type ConnectionPurpose = 'main' | 'tls-version' | 'relay';

/** One connection of the plan, in round trips (see plan.ts for the unit). */
export interface ConnectionTrace {
  port: number;
  purpose: ConnectionPurpose;
  /** Round trips into the endpoint's scan at which it could start (slot waits not counted). */
  start: number;
  /** Round trips it took itself. */
  roundTrips: number;
  /** The probe it served, for TLS version probes. */
  label?: string;
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

/** A 421 at any step means the server is closing the session (RFC 5321 §3.8): stop, report it. */
function stopOn421(reply: SmtpReply, stage: ProbeError['context']['stage'], t: EndpointTarget): SmtpReply {
  if (reply.code === 421) expectReply(reply, () => false, stage, t);
  return reply;
}

export async function probeEndpoint(
  t: EndpointTarget,
  s: ProbeSettings,
  deadline: Deadline,
): Promise<EndpointFacts> {
  return new EndpointProbe(t, s, deadline).run();
}

class EndpointProbe {
  readonly facts: EndpointFacts;
  private readonly started = Date.now();
  private session: SmtpSession | undefined;
  /** The main session as the relay battery sees it. */
  private main: Worker | undefined;
  private relay: RelayRun | undefined;
  /** The battery the main session was carrying when it ended, if any. */
  private carrying: Battery | undefined;
  private failure: unknown;
  private closed = false;
  private readonly probes: VersionProbes;
  private data: Promise<DataProbeResult> | undefined;

  constructor(
    private readonly t: EndpointTarget,
    private readonly s: ProbeSettings,
    private readonly deadline: Deadline,
  ) {
    const { sendTest: _sendTest, ...where } = t; // a probing instruction, not a fact
    this.facts = { ...where, connect: { ok: false }, timings: [], transcript: [], ms: 0 };
    this.probes = new VersionProbes(t, s, deadline, () => this.relay);
  }

  /** Round trips the main session has made so far: where anything it starts begins. */
  private get depth(): number {
    return this.session?.roundTrips ?? 0;
  }

  async run(): Promise<EndpointFacts> {
    const { t, s, facts } = this;
    let release: (() => void) | undefined;
    try {
      release = await s.limiter.acquire(t.address, this.deadline.remaining());
      await this.dialogue();
    } catch (err) {
      this.failure = err;
      const failure = toFailure(err, { stage: 'CONNECT', address: t.address, port: t.port });
      if (!facts.connect.ok) facts.connect.failure = failure;
      else facts.failure = failure;
    } finally {
      // Probes still waiting to hear about STARTTLS stop, if the session ended before its EHLO.
      this.probes.starttls(false);
      if (!this.closed) await this.session?.quit();
      this.session?.close();
      release?.();
      if (this.session)
        s.trace?.({ port: t.port, purpose: 'main', start: 0, roundTrips: this.session.roundTrips });
    }
    return this.finish();
  }

  /** After the main session: what it left of the batteries, then everything started alongside it. */
  private async finish(): Promise<EndpointFacts> {
    const { facts } = this;
    if (this.session) {
      facts.transcript = this.session.transcript;
      facts.timings = this.session.timings;
    }
    const relay = this.relay;
    // The version probes' connections may still carry cleartext relay forms: wait for them first.
    const v = await this.probes.result;
    if (relay) {
      const err = this.failure;
      const lost = isDisconnect(err) ? { error: err, progressed: this.main?.progressed ?? false } : undefined;
      for (const b of [relay.unauthenticated, relay.authenticated]) {
        if (!b?.open || relay.workingOn(b)) continue;
        // A session that failed otherwise than by the server going away is not tried again.
        if (err && !lost && b === this.carrying) b.fail(toFailure(err, relay.where));
        else relay.takeOver(b, b === this.carrying ? lost : undefined, this.depth);
      }
      if (err && !relay.authenticated && !relay.facts.authSkipped) {
        relay.loginImpossible(toFailure(err, { stage: 'AUTH', address: this.t.address, port: this.t.port }));
      }
    }
    if (facts.tls && (v || this.probes.wanted)) {
      facts.tls.versions = v ? versionTable(facts.tls.handshake, v) : [];
      facts.tls.weakCiphers = v?.weakCiphers ?? [];
    }
    const [r, d] = await Promise.all([relay?.settle(), this.data]);
    if (r) {
      facts.relay = r.facts;
      facts.transcript.push(...r.transcript);
    }
    if (d) {
      facts.data = d.facts;
      facts.transcript.push(...d.transcript);
    }
    facts.ms = Date.now() - this.started;
    return facts;
  }

  private async dialogue(): Promise<void> {
    const { t, s, facts } = this;
    const implicit = t.profile === 'smtps';
    const connectStart = Date.now();
    const opened = await SmtpSession.connect({
      ...t,
      stepTimeoutMs: s.stepTimeoutMs,
      deadline: this.deadline,
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
        // A server that answered in TLS, only not to our liking (an alert, a version we did not
        // offer): the version probes may tell why. One that is not speaking TLS at all gets no more.
        if (err.code === 'TLS_HANDSHAKE' && /alert|unsupported protocol/i.test(err.detail))
          this.probes.start(1);
      }
      throw err;
    });
    const session = (this.session = opened.session);
    facts.connect = { ok: true, ms: session.timings[0]?.ms ?? Date.now() - connectStart };
    let handshake: TlsHandshakeFacts | undefined;
    if (opened.tlsSocket) {
      handshake = handshakeFacts(opened.tlsSocket, t.host, s.trust, session.timings[1]?.ms ?? 0);
      facts.tls = { handshake, versions: [], weakCiphers: [] };
    }

    const greeting = await this.greet();
    // The endpoint is alive: the version probes connect now (on a STARTTLS port they go past
    // their greeting once this session's EHLO has shown STARTTLS).
    this.probes.start(this.depth, handshake);
    const first = await this.hello();
    if (implicit) facts.ehloTls = { reply: first.reply, capabilities: first.capabilities };
    else facts.ehlo = first;
    const caps = first.capabilities;
    const ch: Channel = { session, greeting, hello: first.reply, caps, overTls: implicit, handshake };
    this.main = { channel: ch, errors: first.ehloRejected ? 1 : 0, reserve: 0, progressed: false };
    if (!implicit) this.probes.starttls(caps.starttls);
    this.startData();
    if (s.needs.has('relay')) {
      this.relay = new RelayRun(
        t,
        s,
        this.deadline,
        { greeting, hello: first.reply, pipelining: caps.pipelining },
        {
          ...(s.relayDomain ? { relayDomain: s.relayDomain } : {}),
          trace: (start, roundTrips) => s.trace?.({ port: t.port, purpose: 'relay', start, roundTrips }),
        },
      );
    }
    if (!implicit) await this.cleartext(ch);
    await this.enumerateAndRelay(ch);
    await this.login(ch);
  }

  /** The greeting: 220, or the dialogue ends here (and nothing else is started). */
  private async greet(): Promise<SmtpReply> {
    const { t, session } = this;
    const start = Date.now();
    const greeting = await session!.read('GREETING', '220 greeting').catch((err: unknown) => {
      if (
        err instanceof ProbeError &&
        err.code === 'REPLY_TIMEOUT' &&
        session!.bytesReceived === 0 &&
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
    this.facts.greeting = { reply: greeting, ms: Date.now() - start };
    expectReply(greeting, (c) => c === 220, 'GREETING', t);
    return greeting;
  }

  /** EHLO, with the HELO fallback. */
  private async hello() {
    const { t, s } = this;
    const session = this.session!;
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

  /**
   * The cleartext part of a STARTTLS port, in one pipelined write where the server allows it:
   * MAIL FROM:<> (and on an MX port the relay battery's first form), RSET, STARTTLS; then the
   * handshake and EHLO inside TLS.
   */
  private async cleartext(ch: Channel): Promise<void> {
    const { t, s, facts } = this;
    const session = this.session!;
    const main = this.main!;
    const b = this.relay?.unauthenticated;
    const caps = ch.caps;
    const probeMail = s.needs.has('mail-before-tls') || b !== undefined;
    let mail: SmtpReply | undefined;
    let starttls: SmtpReply | undefined;
    if (b && caps.pipelining && caps.starttls && t.profile === 'smtp') {
      this.countMain(b);
      const r = await runChunk(b, main, b.take(main), 'STARTTLS');
      mail = r.mail;
      starttls = r.tail;
      if (mail && s.needs.has('mail-before-tls'))
        facts.mailBeforeTls = { command: 'MAIL FROM:<>', reply: mail };
      if (r.outcome === 'lost') {
        this.carrying = b;
        throw r.error;
      }
    } else {
      const lines = [...(probeMail ? ['MAIL FROM:<>', 'RSET'] : []), ...(caps.starttls ? ['STARTTLS'] : [])];
      const replies: SmtpReply[] = [];
      if (caps.pipelining && lines.length > 1) {
        replies.push(...(await session.pipeline(lines, 'MAIL')));
        if (probeMail) mail = replies[0];
        if (caps.starttls && replies.length === lines.length) starttls = replies.at(-1);
      } else {
        if (probeMail) {
          mail = await session.command('MAIL FROM:<>', 'MAIL');
          replies.push(mail);
          if (mail.code !== 421 && mail.code < 400) replies.push(await session.command('RSET', 'RSET'));
        }
        if (caps.starttls && mail?.code !== 421) {
          starttls = await session.command('STARTTLS', 'STARTTLS');
          replies.push(starttls);
        }
      }
      main.errors += replies.filter((r) => r.code >= 400).length;
      if (mail && s.needs.has('mail-before-tls'))
        facts.mailBeforeTls = { command: 'MAIL FROM:<>', reply: mail };
      if (mail) stopOn421(mail, 'MAIL', t);
      if (b && mail && mail.code === 530 && caps.starttls && asksForTls(mail)) {
        // The relay battery's own first answer would be this one: it goes on inside TLS.
        b.tlsRequired = { command: 'MAIL FROM:<>', reply: mail };
        b.tlsWanted = true;
      }
    }
    facts.starttls = { offered: caps.starttls, attempted: caps.starttls };
    if (!caps.starttls) return;
    if (!starttls)
      throw new ProbeError('CLOSED', 'the server closed the connection', {
        stage: 'STARTTLS',
        address: t.address,
        port: t.port,
      });
    facts.starttls.reply = starttls;
    stopOn421(starttls, 'STARTTLS', t);
    if (starttls.code !== 220) return;
    // A battery that is not going on inside TLS continues in cleartext: on the version probes'
    // connections as far as they can carry it, on sessions of its own for the rest.
    if (b?.open && !b.tlsWanted) {
      this.probes.carryCleartext(this.depth);
    }
    const hsStart = Date.now();
    let handshake: TlsHandshakeFacts;
    try {
      const secure = await session.startTls(tlsOptions(t, s.trust));
      handshake = handshakeFacts(secure, t.host, s.trust, Date.now() - hsStart);
    } catch (err) {
      const failure = toFailure(err, { stage: 'STARTTLS', address: t.address, port: t.port });
      facts.starttls.failure = failure;
      facts.tls = { handshake: { ok: false, failure, chain: [] }, versions: [], weakCiphers: [] };
      if (session.discardedBeforeTls) facts.tls.handshake!.discardedBytes = session.discardedBeforeTls;
      if (b?.tlsWanted) this.carrying = b;
      throw err;
    }
    if (session.discardedBeforeTls) handshake.discardedBytes = session.discardedBeforeTls;
    facts.tls = { handshake, versions: [], weakCiphers: [] };
    const again = await session.command(`EHLO ${s.ehloName}`, 'EHLO');
    expectReply(again, (c) => c === 250, 'EHLO', t);
    facts.ehloTls = { reply: again, capabilities: parseCapabilities(again) };
    Object.assign(ch, { overTls: true, handshake, hello: again, caps: facts.ehloTls.capabilities });
  }

  /** The main session is one of the battery's sessions (counted once, however many writes it sends). */
  private countMain(b: Battery): void {
    if (this.counted.has(b)) return;
    this.counted.add(b);
    b.sessions += 1;
  }

  private readonly counted = new WeakSet<Battery>();

  /** Whether the main session logs in: credentials given, and a port a client logs in on. */
  private get loginPlanned(): boolean {
    const { s, t } = this;
    return (
      s.credentials !== undefined && loginHere(t) && (s.needs.has('auth-login') || this.relay !== undefined)
    );
  }

  /**
   * VRFY and EXPN, each ending a pipelined write that carries the relay forms this session
   * takes, while it has refusals to spare; the forms it cannot carry go to sessions of their own
   * as soon as the first answer tells what they cost.
   */
  private async enumerateAndRelay(ch: Channel): Promise<void> {
    const { t, s, facts } = this;
    const session = this.session!;
    const main = this.main!;
    const relay = this.relay;
    const b = relay?.unauthenticated;
    // The battery goes on here when it runs in this session's mode: inside TLS when it must (or
    // on 465), in cleartext when the server has no TLS to offer.
    const carries = b !== undefined && (t.profile === 'smtps' || b.tlsWanted === ch.overTls);
    if (carries) this.carrying = b;
    const enumeration = new Enumerations(s.needs, ch.overTls);
    const reserve = () => enumeration.worstCase() + (this.loginPlanned ? 1 : 0);
    for (;;) {
      main.reserve = reserve();
      // Once sessions of their own have the battery, this one leaves the rest to them.
      const items = carries && !relay!.workingOn(b) ? b.take(main) : [];
      const tail = enumeration.next();
      if (items.length === 0 && !tail) break;
      let answer: SmtpReply | undefined;
      if (items.length > 0) {
        this.countMain(b!);
        const r = await runChunk(b!, main, items, tail?.command);
        if (r.outcome !== 'ok')
          throw (
            r.error ?? new ProbeError('INTERNAL', 'unexpected STARTTLS demand inside TLS', { stage: 'MAIL' })
          );
        answer = r.tail;
      } else if (tail) {
        answer = await session.command(tail.command, tail.stage);
        if (answer.code >= 400) main.errors += 1;
      }
      if (tail) enumeration.answer(stopOn421(answer!, tail.stage, t));
      if (carries && b.open && !relay!.workingOn(b) && b.answered > 0) {
        main.reserve = reserve();
        const n = relay!.workersNeeded(b, SESSION_ERROR_BUDGET - main.errors - main.reserve);
        if (n > 0) relay!.spawn(b, n, this.depth);
      }
    }
    // What this session could not carry goes to sessions of their own (the version probes' connections carry a cleartext battery).
    if (carries && b.open && !relay!.workingOn(b)) relay!.spawn(b, relay!.workersNeeded(b, 0), this.depth);
    this.carrying = undefined;
    if (enumeration.vrfy) facts.vrfy = enumeration.vrfy;
    if (enumeration.expn) facts.expn = enumeration.expn;
  }

  /**
   * AUTH once, where a client would log in (submission ports, or a port the user named; trying
   * the MX ports too would multiply failed logins and lockouts for nothing), for auth.login and
   * the authenticated relay battery alike; then that battery, QUIT riding with its last forms.
   */
  private async login(ch: Channel): Promise<void> {
    const { t, s, facts } = this;
    const relay = this.relay;
    if (s.credentials && relay && !loginHere(t)) relay.loggedIn(undefined, undefined);
    if (!this.loginPlanned) return;
    const main = this.main!;
    const mechs = ch.caps.auth;
    let attempt: EndpointFacts['auth'];
    let skipped: string | undefined;
    if (mechs.length === 0) {
      // Nothing offered on this channel: auth.submission and auth.login report that themselves.
      skipped = `the server offers no AUTH${ch.overTls ? ' inside TLS' : ' (and no STARTTLS)'}`;
    } else {
      const refused = credentialRefusal(ch.overTls, ch.handshake, s.allowPlaintextAuth);
      attempt = refused
        ? { mechanism: 'none', overTls: ch.overTls, success: false, refused }
        : await authenticate(this.session!, mechs, s.credentials!, ch.overTls);
      if (!attempt.success && !attempt.refused) main.errors += 1;
    }
    if (attempt && s.needs.has('auth-login')) facts.auth = attempt;
    const b = relay?.loggedIn(attempt, skipped);
    if (!b) return;
    this.countMain(b);
    main.reserve = 0;
    main.progressed = false;
    this.carrying = b;
    for (;;) {
      const items = relay!.workingOn(b) ? [] : b.take(main);
      if (items.length === 0) break;
      const last = !b.open;
      const r = await runChunk(b, main, items, last ? 'QUIT' : undefined);
      if (r.outcome !== 'ok')
        throw (
          r.error ?? new ProbeError('INTERNAL', 'unexpected STARTTLS demand after AUTH', { stage: 'MAIL' })
        );
      if (last) {
        this.closed = true;
        this.session!.close();
        break;
      }
      if (b.open && !relay!.workingOn(b)) {
        const n = relay!.workersNeeded(b, SESSION_ERROR_BUDGET - main.errors);
        if (n > 0) relay!.spawn(b, n, this.depth);
      }
    }
    if (b.open && !relay!.workingOn(b)) relay!.spawn(b, relay!.workersNeeded(b, 0), this.depth);
    this.carrying = undefined;
  }

  /** The opt-in test message, once the main session shows the endpoint alive. */
  private startData(): void {
    const { t, s } = this;
    if (s.needs.has('data') && s.sendTest && t.sendTest)
      this.data = probeData(t, s, this.deadline, s.sendTest);
  }
}
