/**
 * The trust store: fingerprints computed without parsing agree with Node's X509 parser, and the
 * shared TLS context trusts Node's roots, the system bundle and --ca-file (and nothing else).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { labCertPath } from '../../../src/lab/lab.js';
import {
  CaFileError,
  loadTrustStore,
  pemFingerprint256,
  prepareTrustStore,
} from '../../../src/probe/tls/trust.js';

const LAB_CA = readFileSync(labCertPath('ca.pem'), 'utf8');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempFile(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailcheck-trust-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bundle.pem');
  writeFileSync(file, text);
  return file;
}

/** Whether a handshake with `ctx` validates the lab's good certificate. */
async function validatesLabCert(ctx: tls.SecureContext): Promise<boolean> {
  const server = tls.createServer({
    key: readFileSync(labCertPath('good.key')),
    cert: readFileSync(labCertPath('good-chain.pem')),
  });
  server.on('secureConnection', (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  const { port } = server.address() as { port: number };
  return new Promise<boolean>((resolve, reject) => {
    const s = tls.connect(
      {
        host: '127.0.0.1',
        port,
        servername: 'mail.lab.example',
        secureContext: ctx,
        rejectUnauthorized: false,
      },
      () => {
        resolve(s.authorized);
        s.destroy();
      },
    );
    s.on('error', reject);
  });
}

describe('loadTrustStore', () => {
  it('fingerprints every anchor exactly as X509Certificate does, without parsing up front', () => {
    const store = loadTrustStore(labCertPath('ca.pem'), []);
    const sample = [...store.ca.slice(0, 5), LAB_CA];
    for (const pem of sample) expect(pemFingerprint256(pem)).toBe(new X509Certificate(pem).fingerprint256);
    expect(store.fingerprints.has(new X509Certificate(LAB_CA).fingerprint256)).toBe(true);
    expect(store.fingerprints.size).toBe(store.ca.length);
  });

  it('trusts --ca-file on top of the bundled roots, and only then', async () => {
    const withCa = loadTrustStore(labCertPath('ca.pem'), []);
    expect(withCa.sources).toEqual(['node-bundled', `ca-file:${labCertPath('ca.pem')}`]);
    expect(withCa.context()).toBe(withCa.context());
    expect(await validatesLabCert(withCa.context())).toBe(true);
    expect(await validatesLabCert(loadTrustStore(undefined, []).context())).toBe(false);
  });

  it('adds a system bundle, skipping the certificates Node already has', async () => {
    // A distribution bundle repeats Node's roots (re-wrapped lines must not matter) and adds its own.
    const rewrapped = tls.rootCertificates.slice(0, 3).map((p) => p.replace(/\n/g, '\r\n'));
    const file = tempFile([...rewrapped, LAB_CA].join('\n'));
    const store = loadTrustStore(undefined, ['/nonexistent/bundle.pem', file]);
    expect(store.sources).toEqual(['node-bundled', `system:${file}`]);
    expect(store.ca).toHaveLength(tls.rootCertificates.length + 4);
    expect(await validatesLabCert(store.context())).toBe(true);
  });

  it('refuses an unreadable or empty --ca-file', () => {
    expect(() => loadTrustStore('/nonexistent/ca.pem', [])).toThrow(CaFileError);
    expect(() => loadTrustStore(tempFile('not a certificate\n'), [])).toThrow(/no PEM certificate found/);
  });
});

describe('prepareTrustStore', () => {
  it('builds the context and fingerprints at the next turn of the event loop, not at once', async () => {
    const made: string[] = [];
    const store = {
      ca: [],
      sources: [],
      get fingerprints() {
        made.push('fingerprints');
        return new Set<string>();
      },
      context() {
        made.push('context');
        return undefined as unknown as tls.SecureContext;
      },
    };
    prepareTrustStore(store);
    expect(made).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(made).toEqual(['context', 'fingerprints']);
  });
});
