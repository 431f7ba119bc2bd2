import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTls, spareIdentityChain } from '../../../src/probe/tls/certificate.js';

const certs = path.resolve('src/lab/certs');
const read = (f: string) => fs.readFileSync(path.join(certs, f));

describe('connectTls and spareIdentityChain', () => {
  let server: tls.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function handshake(skip: boolean) {
    server = tls.createServer({ key: read('good.key'), cert: read('good.pem') }, (s) => s.end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const seen: unknown[] = [];
    const s = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'mail.lab.example',
      ca: read('ca.pem'),
      rejectUnauthorized: false,
      checkServerIdentity: (_host, cert) => {
        seen.push(cert);
        return undefined;
      },
    });
    if (skip) spareIdentityChain(s);
    await new Promise<void>((resolve, reject) => {
      s.once('secureConnect', resolve);
      s.once('error', reject);
    });
    const after = s.getPeerCertificate(true);
    const authorized = s.authorized;
    s.destroy();
    return { seen, after, authorized };
  }

  it('hands checkServerIdentity an empty certificate instead of the built chain', async () => {
    const plain = await handshake(false);
    expect(plain.authorized).toBe(true);
    expect((plain.seen[0] as tls.PeerCertificate).fingerprint256).toMatch(/^[0-9A-F:]+$/);

    const skipped = await handshake(true);
    expect(skipped.authorized).toBe(true);
    expect(skipped.seen).toEqual([{}]);
  });

  it('gives the real certificate back once the handshake is done', async () => {
    const { after } = await handshake(true);
    expect(after.subject.CN).toBe('mail.lab.example');
    expect(after.issuerCertificate?.fingerprint256).toMatch(/^[0-9A-F:]+$/);
  });

  it('connectTls validates the chain, leaves the name to us, and returns the real certificate', async () => {
    server = tls.createServer({ key: read('good.key'), cert: read('good.pem') }, (s) => s.end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // A name the certificate does not carry: Node's own identity check would make this unauthorized.
    const s = connectTls({
      host: '127.0.0.1',
      port,
      servername: 'wrong.example',
      ca: read('ca.pem'),
      rejectUnauthorized: false,
    });
    await new Promise<void>((resolve, reject) => {
      s.once('secureConnect', resolve);
      s.once('error', reject);
    });
    expect(s.authorized).toBe(true);
    expect(s.getPeerCertificate(true).subject.CN).toBe('mail.lab.example');
    s.destroy();
  });
});
