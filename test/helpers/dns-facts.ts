/**
 * Builders of mail-DNS artifacts (src/model/dns-artifacts.ts) for domain check unit tests: a
 * compliant domain as the gatherers would record it, to be changed field by field. Generic on
 * purpose: any domain check (dns.*, spf.*, dmarc.*, tls.dane ...) can start from domainFacts().
 */
import net from 'node:net';
import type { HostFacts } from '../../src/model/artifacts.js';
import type {
  AddressFacts,
  DnsLookup,
  DnsStatus,
  DomainFacts,
  MxFacts,
  MxHostFacts,
  MxRecord,
} from '../../src/model/dns-artifacts.js';
import type { DomainCheck, DomainContext, EndpointCheck, Finding } from '../../src/checks/types.js';
import { reverseName } from '../../src/probe/dns/reverse.js';
import { NOW } from './facts.js';
import { renderMessage, renderRemediation } from './render.js';

/**
 * One lookup as the resolver records it: records (status ok, or NODATA when the list is empty)
 * or a DNS status with no records. `over` sets authenticated, cname, or anything else.
 */
export function dnsLookup<T>(
  name: string,
  type: string,
  answer: T[] | DnsStatus,
  over: Partial<DnsLookup<T>> = {},
): DnsLookup<T> {
  const records = Array.isArray(answer) ? answer : [];
  const status: DnsStatus = Array.isArray(answer) ? (answer.length ? 'ok' : 'NODATA') : answer;
  return { name, type, status, records, ...over };
}

/** An MX host with the given IPv4 and IPv6 addresses (an empty list is a NODATA answer). */
export function mxHost(
  name: string,
  v4: string[] | DnsStatus = ['192.0.2.25'],
  v6: string[] | DnsStatus = [],
  over: Partial<MxHostFacts> = {},
): MxHostFacts {
  return {
    name,
    priority: 10,
    ipLiteral: false,
    a: dnsLookup(name, 'A', v4),
    aaaa: dnsLookup(name, 'AAAA', v6),
    ...over,
  };
}

/** MX facts for `domain` whose MX lookup lists exactly these hosts. */
export function mxFacts(domain: string, hosts: MxHostFacts[], over: Partial<MxFacts> = {}): MxFacts {
  const records: MxRecord[] = hosts.map((h) => ({ priority: h.priority, exchange: h.name }));
  return { lookup: dnsLookup(domain, 'MX', records), nullMx: false, hosts, ...over };
}

/** An RFC 7505 null MX ("0 ."), as the gatherer records it. */
export function nullMxFacts(domain: string): MxFacts {
  return {
    lookup: dnsLookup<MxRecord>(domain, 'MX', [{ priority: 0, exchange: '' }]),
    nullMx: true,
    hosts: [],
  };
}

/** MX facts for a domain whose MX lookup ended with `status` (NXDOMAIN, NODATA, SERVFAIL ...). */
export function mxFailed(domain: string, status: DnsStatus): MxFacts {
  return { lookup: dnsLookup<MxRecord>(domain, 'MX', status), nullMx: false, hosts: [] };
}

/**
 * Reverse DNS of one address: its PTR (names, or a DNS status) and, by default, a forward lookup
 * of each PTR name answering with the address itself (forward-confirmed). Pass `forward` in
 * `over` to break that.
 */
export function addressFacts(
  address: string,
  ptr: string[] | DnsStatus,
  over: Partial<AddressFacts> = {},
): AddressFacts {
  const family = net.isIPv6(address) ? 6 : 4;
  const names = Array.isArray(ptr) ? ptr : [];
  return {
    address,
    family,
    usedBy: names.length ? [names[0]] : [],
    ptr: dnsLookup(reverseName(address), 'PTR', ptr),
    forward: names.map((n) => dnsLookup(n, family === 4 ? 'A' : 'AAAA', [address])),
    ...over,
  };
}

/**
 * A compliant example.edu: two MX hosts (mx1 dual-stack, mx2 IPv4 only), every address with a
 * forward-confirmed PTR. Other facts (SPF, DKIM, TLSA ...) are absent unless given in `over`.
 */
export function domainFacts(over: Partial<DomainFacts> = {}): DomainFacts {
  const mx1 = mxHost('mx1.example.edu', ['192.0.2.25'], ['2001:db8::25']);
  const mx2 = mxHost('mx2.example.edu', ['198.51.100.25'], [], { priority: 20 });
  return {
    domain: 'example.edu',
    displayName: 'example.edu',
    mx: mxFacts('example.edu', [mx1, mx2]),
    addresses: [
      addressFacts('192.0.2.25', ['mx1.example.edu']),
      addressFacts('2001:db8::25', ['mx1.example.edu']),
      addressFacts('198.51.100.25', ['mx2.example.edu']),
    ],
    ...over,
  };
}

/** Runs a domain check with its default params (or overrides) and the MX probes given. */
export function runDomainCheck<P extends object>(
  check: DomainCheck<P>,
  domain: DomainFacts,
  opts: { params?: Partial<P>; mxHosts?: HostFacts[]; now?: Date } = {},
): Finding {
  const ctx: DomainContext<P> = {
    domain,
    mxHosts: opts.mxHosts ?? [],
    params: { ...check.defaultParams, ...opts.params },
    now: opts.now ?? NOW,
  };
  return check.run(ctx);
}

/** render.ts's checks on a domain check: only the metadata (id, messages, remediation) is read. */
function asRenderable<P extends object>(check: DomainCheck<P>): EndpointCheck<P> {
  return check as unknown as EndpointCheck<P>;
}

/** The message of a domain check's finding, as the runner renders it (see render.ts). */
export function renderDomainMessage<P extends object>(check: DomainCheck<P>, finding: Finding): string {
  return renderMessage(asRenderable(check), finding);
}

export function renderDomainRemediation<P extends object>(check: DomainCheck<P>, finding: Finding): string[] {
  return renderRemediation(asRenderable(check), finding);
}
