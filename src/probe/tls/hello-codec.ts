/**
 * Pure codec for the raw ClientHello prober: builds a ClientHello that Node's OpenSSL could never
 * send (SSLv3, RC4, 3DES, EXPORT ...), and reads the server's first answer — ServerHello or
 * alert — from TLS records without ever completing a handshake. No I/O here; see hello.ts.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { cipherSuiteName, TLS_EMPTY_RENEGOTIATION_INFO_SCSV } from './cipher-suites.js';

export type HelloVersion = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';

/** What the server's first answer told us. */
export interface HelloProbeResult {
  result: 'accepted' | 'rejected' | 'error';
  /** Version and suite from the ServerHello when accepted (also set on an error about the ServerHello). */
  version?: HelloVersion | 'TLSv1.3';
  cipherSuite?: number;
  cipherName?: string;
  /** TLS alert when rejected, e.g. { level: 2, description: 40, name: 'handshake_failure' }. */
  alert?: { level: number; description: number; name: string };
  /** Why: for rejected (alert name / connection closed after ClientHello) and error. */
  reason?: string;
}

/** Wire values of ProtocolVersion (RFC 8446 Appendix B.1 and RFC 6101 §5.2.1 for SSLv3). */
export const VERSION_CODES: Readonly<Record<HelloVersion | 'TLSv1.3', number>> = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

export function versionName(code: number): HelloVersion | 'TLSv1.3' | undefined {
  return (Object.keys(VERSION_CODES) as (HelloVersion | 'TLSv1.3')[]).find((k) => VERSION_CODES[k] === code);
}

/** Alert descriptions, RFC 8446 §6; the _RESERVED ones keep their RFC 5246 §7.2 / RFC 6101 names. */
const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  111: 'certificate_unobtainable',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  114: 'bad_certificate_hash_value',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

export function alertName(description: number): string {
  return ALERT_NAMES[description] ?? `unknown_alert(${description})`;
}

// Extension values (RFC 8446 §4.2 registry), groups (RFC 8446 §4.2.7, RFC 7919) and signature
// schemes (RFC 8446 §4.2.3) we advertise, so a modern server is not put off by a bare hello.
const EXT_SERVER_NAME = 0;
const EXT_SUPPORTED_GROUPS = 10;
const EXT_EC_POINT_FORMATS = 11;
const EXT_SIGNATURE_ALGORITHMS = 13;
const EXT_PADDING = 21;
const EXT_SUPPORTED_VERSIONS = 43;
const EXT_RENEGOTIATION_INFO = 0xff01;
const GROUPS = [0x001d, 0x0017, 0x0018, 0x0019, 0x0100]; // x25519, P-256, P-384, P-521, ffdhe2048
const SIGNATURE_SCHEMES = [
  0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256/384/512
  0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256, secp384r1_sha384, secp521r1_sha512
  0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256/384/512
  0x0201, 0x0203, // rsa_pkcs1_sha1, ecdsa_sha1
]; // prettier-ignore

const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);
const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const vec16 = (body: Buffer): Buffer => Buffer.concat([u16(body.length), body]);
const ext = (type: number, body: Buffer): Buffer => Buffer.concat([u16(type), vec16(body)]);
const list16 = (values: readonly number[]): Buffer => Buffer.concat(values.map(u16));

/** The SNI host name to send, or undefined: no IP literals (RFC 6066 §3), A-labels, no trailing dot. */
export function sniName(servername: string | undefined): string | undefined {
  if (!servername) return undefined;
  const bare = servername.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) return undefined;
  const ascii = domainToASCII(bare.replace(/\.$/, ''));
  return ascii && ascii.length <= 253 ? ascii : undefined;
}

export interface ClientHelloOptions {
  version: HelloVersion;
  cipherSuites: readonly number[];
  servername?: string;
  /** 32 bytes; random when omitted (tests pin it). */
  random?: Buffer;
}

