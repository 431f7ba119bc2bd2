/**
 * A fleet of lab mail hosts for the benchmark: N host names under one lab domain, each on its own
 * loopback address with three scripted servers (an MX-like STARTTLS port, a submission port with
 * AUTH after TLS, an implicit-TLS port), all adding the same latency to every reply and to the
 * TLS handshake, and a lab DNS server (with its own delay) that answers A and PTR for every name,
 * so forward-confirmed reverse DNS passes. Nothing is shared between hosts but the DNS server
 * (and one TLS context). L is charged as a network with that round trip would charge it: the TCP
 * handshake, each reply, each server flight of a TLS handshake (TLS 1.2 two, TLS 1.3 one).
 *
 * One address per host, as in real life: a scanner's per-address connection cap then applies per
 * host and not to the whole fleet. The fleet needs three listening sockets per host; the caller
 * checks the file-descriptor limit (5,000 hosts take 15,000 descriptors before any connection).
 *
 * Linux routes all of 127.0.0.0/8 to the loopback interface; the fleet never binds anything else.
 */
import net from 'node:net';
import fs from 'node:fs';
import { startDnsServer } from './dns-server.js';
import type { LabDnsServer } from './dns-server.js';
import { startScriptedServer } from './scripted-server.js';
import type { ScriptedServer, ScriptedServerOptions } from './scripted-server.js';
import { LAB_PASSWORD, LAB_USER, labCertPath } from './lab.js';
import { reverseName } from './zones.js';
import type { Zone, ZoneRecord } from './zones.js';

/** The services every fleet host runs, as a scan classifies their ports. */
export type FleetService = 'smtp' | 'submission' | 'smtps';

export const FLEET_SERVICES: readonly FleetService[] = ['smtp', 'submission', 'smtps'];

/** Port numbers tried first on every address (unprivileged stand-ins for 25, 587 and 465). */
export const FLEET_DEFAULT_PORTS: Readonly<Record<FleetService, number>> = {
  smtp: 2525,
  submission: 2587,
  smtps: 2465,
};

/** The largest fleet: three listeners per host must fit a common descriptor limit. */
export const MAX_FLEET_SIZE = 20_000;

export interface FleetOptions {
  /** Number of hosts, 1 to {@link MAX_FLEET_SIZE}. */
  size: number;
  /**
   * The network round trip, in ms, charged as a network would (ScriptedServerOptions.latencyModel
   * `network`): the TCP handshake, every reply, every server flight of a TLS handshake. Default 0.
   */
  latencyMs?: number;
  /** Added to every DNS answer, in ms. Default: `latencyMs`. */
  dnsDelayMs?: number;
  /** Port per service, tried on every address; 0 asks for an ephemeral port. Default {@link FLEET_DEFAULT_PORTS}. */
  ports?: Partial<Record<FleetService, number>>;
  /** The domain the host names are under. Default `fleet.lab.example`. */
  domain?: string;
  /**
   * Hosts take consecutive addresses from here, skipping last octets 0 and 255; all must lie in
   * 127.0.0.0/8. Default `127.64.0.1`.
   */
  firstAddress?: string;
  /** Certificate (with chain) and key of every host; default the lab's mail.lab.example pair. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** The CA that issued `tls.cert`, reported back for `--ca-file`. Default the lab CA. */
  caFile?: string;
  /** Servers started at once while the fleet comes up. Default 64. */
  startBatch?: number;
  /**
   * Serve only the hosts whose index modulo `count` is `index`, so that `count` processes can
   * share a fleet (and the machine's cores). Every shard's DNS server answers for all `size`
   * hosts, whose names and addresses do not depend on the shard. Default: all hosts.
   */
  shard?: { index: number; count: number };
}

/** One host of the fleet. */
export interface FleetHost {
  /** Its place in the whole fleet, from 0 (host `h00001`), whichever shard serves it. */
  index: number;
  /** Its name, e.g. `h00042.fleet.lab.example` (the A record, the PTR target and the greeting). */
  name: string;
  address: string;
  /** The port bound per service. */
  ports: Record<FleetService, number>;
  servers: Record<FleetService, ScriptedServer>;
}

/** Counters since the last {@link Fleet.mark} (or since the start); DNS counts cover the whole fleet. */
export interface FleetStats {
  hosts: number;
  /** TCP connections accepted per host (all its ports together): the smallest, mean, largest, total. */
  connectionsPerHost: { min: number; mean: number; max: number; total: number };
  /** TLS handshakes completed, the hosts counted together. */
  tlsHandshakes: number;
  /** Hosts that accepted at least one connection. */
  hostsContacted: number;
  dns: {
    /** Queries received. */
    asked: number;
    /** Distinct (name, type) pairs among them. */
    distinct: number;
    /** The (name, type) pairs asked more than once, most asked first (at most 10). */
    repeated: { name: string; type: string; count: number }[];
  };
}

