/**
 * Artifacts of the mail-DNS probes: what a domain publishes (MX, SPF, DKIM, DMARC, MTA-STS,
 * TLS-RPT), and what each mail host address has (PTR, forward confirmation, TLSA, DNSBL
 * listings). Like the SMTP artifacts these are plain JSON data, published in the report.
 */

/** How a lookup ended; the DNS outcomes stay apart so checks can say which one happened. */
export type DnsStatus = 'ok' | 'NXDOMAIN' | 'NODATA' | 'SERVFAIL' | 'REFUSED' | 'TIMEOUT';

/** One (name, type) question and its answer, as the resolver saw it. */
export interface DnsLookup<T> {
  name: string;
  type: string;
  status: DnsStatus;
  records: T[];
  /** The AD flag of the answer (DNSSEC validated by the resolver), when a DO query was sent. */
  authenticated?: boolean;
  /** A CNAME the name pointed to, when the answer went through one. */
  cname?: string;
}

export interface MxRecord {
  priority: number;
  exchange: string;
}

/** A TLSA record (RFC 6698 §2.1); `data` is lower-case hex. */
export interface TlsaRecord {
  usage: number;
  selector: number;
  matchingType: number;
  data: string;
}

/** One MX host and its addresses. */
export interface MxHostFacts {
  name: string;
  priority: number;
  /** The MX target is an IP literal (not allowed: RFC 5321 §5.1 wants a name). */
  ipLiteral: boolean;
  /** The MX target is itself an alias (RFC 5321 §5.1 / RFC 2181 §10.3 forbid MX → CNAME). */
  cname?: string;
  a: DnsLookup<string>;
  aaaa: DnsLookup<string>;
}

export interface MxFacts {
  lookup: DnsLookup<MxRecord>;
  /** RFC 7505 null MX: a single "0 ." record, the domain accepts no mail. */
  nullMx: boolean;
  hosts: MxHostFacts[];
}

/** Reverse DNS of one mail host address and whether the name resolves back (FCrDNS). */
export interface AddressFacts {
  address: string;
  family: 4 | 6;
  /** Which names (MX hosts or the probed host) use this address. */
  usedBy: string[];
  ptr: DnsLookup<string>;
  /** For each PTR name, its A/AAAA lookup (the family of `address`). */
  forward: DnsLookup<string>[];
  /** DNSBL zone → the lookup of the reversed address in that zone. */
  dnsbl?: Record<string, DnsLookup<string>>;
  /** DNSBL zone → the TXT (listing reason) of the reversed address, fetched only where listed. */
  dnsblTxt?: Record<string, DnsLookup<string[]>>;
}

/** One SPF record fetched while expanding include: and redirect= (RFC 7208 §4.6.4). */
export interface SpfNode {
  domain: string;
  /** How we got here: "apex", "include:x", "redirect=x". */
  via: string;
  lookup: DnsLookup<string>;
  /** TXT strings that look like SPF ("v=spf1" prefix), joined per record. */
  spfRecords: string[];
  /** Strings of the chosen record as published (to spot strings over 255 octets). */
  rawStrings: string[][];
  /** DNS-querying terms in this record: include, a, mx, ptr, exists, redirect. */
  lookupTerms: string[];
  /** Lookups of this record's `a`, `mx`, `exists` (and `ptr`) terms that returned nothing (void, RFC 7208 §4.6.4). */
  voidLookups: string[];
  children: SpfNode[];
}

export interface SpfFacts {
  tree?: SpfNode;
  /** Failure fetching the apex TXT (absent when it answered, even with NODATA). */
  error?: string;
  /** mailauth's SPF verdicts for the probed addresses (spf.authorizes). */
  evaluations?: { address: string; result: string; explanation?: string }[];
}

export interface DkimSelectorFacts {
  selector: string;
  /** Whether the selector came from --dkim-selector (true) or the list of common ones. */
  configured: boolean;
  lookup: DnsLookup<string>;
}

export interface MtaStsFacts {
  /** TXT at _mta-sts.<domain> (RFC 8461 §3.1). */
  txt: DnsLookup<string>;
  /** The HTTPS policy fetch (RFC 8461 §3.3), when the TXT exists. */
  fetch?: {
    url: string;
    status?: number;
    contentType?: string;
    /** Body, capped at 64 KiB (RFC 8461 §3.3 allows up to 64 KiB). */
    body?: string;
    redirected?: boolean;
    /** TLS or HTTP failure, e.g. certificate not valid for mta-sts.<domain>. */
    error?: string;
    /** How the A and AAAA lookups of mta-sts.<domain> ended when neither gave an address. */
    addressLookup?: { a: DnsStatus; aaaa: DnsStatus };
    certificate?: {
      subject: string;
      issuer: string;
      validTo: string;
      authorized: boolean;
      authorizationError?: string;
    };
  };
  /** mailauth's parse of the policy body. */
  policy?: { mode?: string; maxAge?: number; mx: string[]; errors: string[] };
}

/** Everything learned about one domain. */
export interface DomainFacts {
  domain: string;
  displayName: string;
  mx?: MxFacts;
  spf?: SpfFacts;
  dmarc?: DnsLookup<string>;
  dkim?: DkimSelectorFacts[];
  mtaSts?: MtaStsFacts;
  tlsRpt?: DnsLookup<string>;
  /** TLSA at _25._tcp.<mx> per MX host (RFC 7672 §2.2). */
  tlsa?: Record<string, DnsLookup<TlsaRecord>>;
  addresses?: AddressFacts[];
  /** DNS queries asked vs distinct (name, type) during the scan of this domain. */
  dnsQueries?: { asked: number; distinct: number };
}
