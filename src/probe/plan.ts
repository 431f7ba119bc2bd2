/**
 * The connection plan of a host scan as numbers (issue 6): how many connections each port opens
 * and how many sequential network round trips its longest chain takes, for a server that behaves
 * as described. A scan cannot finish faster than criticalPath × the round-trip time; the bench
 * divides its measured wall time by that.
 *
 * It runs the engine's own planning code (the relay battery's chunking and refusal budget, the
 * VRFY/EXPN sequence) against scripted answers, so it follows endpoint.ts rather than restating
 * it; test/probe/plan.test.ts holds the two to each other on the lab's servers. Paths the lab
 * does not exercise (no PIPELINING, sessions of their own for the relay battery) are modelled
 * the same way but only approximately timed: there, sessions really run side by side.
 *
 * Unit: one round trip is one wait for the network: the TCP connect, each reply or pipelined
 * group of replies (the greeting counts as one), a TLS 1.3 handshake; a TLS 1.2 or older
 * handshake counts two, the answer to a bare ClientHello (all a version probe waits for) one.
 * Waits for a per-address connection slot are not round trips: {@link HostPlan.slotRoundTrips}
 * bounds those (under a cap of C slots a scan cannot take less than slotRoundTrips / C).
 */
import type { Requirement } from '../checks/types.js';
import type { Capabilities, PortProfile, SmtpReply, TlsVersion } from '../model/artifacts.js';
import {
  Battery,
  type BatteryItem,
  SESSION_ERROR_BUDGET,
  sessionsNeeded,
  type Worker,
} from './smtp/battery.js';
import type { Channel } from './smtp/channel.js';
import { Enumerations } from './smtp/enumeration.js';
import { relayForms } from './smtp/relay-forms.js';
import type { ConnectionPurpose } from './endpoint.js';

/** What the plan needs to know about one port: what the server offers and how it answers. */
export interface PortBehaviour {
  profile: PortProfile;
  /** EHLO offers PIPELINING (RFC 2920). */
  pipelining: boolean;
  /** STARTTLS offered on the cleartext EHLO (ignored for smtps). */
  starttls: boolean;
  /** The version the main session negotiates offering up to TLS 1.3: the server's highest. */
  tls: TlsVersion;
  /** The lowest version the server accepts (the ones between are assumed accepted too). */
  minTls: TlsVersion;
  /** MAIL FROM before STARTTLS is answered "530 Must issue a STARTTLS command first". */
  tlsRequired: boolean;
  /**
   * VRFY and EXPN: refused outright (502: one command, one refusal), answered truthfully (the
   * known name 250, the unknown one 550: two commands, one refusal), or ambiguously (252 to both).
   */
  vrfy: 'refused' | 'answered' | 'ambiguous';
  expn: 'refused' | 'answered' | 'ambiguous';
  /** What a stranger's relay forms get: 530 at once (the battery stops), refused, or accepted. */
  relay: 'auth-required' | 'refused' | 'accepted';
  /**
   * Credentials are given and this is a port a client logs in on (submission, smtps, or named
   * explicitly): the main session keeps back one refusal for its AUTH.
   */
  credentials?: boolean;
  /**
   * Set when the login is actually made (AUTH offered, over verified TLS): the round trips of the
   * exchange (PLAIN and XOAUTH2 1, CRAM-MD5 2, LOGIN 3) and what the relay forms get after it.
   */
  login?: { roundTrips: number; relay: 'accepted' | 'refused' };
}

/** One connection of the plan. */
export interface ConnectionPlan {
  purpose: ConnectionPurpose;
  /** Round trips into the port's scan at which it can start. */
  start: number;
  /** Round trips it takes itself. */
  roundTrips: number;
  label?: string;
}

export interface PortPlan {
  connections: ConnectionPlan[];
  /** The longest chain: the latest start + roundTrips of its connections. */
  criticalPath: number;
}

export interface HostPlan {
  ports: PortPlan[];
  /** Connections per scan, counted as the servers count them. */
  connections: number;
  /** The ports run side by side: the longest port's critical path. */
  criticalPath: number;
  /** Sum of every connection's round trips: what the per-address slots must hold. */
  slotRoundTrips: number;
}

