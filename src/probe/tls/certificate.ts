/**
 * Certificate facts from a finished handshake: the chain (leaf first), validation against the
 * trust store, the RFC 6125 host name match, key type and size, and the signature algorithm.
 */
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import net from 'node:net';
import type { CertificateFacts, TlsHandshakeFacts } from '../../model/artifacts.js';
import type { TrustStore } from './trust.js';

/** Signature algorithm OIDs (RFC 3279, RFC 4055, RFC 5758, RFC 8410) to the names OpenSSL prints. */
const SIGNATURE_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10040.4.3': 'dsaWithSHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa_with_SHA256',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};

/** Reads one DER TLV header: returns [contentStart, contentEnd]. */
function tlv(buf: Buffer, at: number): [number, number] {
  let len = buf[at + 1] ?? 0;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] ?? 0);
    start += n;
  }
  return [start, start + len];
}

function decodeOid(bytes: Buffer): string {
  const first = bytes[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let v = 0;
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/**
 * The outer signatureAlgorithm of a DER certificate (RFC 5280 §4.1.1.2). Node 20's
 * X509Certificate does not expose it, so we read the three top-level fields ourselves.
 */
export function signatureAlgorithm(der: Buffer): string {
  try {
    const [certStart] = tlv(der, 0); // Certificate SEQUENCE
    const [, tbsEnd] = tlv(der, certStart); // tbsCertificate SEQUENCE
    const [algStart] = tlv(der, tbsEnd); // signatureAlgorithm SEQUENCE
    const [oidStart, oidEnd] = tlv(der, algStart); // OBJECT IDENTIFIER
    const oid = decodeOid(der.subarray(oidStart, oidEnd));
    return SIGNATURE_OIDS[oid] ?? oid;
  } catch {
    return 'unknown';
  }
}

/** ISO 8601 when the runtime can read the date, else the text as the certificate has it. */
function isoDate(text: string): string {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

export function certificateFacts(x: X509Certificate, trust?: TrustStore): CertificateFacts {
  const key = x.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyType = (key.asymmetricKeyType ?? 'unknown').replace(/^rsa-pss$/, 'RSA-PSS');
  const facts: CertificateFacts = {
    subject: oneLine(x.subject),
    issuer: oneLine(x.issuer),
    subjectAltNames: (x.subjectAltName ?? '')
      .split(/,\s*/)
      .filter(Boolean)
      .map((s) => s.replace(/^IP Address:/, 'IP:')),
    serialNumber: x.serialNumber,
    validFrom: isoDate(x.validFrom),
    validTo: isoDate(x.validTo),
    fingerprint256: x.fingerprint256,
    keyType: { rsa: 'RSA', ec: 'EC', ed25519: 'Ed25519', ed448: 'Ed448', dsa: 'DSA' }[keyType] ?? keyType,
    signatureAlgorithm: signatureAlgorithm(x.raw),
    selfSigned: x.subject === x.issuer && x.checkIssued(x),
    isCA: x.ca,
    trustAnchor: trust?.fingerprints.has(x.fingerprint256) ?? false,
    pem: x.toString(),
  };
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(x.subject)?.[1];
  if (cn) facts.commonName = cn;
  if (details.modulusLength) facts.keyBits = details.modulusLength;
  if (details.namedCurve) {
    facts.curve = details.namedCurve;
    facts.keyBits = CURVE_BITS[details.namedCurve] ?? facts.keyBits;
  }
  if (keyType === 'ed25519') facts.keyBits = 256;
  if (keyType === 'ed448') facts.keyBits = 456;
  return facts;
}

const CURVE_BITS: Record<string, number> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp256k1: 256,
};

/** The chain as OpenSSL built it, leaf first, following issuer links until a self-signed root. */
function peerChain(socket: tls.TLSSocket, trust: TrustStore): CertificateFacts[] {
  const chain: CertificateFacts[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw && !seen.has(cert.fingerprint256) && chain.length < 10) {
    seen.add(cert.fingerprint256);
    try {
      chain.push(certificateFacts(new X509Certificate(cert.raw), trust));
    } catch {
      // A certificate the runtime cannot parse is left out rather than failing a good handshake;
      // the chain checks then see a shorter chain and say so.
    }
    cert = cert.issuerCertificate;
  }
  return chain;
}

/** What a handshake's certificate facts need, computed once per distinct peer (see {@link peerFacts}). */
interface PeerFacts {
  chain: CertificateFacts[];
  /** The leaf as tls.checkServerIdentity reads it; undefined when the peer sent none. */
  identity?: tls.PeerCertificate;
}

const PEER_CACHE_SIZE = 256;
const peerCache = new WeakMap<TrustStore, Map<string, PeerFacts>>();

/**
 * The chain and identity of the peer, parsed once per run for each distinct (leaf, validation
 * outcome): the three ports of a host present the same certificate, and parsing it (Node's
 * peer-certificate objects, then X509Certificate for every link) was the largest CPU cost of a
 * fleet audit. The validation outcome is part of the key, so a port that sends an incomplete
 * chain is not given the chain a well-configured port of the same host had built. Facts are
 * shared between reports and never mutated.
 */
function peerFacts(socket: tls.TLSSocket, trust: TrustStore): PeerFacts {
  // The leaf alone (not socket.getPeerX509Certificate(): on Node 20, once it has been called,
  // getPeerCertificate returns an empty object).
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.fingerprint256) return { chain: peerChain(socket, trust) };
  const key = `${peer.fingerprint256}|${socket.authorized ? 'ok' : String(socket.authorizationError)}`;
  let cache = peerCache.get(trust);
  if (!cache) peerCache.set(trust, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) return hit;
  const facts: PeerFacts = { chain: peerChain(socket, trust), identity: peer };
  if (cache.size >= PEER_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, facts);
  return facts;
}

/**
 * Opens a TLS connection for a probe, which records and judges the certificate's name itself
 * (tls.cert_hostname) rather than letting Node fold it into `authorized`.
 *
 * It also spares Node's client the peer-chain objects it builds for `checkServerIdentity`: when
 * a chain validates, Node calls `getPeerCertificate(true)` during the handshake (fingerprints,
 * public key, every link, about 1 ms) only to hand the result to `checkServerIdentity`, which
 * here ignores it (the name is checked from {@link peerFacts}, once per distinct certificate) —
 * it was 9% of a fleet audit's CPU. Until the handshake completes or fails, the socket answers
 * that call with an empty certificate; afterwards the real method is back.
 */
export function connectTls(options: tls.ConnectionOptions): tls.TLSSocket {
  const socket = tls.connect({ ...options, checkServerIdentity: () => undefined });
  spareIdentityChain(socket);
  return socket;
}

/** The second half of {@link connectTls}: an empty certificate for Node's call until the handshake ends. */
export function spareIdentityChain(socket: tls.TLSSocket): void {
  const own = socket as unknown as { getPeerCertificate?: unknown };
  own.getPeerCertificate = () => ({});
  const restore = () => delete own.getPeerCertificate;
  socket.once('secureConnect', restore);
  socket.once('close', restore);
  socket.once('error', restore);
}

/** Facts of a completed handshake; `hostname` is what the certificate must name. */
export function handshakeFacts(
  socket: tls.TLSSocket,
  hostname: string,
  trust: TrustStore,
  ms: number,
): TlsHandshakeFacts {
  const cipher = socket.getCipher();
  const eph = socket.getEphemeralKeyInfo();
  const { chain, identity } = peerFacts(socket, trust);
  const facts: TlsHandshakeFacts = {
    ok: true,
    protocol: socket.getProtocol() ?? undefined,
    cipher: { name: cipher.name, standardName: cipher.standardName, version: cipher.version },
    chain,
    validation: {
      authorized: socket.authorized,
      ...(socket.authorizationError ? { error: String(socket.authorizationError) } : {}),
      caSources: trust.sources,
    },
    ms,
  };
  if (eph && typeof eph === 'object' && 'type' in eph && eph.type) {
    facts.ephemeralKey = { type: eph.type, name: eph.name, size: eph.size };
  }
  if (identity) {
    // checkServerIdentity matches IP literals against IP SANs and names per RFC 6125.
    const err = tls.checkServerIdentity(net.isIP(hostname) ? hostname : hostname.toLowerCase(), identity);
    facts.hostname = err
      ? { name: hostname, matches: false, error: err.message }
      : { name: hostname, matches: true };
  }
  return facts;
}
