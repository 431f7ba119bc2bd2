/**
 * The trust store a certificate chain is validated against: Node's bundled Mozilla roots, the
 * operating system's bundle where there is one, and the administrator's --ca-file (a campus CA).
 *
 * Cost matters here: parsing ~300 PEM certificates takes a few hundred milliseconds of blocked
 * event loop on a small machine, once for the fingerprints and once more for the TLS context,
 * before the first handshake of a scan can start (the profile of issue 6 put it at half the
 * wall time of a loopback host scan). So nothing is parsed up front: the fingerprints are plain
 * SHA-256 hashes of the DER, computed on first use, and the TLS context starts from Node's own
 * root store (built once per process) and adds only the certificates that are not already in it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import tls from 'node:tls';

export interface TrustStore {
  /** PEM certificates for tls.connect's `ca`. */
  ca: string[];
  /** Where they came from, e.g. ["node-bundled", "system:/etc/ssl/certs/ca-certificates.crt", "ca-file:campus.pem"]. */
  sources: string[];
  /** SHA-256 fingerprints of every anchor, to mark certificates we added rather than the server sent. */
  fingerprints: Set<string>;
  /** One secure context for every SMTP session of the run, made on first use. */
  context(): tls.SecureContext;
}

/** Distribution bundles, Debian/Ubuntu first, then RHEL/Fedora, then SUSE/Alpine. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPem(text: string): string[] {
  return text.match(PEM_BLOCK) ?? [];
}

export class CaFileError extends Error {
  override name = 'CaFileError';
}

/** The base64 body of a PEM block without armour or line breaks: equal bodies are equal certificates. */
function body(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

/** The SHA-256 fingerprint in X509Certificate.fingerprint256's form ("AB:CD:..."), without parsing. */
export function pemFingerprint256(pem: string): string {
  const hex = createHash('sha256')
    .update(Buffer.from(body(pem), 'base64'))
    .digest('hex')
    .toUpperCase();
  return hex.replace(/(..)(?!$)/g, '$1:');
}

/** Node's SecureContext handle; addCACert adds to this context's own copy of the root store. */
interface NativeContext {
  addCACert?: (pem: string) => void;
}

/** Everything we can offer (TLS 1.0 and SECLEVEL 0 included), so the server's own preference shows. */
const CLIENT_OPTIONS: tls.SecureContextOptions = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' };

/**
 * Node's bundled roots plus `extra`. Node keeps its bundled roots parsed once per process and
 * shares them between contexts; passing them all again as `ca` would parse every one anew.
 */
function contextWith(ca: readonly string[], extra: readonly string[]): tls.SecureContext {
  const ctx = tls.createSecureContext(CLIENT_OPTIONS);
  const native = ctx.context as NativeContext | undefined;
  if (typeof native?.addCACert !== 'function')
    return tls.createSecureContext({ ...CLIENT_OPTIONS, ca: [...ca] });
  if (extra.length > 0) native.addCACert(extra.join('\n'));
  return ctx;
}

/**
 * Builds what the store makes on first use (the secure context with every anchor, the anchors'
 * fingerprints) at the next turn of the event loop, which a scan calls once its first DNS
 * questions are on the wire: the tens of milliseconds of parsing then overlap the wait for the
 * answers instead of delaying the first TLS handshake.
 */
export function prepareTrustStore(trust: TrustStore): void {
  setImmediate(() => {
    trust.context();
    void trust.fingerprints;
  });
}

/** Loads the store; an unreadable or empty --ca-file is a configuration error (exit 2). */
export function loadTrustStore(
  caFile?: string,
  systemBundles: readonly string[] = SYSTEM_BUNDLES,
): TrustStore {
  const bundled = tls.rootCertificates;
  const added: string[] = [];
  const sources = ['node-bundled'];
  const bundle = systemBundles.find((p) => existsSync(p));
  if (bundle) {
    added.push(...splitPem(readFileSync(bundle, 'utf8')));
    sources.push(`system:${bundle}`);
  }
  if (caFile) {
    let text: string;
    try {
      text = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new CaFileError(`--ca-file ${caFile}: ${(err as Error).message}`);
    }
    const extra = splitPem(text);
    if (extra.length === 0) throw new CaFileError(`--ca-file ${caFile}: no PEM certificate found`);
    added.push(...extra);
    sources.push(`ca-file:${caFile}`);
  }
  const ca = [...bundled, ...added];
  let fingerprints: Set<string> | undefined;
  let context: tls.SecureContext | undefined;
  return {
    ca,
    sources,
    get fingerprints() {
      return (fingerprints ??= new Set(ca.map(pemFingerprint256)));
    },
    context() {
      if (context) return context;
      // A distribution bundle mostly repeats Node's own roots: add only what is new.
      const seen = new Set(bundled.map(body));
      const extra = added.filter((pem) => {
        const b = body(pem);
        if (seen.has(b)) return false;
        seen.add(b);
        return true;
      });
      return (context = contextWith(ca, extra));
    },
  };
}
