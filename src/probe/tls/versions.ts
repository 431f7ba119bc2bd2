/**
 * Which protocol versions and weak suites a server accepts, with as few connections as the
 * answer allows. A server picks the highest version it supports up to the client's maximum, so:
 *   - the main session (offering up to TLS 1.3) tells whether 1.3 is accepted;
 *   - one handshake capped at 1.2 tells 1.2 (or the best below it);
 *   - one capped at 1.1 tells 1.1, or 1.0 when it falls back; only if 1.1 is accepted is a
 *     separate 1.0 handshake needed;
 *   - SSLv3 and the weak suites, which our TLS library cannot offer, use a hand-built ClientHello.
 * All of these run in parallel with the main session, each on its own connection.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type {
  TlsHandshakeFacts,
  TlsVersion,
  TlsVersionProbe,
  WeakCipherProbe,
} from '../../model/artifacts.js';
import { toFailure } from '../../errors.js';
import { probeServerHello, WEAK_SUITE_CLASSES, SSLV3_SUITES } from './hello.js';
import { ALL_SUITES } from './cipher-suites.js';
import type { Deadline } from '../smtp/session.js';

/** Opens a connection positioned where a ClientHello goes (after "220" to STARTTLS, or at once for 465). */
export type PrepareSocket = (label: string) => Promise<net.Socket>;

