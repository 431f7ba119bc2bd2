/**
 * Which protocol versions and weak suites a server accepts, with as few connections and round
 * trips as the answers allow. A server picks the highest version it supports up to the client's
 * maximum, and answers a ClientHello whose maximum is below everything it supports with a
 * protocol_version alert (RFC 5246 Appendix E.1), so:
 *   - the main session (offering up to TLS 1.3) tells whether 1.3 is accepted, and when it settles
 *     lower (known before the probes start on implicit TLS), which versions above it are refused;
 *   - one ClientHello capped at 1.2 tells 1.2 (or the best below it);
 *   - one capped at 1.1 tells 1.1, or 1.0 when it falls back; only if 1.1 is accepted is a
 *     separate 1.0 hello needed;
 *   - a protocol_version alert to the lowest capped hello says that nothing lower is accepted
 *     either, SSLv3 included; otherwise SSLv3 gets a hello of its own, as do the weak suites.
 * The hellos are built by hand (hello.ts) and offer every suite we know, which Node's OpenSSL
 * cannot; the ServerHello answers in one round trip, without finishing the handshake. A refusal
 * for another reason than the version is asked again with a real handshake by Node.
 * The capped hellos and the weak-suite hello run in parallel, each on its own connection; the
 * 1.0 and SSLv3 follow-ups run only when the first answers leave them open.
 */
import type net from 'node:net';
import type {
  TlsHandshakeFacts,
  TlsVersion,
  TlsVersionProbe,
  WeakCipherProbe,
} from '../../model/artifacts.js';
import { toFailure } from '../../errors.js';
import { probeServerHello, WEAK_SUITE_CLASSES, SSLV3_SUITES } from './hello.js';
import { ALL_SUITES } from './cipher-suites.js';
import { connectTls } from './certificate.js';
import type { Deadline } from '../smtp/session.js';

/**
 * Opens a connection positioned where a ClientHello goes (after "220" to STARTTLS, or at once for
 * 465). `after` names the probe whose answer this one waited for, if any (for the connection plan).
 */
export type PrepareSocket = (label: string, after?: string) => Promise<net.Socket>;

export interface VersionProbeOptions {
  prepare: PrepareSocket;
  /** SNI; omitted for IP literals. */
  servername?: string;
  stepTimeoutMs: number;
  /** The host's deadline: every handshake is bounded by what is left of it, not only by the step timeout. */
  deadline: Deadline;
  weakCiphers: boolean;
  /**
   * The protocol (and suite) the main session negotiated while offering everything up to TLS 1.3,
   * when it is known before the probes start (implicit TLS): the versions above it are refused.
   */
  main?: { protocol?: string; cipher?: string };
  /** Called when a probe's exchange is over, with the round trips its handshake took. */
  settled?: (label: string, roundTrips: number) => void;
}

/**
 * Why a prepared probe connection must not send its ClientHello: the per-host deadline passed
 * while it waited for a slot or walked to STARTTLS (nothing is sent after the deadline). The
 * connection is closed then.
 */
function pastDeadline(o: VersionProbeOptions, socket: net.Socket): string | undefined {
  if (o.deadline.remaining() > 0) return undefined;
  socket.destroy();
  return o.deadline.expired(' before the ClientHello was sent');
}

/** The time one more handshake may take. */
function timeoutOf(o: VersionProbeOptions): number {
  return Math.max(1, Math.min(o.stepTimeoutMs, o.deadline.remaining()));
}

export interface VersionProbeResults {
  /** Per version, except 1.3 which comes from the main session. */
  probes: Map<TlsVersion, TlsVersionProbe>;
  weakCiphers: WeakCipherProbe[];
}

const ORDER: TlsVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** The versions a capped probe asks about, highest first. */
const LEVELS = ['TLSv1.2', 'TLSv1.1', 'TLSv1'] as const;
type Level = (typeof LEVELS)[number];

type Capped =
  | { ok: true; protocol: TlsVersion; cipher: string }
  | {
      ok: false;
      rejected: boolean;
      reason: string;
      /** The server answered with a protocol_version alert: it accepts nothing up to the cap. */
      versionAlert?: boolean;
    };