/** Everything a full host scan gathers (the bench's scan). */
export const FULL_SCAN: ReadonlySet<Requirement> = new Set<Requirement>([
  'smtp',
  'tls-versions',
  'tls-weak-ciphers',
  'mail-before-tls',
  'vrfy',
  'expn',
  'auth-login',
  'relay',
]);

const ORDER: TlsVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const rank = (v: TlsVersion) => ORDER.indexOf(v);
const handshake = (v: TlsVersion) => (v === 'TLSv1.3' ? 1 : 2);
const reply = (code: number, text: string): SmtpReply => ({ code, lines: [text] });

/** The plan of every port of one address (the ports run side by side). */
export function planHost(
  ports: readonly PortBehaviour[],
  needs: ReadonlySet<Requirement> = FULL_SCAN,
): HostPlan {
  const plans = ports.map((p) => planPort(p, needs));
  const all = plans.flatMap((p) => p.connections);
  return {
    ports: plans,
    connections: all.length,
    criticalPath: Math.max(0, ...plans.map((p) => p.criticalPath)),
    slotRoundTrips: all.reduce((n, c) => n + c.roundTrips, 0),
  };
}

/** The plan of one port. */
export function planPort(b: PortBehaviour, needs: ReadonlySet<Requirement> = FULL_SCAN): PortPlan {
  return new PortSimulation(b, needs).run();
}

/** The main session's dialogue, played against scripted answers. */
class PortSimulation {
  private readonly connections: ConnectionPlan[] = [];
  private depth = 0;
  private errors = 0;
  private overTls: boolean;
  private readonly smtps: boolean;
  private readonly unauth: Battery | undefined;
  private quitSent = false;
  /** Version probes that start together, with the main session's greeting. */
  private firstWave = 0;
  private probesStart = 0;

  constructor(
    private readonly b: PortBehaviour,
    private readonly needs: ReadonlySet<Requirement>,
  ) {
    this.smtps = b.profile === 'smtps';
    this.overTls = this.smtps;
    this.unauth = needs.has('relay') ? new Battery(forms(), false, 'mx.mail.example') : undefined;
  }

  run(): PortPlan {
    const { b } = this;
    this.depth = 1 + (this.smtps ? handshake(b.tls) : 0) + 1; // connect, [TLS], greeting
    // The version probes start with the greeting; on a STARTTLS port they go on only if EHLO
    // (answered before their own greeting comes) shows STARTTLS, else they quit there.
    if (this.smtps || b.starttls) this.versions(this.depth, this.smtps && b.tls !== 'TLSv1.3');
    else this.stoppedProbes(this.depth);
    this.depth += 1; // EHLO
    if (!this.smtps) this.cleartext();
    this.enumerateAndRelay();
    this.login();
    if (!this.quitSent) this.depth += 1;
    this.connections.unshift({ purpose: 'main', start: 0, roundTrips: this.depth });
    return {
      connections: this.connections,
      criticalPath: Math.max(...this.connections.map((c) => c.start + c.roundTrips)),
    };
  }

  private get main(): Worker {
    const caps = capabilities(this.b);
    return { channel: channel(caps, this.overTls), errors: this.errors, reserve: 0, progressed: false };
  }

  private cleartext(): void {
    const { b } = this;
    const battery = this.unauth;
    const probeMail = this.needs.has('mail-before-tls') || battery !== undefined;
    if (battery && b.pipelining && b.starttls && b.profile === 'smtp') {
      this.chunk(battery, battery.take(this.main), 'STARTTLS');
    } else {
      const lines = (probeMail ? 2 : 0) + (b.starttls ? 1 : 0);
      if (b.pipelining && lines > 1) this.depth += 1;
      else this.depth += (probeMail ? (b.tlsRequired ? 1 : 2) : 0) + (b.starttls ? 1 : 0);
      if (probeMail && b.tlsRequired) this.errors += 1;
      if (battery && b.tlsRequired && b.starttls) {
        battery.tlsRequired = {
          command: 'MAIL FROM:<>',
          reply: reply(530, 'Must issue a STARTTLS command first'),
        };
        battery.tlsWanted = true;
      }
    }
    if (!b.starttls) return;
    if (battery?.open && !battery.tlsWanted) this.carriedByProbes(battery);
    this.depth += handshake(b.tls) + 1; // the handshake, EHLO inside TLS
    this.overTls = true;
  }

