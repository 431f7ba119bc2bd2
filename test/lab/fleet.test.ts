/**
 * The benchmark fleet: N hosts on their own loopback addresses with three scripted servers each,
 * A and PTR records for every name, the latency L really applied (to replies, the TLS handshake
 * and DNS answers), connections counted per host, and nothing left listening after close.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fleetAddresses,
  fleetHostName,
  startFleet,
  type Fleet,
  type FleetOptions,
} from '../../src/lab/fleet.js';
import { Resolver } from '../../src/probe/dns/resolver.js';
import { RawClient } from './raw-client.js';

/** Addresses no other lab test uses; ephemeral ports so a bench running alongside cannot collide. */
const FIRST = '127.201.0.250';
const EPHEMERAL = { smtp: 0, submission: 0, smtps: 0 };

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

async function start(opts: Partial<FleetOptions> = {}): Promise<Fleet> {
  fleet = await startFleet({ size: 3, firstAddress: FIRST, ports: EPHEMERAL, ...opts });
  return fleet;
}

function resolverFor(f: Fleet): Resolver {
  return new Resolver({ servers: [{ address: f.dns.host, port: f.dns.port }], timeoutMs: 2000 });
}

async function connect(host: string, port: number): Promise<RawClient> {
  const client = await RawClient.connect(port, host);
  await client.readReply();
  return client;
}

/** Resolves when a TCP connection to host:port is refused (nothing listens), else rejects. */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new net.Socket();
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    s.connect(port, host);
  });
}

describe('fleet addresses and names', () => {
  it('skips last octets 0 and 255 and stays inside 127.0.0.0/8', () => {
    expect(fleetAddresses('127.9.0.253', 4)).toEqual([
      '127.9.0.253',
      '127.9.0.254',
      '127.9.1.1',
      '127.9.1.2',
    ]);
    expect(() => fleetAddresses('10.0.0.1', 1)).toThrow(/loopback/);
    expect(() => fleetAddresses('127.255.255.254', 2)).toThrow(/leave 127/);
  });

  it('names hosts h00001, h00002, ... under the domain', () => {
    expect(fleetHostName(0, 'f.example')).toBe('h00001.f.example');
    expect(fleetHostName(41, 'f.example')).toBe('h00042.f.example');
  });

  it('refuses sizes out of range before binding anything', async () => {
    await expect(startFleet({ size: 0 })).rejects.toThrow(/size/);
    await expect(startFleet({ size: 1.5 })).rejects.toThrow(/size/);
  });
});

