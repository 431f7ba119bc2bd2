/**
 * A fleet split over shards (the bench runs one per process, BENCH_FLEET_PROCESSES): each shard
 * serves the hosts whose index modulo the shard count is its own, every shard's DNS answers for
 * the whole fleet, and the counters of a shard cover its own hosts among the first N.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fleetAddresses, fleetHostName, startFleet, type Fleet } from '../../src/lab/fleet.js';
import { Resolver } from '../../src/probe/dns/resolver.js';
import { RawClient } from './raw-client.js';

/** Addresses no other lab test uses; ephemeral ports so a bench running alongside cannot collide. */
const FIRST = '127.202.0.1';
const EPHEMERAL = { smtp: 0, submission: 0, smtps: 0 };

const fleets: Fleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.close()));
});

async function shard(index: number, count: number, size = 5): Promise<Fleet> {
  const f = await startFleet({ size, firstAddress: FIRST, ports: EPHEMERAL, shard: { index, count } });
  fleets.push(f);
  return f;
}

describe('fleet shards', () => {
  it('serves every host exactly once across the shards, each on its own address', async () => {
    const [a, b] = [await shard(0, 2), await shard(1, 2)];
    expect(a.hosts.map((h) => h.index)).toEqual([0, 2, 4]);
    expect(b.hosts.map((h) => h.index)).toEqual([1, 3]);
    const all = [...a.hosts, ...b.hosts].sort((x, y) => x.index - y.index);
    expect(all.map((h) => h.address)).toEqual(fleetAddresses(FIRST, 5));
    expect(all.map((h) => h.name)).toEqual([0, 1, 2, 3, 4].map((i) => fleetHostName(i, 'fleet.lab.example')));
    const h = b.hosts[1]!;
    const client = await RawClient.connect(h.ports.smtp, h.address);
    expect((await client.readReply()).lines[0]).toContain(h.name);
    client.socket.destroy();
  });

  it('answers A for hosts other shards serve', async () => {
    const a = await shard(0, 2);
    const r = new Resolver({ servers: [{ address: a.dns.host, port: a.dns.port }], timeoutMs: 2000 });
    const name = fleetHostName(3, 'fleet.lab.example');
    expect((await r.lookup<string>(name, 'A')).records).toEqual([fleetAddresses(FIRST, 4)[3]]);
  });

  it('counts its own hosts among the first N only', async () => {
    const b = await shard(1, 2);
    for (const h of b.hosts) (await RawClient.connect(h.ports.smtp, h.address)).socket.destroy();
    await expect.poll(() => b.stats().connectionsPerHost.total).toBe(2);
    expect(b.stats().hosts).toBe(2);
    // Of the first three hosts (0, 1, 2), only host 1 is this shard's.
    expect(b.stats(3)).toMatchObject({ hosts: 1, connectionsPerHost: { min: 1, max: 1, total: 1 } });
    // Host 0 is not: nothing to count here.
    expect(b.stats(1)).toMatchObject({ hosts: 0, hostsContacted: 0, connectionsPerHost: { total: 0 } });
  });

  it('refuses a shard that does not exist', async () => {
    await expect(startFleet({ size: 2, shard: { index: 2, count: 2 } })).rejects.toThrow(/shard/);
    await expect(startFleet({ size: 2, shard: { index: 0, count: 0 } })).rejects.toThrow(/shard/);
  });
});
