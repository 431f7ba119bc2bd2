/**
 * Artifacts: the typed facts that probes gather and checks judge.
 *
 * Probes fill these in and make no judgement; checks read them and do no I/O. Everything here is
 * plain JSON-serialisable data, because it is also published as-is in the JSON report (`facts`)
 * so that other tools can use what we saw without re-implementing our probes.
 */

import type { AddressFacts } from './dns-artifacts.js';

/** Where a problem happened, in the order a session goes through them. */
export type Stage =
  | 'DNS'
  | 'CONNECT'
  | 'GREETING'
  | 'EHLO'
  | 'HELO'
  | 'MAIL'
  | 'RCPT'
  | 'RSET'
  | 'VRFY'
  | 'EXPN'
  | 'STARTTLS'
  | 'TLS'
  | 'AUTH'
  | 'DATA'
  | 'QUIT';

/** Stable machine-readable error codes; the catalogue with descriptions lives in src/errors.ts. */
export type ProbeErrorCode =
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'EHOSTUNREACH'
  | 'CONNECT_TIMEOUT'
  | 'REPLY_TIMEOUT'
  | 'DEADLINE'
  | 'CLOSED'
  | 'LINE_TOO_LONG'
  | 'REPLY_TOO_LONG'
  | 'MALFORMED_REPLY'
  | 'SERVICE_UNAVAILABLE'
  | 'UNEXPECTED_REPLY'
  | 'TLS_HANDSHAKE'
  | 'TLS_TIMEOUT'
  | 'PLAINTEXT_INJECTION'
  | 'DNS_NXDOMAIN'
  | 'DNS_NODATA'
  | 'DNS_SERVFAIL'
  | 'DNS_REFUSED'
  | 'DNS_TIMEOUT'
  | 'INTERNAL';

/** A failed step, with enough context to act on it without re-running anything. */
export interface ProbeFailure {
  code: ProbeErrorCode;
  /** Human-readable, one line, already including address/port/stage. */
  message: string;
  stage: Stage;
  address?: string;
  port?: number;
  /** What we were waiting for when it failed, e.g. "220 greeting", "reply to EHLO". */
  waitedFor?: string;
  /** The last raw server reply (redacted), if any. */
  lastReply?: string;
  /** The step timeout or deadline that expired, in ms. */
  timeoutMs?: number;
}

/** One SMTP reply: `code` and the text of each line without the code and separator. */
export interface SmtpReply {
  code: number;
  /** Enhanced status code (RFC 3463) of the first line, when present, e.g. "5.7.0". */
  enhanced?: string;
  lines: string[];
}

/** One transcript line. Client lines carrying credentials are redacted before they get here. */
export interface TranscriptEntry {
  /** Milliseconds since the session started. */
  t: number;
  dir: 'C' | 'S' | '*';
  text: string;
}

/** Wall time of one step of a session. */
export interface StepTiming {
  stage: Stage;
  /** What was sent for this step (redacted), or a label such as "connect". */
  label: string;
  ms: number;
}

/** EHLO keywords parsed per RFC 5321 §4.1.1.1 and their extensions. */
export interface Capabilities {
  /** Every keyword line exactly as received, upper-cased keyword first. */
  raw: string[];
  size?: number | null;
  pipelining: boolean;
  eightBitMime: boolean;
  smtpUtf8: boolean;
  chunking: boolean;
  dsn: boolean;
  enhancedStatusCodes: boolean;
  requireTls: boolean;
  starttls: boolean;
  /** SASL mechanisms from `AUTH` (and the legacy `AUTH=` form), upper-cased, de-duplicated. */
  auth: string[];
  vrfy: boolean;
  etrn: boolean;
}

/** How a port is expected to behave: MX/relay, submission with STARTTLS, or implicit TLS. */
export type PortProfile = 'smtp' | 'submission' | 'smtps';

export interface CertificateFacts {
  subject: string;
  commonName?: string;
  issuer: string;
  /** DNS names and IP addresses from subjectAltName, e.g. "DNS:mail.example.edu", "IP:192.0.2.1". */
  subjectAltNames: string[];
  serialNumber: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  /** "RSA", "EC", "Ed25519", "Ed448", "DSA" or what the runtime reports. */
  keyType: string;
  keyBits?: number;
  /** Named curve for EC keys, e.g. "prime256v1". */
  curve?: string;
  /** e.g. "sha256WithRSAEncryption", "ecdsa-with-SHA256", "sha1WithRSAEncryption". */
  signatureAlgorithm: string;
  selfSigned: boolean;
  isCA: boolean;
  /** True when this certificate is one of the trust anchors we validated against (we added it, the server may not have sent it). */
  trustAnchor: boolean;
  /** PEM of the certificate, so other tools (DANE matching) can use it. */
  pem: string;
}