  /** The version probes' connections carry a cleartext battery in their STARTTLS writes. */
  private carriedByProbes(battery: Battery): void {
    // Sessions of its own only for what the version probes' connections cannot carry.
    const carriers = this.b.pipelining ? this.firstWave : 0;
    const early = sessionsNeeded(battery, SESSION_ERROR_BUDGET * carriers);
    // The first wave reaches its STARTTLS at about the same time: each takes its forms before any
    // answer is in (so while the battery's first form is out, the others take none).
    const taken = Array.from({ length: carriers }, () => {
      const w: Worker = { ...this.main, channel: channel(capabilities(this.b), false), errors: 0 };
      return { w, items: battery.take(w) };
    });
    for (const { w, items } of taken) if (items.length > 0) settle(battery, w, items, this.b, false);
    // Spawned at once when needed; else when the last carrier has taken its forms (after its
    // connect, greeting and EHLO) and some are left.
    this.workers(battery, 0, early > 0 ? this.depth : this.probesStart + 3);
  }

  private enumerateAndRelay(): void {
    const { b } = this;
    const battery = this.unauth;
    const carries = battery !== undefined && (this.smtps || battery.tlsWanted === this.overTls);
    const enumeration = new Enumerations(this.needs, this.overTls);
    const loginPlanned = b.credentials === true || b.login !== undefined;
    const reserve = () => enumeration.worstCase() + (loginPlanned ? 1 : 0);
    let spawned = false;
    for (;;) {
      const w = { ...this.main, reserve: reserve() };
      const items = carries ? battery.take(w) : [];
      const tail = enumeration.next();
      if (items.length === 0 && !tail) break;
      if (items.length > 0) this.chunk(battery!, items, tail);
      else this.depth += 1;
      if (tail) {
        const answer = this.enumerationAnswer(tail.stage, tail.command);
        if (items.length === 0 && answer.code >= 400) this.errors += 1;
        enumeration.answer(answer);
      }
      if (carries && battery.open && !spawned && battery.answered > 0) {
        const room = SESSION_ERROR_BUDGET - this.errors - reserve();
        spawned = this.workers(battery, room) > 0;
      }
    }
    if (carries && battery.open && !spawned) this.workers(battery, 0);
  }

  private login(): void {
    const { b } = this;
    if (!b.login) return;
    this.depth += b.login.roundTrips;
    if (!this.unauth) return;
    const battery = new Battery(forms(), true);
    let spawned = false;
    for (;;) {
      const items = battery.take(this.main);
      if (items.length === 0) break;
      const last = !battery.open;
      this.chunk(battery, items, last ? 'QUIT' : undefined, true);
      if (last) {
        this.quitSent = true;
        break;
      }
      if (battery.open && !spawned) spawned = this.workers(battery, SESSION_ERROR_BUDGET - this.errors) > 0;
    }
    if (battery.open && !spawned) this.workers(battery, 0);
  }

  /** One write of the main session: forms, then `tail`; the answers as the server would give them. */
  private chunk(
    battery: Battery,
    items: BatteryItem[],
    tail: string | { command: string; stage: 'VRFY' | 'EXPN' } | undefined,
    authenticated = false,
  ): void {
    const w = this.main;
    const seq = sequentialRoundTrips(items, this.b, authenticated, this.overTls) + (tail ? 1 : 0);
    this.depth += this.b.pipelining ? 1 : seq;
    settle(battery, w, items, this.b, this.overTls, authenticated);
    this.errors = w.errors;
    if (typeof tail === 'object' && this.enumerationAnswer(tail.stage, tail.command).code >= 400)
      this.errors += 1;
  }

