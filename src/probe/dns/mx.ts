/**
 * MX gatherer: the MX RRset of a domain and, for every exchange, whether it is an IP literal or
 * an alias, and its A and AAAA answers. Makes no judgement (dns.mx, dns.ipv6 and tls.dane do).
 */
import net from 'node:net';
import type { DnsLookup, MxFacts, MxHostFacts, MxRecord } from '../../model/dns-artifacts.js';
import type { Resolver } from './resolver.js';

/** The part of the resolver the DNS gatherers use. */
export type LookupResolver = Pick<Resolver, 'lookup'>;

/** "192.0.2.1", "2001:db8::1" or an address literal such as "[192.0.2.1]" written as an MX target. */
export function isIpLiteral(exchange: string): boolean {
  const inner = /^\[(?:IPv6:)?(.*)\]$/i.exec(exchange)?.[1] ?? exchange;
  return net.isIP(inner) !== 0;
}

/** The root name: what "." looks like once the resolver has stripped the trailing dot. */
function isRoot(exchange: string): boolean {
  return exchange === '' || exchange === '.';
}

/**
 * RFC 7505 §3: a null MX is the single MX record of the domain, preference 0, exchange ".".
 * Any other use of "." as an exchange is a broken record, left to dns.mx to report.
 */
export function isNullMx(records: MxRecord[]): boolean {
  return records.length === 1 && records[0].priority === 0 && isRoot(records[0].exchange);
}

async function gatherHost(resolver: LookupResolver, record: MxRecord): Promise<MxHostFacts> {
  const name = record.exchange.replace(/\.$/, '');
  const ipLiteral = isIpLiteral(name);
  // A CNAME shows up in the A/AAAA answers when the target resolves; the explicit CNAME question
  // also catches an alias whose target does not exist (the resolver drops the chain on NXDOMAIN).
  const [a, aaaa, cnameLookup] = await Promise.all([
    resolver.lookup<string>(name, 'A'),
    resolver.lookup<string>(name, 'AAAA'),
    ipLiteral ? Promise.resolve(undefined) : resolver.lookup<string>(name, 'CNAME'),
  ]);
  const cname = a.cname ?? aaaa.cname ?? (cnameLookup?.status === 'ok' ? cnameLookup.records[0] : undefined);
  const host: MxHostFacts = { name, priority: record.priority, ipLiteral, a, aaaa };
  if (cname) host.cname = cname;
  return host;
}

/**
 * Looks up the MX of `domain`, recognises a null MX (RFC 7505), and gathers every exchange in
 * parallel (each host's A, AAAA and CNAME questions in parallel too). Hosts are in preference
 * order; a "." exchange is never looked up. Never throws: DNS outcomes are kept in the lookups.
 */
export async function gatherMx(resolver: LookupResolver, domain: string): Promise<MxFacts> {
  const lookup: DnsLookup<MxRecord> = await resolver.lookup<MxRecord>(domain, 'MX');
  const records = lookup.status === 'ok' ? lookup.records : [];
  const nullMx = isNullMx(records);
  const targets = records
    .filter((r) => !isRoot(r.exchange))
    .sort((x, y) => x.priority - y.priority || x.exchange.localeCompare(y.exchange));
  const hosts = await Promise.all(targets.map((r) => gatherHost(resolver, r)));
  return { lookup, nullMx, hosts };
}