/** The outcome of one TLS handshake. */
export interface TlsHandshakeFacts {
  ok: boolean;
  failure?: ProbeFailure;
  /** Negotiated protocol, e.g. "TLSv1.3". */
  protocol?: string;
  /** Negotiated cipher suite, OpenSSL and IANA names. */
  cipher?: { name: string; standardName?: string; version?: string };
  /** Ephemeral key exchange, e.g. { type: "ECDH", name: "X25519", size: 253 }; absent for static RSA. */
  ephemeralKey?: { type: string; name?: string; size?: number };
  /** Leaf first; trust anchors appended by validation are marked. */
  chain: CertificateFacts[];
  /** Validation against system roots plus --ca-file. */
  validation?: { authorized: boolean; error?: string; caSources: string[] };
  /** Hostname checked and the result of RFC 6125 matching. */
  hostname?: { name: string; matches: boolean; error?: string };
  /** Plaintext bytes the server sent after "220" to STARTTLS and before the handshake (discarded, RFC 3207 §4.2). */
  discardedBytes?: number;
  ms?: number;
}

export type TlsVersion = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Whether the server completed a handshake pinned to one protocol version. */
export interface TlsVersionProbe {
  version: TlsVersion;
  /** accepted / rejected / untestable (runtime cannot offer it) / error (could not tell). */
  result: 'accepted' | 'rejected' | 'untestable' | 'error';
  cipher?: string;
  /** Why it was rejected, untestable or errored. */
  reason?: string;
  /** True when the answer was taken from the main session's handshake instead of a separate probe. */
  fromMainSession?: boolean;
}

/** A probe offering only one class of weak cipher suites. */
export interface WeakCipherProbe {
  /** e.g. "NULL", "anonymous", "RC4", "3DES", "EXPORT", "static-RSA", "CBC-SHA1 on TLS 1.0". */
  name: string;
  result: 'accepted' | 'rejected' | 'untestable' | 'error';
  cipher?: string;
  reason?: string;
}

export interface TlsFacts {
  /** The handshake of the main session (STARTTLS upgrade or implicit TLS). */
  handshake?: TlsHandshakeFacts;
  versions: TlsVersionProbe[];
  weakCiphers: WeakCipherProbe[];
}

/** VRFY or EXPN asked about a name that must exist and about one that surely does not. */
export interface EnumerationProbe {
  command: 'VRFY' | 'EXPN';
  /** Whether the command was sent on a TLS session. */
  overTls: boolean;
  known: { argument: string; reply: SmtpReply };
  unknown: { argument: string; reply: SmtpReply };
}

/** The reply to MAIL FROM sent on the cleartext session, to see whether TLS is required. */
export interface MailBeforeTlsProbe {
  command: string;
  reply: SmtpReply;
}

export interface AuthAttempt {
  mechanism: string;
  /** Whether the attempt happened inside TLS. */
  overTls: boolean;
  success: boolean;
  /** Final reply (never includes anything we sent). */
  reply?: SmtpReply;
  failure?: ProbeFailure;
  /** Set when we refused to send credentials, e.g. "no TLS and --allow-plaintext-auth not given". */
  refused?: string;
}

/**
 * How a relay-test recipient is written. `foreign`: the address's own domain is the external test
 * domain (plain, or behind a source route the server should ignore, RFC 5321 §3.6.1). `routed`:
 * addressed to this server (its name or IP literal) or to no domain at all, with the external
 * domain hidden in the local part (%-hack, quoted "@", double "@", UUCP bang path).
 */
export type RelayFormKind = 'foreign' | 'routed';

/** One command of a relay or DATA test and the server's reply to it. */
export interface SmtpExchange {
  /** Exactly what was sent, e.g. "RCPT TO:<relay-test@mailcheck-relay-test.example>". */
  command: string;
  reply: SmtpReply;
}

/** One MAIL FROM / RCPT TO form of the open-relay battery. DATA is never sent. */
export interface RelayAttempt {
  /** Stable name of the form, e.g. "null-sender", "percent-hack-ip", "bang-path". */
  form: string;
  kind: RelayFormKind;
  mail: SmtpExchange;
  /** Absent when MAIL was refused and RCPT was therefore not sent (no PIPELINING). */
  rcpt?: SmtpExchange;
  /** The reply to the RSET that ended the transaction, when one was sent. */
  rset?: SmtpReply;
  overTls: boolean;
  /** MAIL, RCPT and RSET went out in one write (RFC 2920). */
  pipelined: boolean;
}

/** The relay battery run once, either as a stranger or after AUTH. */
export interface RelayBattery {
  authenticated: boolean;
  /** How many forms the battery has; fewer attempts mean it stopped or failed early. */
  forms: number;
  attempts: RelayAttempt[];
  /** A 530 on the cleartext session asked for STARTTLS: the battery upgraded and went on inside TLS. */
  tlsRequired?: SmtpExchange;
  /**
   * The battery stopped at a 530 (RFC 4954 §6 "Authentication required", or STARTTLS demanded on a
   * server that cannot do it): nobody gets further without it.
   */
  stopped?: { reason: 'auth-required' | 'tls-required'; form: string; exchange: SmtpExchange };
  /**
   * SMTP sessions the battery used: one where the server allows it, a new one after every few
   * refusals (servers such as Postfix slow down, then disconnect, clients that make many errors)
   * and after a disconnect.
   */
  sessions: number;
  /** Connections re-opened because the server closed one part-way (bounded). */
  reconnects: number;
  /** Why the battery could not try every form (connect failure, timeout, repeated disconnects). */
  failure?: ProbeFailure;
}

