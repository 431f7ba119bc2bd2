/**
 * The trust store a certificate chain is validated against: Node's bundled Mozilla roots, the
 * operating system's bundle where there is one, and the administrator's --ca-file (a campus CA).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import tls from 'node:tls';

export interface TrustStore {
  /** PEM certificates for tls.connect's `ca`. */
  ca: string[];
  /** Where they came from, e.g. ["node-bundled", "system:/etc/ssl/certs/ca-certificates.crt", "ca-file:campus.pem"]. */
  sources: string[];
  /** SHA-256 fingerprints of every anchor, to mark certificates we added rather than the server sent. */
  fingerprints: Set<string>;
  /**
   * One secure context for every main-session handshake of the run: building it parses every
   * anchor (about 150 ms of blocked event loop), so it is made once, on first use.
   */
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

/** Loads the store; an unreadable or empty --ca-file is a configuration error (exit 2). */
export function loadTrustStore(
  caFile?: string,
  systemBundles: readonly string[] = SYSTEM_BUNDLES,
): TrustStore {
  const ca = [...tls.rootCertificates];
  const sources = ['node-bundled'];
  const bundle = systemBundles.find((p) => existsSync(p));
  if (bundle) {
    ca.push(...splitPem(readFileSync(bundle, 'utf8')));
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
    ca.push(...extra);
    sources.push(`ca-file:${caFile}`);
  }
  const fingerprints = new Set<string>();
  for (const pem of ca) {
    try {
      fingerprints.add(new X509Certificate(pem).fingerprint256);
    } catch {
      // A malformed entry in a system bundle is not ours to report; OpenSSL skips it too.
    }
  }
  let context: tls.SecureContext | undefined;
  return {
    ca,
    sources,
    fingerprints,
    // Everything we can offer (TLS 1.0 and SECLEVEL 0 included), so the server's own preference shows.
    context: () =>
      (context ??= tls.createSecureContext({ ca, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' })),
  };
}
