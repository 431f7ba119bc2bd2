/**
 * SPF builders for the check tests: record-tree nodes as the gatherer (src/probe/dns/spf.ts)
 * writes them. The generic domain builders live in test/helpers/dns-facts.ts.
 */
import type { DnsStatus, SpfFacts, SpfNode } from '../../../src/model/dns-artifacts.js';
import { LOOP_MARK, isSpfRecord, spfLookupTerms } from '../../../src/probe/dns/spf.js';
import type { DomainCheck, Finding } from '../../../src/checks/types.js';
import { dnsLookup, domainFacts, renderDomainMessage, runDomainCheck } from '../../helpers/dns-facts.js';

export const DOMAIN = 'example.edu';

export interface NodeOptions {
  domain?: string;
  via?: string;
  /** TXT records at the name; a record given as an array is its character-strings. */
  txt?: (string | string[])[];
  /** A DNS status instead of records (NXDOMAIN, SERVFAIL ...). */
  status?: DnsStatus;
  /** Default: what the gatherer derives from the single SPF record. */
  lookupTerms?: string[];
  voidLookups?: string[];
  children?: SpfNode[];
}

/** One node of the record tree. */
export function spfNode(opts: NodeOptions = {}): SpfNode {
  const domain = opts.domain ?? DOMAIN;
  const records = (opts.txt ?? []).map((r) => (Array.isArray(r) ? r : [r]));
  const chosen = records.filter((strings) => isSpfRecord(strings.join('')));
  const lookup = dnsLookup<string>(domain, 'TXT', opts.status ?? records.map((strings) => strings.join('')));
  return {
    domain,
    via: opts.via ?? 'apex',
    lookup,
    spfRecords: chosen.map((s) => s.join('')),
    rawStrings: chosen,
    lookupTerms: opts.lookupTerms ?? (chosen.length === 1 ? spfLookupTerms(chosen[0]!.join('')) : []),
    voidLookups: opts.voidLookups ?? [],
    children: opts.children ?? [],
  };
}

/** An include:/redirect= child holding `record` (or a status) at `domain`. */
export function child(
  kind: 'include' | 'redirect',
  domain: string,
  record: string | DnsStatus,
  over: NodeOptions = {},
): SpfNode {
  const isStatus = /^[A-Z]+$/.test(record);
  return spfNode({
    domain,
    via: `${kind}${kind === 'include' ? ':' : '='}${domain}`,
    ...(isStatus ? { status: record as DnsStatus } : { txt: [record] }),
    ...over,
  });
}

/** A child that closes a loop, as the gatherer records it. */
export function loopChild(kind: 'include' | 'redirect', domain: string, record: string): SpfNode {
  const c = child(kind, domain, record, { lookupTerms: [] });
  return { ...c, via: c.via + LOOP_MARK };
}

/** The apex node with one SPF record (plus other TXT records if given). */
export function apex(record: string | string[], opts: NodeOptions = {}): SpfNode {
  return spfNode({ ...opts, txt: [record, ...(opts.txt ?? [])] });
}

export function withSpf(spf: SpfFacts | undefined) {
  return domainFacts({ domain: DOMAIN, displayName: DOMAIN, ...(spf ? { spf } : {}) });
}

const STATUSES = ['pass', 'fail', 'warn', 'info', 'skip', 'error'];

/** Runs the check, asserts the finding is well formed and its message renders; returns both. */
export function judge<P extends object>(
  check: DomainCheck<P>,
  spf: SpfFacts | undefined,
  params?: Partial<P>,
): Finding & { message: string } {
  const finding = runDomainCheck(check, withSpf(spf), params ? { params } : {});
  if (!STATUSES.includes(finding.status)) throw new Error(`bad status ${finding.status}`);
  return { ...finding, message: renderDomainMessage(check, finding) };
}
