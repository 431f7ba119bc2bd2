/**
 * Reverse DNS gatherer: for each mail host address its PTR (RFC 1035 §3.5, RFC 3596 §2.5), the
 * forward lookup of every PTR name (forward-confirmed reverse DNS), and its listing on the
 * configured DNS blocklists (RFC 5782 §2.1). Makes no judgement (dns.ptr, dns.fcrdns,
 * smtp.helo_name and dnsbl.listed do).
 */
import net from 'node:net';
import type { AddressFacts, DnsLookup } from '../../model/dns-artifacts.js';
import type { LookupResolver } from './mx.js';

/** A mail host address to look up, and the names (MX hosts, the probed host) that use it. */
export interface AddressInput {
  address: string;
  family: 4 | 6;
  usedBy: string[];
}

export interface AddressOptions {
  /** DNSBL zones to look every address up in, e.g. ["zen.spamhaus.org"]. */
  dnsbl?: string[];
  /**
   * Also look up the RFC 5782 §5 test entry 127.0.0.2 in every zone (a working IPv4 DNSBL lists
   * it), as one more entry with an empty `usedBy`; dnsbl.listed uses it to spot a dead zone.
   */
  dnsblTestEntry?: boolean;
}

/** Address facts with the DNSBL TXT reasons (AddressFacts.dnsblTxt, RFC 5782 §2.1). */
export type AddressWithReasons = AddressFacts;

/** RFC 5782 §5: every IPv4 DNSBL lists 127.0.0.2 for testing (and never 127.0.0.1). */
export const DNSBL_TEST_ADDRESS = '127.0.0.2';

/** At most this many PTR names are looked up forward, so a hostile PTR set cannot fan out. */
const MAX_PTR_NAMES = 10;

/** The 32 hex nibbles of an IPv6 address (zone id dropped, embedded IPv4 converted). */
export function ipv6Nibbles(address: string): string {
  let a = address.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const o = v4[1].split('.').map(Number);
    a =
      a.slice(0, -v4[1].length) + `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g: string) => g.padStart(4, '0')).join('');
}

/** The labels of an address in reverse order: "1.2.0.192" for 192.0.2.1, 32 nibbles for IPv6. */
function reversedLabels(address: string): string {
  if (net.isIPv4(address)) return address.split('.').reverse().join('.');
  if (!net.isIPv6(address)) throw new RangeError(`not an IP address: ${address}`);
  return [...ipv6Nibbles(address)].reverse().join('.');
}

/** The PTR owner name: in-addr.arpa (RFC 1035 §3.5) or ip6.arpa nibbles (RFC 3596 §2.5). */
export function reverseName(address: string): string {
  return `${reversedLabels(address)}.${net.isIPv4(address) ? 'in-addr.arpa' : 'ip6.arpa'}`;
}

/** The DNSBL query name of an address in a zone (RFC 5782 §2.1 for IPv4, §2.4 nibbles for IPv6). */
export function dnsblName(address: string, zone: string): string {
  return `${reversedLabels(address)}.${zone.replace(/^\.|\.$/g, '')}`;
}

/** Whether a DNSBL A answer is a listing code (RFC 5782 §2.1: in 127.0.0.0/8). */
export function isListingCode(answer: string): boolean {
  return net.isIPv4(answer) && answer.startsWith('127.');
}

async function forwardLookups(resolver: LookupResolver, input: AddressInput, ptr: DnsLookup<string>) {
  if (ptr.status !== 'ok') return [];
  const names = [...new Set(ptr.records.map((n) => n.replace(/\.$/, '').toLowerCase()))].slice(
    0,
    MAX_PTR_NAMES,
  );
  return Promise.all(names.map((n) => resolver.lookup<string>(n, input.family === 4 ? 'A' : 'AAAA')));
}

async function dnsblLookups(resolver: LookupResolver, address: string, zones: string[]) {
  const listings: Record<string, DnsLookup<string>> = {};
  const reasons: Record<string, DnsLookup<string[]>> = {};
  await Promise.all(
    zones.map(async (zone) => {
      const name = dnsblName(address, zone);
      const a = await resolver.lookup<string>(name, 'A');
      listings[zone] = a;
      if (a.status === 'ok' && a.records.some(isListingCode)) {
        reasons[zone] = await resolver.lookup<string[]>(name, 'TXT');
      }
    }),
  );
  // Keep the zones in the order they were configured, whatever order the answers came in.
  const ordered = (r: Record<string, unknown>) => zones.filter((z) => z in r);
  return {
    dnsbl: Object.fromEntries(ordered(listings).map((z) => [z, listings[z]])),
    dnsblTxt: Object.fromEntries(ordered(reasons).map((z) => [z, reasons[z]])),
  };
}

async function gatherOne(resolver: LookupResolver, input: AddressInput, zones: string[]) {
  const reverse = (async () => {
    const ptr = await resolver.lookup<string>(reverseName(input.address), 'PTR');
    return { ptr, forward: await forwardLookups(resolver, input, ptr) };
  })();
  const [{ ptr, forward }, lists] = await Promise.all([
    reverse,
    zones.length ? dnsblLookups(resolver, input.address, zones) : Promise.resolve(undefined),
  ]);
  const facts: AddressWithReasons = {
    address: input.address,
    family: input.family,
    usedBy: input.usedBy,
    ptr,
    forward,
  };
  if (lists) {
    facts.dnsbl = lists.dnsbl;
    if (Object.keys(lists.dnsblTxt).length) facts.dnsblTxt = lists.dnsblTxt;
  }
  return facts;
}

/**
 * Gathers reverse DNS (and DNSBL listings, when zones are given) for every address, all in
 * parallel; the forward lookups of the PTR names follow their PTR answer. Addresses listed twice
 * are looked up once, their `usedBy` merged. Never throws for DNS failures: they stay in the
 * lookups. Throws RangeError for a string that is not an IP address.
 */
export async function gatherAddresses(
  resolver: LookupResolver,
  addresses: AddressInput[],
  opts: AddressOptions = {},
): Promise<AddressFacts[]> {
  const byAddress = new Map<string, AddressInput>();
  for (const a of addresses) {
    if (net.isIP(a.address) !== a.family) throw new RangeError(`not an IPv${a.family} address: ${a.address}`);
    const key = new net.SocketAddress({ address: a.address, family: a.family === 4 ? 'ipv4' : 'ipv6' })
      .address;
    const seen = byAddress.get(key);
    if (seen) seen.usedBy = [...new Set([...seen.usedBy, ...a.usedBy])];
    else byAddress.set(key, { ...a, usedBy: [...a.usedBy] });
  }
  const zones = [...new Set(opts.dnsbl ?? [])];
  const inputs = [...byAddress.values()];
  if (opts.dnsblTestEntry && zones.length)
    inputs.push({ address: DNSBL_TEST_ADDRESS, family: 4, usedBy: [] });
  return Promise.all(inputs.map((a) => gatherOne(resolver, a, zones)));
}