/**
 * Whether a protocol version up to `max` is accepted, in one round trip: a ClientHello offering
 * every suite we know, whose ServerHello names the version the server picks (RFC 5246 Appendix
 * E.1) — the handshake need not be finished to know that. A refusal for another reason than the
 * version (some other alert, a dropped connection) may be our hello's fault, so the question is
 * then asked again with a real handshake by Node's TLS library.
 */
async function cappedProbe(o: VersionProbeOptions, max: Level, after?: string): Promise<Capped> {
  let first: Capped & { ok: false };
  try {
    const r = await helloProbe(o, max, ALL_SUITES, 'all suites', after);
    if (r.result === 'accepted' && r.version && r.version !== 'TLSv1.3') {
      return { ok: true, protocol: r.version, cipher: r.cipherName ?? String(r.cipherSuite) };
    }
    if (r.result === 'rejected' && r.alert?.name === 'protocol_version') {
      return { ok: false, rejected: true, reason: 'protocol_version alert', versionAlert: true };
    }
    first = {
      ok: false,
      rejected: r.result === 'rejected',
      reason: r.alert?.name ?? r.reason ?? 'no answer',
    };
  } catch (err) {
    // The connection never got to the ClientHello: a second one would not either.
    return { ok: false, rejected: false, reason: toFailure(err, { stage: 'STARTTLS' }).message };
  }
  const second = await nodeHandshake(o, max, `ClientHello ${max} (all suites)`);
  if (second.ok || !first.rejected) return second;
  return {
    ...second,
    reason: `ClientHello offering every suite: ${first.reason}; TLS handshake: ${second.reason}`,
  };
}