/** The open-relay test (relay.open, auth.required), on a connection of its own. */
export interface RelayFacts {
  /** The external domain the recipients are addressed to (--relay-domain). */
  relayDomain: string;
  /** The server's own name, from its greeting (else its EHLO reply, else the host probed). */
  serverName: string;
  /** The domain used for the "local sender" form. */
  localDomain: string;
  /** The server's address as an RFC 5321 §4.1.3 literal, e.g. "[192.0.2.1]" or "[IPv6:2001:db8::1]". */
  ipLiteral: string;
  pipelining: boolean;
  unauthenticated: RelayBattery;
  /**
   * RCPT to a random, surely unknown local part at the server's own name: 2xx means it accepts any
   * local address, so a 2xx to a routed form does not by itself show that it relays.
   */
  catchAll?: SmtpExchange;
  /** The login before the authenticated battery (credentials are never recorded). */
  auth?: AuthAttempt;
  authenticated?: RelayBattery;
  /** Why no authenticated battery ran although credentials were given. */
  authSkipped?: string;
  ms: number;
}

/** The opt-in test message (data.accepted): what was sent and what the server said. */
export interface DataFacts {
  from: string;
  to: string;
  /** The unique X-Mailcheck-Id header value, to find the message in logs and mailboxes. */
  mailcheckId: string;
  messageId: string;
  overTls: boolean;
  auth?: AuthAttempt;
  /** MAIL FROM, RCPT TO and DATA, in order, as far as the dialogue got. */
  steps: SmtpExchange[];
  /** The reply to the end of data (".", RFC 5321 §4.1.1.4); 250 means the message was queued. */
  final?: SmtpReply;
  /** The queue id the final reply names (Postfix "queued as", Exim "id=", Sendmail, Exchange ...). */
  queueId?: string;
  /** From sending the terminating "." to the final reply, in ms. */
  finalMs?: number;
  /** Octets sent after DATA, dot-stuffing and the terminating line included. */
  size?: number;
  /** Why the dialogue ended before a final reply (connect failure, timeout, login failed ...). */
  failure?: ProbeFailure;
  ms: number;
}

/** Everything learned about one (address, port). */
export interface EndpointFacts {
  host: string;
  address: string;
  family: 4 | 6;
  port: number;
  profile: PortProfile;
  /** Whether the port was named by the user (or required by policy) rather than a default guess. */
  explicit: boolean;
  connect: { ok: boolean; ms?: number; failure?: ProbeFailure };
  greeting?: { reply: SmtpReply; ms: number };
  /** EHLO (or HELO after fallback) on the first channel: cleartext for smtp/submission, TLS for smtps. */
  ehlo?: { command: 'EHLO' | 'HELO'; reply: SmtpReply; ehloRejected?: SmtpReply; capabilities: Capabilities };
  /** STARTTLS: the reply to the command and the EHLO repeated inside TLS. */
  starttls?: { offered: boolean; attempted: boolean; reply?: SmtpReply; failure?: ProbeFailure };
  /** Capabilities inside TLS (after STARTTLS, or the only ones on smtps). */
  ehloTls?: { reply: SmtpReply; capabilities: Capabilities };
  mailBeforeTls?: MailBeforeTlsProbe;
  tls?: TlsFacts;
  vrfy?: EnumerationProbe;
  expn?: EnumerationProbe;
  auth?: AuthAttempt;
  /** The open-relay battery (Requirement 'relay'), on its own connection. */
  relay?: RelayFacts;
  /** The opt-in test message (Requirement 'data', --send-test), on its own connection. */
  data?: DataFacts;
  /** Set when the session failed part-way; checks needing later facts report `error` with this. */
  failure?: ProbeFailure;
  timings: StepTiming[];
  transcript: TranscriptEntry[];
  /** Total wall time of everything done on this endpoint. */
  ms: number;
}

/** Everything learned about one host target. */
export interface HostFacts {
  /** As the user typed it (normalised: lower-case, punycode for IDN). */
  host: string;
  /** Unicode form for display when the name is an IDN. */
  displayName: string;
  addresses: { address: string; family: 4 | 6 }[];
  resolution?: { failure?: ProbeFailure; ms: number };
  endpoints: EndpointFacts[];
  /** PTR and forward confirmation of each address (dns.ptr, dns.fcrdns, smtp.helo_name). */
  reverse?: AddressFacts[];
}
