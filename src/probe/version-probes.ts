/**
 * The TLS version probes of one endpoint (tls/versions.ts), each on a connection of its own,
 * taking a per-address slot first and holding nothing else while it waits for one. On a STARTTLS
 * port each connection's STARTTLS write also carries relay forms when the relay battery goes on
 * in cleartext (battery.ts): the forms' answers come back with the 220, in the same round trip,
 * so the battery costs no connection and no time of its own there. A probe whose connection is
 * lost over the forms it carried is retried without them; the forms go to another session.
 */
import net from 'node:net';
import type { SmtpReply, TlsHandshakeFacts } from '../model/artifacts.js';
import { ProbeError } from '../errors.js';
import type { EndpointTarget, ProbeSettings } from './endpoint.js';
import { runChunk, SESSION_ERROR_BUDGET, type Worker } from './smtp/battery.js';
import { parseCapabilities } from './smtp/capabilities.js';
import { type Channel, expectReply } from './smtp/channel.js';
import type { RelayRun } from './smtp/relay.js';
import { type Deadline, SmtpSession } from './smtp/session.js';
import { probeVersions, type VersionProbeResults } from './tls/versions.js';

export class VersionProbes {
  /** Whether the selected checks need the probes at all. */
  readonly wanted: boolean;
  /** Settles when every probe is over (their connections closed). */
  result: Promise<VersionProbeResults | undefined> | undefined;
  /**
   * Set once the unauthenticated battery is known to go on in cleartext while the main session
   * moves into TLS: from then on the probes' connections carry its forms.
   */
  private cleartextBattery = false;
  /** Probe connections that have not yet sent their STARTTLS: each can carry a session's worth. */
  private carriersAhead = 0;
  /** Sessions that carried relay forms (a failure there is retried without them). */
  private readonly carried = new WeakSet<SmtpSession>();
  /**
   * On a STARTTLS port the probes connect as soon as the main session has its greeting, and go on
   * past their own greeting once its EHLO has shown STARTTLS (see {@link starttls}).
   */
  private offered: Promise<boolean> | undefined;
  private offer: ((yes: boolean) => void) | undefined;
  /** Set when STARTTLS turned out not to be offered: no probe connects any more. */
  private stopped = false;

  constructor(
    private readonly t: EndpointTarget,
    private readonly s: ProbeSettings,
    private readonly deadline: Deadline,
    private readonly relay: () => RelayRun | undefined,
  ) {
    this.wanted = s.needs.has('tls-versions') || s.needs.has('tls-weak-ciphers');
  }

  /** The battery goes on in cleartext: the probes carry it, sessions of its own what they cannot. */
  carryCleartext(at: number): void {
    this.cleartextBattery = true;
    this.checkCarriers(at);
  }

  /** What the main session's EHLO said about STARTTLS (false as well when it never got one). */
  starttls(yes: boolean): void {
    const offer = this.offer;
    if (!offer) return; // told already (or not waiting)
    this.offer = undefined;
    if (!yes) this.stopped = true;
    offer(yes);
  }

  /**
   * Starts the probes, `start` round trips into the scan (once; later calls do nothing). On a
   * STARTTLS port they may start before the main session's EHLO is answered: they connect and
   * read their greeting meanwhile, and stop there if STARTTLS is not offered.
   */
  start(start: number, main?: TlsHandshakeFacts): void {
    const { t, s } = this;
    if (!this.wanted || this.result || this.stopped) return;
    if (t.profile !== 'smtps') this.offered ??= new Promise((resolve) => (this.offer = resolve));
    const ends = new Map<string, number>();
    const preambles = new Map<string, { start: number; roundTrips: number }>();
    this.result = probeVersions({
      prepare: this.preparer(
        (after) => (after ? ends.get(after) : undefined) ?? start,
        (label, at, roundTrips) => preambles.set(label, { start: at, roundTrips }),
        (label, at, roundTrips) =>
          s.trace?.({ port: t.port, purpose: 'tls-version', start: at, roundTrips, label }),
      ),
      ...(net.isIP(t.host) ? {} : { servername: t.host }),
      stepTimeoutMs: s.stepTimeoutMs,
      deadline: this.deadline,
      weakCiphers: s.needs.has('tls-weak-ciphers'),
      ...(main?.ok ? { main: { protocol: main.protocol, cipher: main.cipher?.name } } : {}),
      settled: (label, handshake) => {
        const p = preambles.get(label);
        if (!p) return;
        const roundTrips = p.roundTrips + handshake;
        ends.set(label, p.start + roundTrips);
        s.trace?.({ port: t.port, purpose: 'tls-version', start: p.start, roundTrips, label });
      },
    }).catch(() => undefined);
  }