export interface VersionProbeOptions {
  prepare: PrepareSocket;
  /** SNI; omitted for IP literals. */
  servername?: string;
  stepTimeoutMs: number;
  /** The host's deadline: every handshake is bounded by what is left of it, not only by the step timeout. */
  deadline: Deadline;
  weakCiphers: boolean;
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

type Capped =
  { ok: true; protocol: TlsVersion; cipher: string } | { ok: false; rejected: boolean; reason: string };

/**
 * Node's errors that mean "this protocol version is refused". Any other handshake failure
 * (handshake_failure, no shared cipher) may only mean that the server's suites are ones our TLS
 * library cannot offer, so the version is then confirmed with a raw ClientHello.
 */
const VERSION_REFUSED =
  /protocol version|unsupported protocol|wrong version number|no protocols available|version too low/i;

/** One Node handshake with the given version range; anything but a timeout or a failed preamble counts as refusal. */
async function cappedHandshake(o: VersionProbeOptions, min: TlsVersion, max: TlsVersion): Promise<Capped> {
  let raw: net.Socket;
  try {
    raw = await o.prepare(`handshake ${min}..${max}`);
  } catch (err) {
    return { ok: false, rejected: false, reason: toFailure(err, { stage: 'STARTTLS' }).message };
  }
  return new Promise<Capped>((resolve) => {
    const s = tls.connect({
      socket: raw,
      ...(o.servername ? { servername: o.servername } : {}),
      rejectUnauthorized: false,
      minVersion: min as tls.SecureVersion,
      maxVersion: max as tls.SecureVersion,
      // OpenSSL 3 refuses TLS 1.0/1.1 (and SHA-1, small keys) above security level 0.
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    const timeoutMs = timeoutOf(o);
    const onSecure = () =>
      done({ ok: true, protocol: s.getProtocol() as TlsVersion, cipher: s.getCipher()?.name ?? 'unknown' });
    const onError = (err: Error) => done({ ok: false, rejected: true, reason: err.message });
    const onClose = () =>
      done({ ok: false, rejected: true, reason: 'connection closed during the handshake' });
    const done = (r: Capped) => {
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
  }).then((r) => (r.ok || !r.rejected || VERSION_REFUSED.test(r.reason) ? r : confirmWithHello(o, max, r)));
}

/**
 * A handshake that failed for another reason than the version is asked again with a raw
 * ClientHello offering every suite we know, up to `max`: a ServerHello tells the version the
 * server really speaks.
 */
async function confirmWithHello(
  o: VersionProbeOptions,
  max: TlsVersion,
  first: Capped & { ok: false },
): Promise<Capped> {
  if (max === 'TLSv1.3' || max === 'SSLv3') return first;
  try {
    const r = await helloProbe(o, max, ALL_SUITES);
    if (r.result === 'accepted' && r.version && r.version !== 'TLSv1.3') {
      return { ok: true, protocol: r.version, cipher: r.cipherName ?? 'unknown' };
    }
    if (r.result === 'rejected')
      return {
        ok: false,
        rejected: true,
        reason: `${first.reason}; raw ClientHello: ${r.alert?.name ?? r.reason}`,
      };
    return {
      ok: false,
      rejected: false,
      reason: `${first.reason}; raw ClientHello: ${r.reason ?? 'no answer'}`,
    };
  } catch (err) {
    return {
      ok: false,
      rejected: false,
      reason: `${first.reason}; ${toFailure(err, { stage: 'STARTTLS' }).message}`,
    };
  }
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
) {
  const socket = await o.prepare(`ClientHello ${version}`);
  return probeServerHello({
    socket,
    version,
    cipherSuites: suites,
    ...(o.servername && version !== 'SSLv3' ? { servername: o.servername } : {}),
    timeoutMs: timeoutOf(o),
  });
}

async function sslv3(o: VersionProbeOptions): Promise<TlsVersionProbe> {
  try {
    const r = await helloProbe(o, 'SSLv3', SSLV3_SUITES);
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
): Promise<WeakCipherProbe[]> {
  let r: Awaited<ReturnType<typeof probeServerHello>>;
  try {
    r = await helloProbe(
      o,
      version,
      classes.flatMap((c) => c.suites),
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

/** Runs the version and weak-suite probes (not 1.3, which the main session answers). */
export async function probeVersions(o: VersionProbeOptions): Promise<VersionProbeResults> {
  const [le12, le11, v3, weak12] = await Promise.all([
    cappedHandshake(o, 'TLSv1', 'TLSv1.2'),
    cappedHandshake(o, 'TLSv1', 'TLSv1.1'),
    sslv3(o),
    o.weakCiphers ? weak(o, 'TLSv1.2', WEAK_TLS12) : Promise.resolve([]),
  ]);
  const probes = new Map<TlsVersion, TlsVersionProbe>();
  probes.set('SSLv3', v3);
  probes.set('TLSv1.2', fromCapped('TLSv1.2', le12));
  probes.set('TLSv1.1', fromCapped('TLSv1.1', le11));
  if (le11.ok && le11.protocol === 'TLSv1') {
    probes.set('TLSv1', { version: 'TLSv1', result: 'accepted', cipher: le11.cipher });
  } else if (le11.ok) {
    probes.set('TLSv1', fromCapped('TLSv1', await cappedHandshake(o, 'TLSv1', 'TLSv1')));
  } else {
    // Refused up to 1.1 means refused at 1.0 too: the server would have fallen back.
    probes.set('TLSv1', {
      version: 'TLSv1',
      result: le11.rejected ? 'rejected' : 'error',
      reason: le11.reason,
    });
  }
  const tls10 = probes.get('TLSv1')!;
  let weak10: WeakCipherProbe[] = [];
  if (o.weakCiphers) {
    // Only a server that speaks TLS 1.0 can accept the TLS 1.0-only suites: ask it, spare the rest a connection.
    weak10 =
      tls10.result === 'accepted'
        ? await weak(o, 'TLSv1', WEAK_TLS10)
        : WEAK_TLS10.map((c) => ({
            name: c.name,
            result: tls10.result === 'rejected' ? ('rejected' as const) : ('error' as const),
            reason: `TLS 1.0 is ${tls10.result === 'rejected' ? 'refused' : 'undetermined'}, and these suites exist only up to TLS 1.0`,
          }));
  }
  return { probes, weakCiphers: [...weak12, ...weak10] };
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