  private enumerationAnswer(stage: 'VRFY' | 'EXPN', command: string): SmtpReply {
    const how = stage === 'VRFY' ? this.b.vrfy : this.b.expn;
    if (how === 'refused') return reply(502, 'command disabled');
    if (how === 'ambiguous') return reply(252, 'cannot verify, but will accept');
    return command.includes('postmaster') ? reply(250, 'postmaster') : reply(550, 'unknown user');
  }

  /** Sessions of their own for the rest of a battery; returns how many. */
  private workers(battery: Battery, room: number, start = this.depth): number {
    const n = sessionsNeeded(battery, room);
    const { b } = this;
    const tls = battery.tlsWanted && !this.smtps ? handshake(b.tls) + 2 : this.smtps ? handshake(b.tls) : 0;
    const preamble = 1 + 1 + 1 + tls + (battery.authenticated ? (b.login?.roundTrips ?? 1) : 0);
    const sessions: number[] = Array.from({ length: n }, () => preamble);
    let k = 0;
    while (battery.open && n > 0) {
      const w: Worker = {
        channel: channel(capabilities(b), battery.tlsWanted || this.smtps),
        errors: 0,
        reserve: 0,
        progressed: false,
      };
      if (k >= n) sessions[k % n]! += preamble; // a fresh session after a spent one
      let emptied = false;
      for (;;) {
        const items = battery.take(w);
        if (items.length === 0) break;
        emptied = !battery.open;
        const seq = sequentialRoundTrips(items, b, battery.authenticated, w.channel.overTls);
        sessions[k % n]! += b.pipelining ? 1 : seq;
        settle(battery, w, items, b, w.channel.overTls, battery.authenticated);
      }
      // QUIT rides with the forms that empty the queue; otherwise (or without PIPELINING) it is a
      // command of its own.
      if (!emptied || !b.pipelining) sessions[k % n]! += 1;
      k += 1;
    }
    for (const roundTrips of sessions) this.connections.push({ purpose: 'relay', start, roundTrips });
    return n;
  }

  /** Probes started with the greeting on a port without STARTTLS: connect, greeting, QUIT. */
  private stoppedProbes(start: number): void {
    if (!this.needs.has('tls-versions') && !this.needs.has('tls-weak-ciphers')) return;
    const n = (this.needs.has('tls-weak-ciphers') ? 1 : 0) + 2;
    for (let i = 0; i < n; i++) this.connections.push({ purpose: 'tls-version', start, roundTrips: 3 });
  }

  /**
   * The version probes, as tls/versions.ts runs them: ≤1.2 and ≤1.1 at once (only the next level
   * down when the main session's answer is known), the weak-suite hello, then 1.0 and SSLv3 when
   * the first answers leave them open, and the TLS 1.0 weak suites when 1.0 is accepted.
   */
  private versions(start: number, mainKnown: boolean): void {
    const { b } = this;
    if (!this.needs.has('tls-versions') && !this.needs.has('tls-weak-ciphers')) return;
    const preamble = this.smtps ? 1 : 4; // connect [, greeting, EHLO, STARTTLS]
    this.probesStart = start;
    const probe = (label: string, at: number, hs: number) => {
      const c = { purpose: 'tls-version' as const, start: at, roundTrips: preamble + hs, label };
      this.connections.push(c);
      return at + c.roundTrips;
    };
    const accepts = (v: TlsVersion) => rank(v) >= rank(b.minTls) && rank(v) <= rank(b.tls);
    /** A capped ClientHello: its ServerHello (or alert) comes back in one round trip. */
    const capped = (max: TlsVersion, at: number) => {
      const chosen = ORDER.filter((v) => rank(v) <= rank(max) && accepts(v)).at(-1);
      return { chosen, end: probe(`ClientHello ${max} (all suites)`, at, 1) };
    };
    if (this.needs.has('tls-weak-ciphers')) probe('ClientHello TLSv1.2 (weak suites)', start, 1);
    const levels = (['TLSv1.2', 'TLSv1.1', 'TLSv1'] as const).filter(
      (v) => !mainKnown || rank(v) < rank(b.tls),
    );
    this.firstWave =
      (this.needs.has('tls-weak-ciphers') ? 1 : 0) + Math.min(levels.length, mainKnown ? 1 : 2);
    const decided = new Set<TlsVersion>();
    const early = levels.slice(0, mainKnown ? 1 : 2).map((v) => capped(v, start));
    let last = start;
    let floor = false;
    for (const [i, v] of levels.entries()) {
      if (decided.has(v)) continue;
      const r = early[i] ?? capped(v, last);
      last = r.end;
      decided.add(v);
      if (r.chosen) for (const below of levels) if (rank(below) > rank(r.chosen)) decided.add(below);
      if (r.chosen && r.chosen !== v) decided.add(r.chosen);
      if (!r.chosen) {
        floor = true; // a protocol_version alert: nothing lower either
        break;
      }
    }
    if (!floor) probe('ClientHello SSLv3 (SSLv3 suites)', last, 1);
    if (this.needs.has('tls-weak-ciphers') && accepts('TLSv1'))
      probe('ClientHello TLSv1 (weak suites)', last, 1);
  }
}

