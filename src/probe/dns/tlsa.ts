/**
 * TLSA gatherer: the DANE records of every MX host's SMTP service, `_25._tcp.<mx>` (RFC 7672
 * §2.2), with the resolver's DNSSEC verdict (the AD flag) kept in `authenticated`. tls.dane
 * matches them against the certificate each MX presented on port 25.
 */
import type { DnsLookup, TlsaRecord } from '../../model/dns-artifacts.js';
import type { LookupResolver } from './mx.js';

/** The TLSA owner name of an MX host's port-25 service (RFC 6698 §3, RFC 7672 §2.2). */
export function tlsaName(mx: string): string {
  return `_25._tcp.${mx.replace(/\.$/, '')}`;
}

/**
 * Looks up the TLSA RRset of every MX name in parallel; the result is keyed by the MX name as
 * given (each name once). Never throws: DNS outcomes stay in the lookups.
 */
export async function gatherTlsa(
  resolver: LookupResolver,
  mxNames: string[],
): Promise<Record<string, DnsLookup<TlsaRecord>>> {
  const names = [...new Set(mxNames)];
  const lookups = await Promise.all(names.map((mx) => resolver.lookup<TlsaRecord>(tlsaName(mx), 'TLSA')));
  return Object.fromEntries(names.map((mx, i) => [mx, lookups[i]]));
}