/** A running fleet (or the shard of one that this process serves). */
export interface Fleet {
  /** The hosts served here, in index order. */
  hosts: FleetHost[];
  dns: { host: string; port: number };
  domain: string;
  caFile: string;
  credentials: { user: string; password: string };
  latencyMs: number;
  dnsDelayMs: number;
  /** Services whose preferred port was taken on some address and got another one there. */
  portFallbacks: number;
  /**
   * Counters since the last mark (or the start), over the hosts served here among the first
   * `hostLimit` of the fleet (default all; at least one).
   */
  stats(hostLimit?: number): FleetStats;
  /** Starts a new counting window for {@link stats}. */
  mark(): void;
  /** Closes every server and the DNS server; safe to call more than once. */
  close(): Promise<void>;
}

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/**
 * The `count` addresses from `first` on whose last octet is neither 0 nor 255 (they look like
 * network and broadcast addresses to people reading logs), all inside 127.0.0.0/8.
 */
export function fleetAddresses(first: string, count: number): string[] {
  if (!net.isIPv4(first) || !first.startsWith('127.')) {
    throw new RangeError(`fleet: ${first} is not a loopback IPv4 address (127.0.0.0/8)`);
  }
  const out: string[] = [];
  const last = ipv4ToInt('127.255.255.254');
  for (let n = ipv4ToInt(first); out.length < count; n++) {
    if (n > last) throw new RangeError(`fleet: ${count} addresses from ${first} leave 127.0.0.0/8`);
    const octet = n % 256;
    if (octet !== 0 && octet !== 255) out.push(intToIpv4(n));
  }
  return out;
}

/** The name of host `i` (0-based): h00001, h00002, ... under the fleet domain. */
export function fleetHostName(i: number, domain: string): string {
  return `h${String(i + 1).padStart(5, '0')}.${domain}`;
}

/** Server options per service, after the lab's compliant trio (lab.ts). */
function serviceOptions(service: FleetService, hostname: string): Omit<ScriptedServerOptions, 'tls'> {
  const users = { [LAB_USER]: LAB_PASSWORD };
  const common = { hostname, vrfy: 'disabled', expn: 'disabled' } as const;
  switch (service) {
    case 'smtp':
      return { ...common, authMechanisms: [], relay: 'closed' };
    case 'submission':
      return {
        ...common,
        requireTls: true,
        authMechanisms: ['PLAIN', 'LOGIN'],
        users,
        relay: 'auth-required',
      };
    case 'smtps':
      return {
        ...common,
        implicitTls: true,
        authMechanisms: ['PLAIN', 'LOGIN'],
        users,
        relay: 'auth-required',
      };
  }
}

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** Zones for the fleet: the forward zone (A per host) and 127.in-addr.arpa (PTR per host). */
export function fleetZones(domain: string, hosts: readonly { name: string; address: string }[]): Zone[] {
  const forward: ZoneRecord[] = hosts.map((h) => ({ name: h.name, type: 'A', data: h.address }));
  const reverse: ZoneRecord[] = hosts.map((h) => ({
    name: reverseName(h.address),
    type: 'PTR',
    data: h.name,
  }));
  return [
    { origin: domain, records: forward },
    { origin: '127.in-addr.arpa', records: reverse },
  ];
}

/** Runs `fn` over `items`, at most `width` at a time; rejects with the first error once all settled. */
async function inBatches<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let firstError: unknown;
  for (let i = 0; i < items.length; i += width) {
    const results = await Promise.allSettled(items.slice(i, i + width).map(fn));
    for (const r of results) if (r.status === 'rejected') firstError ??= r.reason;
    if (firstError !== undefined) throw firstError;
  }
}

/**
 * Starts the fleet: every host's three servers, then the DNS server with the addresses and ports
 * actually bound. If anything fails to start, whatever started is closed and the error thrown.
 */
