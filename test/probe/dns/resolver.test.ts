/**
 * The one resolver: DNS outcomes kept apart, UDP then TCP on truncation, timeouts on both
 * transports, the AD flag, TLSA, TXT strings, in-flight de-duplication counted at the server,
 * the mailauth contract, and --dns-cache record/replay.
 */
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer, type LabDnsServer } from '../../../src/lab/dns-server.js';
import type { Zone } from '../../../src/lab/zones.js';
import { DnsError, Resolver, parseResolver } from '../../../src/probe/dns/resolver.js';

const ZONE: Zone = {
  origin: 'campus.example',
  records: [
    { name: 'campus.example', type: 'MX', data: { priority: 10, exchange: 'mx.campus.example' } },
    { name: 'campus.example', type: 'TXT', data: ['v=spf1 ip4:192.0.2.0/24 ', '-all'] },
    { name: 'mx.campus.example', type: 'A', data: '192.0.2.25' },
    { name: 'alias.campus.example', type: 'CNAME', data: 'mx.campus.example' },
    // Enough TXT to exceed a 1232-octet EDNS answer, so UDP truncates and TCP must be used.
    ...Array.from({ length: 12 }, (_, i) => ({
      name: 'big.campus.example',
      type: 'TXT' as const,
      data: `${i}-${'x'.repeat(200)}`,
    })),
    {
      name: '_25._tcp.mx.campus.example',
      type: 'TLSA',
      data: { usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) },
    },
    { name: 'slow.campus.example', type: 'A', data: '192.0.2.9' },
    { name: 'broken.campus.example', type: 'A', data: '192.0.2.10' },
    { name: 'refusing.campus.example', type: 'A', data: '192.0.2.11' },
  ],
};

let server: LabDnsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(opts: { signed?: boolean; delayMs?: number } = {}) {
  server = await startDnsServer({
    zones: [ZONE],
    ...(opts.signed ? { signedZones: ['campus.example'] } : {}),
    ...(opts.delayMs ? { delayMs: opts.delayMs } : {}),
  });
  return new Resolver({ servers: [{ address: server.host, port: server.port }], timeoutMs: 300 });
}