/** One Node handshake capped at `max`; anything but a timeout or a failed preamble counts as refusal. */
async function nodeHandshake(o: VersionProbeOptions, max: Level, after: string): Promise<Capped> {
  const label = `handshake TLSv1..${max}`;
  let raw: net.Socket;
  try {
    raw = await o.prepare(label, after);
  } catch (err) {
    return { ok: false, rejected: false, reason: toFailure(err, { stage: 'STARTTLS' }).message };
  }
  const late = pastDeadline(o, raw);
  if (late) return { ok: false, rejected: false, reason: late };
  return new Promise<Capped>((resolve) => {
    const s = connectTls({
      socket: raw,
      ...(o.servername ? { servername: o.servername } : {}),
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      maxVersion: max,
      // OpenSSL 3 refuses TLS 1.0/1.1 (and SHA-1, small keys) above security level 0.
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    const timeoutMs = timeoutOf(o);
    const onSecure = () =>
      done({ ok: true, protocol: s.getProtocol() as TlsVersion, cipher: s.getCipher()?.name ?? 'unknown' });
    const onError = (err: NodeJS.ErrnoException) =>
      done({
        ok: false,
        rejected: true,
        reason: err.message,
        // Sent by the server; the client's own "unsupported protocol" (a ServerHello below our
        // minimum, as from an SSLv3-only server) is not this.
        ...(err.code === 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' ? { versionAlert: true } : {}),
      });
    const onClose = () =>
      done({ ok: false, rejected: true, reason: 'connection closed during the handshake' });
    const done = (r: Capped) => {
      // A completed TLS 1.2 handshake takes two round trips; an answer to the hello, one.
      o.settled?.(label, r.ok && r.protocol !== 'TLSv1.3' ? 2 : 1);
      clearTimeout(timer);
      s.off('secureConnect', onSecure);
      s.off('error', onError);
      s.off('close', onClose);
      s.on('error', () => {});
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => done({ ok: false, rejected: false, reason: `no handshake answer within ${timeoutMs}ms` }),
      timeoutMs,
    );
    s.once('secureConnect', onSecure);
    s.once('error', onError);
    s.once('close', onClose);
  });
}

function fromCapped(version: TlsVersion, r: Capped): TlsVersionProbe {
  if (r.ok) {
    return r.protocol === version
      ? { version, result: 'accepted', cipher: r.cipher }
      : { version, result: 'rejected', reason: `server chose ${r.protocol} when offered up to ${version}` };
  }
  return { version, result: r.rejected ? 'rejected' : 'error', reason: r.reason };
}

async function helloProbe(
  o: VersionProbeOptions,
  version: 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2',
  suites: readonly number[],
  what: string,
  after?: string,
) {
  const label = `ClientHello ${version} (${what})`;
  const socket = await o.prepare(label, after);
  try {
    const late = pastDeadline(o, socket);
    if (late) return { result: 'error' as const, reason: late };
    return await probeServerHello({
      socket,
      version,
      cipherSuites: suites,
      ...(o.servername && version !== 'SSLv3' ? { servername: o.servername } : {}),
      timeoutMs: timeoutOf(o),
    });
  } finally {
    o.settled?.(label, 1);
  }
}

async function sslv3(o: VersionProbeOptions, after?: string): Promise<TlsVersionProbe> {
  try {
    const r = await helloProbe(o, 'SSLv3', SSLV3_SUITES, 'SSLv3 suites', after);
    if (r.result === 'accepted' && r.version === 'SSLv3') {
      return { version: 'SSLv3', result: 'accepted', cipher: r.cipherName ?? String(r.cipherSuite) };
    }
    if (r.result === 'error') return { version: 'SSLv3', result: 'error', reason: r.reason ?? 'unknown' };
    return {
      version: 'SSLv3',
      result: 'rejected',
      reason: r.alert?.name ?? r.reason ?? `server answered ${r.version}`,
    };
  } catch (err) {
    return { version: 'SSLv3', result: 'error', reason: toFailure(err, { stage: 'STARTTLS' }).message };
  }
}

type WeakClass = (typeof WEAK_SUITE_CLASSES)[number];

/**
 * Offers every weak class of one protocol version in one ClientHello: if the server refuses them
 * all, every class is refused; if it picks one, that class is accepted and the others were not
 * tested separately (one connection instead of one per class; the verdict is a failure anyway).
 */
async function weak(
  o: VersionProbeOptions,
  version: 'TLSv1.2' | 'TLSv1',
  classes: readonly WeakClass[],
  after?: string,
): Promise<WeakCipherProbe[]> {
  let r: Awaited<ReturnType<typeof probeServerHello>>;
  try {
    r = await helloProbe(
      o,
      version,
      classes.flatMap((c) => c.suites),
      'weak suites',
      after,
    );
  } catch (err) {
    r = { result: 'error', reason: toFailure(err, { stage: 'STARTTLS' }).message };
  }
  const chosen =
    r.result === 'accepted' ? classes.find((c) => c.suites.includes(r.cipherSuite ?? -1)) : undefined;
  return classes.map((c): WeakCipherProbe => {
    if (r.result !== 'accepted') return { name: c.name, result: r.result, reason: r.alert?.name ?? r.reason };
    if (c === chosen) return { name: c.name, result: 'accepted', cipher: r.cipherName };
    return {
      name: c.name,
      result: 'untestable',
      reason: `not tested separately: the server already accepted ${chosen?.name ?? r.cipherName}`,
    };
  });
}

const WEAK_TLS12 = WEAK_SUITE_CLASSES.filter((c) => c.version === 'TLSv1.2');
/** EXPORT and single-DES suites do not exist in TLS 1.2; they are offered at TLS 1.0. */
const WEAK_TLS10 = WEAK_SUITE_CLASSES.filter((c) => c.version === 'TLSv1');

/**
 * Runs the version and weak-suite probes (not 1.3, which the main session answers). Never
 * throws; every probe has settled (its connection closed) when this resolves.
 */
export async function probeVersions(o: VersionProbeOptions): Promise<VersionProbeResults> {
  const probes = new Map<TlsVersion, TlsVersionProbe>();
  const started: Promise<unknown>[] = [];
  let levels: readonly Level[] = LEVELS;
  const mainAt = LEVELS.indexOf(o.main?.protocol as Level);
  if (mainAt >= 0) {
    const chosen = LEVELS[mainAt]!;
    for (const v of LEVELS.slice(0, mainAt)) {
      probes.set(v, {
        version: v,
        result: 'rejected',
        reason: `server chose ${chosen} when offered up to TLSv1.3`,
        fromMainSession: true,
      });
    }
    probes.set(chosen, {
      version: chosen,
      result: 'accepted',
      cipher: o.main?.cipher,
      fromMainSession: true,
    });
    levels = LEVELS.slice(mainAt + 1);
  }
  const weak12 = o.weakCiphers ? weak(o, 'TLSv1.2', WEAK_TLS12) : Promise.resolve([]);
  started.push(weak12);
  // Without the main session's answer, 1.2 and 1.1 at once (either may be the server's floor);
  // with it, only the next level down. A lower one follows only when the answers leave it open.
  const early = levels.slice(0, mainAt >= 0 ? 1 : 2).map((v) => cappedProbe(o, v));
  started.push(...early);
  /** The last capped handshake answered: later probes waited for it. */
  let last: string | undefined;
  for (const [i, v] of levels.entries()) {
    if (probes.has(v)) continue;
    const r = await (early[i] ?? cappedProbe(o, v, last));
    last = `ClientHello ${v} (all suites)`;
    probes.set(v, fromCapped(v, r));
    if (r.ok && r.protocol !== v) {
      // The server fell back: what it chose is accepted, and nothing between was.
      if (r.protocol === 'SSLv3' || (LEVELS as readonly string[]).includes(r.protocol)) {
        probes.set(r.protocol, { version: r.protocol, result: 'accepted', cipher: r.cipher });
      }
      for (const below of levels.slice(i + 1)) {
        if (!probes.has(below) && ORDER.indexOf(below) > ORDER.indexOf(r.protocol)) {
          const reason = `server chose ${r.protocol} when offered up to ${v}`;
          probes.set(below, { version: below, result: 'rejected', reason });
        }
      }
    } else if (!r.ok && r.versionAlert) {
      const floor = `the server answered a ClientHello offering up to ${v} with a protocol_version alert, so it accepts nothing lower (RFC 5246 Appendix E.1)`;
      for (const below of [...levels.slice(i + 1), 'SSLv3' as const]) {
        if (!probes.has(below)) probes.set(below, { version: below, result: 'rejected', reason: floor });
      }
      break;
    } else if (!r.ok && v === 'TLSv1.1' && !probes.has('TLSv1')) {
      // Refused up to 1.1 means refused at 1.0 too: the server would have fallen back.
      probes.set('TLSv1', { version: 'TLSv1', result: r.rejected ? 'rejected' : 'error', reason: r.reason });
    }
  }
  // SSLv3 and the TLS 1.0-only suites depend only on the answers so far: both at once.
  const tls10 = probes.get('TLSv1')!;
  const [v3, weak10] = await Promise.all([
    probes.get('SSLv3') ?? sslv3(o, last),
    !o.weakCiphers
      ? []
      : tls10.result === 'accepted'
        ? // Only a server that speaks TLS 1.0 can accept them: ask it, spare the rest a connection.
          weak(o, 'TLSv1', WEAK_TLS10, last)
        : WEAK_TLS10.map((c) => ({
            name: c.name,
            result: tls10.result === 'rejected' ? ('rejected' as const) : ('error' as const),
            reason: `TLS 1.0 is ${tls10.result === 'rejected' ? 'refused' : 'undetermined'}, and these suites exist only up to TLS 1.0`,
          })),
  ]);
  probes.set('SSLv3', v3);
  const w12 = await weak12;
  await Promise.all(started);
  return { probes, weakCiphers: [...w12, ...weak10] };
}

/** Merges the main session's answer (1.3, and 1.2 when that is what it got) with the probes. */
export function versionTable(main: TlsHandshakeFacts | undefined, r: VersionProbeResults): TlsVersionProbe[] {
  return ORDER.map((v): TlsVersionProbe => {
    if (v === 'TLSv1.3') {
      if (!main?.ok)
        return { version: v, result: 'error', reason: 'the main TLS session failed', fromMainSession: true };
      return main.protocol === 'TLSv1.3'
        ? { version: v, result: 'accepted', cipher: main.cipher?.name, fromMainSession: true }
        : {
            version: v,
            result: 'rejected',
            reason: `server chose ${main.protocol} when offered TLS 1.3`,
            fromMainSession: true,
          };
    }
    const probe = r.probes.get(v) ?? { version: v, result: 'error', reason: 'not probed' };
    if (v === 'TLSv1.2' && probe.result !== 'accepted' && main?.ok && main.protocol === 'TLSv1.2') {
      return { version: v, result: 'accepted', cipher: main.cipher?.name, fromMainSession: true };
    }
    return probe;
  });
}