export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const size = opts.size;
  if (!Number.isInteger(size) || size < 1 || size > MAX_FLEET_SIZE) {
    throw new RangeError(`fleet: size must be an integer from 1 to ${MAX_FLEET_SIZE}, not ${size}`);
  }
  const latencyMs = opts.latencyMs ?? 0;
  const dnsDelayMs = opts.dnsDelayMs ?? latencyMs;
  const domain = (opts.domain ?? 'fleet.lab.example').toLowerCase();
  const preferred = { ...FLEET_DEFAULT_PORTS, ...opts.ports };
  const tlsMaterial = opts.tls ?? {
    key: fs.readFileSync(labCertPath('good.key')),
    cert: fs.readFileSync(labCertPath('good-chain.pem')),
  };
  const caFile = opts.caFile ?? labCertPath('ca.pem');
  const addresses = fleetAddresses(opts.firstAddress ?? '127.64.0.1', size);
  const shard = opts.shard ?? { index: 0, count: 1 };
  const validShard =
    Number.isInteger(shard.count) &&
    Number.isInteger(shard.index) &&
    shard.index >= 0 &&
    shard.index < shard.count;
  if (!validShard) throw new RangeError(`fleet: shard ${shard.index} of ${shard.count} is not a shard`);
  const hosts: FleetHost[] = [];
  const started: ScriptedServer[] = [];
  let dns: LabDnsServer | undefined;
  let portFallbacks = 0;

  // One object for every server, so that they share one secure context (scripted-server.ts).
  const tls = { ...tlsMaterial, minVersion: 'TLSv1.2' } as const;
  const bindService = async (service: FleetService, name: string, address: string) => {
    const options: ScriptedServerOptions = {
      ...serviceOptions(service, name),
      tls,
      host: address,
      port: preferred[service],
      replyDelayMs: latencyMs,
      // L is a network round trip: the TCP handshake and each TLS flight cost one too.
      latencyModel: 'network',
      // Nobody reads them, and thousands of servers' logs would only load the garbage collector.
      maxCommandsRecorded: 0,
    };
    let server: ScriptedServer;
    try {
      server = await startScriptedServer(options);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EADDRNOTAVAIL') {
        throw new Error(
          `fleet: cannot bind ${address}: this system does not route it to loopback ` +
            `(on macOS: sudo ifconfig lo0 alias ${address} up)`,
          { cause: err },
        );
      }
      if (code !== 'EADDRINUSE' || options.port === 0) throw err;
      portFallbacks += 1;
      server = await startScriptedServer({ ...options, port: 0 });
    }
    started.push(server);
    return server;
  };

  const closeAll = async () => {
    await inBatches([...started], 256, (s) => s.close());
    await dns?.close();
  };

  try {
    const slots = addresses.map((address, index) => ({ index, address, name: fleetHostName(index, domain) }));
    const mine = slots.filter((slot) => slot.index % shard.count === shard.index);
    await inBatches(mine, opts.startBatch ?? 64, async ({ index, address, name }) => {
      const servers = {} as Record<FleetService, ScriptedServer>;
      for (const service of FLEET_SERVICES) servers[service] = await bindService(service, name, address);
      const ports = {
        smtp: servers.smtp.port,
        submission: servers.submission.port,
        smtps: servers.smtps.port,
      };
      hosts.push({ index, name, address, ports, servers });
    });
    hosts.sort((a, b) => a.index - b.index);
    dns = await startDnsServer({ zones: fleetZones(domain, slots), delayMs: dnsDelayMs });
  } catch (err) {
    await closeAll();
    throw err;
  }

  const dnsServer = dns;
  let connectionBase = new Map<ScriptedServer, number>();
  let handshakeBase = new Map<ScriptedServer, number>();
  let queryBase = 0;
  const mark = () => {
    connectionBase = new Map(started.map((s) => [s, s.stats.connections]));
    handshakeBase = new Map(started.map((s) => [s, s.stats.tlsHandshakes]));
    queryBase = dnsServer.queries.length;
  };
  mark();

  const stats = (hostLimit = size): FleetStats => {
    const limit = Math.max(1, hostLimit);
    const counted = hosts.filter((h) => h.index < limit);
    const perHost = counted.map((h) =>
      FLEET_SERVICES.reduce(
        (n, svc) => n + h.servers[svc].stats.connections - (connectionBase.get(h.servers[svc]) ?? 0),
        0,
      ),
    );
    const total = perHost.reduce((a, b) => a + b, 0);
    const tlsHandshakes = counted.reduce(
      (n, h) =>
        n +
        FLEET_SERVICES.reduce(
          (m, svc) => m + h.servers[svc].stats.tlsHandshakes - (handshakeBase.get(h.servers[svc]) ?? 0),
          0,
        ),
      0,
    );
    const counts = new Map<string, number>();
    const queries = dnsServer.queries;
    for (let i = queryBase; i < queries.length; i++) {
      const key = `${queries[i].name} ${queries[i].type}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const repeated = [...counts]
      .filter(([, n]) => n > 1)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([key, count]) => {
        const [name, type] = key.split(' ') as [string, string];
        return { name, type, count };
      });
    return {
      hosts: counted.length,
      connectionsPerHost: {
        min: perHost.reduce((a, b) => Math.min(a, b), Infinity),
        mean: counted.length === 0 ? 0 : total / counted.length,
        max: perHost.reduce((a, b) => Math.max(a, b), 0),
        total,
      },
      tlsHandshakes,
      hostsContacted: perHost.filter((n) => n > 0).length,
      dns: { asked: queries.length - queryBase, distinct: counts.size, repeated },
    };
  };

  let closing: Promise<void> | undefined;
  return {
    hosts,
    dns: { host: dnsServer.host, port: dnsServer.port },
    domain,
    caFile,
    credentials: { user: LAB_USER, password: LAB_PASSWORD },
    latencyMs,
    dnsDelayMs,
    portFallbacks,
    stats,
    mark,
    close: () => {
      closing ??= closeAll();
      return closing;
    },
  };
}