describe('Resolver', () => {
  it('keeps NXDOMAIN, NODATA, SERVFAIL, REFUSED and TIMEOUT apart', async () => {
    const r = await setup();
    server!.setBehaviour('broken.campus.example', 'servfail');
    server!.setBehaviour('refusing.campus.example', 'refused');
    server!.setBehaviour('slow.campus.example', 'timeout');
    const [nx, nodata, servfail, refused, timeout, ok] = await Promise.all([
      r.lookup('nope.campus.example', 'A'),
      r.lookup('mx.campus.example', 'AAAA'),
      r.lookup('broken.campus.example', 'A'),
      r.lookup('refusing.campus.example', 'A'),
      r.lookup('slow.campus.example', 'A'),
      r.lookup('mx.campus.example', 'A'),
    ]);
    expect([nx.status, nodata.status, servfail.status, refused.status, timeout.status, ok.status]).toEqual([
      'NXDOMAIN',
      'NODATA',
      'SERVFAIL',
      'REFUSED',
      'TIMEOUT',
      'ok',
    ]);
    expect(ok.records).toEqual(['192.0.2.25']);
    // mailauth's contract: node:dns error codes.
    await expect(r.resolve('nope.campus.example', 'A')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r.resolve('mx.campus.example', 'AAAA')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(r.resolve('broken.campus.example', 'A')).rejects.toBeInstanceOf(DnsError);
  });

  it('times out over TCP too: a truncated UDP answer whose TCP retry never answers is TIMEOUT', async () => {
    // A server whose UDP side always truncates and whose TCP side accepts and stays silent.
    const conns = new Set<net.Socket>();
    const tcp = net.createServer((c) => {
      conns.add(c);
      c.on('error', () => {});
      c.resume(); // read (and ignore) the query, so the client's close is noticed
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => udp.bind(port, '127.0.0.1', r));
    udp.on('message', (msg, rinfo) => {
      const reply = Buffer.from(msg);
      reply[2] = 0x80 | 0x02 | 0x01; // QR, TC, RD
      udp.send(reply, rinfo.port, rinfo.address);
    });
    try {
      const r = new Resolver({ servers: [{ address: '127.0.0.1', port }], timeoutMs: 300 });
      const start = Date.now();
      expect((await r.lookup('big.campus.example', 'TXT')).status).toBe('TIMEOUT');
      expect(r.sent.map((q) => q.transport)).toEqual(['udp', 'tcp']);
      expect(Date.now() - start).toBeLessThan(2000);
    } finally {
      udp.close();
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    }
  });

  it('asks again over TCP when the UDP answer is truncated, and gets every record', async () => {
    const r = await setup();
    const big = await r.lookup<string[]>('big.campus.example', 'TXT');
    expect(big.status).toBe('ok');
    expect(big.records).toHaveLength(12);
    expect(server!.queries.filter((q) => q.name === 'big.campus.example').map((q) => q.transport)).toEqual([
      'udp',
      'tcp',
    ]);
    server!.setBehaviour('mx.campus.example', 'truncate');
    expect((await r.lookup('mx.campus.example', 'A')).records).toEqual(['192.0.2.25']);
  });

  it('keeps the character-strings of a TXT record apart, follows CNAMEs, reads TLSA', async () => {
    const r = await setup();
    expect((await r.lookup<string[]>('campus.example', 'TXT')).records).toEqual([
      ['v=spf1 ip4:192.0.2.0/24 ', '-all'],
    ]);
    expect(await r.resolve('campus.example', 'TXT')).toEqual([['v=spf1 ip4:192.0.2.0/24 ', '-all']]);
    expect(await r.lookup('alias.campus.example', 'A')).toMatchObject({
      cname: 'mx.campus.example',
      records: ['192.0.2.25'],
    });
    expect((await r.lookup('_25._tcp.mx.campus.example', 'TLSA')).records).toEqual([
      { usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) },
    ]);
    expect(await r.resolve('campus.example', 'MX')).toEqual([
      { priority: 10, exchange: 'mx.campus.example' },
    ]);
  });

  it('reports the AD flag of a signed zone', async () => {
    const r = await setup({ signed: true });
    expect((await r.lookup('mx.campus.example', 'A')).authenticated).toBe(true);
    await server!.close();
    const unsigned = await setup();
    expect((await unsigned.lookup('mx.campus.example', 'A')).authenticated).toBe(false);
  });

  it('asks each (name, type) once: concurrent askers share the in-flight query, later ones the cache', async () => {
    const r = await setup({ delayMs: 50 });
    await Promise.all(Array.from({ length: 20 }, () => r.lookup('mx.campus.example', 'A')));
    await r.lookup('MX.Campus.Example.', 'A');
    expect(server!.queries.filter((q) => q.name === 'mx.campus.example' && q.type === 'A')).toHaveLength(1);
    expect(r.stats()).toEqual({ asked: 21, distinct: 1 });
  });

  it('gives every asker the cached answer in an array of its own, whatever the name spelling', async () => {
    const r = await setup();
    const first = await r.lookup<{ priority: number; exchange: string }>('campus.example', 'MX');
    first.records.length = 0; // a caller that empties (or sorts) its result
    const again = await r.lookup('Campus.Example.', 'MX');
    expect(again).toMatchObject({ name: 'Campus.Example', status: 'ok' });
    expect(again.records).toEqual([{ priority: 10, exchange: 'mx.campus.example' }]);
    const viaCname = await r.lookup('ALIAS.campus.example', 'A');
    expect(viaCname).toMatchObject({ records: ['192.0.2.25'], cname: 'mx.campus.example' });
    expect(await r.resolve4('alias.campus.example')).toEqual(['192.0.2.25']);
  });

  it('tries the next server when one does not answer', async () => {
    const good = await setup();
    const r = new Resolver({
      servers: [{ address: '127.0.0.1', port: 9 }, good.servers[0]!],
      timeoutMs: 300,
    });
    expect((await r.lookup('mx.campus.example', 'A')).records).toEqual(['192.0.2.25']);
  });

  it('treats a name no DNS message can carry (a label over 63 octets) as NXDOMAIN, without throwing', async () => {
    const r = await setup();
    expect((await r.lookup(`${'a'.repeat(70)}.campus.example`, 'A')).status).toBe('NXDOMAIN');
  });

  it('--dns-cache records answers and replays them with no server at all', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mailcheck-dns-')), 'cache.json');
    const live = await setup();
    const recorder = new Resolver({ servers: live.servers, timeoutMs: 300, cacheFile: file });
    await recorder.lookup('mx.campus.example', 'A');
    await recorder.lookup('nope.campus.example', 'A');
    await recorder.save();
    expect(JSON.parse(readFileSync(file, 'utf8')).format).toBe('mailcheck-dns-cache-1');
    await server!.close();
    server = undefined;
    const replay = new Resolver({
      servers: [{ address: '127.0.0.1', port: 9 }],
      timeoutMs: 100,
      cacheFile: file,
    });
    expect((await replay.lookup('mx.campus.example', 'A')).records).toEqual(['192.0.2.25']);
    expect((await replay.lookup('nope.campus.example', 'A')).status).toBe('NXDOMAIN');
    expect(replay.sent).toEqual([]);
  });

  it('parses --resolver values', () => {
    expect(parseResolver('10.1.1.53')).toEqual({ address: '10.1.1.53', port: 53 });
    expect(parseResolver('127.0.0.1:5353')).toEqual({ address: '127.0.0.1', port: 5353 });
    expect(parseResolver('[::1]:53')).toEqual({ address: '::1', port: 53 });
    expect(() => parseResolver('dns.campus.example')).toThrow(/not an IP address/);
    expect(() => parseResolver('127.0.0.1:99999')).toThrow(/out of range/);
  });
});
