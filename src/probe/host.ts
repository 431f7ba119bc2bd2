/**
 * Probes one host: resolves every address it has (A and AAAA), then every (address, port) in
 * parallel under the per-address connection cap and the per-host deadline.
 */
import net from 'node:net';
import type { EndpointFacts, HostFacts, PortProfile } from '../model/artifacts.js';
import { ProbeError } from '../errors.js';
import { DnsError, type Resolver } from './dns/resolver.js';
import { probeEndpoint, type ProbeSettings } from './endpoint.js';
import { gatherAddresses } from './dns/reverse.js';
import { Deadline } from './smtp/session.js';
import { prepareTrustStore } from './tls/trust.js';

export interface HostTarget {
  /** Normalised name or IP literal (punycode for IDN). */
  host: string;
  displayName: string;
  ports: { port: number; profile: PortProfile; explicit: boolean }[];
}

export interface HostProbeSettings extends ProbeSettings {
  resolver: Resolver;
  deadlineMs: number;
  family?: 4 | 6;
}

/** RFC 6761 §6.3: "localhost" is resolved locally, never sent to a DNS server. */
const LOCALHOST = [
  { address: '127.0.0.1', family: 4 as const },
  { address: '::1', family: 6 as const },
];

async function addressesOf(host: string, resolver: Resolver, family?: 4 | 6) {
  const ip = net.isIP(host);
  if (ip) return [{ address: host, family: ip as 4 | 6 }];
  if (host === 'localhost' || host.endsWith('.localhost'))
    return LOCALHOST.filter((a) => !family || a.family === family);
  const lookups = await Promise.allSettled([
    family === 6 ? Promise.resolve([]) : resolver.resolve4(host),
    family === 4 ? Promise.resolve([]) : resolver.resolve6(host),
  ]);
  const out: { address: string; family: 4 | 6 }[] = [];
  lookups.forEach((r, i) => {
    if (r.status === 'fulfilled') for (const a of r.value) out.push({ address: a, family: i === 0 ? 4 : 6 });
  });
  if (out.length > 0) return out;
  // Report the more telling error: NXDOMAIN beats NODATA beats timeouts.
  const errors = lookups.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  const order = ['ENOTFOUND', 'ENODATA', 'ESERVFAIL', 'EREFUSED', 'ETIMEOUT'];
  errors.sort((a, b) => order.indexOf((a as DnsError).code) - order.indexOf((b as DnsError).code));
  throw errors[0] ?? new DnsError('NODATA', host, family === 6 ? 'AAAA' : 'A');
}

const DNS_CODES = {
  ENOTFOUND: 'DNS_NXDOMAIN',
  ENODATA: 'DNS_NODATA',
  ESERVFAIL: 'DNS_SERVFAIL',
  EREFUSED: 'DNS_REFUSED',
  ETIMEOUT: 'DNS_TIMEOUT',
} as const;

export async function probeHost(target: HostTarget, s: HostProbeSettings): Promise<HostFacts> {
  const deadline = new Deadline(s.deadlineMs);
  const facts: HostFacts = {
    host: target.host,
    displayName: target.displayName,
    addresses: [],
    endpoints: [],
  };
  const start = Date.now();
  try {
    const resolving = addressesOf(target.host, s.resolver, s.family);
    prepareTrustStore(s.trust);
    facts.addresses = await resolving;
    facts.resolution = { ms: Date.now() - start };
  } catch (err) {
    const code = err instanceof DnsError ? DNS_CODES[err.code] : 'INTERNAL';
    const detail = err instanceof Error ? err.message : String(err);
    facts.resolution = {
      ms: Date.now() - start,
      failure: new ProbeError(code, detail, { stage: 'DNS' }).toFailure(),
    };
    return facts;
  }
  // One test message per host, not one per address and port: the first address, on submission
  // (or 465) when logging in, else the first port named.
  const dataPort = s.sendTest
    ? ((s.credentials ? target.ports.find((p) => p.profile !== 'smtp') : undefined) ?? target.ports[0])
    : undefined;
  const jobs: Promise<EndpointFacts>[] = [];
  for (const [i, a] of facts.addresses.entries()) {
    for (const p of target.ports) {
      const sendTest = i === 0 && p === dataPort;
      jobs.push(
        probeEndpoint({ host: target.host, ...a, ...p, ...(sendTest ? { sendTest } : {}) }, s, deadline),
      );
    }
  }
  // Reverse DNS runs alongside the SMTP probes: it needs only the addresses.
  const reverse = s.needs.has('dns-reverse')
    ? gatherAddresses(
        s.resolver,
        facts.addresses.map((a) => ({ ...a, usedBy: [target.host] })),
        { dnsbl: [] },
      )
    : undefined;
  facts.endpoints = await Promise.all(jobs);
  if (reverse) facts.reverse = await reverse;
  return facts;
}