  /**
   * Sessions of its own for the cleartext battery, for what the version probes' connections
   * still to come cannot carry (each as much as one session's refusal budget).
   */
  private checkCarriers(at: number): void {
    const relay = this.relay();
    const b = relay?.unauthenticated;
    if (!relay || !b?.open || !this.cleartextBattery || relay.workingOn(b)) return;
    const n = relay.workersNeeded(b, SESSION_ERROR_BUDGET * this.carriersAhead);
    if (n > 0) relay.spawn(b, n, at);
  }

  /**
   * Opens a fresh connection and walks it to the point where a ClientHello goes, taking a slot of
   * its own first (and holding nothing else while it waits for one). On a STARTTLS port the
   * STARTTLS write also carries cleartext relay forms when the battery has some to give; if that
   * costs the connection, the probe gets a fresh one without them.
   */
  private preparer(
    startOf: (after?: string) => number,
    prepared: (label: string, start: number, roundTrips: number) => void,
    failed: (label: string, start: number, roundTrips: number) => void,
  ) {
    const { t, s, deadline } = this;
    return async (label: string, after?: string): Promise<net.Socket> => {
      const starttls = t.profile !== 'smtps';
      /** Round trips into the scan at which this probe could start. */
      const begin = startOf(after);
      // Until its STARTTLS write goes out, this connection counts as one that can carry forms.
      let ahead = starttls;
      if (ahead) this.carriersAhead += 1;
      const passed = (at: number) => {
        if (!ahead) return;
        ahead = false;
        this.carriersAhead -= 1;
        this.checkCarriers(at);
      };
      let carrier = starttls;
      for (;;) {
        if (this.stopped) {
          passed(begin);
          throw new ProbeError('UNEXPECTED_REPLY', 'the server does not offer STARTTLS', {
            stage: 'STARTTLS',
            address: t.address,
            port: t.port,
          });
        }
        const release = await s.limiter.acquire(t.address, deadline.remaining()).catch((err: unknown) => {
          passed(begin);
          throw err;
        });
        let session: SmtpSession | undefined;
        try {
          session = (await SmtpSession.connect({ ...t, stepTimeoutMs: s.stepTimeoutMs, deadline })).session;
          session.note(label);
          if (starttls) {
            const greeting = await session.read('GREETING', '220 greeting');
            expectReply(greeting, (c) => c === 220, 'GREETING', t);
            if (this.offered && !(await this.offered)) {
              await session.quit();
              throw new ProbeError('UNEXPECTED_REPLY', 'the server does not offer STARTTLS', {
                stage: 'STARTTLS',
                address: t.address,
                port: t.port,
              });
            }
            const ehlo = await session.command(`EHLO ${s.ehloName}`, 'EHLO');
            expectReply(ehlo, (c) => c === 250, 'EHLO', t);
            const caps = parseCapabilities(ehlo);
            const ch: Channel = { session, greeting, hello: ehlo, caps, overTls: false };
            const reply = carrier
              ? await this.carry(ch, label, begin, passed)
              : await session.command('STARTTLS', 'STARTTLS');
            expectReply(reply, (c) => c === 220, 'STARTTLS', t);
          }
          prepared(label, begin, session.roundTrips);
          const socket = session.takeSocket();
          socket.once('close', release);
          return socket;
        } catch (err) {
          // A probe connection that cannot reach the ClientHello is closed at once, not left to the server's idle timer.
          session?.close();
          release();
          if (session) failed(label, begin, session.roundTrips);
          passed(begin + (session?.roundTrips ?? 0));
          if (carrier && session && this.carried.has(session)) {
            carrier = false;
            continue;
          }
          throw err;
        }
      }
    };
  }

  /** STARTTLS, after the cleartext relay forms this connection can carry (in the same write). */
  private async carry(
    ch: Channel,
    label: string,
    begin: number,
    passed: (at: number) => void,
  ): Promise<SmtpReply> {
    const relay = this.relay();
    const b = relay?.unauthenticated;
    const w: Worker = { channel: ch, errors: 0, reserve: 0, progressed: false };
    const items = b && this.cleartextBattery && ch.caps.pipelining && ch.caps.starttls ? b.take(w) : [];
    passed(begin + ch.session.roundTrips);
    if (items.length === 0) return ch.session.command('STARTTLS', 'STARTTLS');
    this.carried.add(ch.session);
    relay!.transcripts.add(ch.session, `relay test: carried by the TLS probe "${label}"`);
    b!.sessions += 1;
    const r = await runChunk(b!, w, items, 'STARTTLS');
    // The answers may show that the probes still to come cannot carry the rest.
    this.checkCarriers(begin + ch.session.roundTrips);
    if (r.outcome === 'lost' || !r.tail) {
      throw r.error ?? new ProbeError('CLOSED', 'no reply to STARTTLS', { stage: 'STARTTLS' });
    }
    return r.tail;
  }
}
