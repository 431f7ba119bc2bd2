/**
 * Options, statistics and handle types of the lab's scripted SMTP server, and the defaults that
 * fill in everything a caller leaves out. Kept apart from the server so that the session, AUTH and
 * hostile-behaviour modules can share them without importing each other.
 */

/**
 * Misbehaviours for robustness tests. Each one models a real failure an SMTP client meets in the
 * wild (SPEC §7); every loop that implements them stops when the socket closes.
 */
export type HostileMode =
  /** The greeting arrives one byte per `dripIntervalMs` and never completes (an endless `220-` reply). */
  | 'drip-greeting'
  /** EHLO is answered with `250-` continuation lines forever (until the client goes away). */
  | 'endless-multiline'
  /** EHLO is answered with a single 1 MiB line and no CRLF. */
  | 'huge-line'
  /** The greeting is random binary bytes, then silence. */
  | 'garbage'
  /** A normal greeting, then the socket is destroyed as soon as EHLO or HELO arrives. */
  | 'close-after-ehlo'
  /** "421 4.3.2 Service not available, closing transmission channel", then the server closes. */
  | 'greeting-421'
  /** STARTTLS is answered with 220, then the server never speaks or handshakes. */
  | 'starttls-silence'
  /** A TLS-on-connect (smtps) server: waits for a ClientHello, never sends a plaintext greeting. */
  | 'tls-on-connect'
  /**
   * STARTTLS is answered with the 220 and two forged reply lines in one write, then TLS proceeds
   * normally: a correct client discards the forged bytes (RFC 3207 §4.2; the response-injection
   * attack of the 2021 "NO STARTTLS" study).
   */
  | 'inject-before-tls'
  /** The connection is accepted and nothing is ever sent. */
  | 'silent';

/** Every hostile mode, for tests that iterate over them. */
export const HOSTILE_MODES: readonly HostileMode[] = [
  'drip-greeting',
  'endless-multiline',
  'huge-line',
  'garbage',
  'close-after-ehlo',
  'greeting-421',
  'starttls-silence',
  'tls-on-connect',
  'inject-before-tls',
  'silent',
];

/** TLS material and limits; when set (and not implicit) the server advertises STARTTLS. */
export interface ScriptedTlsOptions {
  /** PEM private key. */
  key: string | Buffer;
  /** PEM certificate, optionally followed by its chain (as a correct server sends it). */
  cert: string | Buffer;
  /** Lowest protocol accepted; Node's default (TLSv1.2) when omitted. */
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** Highest protocol accepted; Node's default (TLSv1.3) when omitted. */
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list; legacy servers use `ALL:@SECLEVEL=0` so TLS 1.0 and a 1024-bit key work. */
  ciphers?: string;
}

/** SASL mechanisms the scripted server implements. */
export type ScriptedAuthMechanism = 'PLAIN' | 'LOGIN' | 'CRAM-MD5' | 'XOAUTH2';

/** Configuration of one scripted server. Everything but `hostname` has a default. */
export interface ScriptedServerOptions {
  /** Name the server gives in its greeting and on the first line of its EHLO reply. */
  hostname: string;
  /** Address to bind; default `127.0.0.1`. */
  host?: string;
  /** Port to bind; default 0 (an ephemeral port, read it back from `server.port`). */
  port?: number;
  /** Greeting text after "220 "; default `${hostname} ESMTP mailcheck-lab`. */
  banner?: string;
  /** TLS from the first byte, as on port 465 (RFC 8314 §3.3); needs `tls`. Default false. */
  implicitTls?: boolean;
  /** Certificate and protocol limits; without it the server has no TLS at all. */
  tls?: ScriptedTlsOptions;
  /**
   * EHLO keywords, replacing the default list (PIPELINING, SIZE, 8BITMIME, DSN,
   * ENHANCEDSTATUSCODES, SMTPUTF8, CHUNKING). STARTTLS and AUTH are added by the server
   * according to `tls` and `authMechanisms`, never listed here.
   */
  extensions?: string[];
  /** Mechanisms advertised in `AUTH`; default `['PLAIN', 'LOGIN']`; `[]` means no AUTH at all. */
  authMechanisms?: ScriptedAuthMechanism[];
  /** Advertise and accept AUTH on a cleartext session (a finding on real hosts). Default false. */
  authBeforeTls?: boolean;
  /** User name → password, for PLAIN, LOGIN and CRAM-MD5. Default none. */
  users?: Record<string, string>;
  /** User name → bearer token, for XOAUTH2. Default none. */
  oauthTokens?: Record<string, string>;
  /** MAIL, RCPT, VRFY, EXPN and AUTH before STARTTLS get 530 (RFC 3207 §4). Default false. */
  requireTls?: boolean;
  /** VRFY behaviour: 502, real answers (250/550), or 252 for everything. Default `disabled`. */
  vrfy?: 'disabled' | 'enumerate' | 'ambiguous';
  /** EXPN behaviour: 502, or real list expansion from `lists`. Default `disabled`. */
  expn?: 'disabled' | 'enumerate';
  /** Local parts that exist; default `['postmaster', 'abuse', 'alice']`. */
  knownUsers?: string[];
  /** Mailing lists for EXPN: name → members (local parts or addresses). Default `{ staff: [...] }`. */
  lists?: Record<string, string[]>;
  /** Domains the server delivers for; default `[hostname, 'lab.example']`. */
  localDomains?: string[];
  /**
   * What happens to RCPT TO a non-local domain from an unauthenticated client: refused (`closed`),
   * accepted (`open`), 530 (`auth-required`), or accepted at RCPT and refused after DATA
   * (`reject-at-data`). Authenticated clients may always relay. Default `closed`.
   */
  relay?: 'closed' | 'open' | 'auth-required' | 'reject-at-data';
  /** Largest message accepted, in bytes (also the default SIZE keyword). Default 10 240 000. */
  maxMessageSize?: number;
  /** Extra wait before the greeting, in ms (models a tarpit). Default 0. */
  greetingDelayMs?: number;
  /**
   * Each reply leaves this many ms after the command it answers arrived, and each TLS handshake
   * starts this much later; pipelined commands that arrived together are answered together, so
   * this models one network round trip per exchange. Default 0.
   */
  replyDelayMs?: number;
  /**
   * How `replyDelayMs` is charged. `replies` (the default): to the greeting, every reply and the
   * start of each TLS handshake. `network`, for the benchmark, charges what a network whose round
   * trip is `replyDelayMs` would: also the TCP handshake (added to the server's first flight: the
   * greeting, or the first TLS flight on an implicit-TLS port), and every server flight of a TLS
   * handshake (each waits `replyDelayMs` after the client's flight before it), so a TLS 1.2
   * handshake costs two round trips and a TLS 1.3 one costs one.
   */
  latencyModel?: 'replies' | 'network';
  /** Misbehave in one way; see {@link HostileMode}. Default: behave. */
  hostile?: HostileMode;
  /** Interval between bytes for `drip-greeting`, in ms. Default 200. */
  dripIntervalMs?: number;
  /** Longest command line accepted, CRLF included; longer gets "500 5.5.0 Line too long". Default 4096. */
  maxLineLength?: number;
  /**
   * How many command lines `stats.commands` keeps. Default 10 000; the benchmark fleet, which
   * never reads them, keeps none.
   */
  maxCommandsRecorded?: number;
}

