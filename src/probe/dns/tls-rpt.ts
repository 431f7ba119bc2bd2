/**
 * TLS-RPT gatherer: the TXT record at `_smtp._tls.<domain>` (RFC 8460 §3). Also home of the small
 * helper that the DKIM and MTA-STS gatherers share: a TXT lookup whose records are joined.
 */
import type { DnsLookup } from '../../model/dns-artifacts.js';
import type { Resolver } from './resolver.js';

/** The part of the resolver the mail-DNS gatherers use. */
export type TxtResolver = Pick<Resolver, 'lookup'>;

/**
 * A TXT lookup with each record's character-strings joined without separators, as RFC 6376
 * §3.6.2.2 (DKIM), RFC 8461 §3.1 (MTA-STS) and RFC 8460 §3 (TLS-RPT) read them.
 */
export async function lookupJoinedTxt(resolver: TxtResolver, name: string): Promise<DnsLookup<string>> {
  const raw = await resolver.lookup<string[]>(name, 'TXT');
  return { ...raw, records: raw.records.map((strings) => strings.join('')) };
}

/** The TLS-RPT policy lookup of a domain: TXT at `_smtp._tls.<domain>`. */
export function gatherTlsRpt(resolver: TxtResolver, domain: string): Promise<DnsLookup<string>> {
  return lookupJoinedTxt(resolver, `_smtp._tls.${domain.replace(/\.$/, '')}`);
}