/**
 * One TLS record holding a ClientHello (RFC 5246 §7.4.1.2). Returns the record and the suites
 * actually offered (deduplicated, without the SCSV). Throws RangeError on unusable options.
 */
export function buildClientHello(opts: ClientHelloOptions): { record: Buffer; offered: number[] } {
  const offered = [...new Set(opts.cipherSuites)].filter((s) => s !== TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  if (offered.some((s) => !Number.isInteger(s) || s < 0 || s > 0xffff)) {
    throw new RangeError('cipher suite ids must be integers 0..0xFFFF');
  }
  if (offered.length === 0) throw new RangeError('no cipher suites to offer');
  if (offered.length > 4096) throw new RangeError('too many cipher suites to offer');
  const random = opts.random ?? randomBytes(32);
  if (random.length !== 32) throw new RangeError('ClientHello random must be 32 bytes');
  const tls = opts.version !== 'SSLv3';

  const head = Buffer.concat([
    u16(VERSION_CODES[opts.version]),
    random,
    u8(0), // empty session_id: never resume
    vec16(list16([...offered, TLS_EMPTY_RENEGOTIATION_INFO_SCSV])),
    Buffer.from([1, 0]), // compression_methods: null only
  ]);
  const exts: Buffer[] = [];
  if (tls) {
    const host = sniName(opts.servername);
    if (host) {
      const entry = Buffer.concat([u8(0), vec16(Buffer.from(host, 'ascii'))]); // name_type host_name
      exts.push(ext(EXT_SERVER_NAME, vec16(entry)));
    }
    exts.push(ext(EXT_SUPPORTED_GROUPS, vec16(list16(GROUPS))));
    exts.push(ext(EXT_EC_POINT_FORMATS, Buffer.from([1, 0]))); // uncompressed
    // RFC 5246 §7.4.1.4.1: signature_algorithms is meaningless before TLS 1.2.
    if (opts.version === 'TLSv1.2')
      exts.push(ext(EXT_SIGNATURE_ALGORITHMS, vec16(list16(SIGNATURE_SCHEMES))));
    // RFC 5746 §3.4 calls sending both this and the SCSV "NOT RECOMMENDED", not forbidden; we send
    // both so that a server honouring only one of them still sees it.
    exts.push(ext(EXT_RENEGOTIATION_INFO, Buffer.from([0])));
    // RFC 7685 §4: some middleboxes hang on ClientHellos of 256..511 bytes; pad those to 512.
    const len = 4 + head.length + 2 + exts.reduce((n, e) => n + e.length, 0);
    if (len >= 256 && len < 512) exts.push(ext(EXT_PADDING, Buffer.alloc(Math.max(0, 512 - len - 4))));
  }
  const body = tls ? Buffer.concat([head, vec16(Buffer.concat(exts))]) : head;
  const handshake = Buffer.concat([u8(1), u24(body.length), body]);
  const recordVersion = tls ? 0x0301 : 0x0300; // RFC 5246 Appendix E.1: {3,1} reaches old servers
  const record = Buffer.concat([u8(22), u16(recordVersion), u16(handshake.length), handshake]);
  return { record, offered };
}

/** A parsed ServerHello (RFC 5246 §7.4.1.3), with RFC 8446 §4.2.1 supported_versions if present. */
export interface ServerHello {
  version: number;
  cipherSuite: number;
  compression: number;
  selectedVersion?: number;
}

export type ReplyVerdict =
  | { kind: 'serverHello'; hello: ServerHello }
  | { kind: 'alert'; level: number; description: number }
  | { kind: 'malformed'; reason: string };

/** Up to 48 bytes as printable text, other bytes as \xNN, for "what did the server send" reasons. */
export function printable(bytes: Buffer, max = 48): string {
  let out = '';
  for (const b of bytes.subarray(0, max)) {
    if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b >= 0x20 && b < 0x7f && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${out}...` : out;
}

/** RFC 8446 §5.1: a record is at most 2^14 bytes plain; allow the TLS 1.2 compression/MAC slack. */
export const MAX_RECORD_LENGTH = 16384 + 2048;
const CONTENT_TYPES: Readonly<Record<number, string>> = {
  20: 'change_cipher_spec',
  21: 'alert',
  22: 'handshake',
  23: 'application_data',
};

export function parseServerHello(body: Buffer): ServerHello | string {
  if (body.length < 38) return `ServerHello too short (${body.length} bytes)`;
  const sidLen = body[34];
  if (sidLen > 32) return `ServerHello session_id length ${sidLen} exceeds 32`;
  let off = 35 + sidLen;
  if (off + 3 > body.length) return 'ServerHello truncated before cipher_suite';
  const hello: ServerHello = {
    version: body.readUInt16BE(0),
    cipherSuite: body.readUInt16BE(off),
    compression: body[off + 2],
  };
  off += 3;
  if (off === body.length) return hello;
  if (off + 2 > body.length) return 'ServerHello has a truncated extensions length';
  if (off + 2 + body.readUInt16BE(off) !== body.length) return 'ServerHello extensions length does not match';
  off += 2;
  while (off < body.length) {
    if (off + 4 > body.length) return 'ServerHello has a truncated extension header';
    const type = body.readUInt16BE(off);
    const len = body.readUInt16BE(off + 2);
    off += 4;
    if (off + len > body.length) return `ServerHello extension ${type} overruns the message`;
    if (type === EXT_SUPPORTED_VERSIONS && len === 2) hello.selectedVersion = body.readUInt16BE(off);
    off += len;
  }
  return hello;
}

/**
 * Incremental reader of the server's first flight: feed it bytes as they arrive; it returns a
 * verdict at the first ServerHello, fatal alert, or anything that is not TLS, and undefined
 * while it needs more. Warning alerts (e.g. unrecognized_name) are remembered and skipped.
 */
export class ServerReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  private handshake: Buffer = Buffer.alloc(0);
  private alertBytes: Buffer = Buffer.alloc(0);
  private total = 0;
  /** The last warning-level alert seen, for "closed after a warning" reasons. */
  warning?: { level: number; description: number };

  constructor(private readonly maxBytes: number) {}

  get bytesReceived(): number {
    return this.total;
  }

  /** True when bytes of an unfinished record or handshake message are waiting. */
  get incomplete(): boolean {
    return this.buf.length > 0 || this.handshake.length > 0 || this.alertBytes.length > 0;
  }

  push(chunk: Buffer): ReplyVerdict | undefined {
    this.total += chunk.length;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const verdict = this.drain();
    if (verdict) return verdict;
    if (this.total > this.maxBytes) {
      return { kind: 'malformed', reason: `no ServerHello within the first ${this.maxBytes} bytes` };
    }
    return undefined;
  }

  private drain(): ReplyVerdict | undefined {
    for (;;) {
      const b = this.buf;
      if (b.length === 0) return undefined;
      // Check each header byte as soon as it arrives, so a plaintext reply fails fast.
      if (!(b[0] in CONTENT_TYPES) || (b.length > 1 && b[1] !== 3) || (b.length > 2 && b[2] > 4)) {
        const v2 = (b[0] & 0x80) !== 0 && b.length > 2 && b[2] === 4 ? ' (an SSLv2 ServerHello)' : '';
        return { kind: 'malformed', reason: `not a TLS reply${v2}: "${printable(b)}"` };
      }
      if (b.length < 5) return undefined;
      const len = b.readUInt16BE(3);
      if (len > MAX_RECORD_LENGTH) {
        return { kind: 'malformed', reason: `TLS record length ${len} exceeds ${MAX_RECORD_LENGTH}` };
      }
      if (b.length < 5 + len) return undefined;
      const type = b[0];
      const fragment = b.subarray(5, 5 + len);
      this.buf = b.subarray(5 + len);
      const verdict =
        type === 21
          ? this.onAlert(fragment)
          : type === 22
            ? this.onHandshake(fragment)
            : this.unexpected(type);
      if (verdict) return verdict;
    }
  }

  private unexpected(type: number): ReplyVerdict {
    return { kind: 'malformed', reason: `${CONTENT_TYPES[type]} record before ServerHello` };
  }

  private onAlert(fragment: Buffer): ReplyVerdict | undefined {
    this.alertBytes = Buffer.concat([this.alertBytes, fragment]);
    while (this.alertBytes.length >= 2) {
      const [level, description] = this.alertBytes;
      this.alertBytes = this.alertBytes.subarray(2);
      if (level !== 1 && level !== 2)
        return { kind: 'malformed', reason: `alert with invalid level ${level}` };
      // close_notify ends the connection whatever its level (RFC 8446 §6.1).
      if (level === 2 || description === 0) return { kind: 'alert', level, description };
      this.warning = { level, description };
    }
    return undefined;
  }

  private onHandshake(fragment: Buffer): ReplyVerdict | undefined {
    this.handshake = Buffer.concat([this.handshake, fragment]);
    while (this.handshake.length >= 4) {
      const h = this.handshake;
      const type = h[0];
      const len = h.readUIntBE(1, 3);
      if (type !== 0 && type !== 2) {
        return { kind: 'malformed', reason: `expected ServerHello, got handshake message type ${type}` };
      }
      if (len > this.maxBytes)
        return { kind: 'malformed', reason: `handshake message length ${len} too large` };
      if (h.length < 4 + len) return undefined;
      this.handshake = h.subarray(4 + len);
      if (type === 0) continue; // HelloRequest (RFC 5246 §7.4.1.1): ignorable here
      const hello = parseServerHello(h.subarray(4, 4 + len));
      return typeof hello === 'string'
        ? { kind: 'malformed', reason: hello }
        : { kind: 'serverHello', hello };
    }
    return undefined;
  }
}

/** Judge a ServerHello against what we offered: accepted, or error when the server broke the rules. */
export function judgeServerHello(
  hello: ServerHello,
  offeredVersion: HelloVersion,
  offered: readonly number[],
): HelloProbeResult {
  const cipherSuite = hello.cipherSuite;
  const cipherName = cipherSuiteName(cipherSuite);
  const legacy = versionName(hello.version);
  const error = (version: HelloProbeResult['version'], reason: string): HelloProbeResult => ({
    result: 'error',
    version,
    cipherSuite,
    cipherName,
    reason,
  });
  if (hello.selectedVersion !== undefined) {
    // We sent no supported_versions, so RFC 8446 §4.2.1 forbids the server to send one.
    const chosen = versionName(hello.selectedVersion);
    const name = chosen ?? `0x${hello.selectedVersion.toString(16).padStart(4, '0')}`;
    return error(
      chosen === 'TLSv1.3' ? 'TLSv1.3' : legacy,
      `server selected ${name} via supported_versions, which we did not offer`,
    );
  }
  if (legacy === undefined || legacy === 'TLSv1.3') {
    return error(
      undefined,
      `ServerHello with invalid version 0x${hello.version.toString(16).padStart(4, '0')}`,
    );
  }
  if (hello.version > VERSION_CODES[offeredVersion]) {
    return error(legacy, `server chose ${legacy}, higher than the ${offeredVersion} we offered`);
  }
  if (!offered.includes(cipherSuite)) {
    return error(legacy, `server chose a cipher suite we did not offer: ${cipherName}`);
  }
  if (hello.compression !== 0) {
    return error(legacy, `server chose compression method ${hello.compression}, which we did not offer`);
  }
  return { result: 'accepted', version: legacy, cipherSuite, cipherName };
}
