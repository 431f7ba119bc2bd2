/**
 * handshakeFacts parses a peer's certificates once per (trust store, leaf, validation outcome):
 * the ports of one host present the same certificate. The cache must never hand one validation
 * outcome's chain to another, nor make the host name check depend on an earlier name.
 */
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { labCertPath } from '../../../src/lab/lab.js';
import { handshakeFacts } from '../../../src/probe/tls/certificate.js';
import { loadTrustStore, type TrustStore } from '../../../src/probe/tls/trust.js';

const servers: tls.Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function server(cert: string, key: string): Promise<number> {
  const s = tls.createServer(
    {
      cert: readFileSync(labCertPath(cert as 'good-chain.pem')),
      key: readFileSync(labCertPath(key as 'good.key')),
    },
    () => {},
  );
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

async function facts(port: number, trust: TrustStore, hostname: string) {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    secureContext: trust.context(),
    rejectUnauthorized: false,
    servername: 'localhost',
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const f = handshakeFacts(socket, hostname, trust, 0);
  socket.destroy();
  return f;
}

describe('handshakeFacts certificate cache', () => {
  it('parses a certificate once for the ports that present it, and checks each host name anew', async () => {
    const trust = loadTrustStore(labCertPath('ca.pem'));
    const [a, b] = [await server('good-chain.pem', 'good.key'), await server('good-chain.pem', 'good.key')];
    const first = await facts(a, trust, 'mail.lab.example');
    const second = await facts(b, trust, 'wrong-host.example');
    expect(first.validation?.authorized).toBe(true);
    expect(second.chain).toBe(first.chain); // the same parsed chain, not parsed again
    expect(first.hostname?.matches).toBe(true);
    expect(second.hostname?.matches).toBe(false);
  });

  it('keeps chains apart for different trust stores and different certificates', async () => {
    const withLabCa = loadTrustStore(labCertPath('ca.pem'));
    const without = loadTrustStore();
    const good = await server('good-chain.pem', 'good.key');
    const other = await server('other.pem', 'other.key');
    const trusted = await facts(good, withLabCa, 'mail.lab.example');
    const untrusted = await facts(good, without, 'mail.lab.example');
    expect(untrusted.validation?.authorized).toBe(false);
    expect(untrusted.chain).not.toBe(trusted.chain);
    expect(trusted.chain.some((c) => c.trustAnchor)).toBe(true);
    expect(untrusted.chain.some((c) => c.trustAnchor)).toBe(false);
    const otherFacts = await facts(other, withLabCa, 'mail.lab.example');
    expect(otherFacts.chain[0]!.fingerprint256).not.toBe(trusted.chain[0]!.fingerprint256);
  });
});