/** The battery's forms for a server named mx.mail.example (17, as for any name of three labels). */
function forms() {
  return relayForms({
    relayDomain: 'relay-test.example',
    serverName: 'mx.mail.example',
    localDomain: 'mail.example',
    ipLiteral: '[192.0.2.1]',
  });
}

function capabilities(b: PortBehaviour): Capabilities {
  return {
    size: undefined,
    pipelining: b.pipelining,
    eightBitMime: false,
    smtpUtf8: false,
    chunking: false,
    dsn: false,
    enhancedStatusCodes: false,
    requireTls: false,
    starttls: b.starttls && b.profile !== 'smtps',
    auth: b.login ? ['PLAIN'] : [],
    vrfy: false,
    etrn: false,
  } as Capabilities;
}

function channel(caps: Capabilities, overTls: boolean): Channel {
  const hello = reply(250, 'mx.mail.example');
  return { session: undefined as never, greeting: reply(220, 'mx.mail.example ESMTP'), hello, caps, overTls };
}

/** What the server answers to one form: MAIL, RCPT, RSET (RCPT only after an accepted MAIL when sent one by one). */
function answers(item: BatteryItem, b: PortBehaviour, authenticated: boolean, overTls: boolean): SmtpReply[] {
  if (!overTls && b.tlsRequired && b.profile !== 'smtps') {
    const tls = reply(530, '5.7.0 Must issue a STARTTLS command first');
    return b.pipelining ? [tls, tls, reply(250, 'Ok')] : [tls];
  }
  const ok = reply(250, 'Ok');
  const how = authenticated ? b.login?.relay : b.relay;
  let rcpt: SmtpReply;
  if (!item.form) rcpt = how === 'accepted' ? ok : reply(550, 'unknown user');
  else if (how === 'accepted') rcpt = ok;
  else if (how === 'auth-required') rcpt = reply(530, '5.7.0 Authentication required');
  else rcpt = reply(554, '5.7.1 Relay access denied');
  return [ok, rcpt, ok];
}

function sequentialRoundTrips(
  items: BatteryItem[],
  b: PortBehaviour,
  authenticated: boolean,
  overTls: boolean,
): number {
  return items.reduce((n, i) => n + answers(i, b, authenticated, overTls).length, 0);
}

/** Records scripted answers in the battery as runChunk records real ones. */
function settle(
  battery: Battery,
  w: Worker,
  items: BatteryItem[],
  b: PortBehaviour,
  overTls: boolean,
  authenticated = battery.authenticated,
): void {
  const ch = channel(capabilities(b), overTls);
  for (const [k, item] of items.entries()) {
    const [mail, rcpt, rset] = answers(item, b, authenticated, overTls);
    w.errors += [mail, rcpt, rset].filter((r) => r && r.code >= 400).length;
    const r = battery.settle(ch, item, mail!, rcpt, rset);
    if (r.outcome === 'upgrade') {
      battery.putBack(items.slice(k));
      return;
    }
  }
}
