/**
 * TLS cipher suites as data: IANA id -> name and classification, for the raw ClientHello prober
 * (which offers the weak ones Node's OpenSSL cannot) and for naming whatever a server chooses.
 * Names are the IANA registry names ("TLS Cipher Suites", tls-parameters).
 */
import type { HelloVersion } from './hello-codec.js';

/** A class of cipher suites that no mail server should still accept. */
export type WeakSuiteClass = 'NULL' | 'anonymous' | 'EXPORT' | 'RC4' | '3DES' | 'DES';

/** What we know about one cipher suite. */
export interface CipherSuiteInfo {
  id: number;
  /** IANA name, e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256". */
  name: string;
  /** Weak classes the suite belongs to; empty for suites that are merely old or fine. */
  weak: readonly WeakSuiteClass[];
  /** Ephemeral key exchange (DHE/ECDHE, or any TLS 1.3 suite). */
  forwardSecrecy: boolean;
  /** AEAD bulk cipher (GCM, CCM, ChaCha20-Poly1305). */
  aead: boolean;
  /** True for signalling values (SCSVs) that are not real suites. */
  signalling?: boolean;
}

type Row = readonly [id: number, name: string, weak?: readonly WeakSuiteClass[]];

// NULL encryption: integrity only, the mail travels in clear. RFC 5246 Appendix A.5 defines them
// for "when no encryption is desired"; RFC 4492 §6 adds the ECC ones. Never acceptable for mail.
const NULL_SUITES: readonly Row[] = [
  [0x0000, 'TLS_NULL_WITH_NULL_NULL', ['NULL']],
  [0x0001, 'TLS_RSA_WITH_NULL_MD5', ['NULL']],
  [0x0002, 'TLS_RSA_WITH_NULL_SHA', ['NULL']],
  [0x003b, 'TLS_RSA_WITH_NULL_SHA256', ['NULL']],
  [0xc001, 'TLS_ECDH_ECDSA_WITH_NULL_SHA', ['NULL']],
  [0xc006, 'TLS_ECDHE_ECDSA_WITH_NULL_SHA', ['NULL']],
  [0xc00b, 'TLS_ECDH_RSA_WITH_NULL_SHA', ['NULL']],
  [0xc010, 'TLS_ECDHE_RSA_WITH_NULL_SHA', ['NULL']],
  [0xc015, 'TLS_ECDH_anon_WITH_NULL_SHA', ['NULL', 'anonymous']],
];