/** Counters the lab keeps for tests and benchmarks. */
export interface ScriptedServerStats {
  /** TCP connections accepted. */
  connections: number;
  /** TLS handshakes completed (STARTTLS and implicit). */
  tlsHandshakes: number;
  /**
   * Every command line received, in order and without CRLF, with SASL payloads replaced by
   * `<redacted>` (so tests can assert that secrets never reach a log). Capped at
   * `maxCommandsRecorded` entries (default 10 000).
   */
  commands: string[];
  /** DATA and BDAT commands received, accepted or not (relay probes must never send one). */
  dataCommands: number;
  /** AUTH commands received. */
  authAttempts: number;
}

/** A message the server accepted (kept for DATA tests; the last 20 only). */
export interface ScriptedMessage {
  from: string;
  to: string[];
  /** The message as received, dot-unstuffed, without the terminating ".". */
  data: Buffer;
  queueId: string;
}

/** A running scripted server. */
export interface ScriptedServer {
  /** The address bound. */
  host: string;
  /** The port bound (the real one when port 0 was asked for). */
  port: number;
  /** The options in force, defaults filled in. */
  options: ResolvedOptions;
  stats: ScriptedServerStats;
  /** Messages accepted with DATA or BDAT, oldest first. */
  messages: ScriptedMessage[];
  /** Destroys every open socket, clears every timer and closes the listener. */
  close(): Promise<void>;
}

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<ScriptedServerOptions, 'tls' | 'hostile' | 'port'>> &
  Pick<ScriptedServerOptions, 'tls' | 'hostile'> & { port: number };

export const DEFAULT_MAX_MESSAGE_SIZE = 10_240_000;

/** Fills in the defaults documented on {@link ScriptedServerOptions}. */
export function resolveOptions(opts: ScriptedServerOptions): ResolvedOptions {
  const maxMessageSize = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  return {
    hostname: opts.hostname,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    banner: opts.banner ?? `${opts.hostname} ESMTP mailcheck-lab`,
    implicitTls: opts.implicitTls ?? false,
    tls: opts.tls,
    extensions: opts.extensions ?? [
      'PIPELINING',
      `SIZE ${maxMessageSize}`,
      '8BITMIME',
      'DSN',
      'ENHANCEDSTATUSCODES',
      'SMTPUTF8',
      'CHUNKING',
    ],
    authMechanisms: opts.authMechanisms ?? ['PLAIN', 'LOGIN'],
    authBeforeTls: opts.authBeforeTls ?? false,
    users: opts.users ?? {},
    oauthTokens: opts.oauthTokens ?? {},
    requireTls: opts.requireTls ?? false,
    vrfy: opts.vrfy ?? 'disabled',
    expn: opts.expn ?? 'disabled',
    knownUsers: (opts.knownUsers ?? ['postmaster', 'abuse', 'alice']).map((u) => u.toLowerCase()),
    lists: opts.lists ?? { staff: ['alice', 'postmaster'] },
    localDomains: (opts.localDomains ?? [opts.hostname, 'lab.example']).map((d) => d.toLowerCase()),
    relay: opts.relay ?? 'closed',
    maxMessageSize,
    greetingDelayMs: opts.greetingDelayMs ?? 0,
    replyDelayMs: opts.replyDelayMs ?? 0,
    latencyModel: opts.latencyModel ?? 'replies',
    hostile: opts.hostile,
    dripIntervalMs: opts.dripIntervalMs ?? 200,
    maxLineLength: opts.maxLineLength ?? 4096,
    maxCommandsRecorded: opts.maxCommandsRecorded ?? 10_000,
  };
}
