/**
 * The version prober against Node TLS servers with different protocol ranges (implicit TLS, so a
 * prepared socket is just a TCP connection): every answer right, with no connection more than the
 * answers need, counted at the server.
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { labCertPath } from '../../../src/lab/lab.js';
import type { TlsVersion } from '../../../src/model/artifacts.js';
import { Deadline } from '../../../src/probe/smtp/session.js';
import { probeVersions, type VersionProbeOptions } from '../../../src/probe/tls/versions.js';

const servers: tls.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function server(min: tls.SecureVersion, max: tls.SecureVersion) {
  const s = tls.createServer({
    key: readFileSync(labCertPath('good.key')),
    cert: readFileSync(labCertPath('good-chain.pem')),
    minVersion: min,
    maxVersion: max,
    ciphers: 'DEFAULT:@SECLEVEL=0',
  });
  const stats = { connections: 0 };
  s.on('connection', () => (stats.connections += 1));
  s.on('tlsClientError', () => {});
  // The client closes; the server only swallows the resets.
  s.on('secureConnection', (c) => c.on('error', () => {}));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return { port: (s.address() as net.AddressInfo).port, stats };
}

function options(port: number, over: Partial<VersionProbeOptions> = {}): VersionProbeOptions {
  return {
    prepare: () =>
      new Promise<net.Socket>((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1', () => resolve(sock));
        sock.once('error', reject);
      }),
    servername: 'mail.lab.example',
    stepTimeoutMs: 5000,
    deadline: new Deadline(10_000),
    weakCiphers: true,
    ...over,
  };
}

function table(probes: Map<TlsVersion, { result: string }>) {
  return Object.fromEntries(
    (['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'] as const).map((v) => [v, probes.get(v)?.result]),
  );
}

describe('probeVersions', () => {
  it('a TLS 1.2+ server: 1.2 and 1.1 handshakes plus the weak-suite hello, SSLv3 implied by the alert', async () => {
    const srv = await server('TLSv1.2', 'TLSv1.3');
    const r = await probeVersions(options(srv.port));
    expect(table(r.probes)).toEqual({
      SSLv3: 'rejected',
      TLSv1: 'rejected',
      'TLSv1.1': 'rejected',
      'TLSv1.2': 'accepted',
    });
    expect(r.probes.get('SSLv3')?.reason).toMatch(/protocol_version alert/);
    expect(r.weakCiphers.every((w) => w.result === 'rejected')).toBe(true);
    // ≤1.2, ≤1.1 and the weak suites; no SSLv3 hello and no 1.0 handshake.
    expect(srv.stats.connections).toBe(3);
  });

  it('a TLS 1.3-only server: everything below refused, from the same three connections', async () => {
    const srv = await server('TLSv1.3', 'TLSv1.3');
    const r = await probeVersions(options(srv.port));
    expect(table(r.probes)).toEqual({
      SSLv3: 'rejected',
      TLSv1: 'rejected',
      'TLSv1.1': 'rejected',
      'TLSv1.2': 'rejected',
    });
    expect(srv.stats.connections).toBe(3);
  });

  it('a TLS 1.0-1.2 server: 1.0 asked separately, SSLv3 asked with a raw hello, weak 1.0 suites too', async () => {
    const srv = await server('TLSv1', 'TLSv1.2');
    const r = await probeVersions(options(srv.port));
    expect(table(r.probes)).toEqual({
      SSLv3: 'rejected',
      TLSv1: 'accepted',
      'TLSv1.1': 'accepted',
      'TLSv1.2': 'accepted',
    });
    expect(r.probes.get('SSLv3')?.reason).not.toMatch(/protocol_version alert/);
    // ≤1.2, ≤1.1, =1.0, SSLv3, weak at 1.2 and weak at 1.0.
    expect(srv.stats.connections).toBe(6);
  });

  it('uses the main session: a server that chose TLS 1.0 needs only SSLv3 and the weak hellos', async () => {
    const srv = await server('TLSv1', 'TLSv1');
    const r = await probeVersions(
      options(srv.port, { main: { protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES128-SHA' } }),
    );
    expect(table(r.probes)).toEqual({
      SSLv3: 'rejected',
      TLSv1: 'accepted',
      'TLSv1.1': 'rejected',
      'TLSv1.2': 'rejected',
    });
    expect(r.probes.get('TLSv1.2')).toMatchObject({ fromMainSession: true });
    expect(r.probes.get('TLSv1')).toMatchObject({ fromMainSession: true, cipher: 'ECDHE-RSA-AES128-SHA' });
    expect(srv.stats.connections).toBe(3);
  });

  it('uses the main session: a TLS 1.2 server needs no ≤1.2 handshake', async () => {
    const srv = await server('TLSv1.2', 'TLSv1.2');
    const r = await probeVersions(options(srv.port, { main: { protocol: 'TLSv1.2' }, weakCiphers: false }));
    expect(table(r.probes)).toEqual({
      SSLv3: 'rejected',
      TLSv1: 'rejected',
      'TLSv1.1': 'rejected',
      'TLSv1.2': 'accepted',
    });
    // Only ≤1.1, whose protocol_version alert settles 1.0 and SSLv3.
    expect(srv.stats.connections).toBe(1);
  });

  it('sends no ClientHello once the per-host deadline has passed while a probe waited', async () => {
    let bytes = 0;
    let connections = 0;
    const raw = net.createServer((c) => {
      connections += 1;
      c.on('data', (d) => (bytes += d.length));
      c.on('error', () => {});
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const port = (raw.address() as net.AddressInfo).port;
    try {
      const deadline = new Deadline(100);
      // Each probe's connection is ready only after the deadline (as after a long wait for a slot).
      const late = (): Promise<net.Socket> =>
        new Promise((resolve, reject) =>
          setTimeout(() => {
            const sock = net.connect(port, '127.0.0.1', () => resolve(sock));
            sock.once('error', reject);
          }, 150),
        );
      const r = await probeVersions(options(port, { prepare: late, deadline }));
      for (const v of ['TLSv1.2', 'TLSv1.1'] as const)
        expect(r.probes.get(v)?.reason).toMatch(/deadline of 100ms expired before the ClientHello was sent/);
      expect(r.weakCiphers[0]).toMatchObject({ result: 'error', reason: expect.stringMatching(/deadline/) });
      expect(connections).toBeGreaterThan(0);
      expect(bytes).toBe(0);
    } finally {
      await new Promise((r) => raw.close(r));
    }
  });
});
