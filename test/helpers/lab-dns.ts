/**
 * The lab DNS server (src/lab/dns-server.ts) and our Resolver pointed at it, as the DNS gatherer
 * tests use them: a server per test on the zones the test gives, closed after the test.
 */
import { afterEach } from 'vitest';
import { startDnsServer, type DnsServerOptions, type LabDnsServer } from '../../src/lab/dns-server.js';
import { labZones, type Zone } from '../../src/lab/zones.js';
import { Resolver } from '../../src/probe/dns/resolver.js';

/** How a test's resolver asks: its timeout, and whether it sets the DO bit. */
export interface LabResolverOptions {
  timeoutMs: number;
  dnssec?: boolean;
}

/** A Resolver that asks `server` only. */
export function labResolver(server: Pick<LabDnsServer, 'host' | 'port'>, opts: LabResolverOptions): Resolver {
  return new Resolver({ servers: [{ address: server.host, port: server.port }], ...opts });
}

export interface LabDns {
  /** Starts a lab DNS server on `zones` (default: the lab's) for the running test. */
  start(zones?: Zone[], options?: Omit<DnsServerOptions, 'zones'>): Promise<LabDnsServer>;
  /** Starts a server as `start` does and returns a resolver that asks it. */
  resolverFor(zones?: Zone[], options?: Omit<DnsServerOptions, 'zones'>): Promise<Resolver>;
  /** Another resolver for the server last started, e.g. with other options. */
  resolver(opts?: Partial<LabResolverOptions>): Resolver;
  /** The server last started in the running test, if any (its queries, setBehaviour). */
  readonly server: LabDnsServer | undefined;
}

/**
 * Call at the top level of a test file: registers an afterEach that closes every server the test
 * started. `defaults` are the resolver options of the file.
 */
export function withLabDns(defaults: LabResolverOptions): LabDns {
  const started: LabDnsServer[] = [];
  afterEach(async () => {
    for (const s of started.splice(0).reverse()) await s.close();
  });
  const current = (): LabDnsServer => {
    const s = started.at(-1);
    if (!s) throw new Error('no lab DNS server started in this test');
    return s;
  };
  const lab: LabDns = {
    async start(zones = labZones(), options = {}) {
      const server = await startDnsServer({ zones, ...options });
      started.push(server);
      return server;
    },
    async resolverFor(zones, options) {
      await lab.start(zones, options);
      return lab.resolver();
    },
    resolver(opts = {}) {
      return labResolver(current(), { ...defaults, ...opts });
    },
    get server() {
      return started.at(-1);
    },
  };
  return lab;
}
