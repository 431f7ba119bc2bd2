/**
 * Helpers shared by the mail-DNS checks (dns.*, dnsbl.listed, tls.dane, smtp.helo_name): how a
 * lookup is shown in evidence, which DNS outcomes leave a question unanswered, and how addresses
 * are compared.
 */
import net from 'node:net';
import type { AddressFacts, DnsLookup, DnsStatus, DomainFacts } from '../../model/dns-artifacts.js';
import type { Finding } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';

/** SERVFAIL, REFUSED and TIMEOUT: no answer, so nothing may be concluded (NXDOMAIN/NODATA are answers). */
export function isUnanswered(status: DnsStatus): boolean {
  return status === 'SERVFAIL' || status === 'REFUSED' || status === 'TIMEOUT';
}

/** NXDOMAIN or NODATA: the DNS answered that there is no such record. */
export function isAbsent(status: DnsStatus): boolean {
  return status === 'NXDOMAIN' || status === 'NODATA';
}

/** A DNS outcome in words, for reasons and evidence. */
export function statusWords(status: DnsStatus): string {
  switch (status) {
    case 'ok':
      return 'answered';
    case 'NXDOMAIN':
      return 'NXDOMAIN (the name does not exist)';
    case 'NODATA':
      return 'NODATA (no record of this type)';
    case 'SERVFAIL':
      return 'SERVFAIL (the resolver could not answer)';
    case 'REFUSED':
      return 'REFUSED (the resolver refused the query)';
    case 'TIMEOUT':
      return 'no answer (timeout)';
  }
}

/**
 * One evidence line for a lookup: "A mx1.example.edu: 192.0.2.25, 192.0.2.26",
 * "PTR 1.2.0.192.in-addr.arpa: NXDOMAIN", with the alias it went through, if any.
 */
export function lookupLine<T>(lookup: DnsLookup<T>, show: (r: T) => string = String): string {
  const via = lookup.cname ? ` (via CNAME ${lookup.cname})` : '';
  const answer = lookup.status === 'ok' ? lookup.records.map(show).join(', ') : lookup.status;
  return `${lookup.type} ${lookup.name}${via}: ${answer}`;
}

/** Why a lookup left the question open, for an `error` finding. */
export function unansweredReason(lookup: DnsLookup<unknown>): string {
  return `${lookup.type} ${lookup.name}: ${statusWords(lookup.status)}`;
}

/**
 * The RFC 5782 §5 test entry 127.0.0.2 the reverse gatherer adds when asked to (with no user):
 * it is there to test the DNSBL zones, not a mail host address.
 */
export function isDnsblTestEntry(a: AddressFacts): boolean {
  return a.address === '127.0.0.2' && a.usedBy.length === 0;
}

/** The mail host addresses of a domain, without the DNSBL test entry; undefined when not gathered. */
export function mailHostAddresses(domain: DomainFacts): AddressFacts[] | undefined {
  return domain.addresses?.filter((a) => !isDnsblTestEntry(a));
}

/**
 * The mail host addresses a reverse-DNS check judges, or the finding to give instead: error when
 * reverse DNS was not gathered, skip when there is no address (saying so for a null MX).
 */
export function reverseTargets(domain: DomainFacts): { addresses: AddressFacts[] } | { finding: Finding } {
  const addresses = mailHostAddresses(domain);
  if (!addresses) return { finding: cannotJudge('reverse DNS not gathered') };
  if (addresses.length === 0) {
    return {
      finding: notApplicable(
        domain.mx?.nullMx ? 'the domain accepts no mail (null MX)' : 'no mail host addresses',
      ),
    };
  }
  return { addresses };
}

/** Canonical text of an address ("2001:DB8:0::1" → "2001:db8::1"); the input when it is not one. */
export function canonicalAddress(address: string): string {
  const family = net.isIP(address);
  if (family === 0) return address;
  return new net.SocketAddress({ address, family: family === 4 ? 'ipv4' : 'ipv6' }).address;
}

export function sameAddress(a: string, b: string): boolean {
  return canonicalAddress(a) === canonicalAddress(b);
}

/** A DNS name for comparison: lower-case, no trailing dot. */
export function normalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** "192.0.2.25 (mx1.example.edu, mx2.example.edu)": an address and the names that use it. */
export function addressLabel(a: AddressFacts): string {
  return a.usedBy.length ? `${a.address} (${a.usedBy.join(', ')})` : a.address;
}

/**
 * Whether a PTR name is forward-confirmed for an address: its A/AAAA lookup (in `forward`)
 * answered and contains the address. Returns 'unanswered' when that lookup got no answer.
 */
export function forwardConfirms(a: AddressFacts, ptrName: string): boolean | 'unanswered' {
  const fwd = a.forward.find((f) => normalName(f.name) === normalName(ptrName));
  if (!fwd || isUnanswered(fwd.status)) return 'unanswered';
  return fwd.status === 'ok' && fwd.records.some((r) => sameAddress(r, a.address));
}
