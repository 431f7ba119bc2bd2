/**
 * DMARC gatherer: the TXT records at `_dmarc.<domain>` (RFC 7489 §6.1), each record's strings
 * joined. Every record is kept, DMARC or not: the checks pick the `v=DMARC1` one and can show
 * what else is published there (a second record makes the policy void, RFC 7489 §6.6.3).
 */
import type { DnsLookup } from '../../model/dns-artifacts.js';
import { lookupJoinedTxt, type TxtResolver } from './tls-rpt.js';

/** The DMARC policy lookup of a domain: TXT at `_dmarc.<domain>`. Never throws. */
export function gatherDmarc(resolver: TxtResolver, domain: string): Promise<DnsLookup<string>> {
  return lookupJoinedTxt(resolver, `_dmarc.${domain.trim().toLowerCase().replace(/\.$/, '')}`);
}