describe('fleet: servers and DNS', () => {
  it('starts three servers per host on its own address, each greeting with the host name', async () => {
    const f = await start({ size: 3 });
    expect(f.hosts.map((h) => h.address)).toEqual(['127.201.0.250', '127.201.0.251', '127.201.0.252']);
    for (const h of f.hosts) {
      const smtp = await connect(h.address, h.ports.smtp);
      const ehlo = await smtp.command('EHLO c.test');
      expect(ehlo.lines[0]).toBe(h.name);
      expect(ehlo.lines).toContain('STARTTLS');
      smtp.socket.destroy();
      const sub = await connect(h.address, h.ports.submission);
      expect((await sub.command('MAIL FROM:<a@b.example>')).code).toBe(530);
      sub.socket.destroy();
    }
    const smtps = await RawClient.connectTls(f.hosts[1]!.ports.smtps, { host: f.hosts[1]!.address });
    expect((await smtps.readReply()).lines[0]).toContain(f.hosts[1]!.name);
    smtps.socket.destroy();
  });

  it('answers A and PTR for every host, so forward-confirmed reverse DNS holds', async () => {
    const f = await start({ size: 3 });
    const r = resolverFor(f);
    for (const h of f.hosts) {
      const a = await r.lookup<string>(h.name, 'A');
      expect(a.records).toEqual([h.address]);
      const ptr = await r.lookup<string>(h.address.split('.').reverse().join('.') + '.in-addr.arpa', 'PTR');
      expect(ptr.records).toEqual([h.name]);
    }
    expect((await r.lookup('h09999.fleet.lab.example', 'A')).status).toBe('NXDOMAIN');
  });

  it('tries the preferred port on every address and falls back when it is taken there', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.201.0.251', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const f = await start({ size: 3, ports: { smtp: taken, submission: 0, smtps: 0 } });
      expect(f.hosts[0]!.ports.smtp).toBe(taken);
      expect(f.hosts[1]!.ports.smtp).not.toBe(taken);
      expect(f.hosts[2]!.ports.smtp).toBe(taken);
      expect(f.portFallbacks).toBe(1);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('counts connections per host and DNS questions since the last mark', async () => {
    const f = await start({ size: 3 });
    const h = f.hosts[0]!;
    for (const port of [h.ports.smtp, h.ports.submission]) (await connect(h.address, port)).socket.destroy();
    const r = resolverFor(f);
    await r.lookup(h.name, 'A');
    let s = f.stats();
    expect(s.connectionsPerHost).toEqual({ min: 0, mean: 2 / 3, max: 2, total: 2 });
    expect(s.hostsContacted).toBe(1);
    expect(s.dns).toMatchObject({ asked: 1, distinct: 1 });
    expect(f.stats(1).connectionsPerHost).toEqual({ min: 2, mean: 2, max: 2, total: 2 });

    f.mark();
    (await connect(f.hosts[2]!.address, f.hosts[2]!.ports.smtp)).socket.destroy();
    await resolverFor(f).lookup(h.name, 'A');
    await resolverFor(f).lookup(h.name, 'A');
    s = f.stats();
    expect(s.connectionsPerHost.total).toBe(1);
    expect(s.dns).toEqual({
      asked: 2,
      distinct: 1,
      repeated: [{ name: h.name, type: 'A', count: 2 }],
    });
  });

  it('leaves nothing listening after close, and closing twice is harmless', async () => {
    const f = await start({ size: 2 });
    const ports = f.hosts.flatMap((h) => Object.values(h.ports).map((port) => ({ host: h.address, port })));
    for (const p of ports) expect(await refused(p.host, p.port)).toBe(false);
    await f.close();
    await f.close();
    for (const p of ports) expect(await refused(p.host, p.port)).toBe(true);
    expect(await refused(f.dns.host, f.dns.port)).toBe(true);
  });
});

describe('fleet: latency (a network round trip of L)', () => {
  const L = 80;
  /** Timer slack: a timer may fire a millisecond early by performance.now()'s clock. */
  const SLACK = 2;

  async function connected(host: string, port: number): Promise<net.Socket> {
    const raw = new net.Socket();
    await new Promise<void>((resolve, reject) => {
      raw.once('connect', resolve);
      raw.once('error', reject);
      raw.connect(port, host);
    });
    return raw;
  }

  async function handshake(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
    const s = tls.connect({ rejectUnauthorized: false, ...options });
    await new Promise<void>((resolve, reject) => {
      s.once('secureConnect', resolve);
      s.once('error', reject);
    });
    return s;
  }

  it('charges the TCP handshake and the greeting (2 L), then L per reply', async () => {
    const f = await start({ size: 1, latencyMs: L, dnsDelayMs: 0 });
    const h = f.hosts[0]!;
    let t = performance.now();
    const client = await RawClient.connect(h.ports.smtp, h.address);
    await client.readReply();
    expect(performance.now() - t).toBeGreaterThanOrEqual(2 * L - SLACK);
    t = performance.now();
    await client.command('NOOP');
    const reply = performance.now() - t;
    expect(reply).toBeGreaterThanOrEqual(L - SLACK);
    expect(reply).toBeLessThan(2 * L);
    client.socket.destroy();
  });

  it('charges one L per server flight of a TLS handshake: TLS 1.3 one, TLS 1.2 two', async () => {
    const f = await start({ size: 1, latencyMs: L, dnsDelayMs: 0 });
    const h = f.hosts[0]!;
    const timeHandshake = async (maxVersion: tls.SecureVersion) => {
      const client = await connect(h.address, h.ports.smtp);
      await client.command('EHLO c.test');
      expect((await client.command('STARTTLS')).code).toBe(220);
      const t = performance.now();
      const secure = await client.startTls({ maxVersion });
      const ms = performance.now() - t;
      expect(secure.getProtocol()).toBe(maxVersion);
      // Replies inside TLS still cost one L, not more.
      const r = performance.now();
      expect((await client.command('EHLO c.test')).code).toBe(250);
      expect(performance.now() - r).toBeLessThan(2 * L);
      client.socket.destroy();
      return ms;
    };
    const tls13 = await timeHandshake('TLSv1.3');
    const tls12 = await timeHandshake('TLSv1.2');
    expect(tls13).toBeGreaterThanOrEqual(L - SLACK);
    expect(tls12).toBeGreaterThanOrEqual(2 * L - SLACK);
    expect(tls12).toBeGreaterThan(tls13 + L / 2);
  });

  it('still sends the alert that refuses a handshake, one L later', async () => {
    // A scanner tells "version refused" from "connection dropped" by this alert (RFC 5246 E.1).
    const f = await start({ size: 1, latencyMs: L, dnsDelayMs: 0 });
    const h = f.hosts[0]!;
    const client = await connect(h.address, h.ports.smtp);
    await client.command('EHLO c.test');
    expect((await client.command('STARTTLS')).code).toBe(220);
    const t = performance.now();
    const err = await client
      .startTls({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' })
      .then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e,
      );
    expect(err?.code).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    expect(performance.now() - t).toBeGreaterThanOrEqual(L - SLACK);
  });

  it('charges the TCP handshake to the first TLS flight on the implicit-TLS port', async () => {
    const f = await start({ size: 1, latencyMs: L, dnsDelayMs: 0 });
    const h = f.hosts[0]!;
    const t = performance.now();
    const raw = await connected(h.address, h.ports.smtps);
    const secure = await handshake({ socket: raw, maxVersion: 'TLSv1.3' });
    expect(performance.now() - t).toBeGreaterThanOrEqual(2 * L - SLACK);
    secure.destroy();
  });

  it('delays every DNS answer by its own delay', async () => {
    const f = await start({ size: 1, latencyMs: 0, dnsDelayMs: L });
    const t = performance.now();
    const a = await resolverFor(f).lookup<string>(f.hosts[0]!.name, 'A');
    expect(a.records).toEqual([f.hosts[0]!.address]);
    expect(performance.now() - t).toBeGreaterThanOrEqual(L - SLACK);
  });

  it('adds nothing when L is 0: the same dialogue is 5 L faster than with L', async () => {
    const dialogue = async (latencyMs: number) => {
      const f = await startFleet({ size: 1, firstAddress: FIRST, ports: EPHEMERAL, latencyMs });
      try {
        const h = f.hosts[0]!;
        const t = performance.now();
        const client = await connect(h.address, h.ports.smtp); // TCP handshake and greeting: 2 L
        await client.command('NOOP'); // L
        await client.command('STARTTLS'); // L
        await client.startTls({ maxVersion: 'TLSv1.3' }); // L
        const ms = performance.now() - t;
        client.socket.destroy();
        return ms;
      } finally {
        await f.close();
      }
    };
    const withL = await dialogue(L);
    const without = await dialogue(0);
    expect(withL).toBeGreaterThanOrEqual(5 * L - SLACK);
    // Relative, so a loaded machine slowing both does not matter.
    expect(without).toBeLessThan(withL - 3 * L);
  });
});