// Anonymous (unauthenticated) Diffie-Hellman: trivially man-in-the-middled. RFC 5246 Appendix
// A.5: "these cipher suites are vulnerable to man-in-the-middle attacks and are therefore
// deprecated"; ECDH_anon from RFC 4492 §2.5. RC4/DES/3DES/EXPORT variants carry both tags.
const ANON_SUITES: readonly Row[] = [
  [0x0017, 'TLS_DH_anon_EXPORT_WITH_RC4_40_MD5', ['anonymous', 'EXPORT', 'RC4']],
  [0x0018, 'TLS_DH_anon_WITH_RC4_128_MD5', ['anonymous', 'RC4']],
  [0x0019, 'TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA', ['anonymous', 'EXPORT']],
  [0x001a, 'TLS_DH_anon_WITH_DES_CBC_SHA', ['anonymous', 'DES']],
  [0x001b, 'TLS_DH_anon_WITH_3DES_EDE_CBC_SHA', ['anonymous', '3DES']],
  [0x0034, 'TLS_DH_anon_WITH_AES_128_CBC_SHA', ['anonymous']],
  [0x003a, 'TLS_DH_anon_WITH_AES_256_CBC_SHA', ['anonymous']],
  [0x0046, 'TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA', ['anonymous']],
  [0x006c, 'TLS_DH_anon_WITH_AES_128_CBC_SHA256', ['anonymous']],
  [0x006d, 'TLS_DH_anon_WITH_AES_256_CBC_SHA256', ['anonymous']],
  [0x0089, 'TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA', ['anonymous']],
  [0x009b, 'TLS_DH_anon_WITH_SEED_CBC_SHA', ['anonymous']],
  [0x00a6, 'TLS_DH_anon_WITH_AES_128_GCM_SHA256', ['anonymous']],
  [0x00a7, 'TLS_DH_anon_WITH_AES_256_GCM_SHA384', ['anonymous']],
  [0xc016, 'TLS_ECDH_anon_WITH_RC4_128_SHA', ['anonymous', 'RC4']],
  [0xc017, 'TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA', ['anonymous', '3DES']],
  [0xc018, 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA', ['anonymous']],
  [0xc019, 'TLS_ECDH_anon_WITH_AES_256_CBC_SHA', ['anonymous']],
];

// EXPORT: 40-bit (and 56-bit) keys and 512-bit RSA/DH, broken by FREAK and Logjam. RFC 4346
// §A.5 (TLS 1.1): "TLS 1.1 implementations MUST NOT negotiate these cipher suites in TLS 1.1
// mode". 0x0060-0x0065 are the EXPORT1024 suites of an expired draft (never IANA-registered),
// still offered by OpenSSL 0.9.8-era servers, so we probe for them too.
const EXPORT_SUITES: readonly Row[] = [
  [0x0003, 'TLS_RSA_EXPORT_WITH_RC4_40_MD5', ['EXPORT', 'RC4']],
  [0x0006, 'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5', ['EXPORT']],
  [0x0008, 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA', ['EXPORT']],
  [0x000b, 'TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA', ['EXPORT']],
  [0x000e, 'TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA', ['EXPORT']],
  [0x0011, 'TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA', ['EXPORT']],
  [0x0014, 'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA', ['EXPORT']],
  [0x0060, 'TLS_RSA_EXPORT1024_WITH_RC4_56_MD5', ['EXPORT', 'RC4']],
  [0x0061, 'TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5', ['EXPORT']],
  [0x0062, 'TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA', ['EXPORT', 'DES']],
  [0x0063, 'TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA', ['EXPORT', 'DES']],
  [0x0064, 'TLS_RSA_EXPORT1024_WITH_RC4_56_SHA', ['EXPORT', 'RC4']],
  [0x0065, 'TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA', ['EXPORT', 'RC4']],
];

// RC4: RFC 7465 §2: "TLS clients MUST NOT include RC4 cipher suites in the ClientHello message"
// and servers MUST NOT select them. 0x0066 is from the same expired draft as EXPORT1024.
const RC4_SUITES: readonly Row[] = [
  [0x0004, 'TLS_RSA_WITH_RC4_128_MD5', ['RC4']],
  [0x0005, 'TLS_RSA_WITH_RC4_128_SHA', ['RC4']],
  [0x0066, 'TLS_DHE_DSS_WITH_RC4_128_SHA', ['RC4']],
  [0xc002, 'TLS_ECDH_ECDSA_WITH_RC4_128_SHA', ['RC4']],
  [0xc007, 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', ['RC4']],
  [0xc00c, 'TLS_ECDH_RSA_WITH_RC4_128_SHA', ['RC4']],
  [0xc011, 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', ['RC4']],
];

// 3DES: a 64-bit block cipher, open to birthday attacks on long sessions (SWEET32,
// CVE-2016-2183); RFC 8996 deprecates the TLS 1.0/1.1 it mostly runs on, and TLS 1.3 dropped it.
const TRIPLE_DES_SUITES: readonly Row[] = [
  [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', ['3DES']],
  [0x000d, 'TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA', ['3DES']],
  [0x0010, 'TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA', ['3DES']],
  [0x0013, 'TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA', ['3DES']],
  [0x0016, 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA', ['3DES']],
  [0xc003, 'TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA', ['3DES']],
  [0xc008, 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA', ['3DES']],
  [0xc00d, 'TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA', ['3DES']],
  [0xc012, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', ['3DES']],
];

// Single DES (56-bit key, brute-forced since 1998). RFC 5246 §1.2 removed the DES suites from
// TLS 1.2 (RFC 5469 documents them as deprecated); they exist only up to TLS 1.1.
const DES_SUITES: readonly Row[] = [
  [0x0009, 'TLS_RSA_WITH_DES_CBC_SHA', ['DES']],
  [0x000c, 'TLS_DH_DSS_WITH_DES_CBC_SHA', ['DES']],
  [0x000f, 'TLS_DH_RSA_WITH_DES_CBC_SHA', ['DES']],
  [0x0012, 'TLS_DHE_DSS_WITH_DES_CBC_SHA', ['DES']],
  [0x0015, 'TLS_DHE_RSA_WITH_DES_CBC_SHA', ['DES']],
];

// Suites that are old but not in a weak class above: named so a report can say what a server
// chose. IDEA was removed with DES in TLS 1.2 (RFC 5246 §1.2); CBC-SHA1 suites are RFC 5246
// Appendix A.5 and RFC 4492; SHA-2 and GCM ones RFC 5246, RFC 5288 and RFC 5289; Camellia
// RFC 5932; SEED RFC 4162; CCM RFC 6655 and RFC 7251.
const OTHER_SUITES: readonly Row[] = [
  [0x0007, 'TLS_RSA_WITH_IDEA_CBC_SHA'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'],
  [0x0032, 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA'],
  [0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  [0x0038, 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA'],
  [0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256'],
  [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
  [0x0041, 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA'],
  [0x0045, 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA'],
  [0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256'],
  [0x0084, 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA'],
  [0x0088, 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA'],
  [0x0096, 'TLS_RSA_WITH_SEED_CBC_SHA'],
  [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384'],
  [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
  [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0xc09c, 'TLS_RSA_WITH_AES_128_CCM'],
  [0xc09d, 'TLS_RSA_WITH_AES_256_CCM'],
  [0xc09e, 'TLS_DHE_RSA_WITH_AES_128_CCM'],
  [0xc09f, 'TLS_DHE_RSA_WITH_AES_256_CCM'],
  [0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM'],
  [0xc0ad, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM'],
  // ChaCha20-Poly1305, RFC 7905 §2.
  [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  // TLS 1.3 suites, RFC 8446 Appendix B.4 (named only: we never offer TLS 1.3 here).
  [0x1301, 'TLS_AES_128_GCM_SHA256'],
  [0x1302, 'TLS_AES_256_GCM_SHA384'],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'],
  [0x1304, 'TLS_AES_128_CCM_SHA256'],
  [0x1305, 'TLS_AES_128_CCM_8_SHA256'],
];

/** RFC 5746 §3.3: signals secure renegotiation support; we always append it. */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
/** RFC 7507 §2: signals a fallback retry; named only. */
export const TLS_FALLBACK_SCSV = 0x5600;

function info([id, name, weak = []]: Row): CipherSuiteInfo {
  return {
    id,
    name,
    weak,
    forwardSecrecy: /_(EC)?DHE_/.test(name) || (id >= 0x1301 && id <= 0x1305),
    aead: /_(GCM|CCM|CHACHA20_POLY1305)/.test(name),
  };
}

const TABLE = new Map<number, CipherSuiteInfo>();
for (const group of [
  NULL_SUITES,
  ANON_SUITES,
  EXPORT_SUITES,
  RC4_SUITES,
  TRIPLE_DES_SUITES,
  DES_SUITES,
  OTHER_SUITES,
]) {
  for (const row of group) TABLE.set(row[0], info(row));
}
for (const [id, name] of [
  [TLS_EMPTY_RENEGOTIATION_INFO_SCSV, 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV'],
  [TLS_FALLBACK_SCSV, 'TLS_FALLBACK_SCSV'],
] as const) {
  TABLE.set(id, { id, name, weak: [], forwardSecrecy: false, aead: false, signalling: true });
}

/** Everything we know about a suite, or undefined for an id not in our table. */
export function cipherSuiteInfo(id: number): CipherSuiteInfo | undefined {
  return TABLE.get(id);
}

/** The IANA name of a suite, or its id as "0xC0FF" when not in our table. */
export function cipherSuiteName(id: number): string {
  return TABLE.get(id)?.name ?? `0x${id.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Every suite of one weak class, in table order (0x0000 excluded: it can never be negotiated). */
function suitesOf(cls: WeakSuiteClass): number[] {
  return [...TABLE.values()].filter((s) => s.id !== 0x0000 && s.weak.includes(cls)).map((s) => s.id);
}

/** One ClientHello's worth of weak suites: the class name, the version to offer, the suites. */
export interface WeakSuiteClassProbe {
  name: WeakSuiteClass;
  version: HelloVersion;
  suites: readonly number[];
}

/**
 * The weak-suite classes we probe, each with the IANA suites it offers. NULL, anonymous, RC4 and
 * 3DES are offered with client_version TLS 1.2 (a server that tops out lower answers with its own
 * version). EXPORT and single DES do not exist in TLS 1.2 (RFC 4346 §A.5, RFC 5246 §1.2), and
 * conforming stacks refuse them there, so those are offered as TLS 1.0 — where they were legal.
 */
export const WEAK_SUITE_CLASSES: readonly WeakSuiteClassProbe[] = [
  { name: 'NULL', version: 'TLSv1.2', suites: suitesOf('NULL') },
  { name: 'anonymous', version: 'TLSv1.2', suites: suitesOf('anonymous') },
  { name: 'EXPORT', version: 'TLSv1', suites: suitesOf('EXPORT') },
  { name: 'RC4', version: 'TLSv1.2', suites: suitesOf('RC4') },
  { name: '3DES', version: 'TLSv1.2', suites: suitesOf('3DES') },
  { name: 'DES', version: 'TLSv1', suites: suitesOf('DES') },
];

/**
 * Suites to offer when probing whether SSLv3 (RFC 6101, prohibited by RFC 7568 §3) is accepted
 * at all: what SSLv3 servers actually ran, strong-ish first so any SSLv3 stack finds a match.
 */
export const SSLV3_SUITES: readonly number[] = [
  0x0035, 0x002f, 0x0039, 0x0033, 0x000a, 0x0016, 0x0005, 0x0004, 0x0009, 0x0015, 0x0003, 0x0006, 0x0008,
  0x0014,
];

/**
 * Every real suite in the table, for a ClientHello that must not fail for lack of a common
 * suite: confirming a protocol version on a server with only legacy suites (3DES, RC4) that our
 * TLS library cannot offer.
 */
export const ALL_SUITES: readonly number[] = [...TABLE.values()]
  .filter((s) => !s.signalling)
  .map((s) => s.id);
