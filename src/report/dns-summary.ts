/**
 * Short plain-text summaries of DNS facts for the table reporter: the reverse DNS of an address,
 * and the compact block of what a domain publishes (MX, SPF, DMARC, DKIM, MTA-STS, TLS-RPT, TLSA).
 *
 * These describe what the resolver answered; they make no policy judgement (the checks do). The
 * text is raw, as published in DNS: the caller must pass it through `sanitize` before printing.
 */
import type {
  AddressFacts,
  DnsLookup,
  DomainFacts,
  MxFacts,
  SpfFacts,
  SpfNode,
  TlsaRecord,
} from '../model/dns-artifacts.js';
import type { Status } from '../model/results.js';
import { plural } from './format.js';

/** SPF records below the apex listed unless verbose (an include chain can be long). */
export const MAX_SPF_CHILDREN = 6;

/** Outcomes where the name answered: the record simply is not there. */
const ABSENT = new Set(['NXDOMAIN', 'NODATA']);

/**
 * Why a lookup gave no records: "none (NXDOMAIN)" when the name or type does not exist,
 * "lookup failed (TIMEOUT)" when the resolver could not tell; undefined when it has records.
 */
export function lookupOutcome(l: DnsLookup<unknown>): string | undefined {
  if (l.status === 'ok') return l.records.length > 0 ? undefined : 'none';
  return ABSENT.has(l.status) ? `none (${l.status})` : `lookup failed (${l.status})`;
}

/** Addresses compare equal however an IPv6 address is written ("0:0::1" and "::1"). */
function sameAddress(a: string, b: string): boolean {
  return canonicalAddress(a) === canonicalAddress(b);
}

function canonicalAddress(address: string): string {
  const lower = address.toLowerCase();
  if (!lower.includes(':')) return lower;
  try {
    // The URL parser writes IPv6 hosts in the RFC 5952 canonical form.
    return new URL(`http://[${lower}]/`).hostname.slice(1, -1);
  } catch {
    return lower;
  }
}

/** One address with its PTR names, and a marked outcome of the PTR / forward-confirmation lookups. */
export interface ReverseSummary {
  /** "127.0.0.1 → mail.example.edu", or just the address when there is no PTR name. */
  text: string;
  /** The outcome to show after the text, e.g. { status: 'pass', label: 'FCrDNS' }; absent without facts. */
  mark?: { status: Extract<Status, 'pass' | 'fail' | 'error'>; label: string };
}

/**
 * The reverse DNS of one address as far as `reverse` tells: its PTR names and whether one of
 * them resolves back to the address (forward-confirmed reverse DNS, FCrDNS).
 */
export function reverseSummary(
  address: string,
  reverse: readonly AddressFacts[] | undefined,
): ReverseSummary {
  const facts = reverse?.find((r) => sameAddress(r.address, address));
  if (!facts) return { text: address };
  const { ptr } = facts;
  if (ptr.status !== 'ok' || ptr.records.length === 0) {
    const failed = ptr.status !== 'ok' && !ABSENT.has(ptr.status);
    return {
      text: address,
      mark: failed
        ? { status: 'error', label: `PTR lookup ${ptr.status}` }
        : { status: 'fail', label: 'no PTR' },
    };
  }
  const text = `${address} → ${ptr.records.join(', ')}`;
  if (facts.forward.some((f) => f.records.some((r) => sameAddress(r, address))))
    return { text, mark: { status: 'pass', label: 'FCrDNS' } };
  const failed = facts.forward.find((f) => f.status !== 'ok' && !ABSENT.has(f.status));
  if (failed) return { text, mark: { status: 'error', label: `FCrDNS unknown (${failed.status})` } };
  return { text, mark: { status: 'fail', label: 'no FCrDNS' } };
}

/** One field of the domain facts block: a label and one or more lines of value. */
export type FactField = readonly [label: string, lines: string[]];

/**
 * The compact DNS facts of a domain, one field per kind of record, in the order a mail
 * administrator reads them. Kinds that were not looked up (their checks not selected) are left out.
 */
export function domainFactFields(d: DomainFacts, verbose: boolean): FactField[] {
  const fields: FactField[] = [];
  if (d.mx) fields.push(['MX', mxLines(d.mx)]);
  if (d.spf) fields.push(['SPF', spfLines(d.spf, verbose)]);
  if (d.dmarc) fields.push(['DMARC', recordLines(d.dmarc, /^v=DMARC1\b/i)]);
  if (d.dkim) fields.push(['DKIM', [dkimLine(d.dkim)]]);
  if (d.mtaSts) fields.push(['MTA-STS', [mtaStsLine(d.mtaSts)]]);
  if (d.tlsRpt) fields.push(['TLS-RPT', recordLines(d.tlsRpt, /^v=TLSRPTv1\b/i)]);
  if (d.tlsa) fields.push(['TLSA', tlsaLines(d.tlsa)]);
  if (verbose && d.dnsQueries)
    fields.push(['queries', [`${d.dnsQueries.asked} asked, ${d.dnsQueries.distinct} distinct (name, type)`]]);
  return fields;
}

/** "10 mx1.example.edu → 192.0.2.25, 2001:db8::25", one line per MX host. */
function mxLines(mx: MxFacts): string[] {
  if (mx.nullMx) return ['null MX "0 ." (RFC 7505): the domain accepts no mail'];
  const outcome = lookupOutcome(mx.lookup);
  if (outcome) return [outcome];
  return mx.hosts.map((h) => {
    const name = [
      `${h.priority} ${h.name}`,
      h.ipLiteral ? ' (an IP literal, not a name)' : '',
      h.cname ? ` (alias of ${h.cname})` : '',
    ].join('');
    if (h.ipLiteral) return name;
    const addresses = [...h.a.records, ...h.aaaa.records];
    const lookups = [h.a, h.aaaa];
    // A failed lookup always matters; a missing A or AAAA only when the host has no address at all.
    const notes = lookups
      .filter((l) =>
        addresses.length === 0 ? l.status !== 'ok' : l.status !== 'ok' && !ABSENT.has(l.status),
      )
      .map((l) => `${l.type} ${l.status}`);
    const value = addresses.length > 0 ? addresses.join(', ') : 'no address';
    return `${name} → ${value}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
  });
}

/** The apex SPF record, then the records reached through include: and redirect=, indented by depth. */
function spfLines(spf: SpfFacts, verbose: boolean): string[] {
  if (spf.error) return [`lookup failed: ${spf.error}`];
  if (!spf.tree) return ['none'];
  const lines = [...nodeRecords(spf.tree)];
  const below: string[] = [];
  const walk = (node: SpfNode, depth: number) => {
    for (const child of node.children) {
      const indent = '  '.repeat(Math.min(depth, 4));
      below.push(`${indent}↳ ${child.via}: ${nodeRecords(child).join(' | ')}`);
      walk(child, depth + 1);
    }
  };
  walk(spf.tree, 0);
  if (verbose || below.length <= MAX_SPF_CHILDREN) return [...lines, ...below];
  const shown = below.slice(0, MAX_SPF_CHILDREN - 1);
  return [
    ...lines,
    ...shown,
    `… ${plural(below.length - shown.length, 'more record')} (--verbose shows all)`,
  ];
}

/** The SPF record(s) of one node, or why there is none. */
function nodeRecords(node: SpfNode): string[] {
  if (node.spfRecords.length === 1) return node.spfRecords;
  if (node.spfRecords.length > 1)
    return node.spfRecords.map((r, i) => `record ${i + 1} of ${node.spfRecords.length}: ${r}`);
  return [lookupOutcome(node.lookup) ?? 'no SPF record among the TXT records'];
}

/** The TXT records that are the kind we asked for (a name may carry other TXT too), or why none. */
function recordLines(l: DnsLookup<string>, kind: RegExp): string[] {
  const outcome = lookupOutcome(l);
  if (outcome) return [outcome];
  const records = l.records.filter((r) => kind.test(r.trim()));
  return records.length > 0 ? records : ['none (other TXT records only)'];
}

/** "s1, ed1 (2 of 12 selectors tried)"; revoked keys (empty p=) and failed lookups noted. */
function dkimLine(dkim: NonNullable<DomainFacts['dkim']>): string {
  const found = dkim.filter((s) => s.lookup.status === 'ok' && s.lookup.records.length > 0);
  const names = found.map((s) =>
    s.lookup.records.some((r) => /(?:^|;)\s*p=\s*(?:;|$)/i.test(r)) ? `${s.selector} (revoked)` : s.selector,
  );
  const tried = plural(dkim.length, 'selector');
  const parts = [
    names.length > 0
      ? `${names.join(', ')} (${found.length} of ${tried} tried)`
      : `no key found (${tried} tried)`,
  ];
  const missing = dkim.filter((s) => s.configured && !found.includes(s)).map((s) => s.selector);
  if (missing.length > 0) parts.push(`given but not found: ${missing.join(', ')}`);
  const failed = dkim.filter((s) => s.lookup.status !== 'ok' && !ABSENT.has(s.lookup.status));
  if (failed.length > 0)
    parts.push(
      `${plural(failed.length, 'lookup')} failed (${[...new Set(failed.map((s) => s.lookup.status))].join(', ')})`,
    );
  return parts.join(' · ');
}

/** "enforce · max_age 604800 · mx mx1.example.edu, mx2.example.edu", or why there is no policy. */
function mtaStsLine(sts: NonNullable<DomainFacts['mtaSts']>): string {
  const txt = recordLines(sts.txt, /^v=STSv1\b/i)[0] ?? 'none';
  if (!/^v=STSv1\b/i.test(txt)) return `not published: ${txt}`;
  const f = sts.fetch;
  if (f?.error) return `TXT published, policy fetch failed: ${f.error}`;
  if (f?.status !== undefined && f.status !== 200)
    return `TXT published, policy fetch answered HTTP ${f.status}`;
  const p = sts.policy;
  if (!p) return f ? 'TXT published, no policy parsed' : 'TXT published, policy not fetched';
  const parts = [
    p.mode ?? 'no mode',
    p.maxAge !== undefined ? `max_age ${p.maxAge}` : 'no max_age',
    p.mx.length > 0 ? `mx ${p.mx.join(', ')}` : 'no mx',
  ];
  if (p.errors.length > 0) parts.push(plural(p.errors.length, 'policy error'));
  return parts.join(' · ');
}

/** "mx1.example.edu: 3 1 1 (DNSSEC AD)", one line per MX host name. */
function tlsaLines(tlsa: Record<string, DnsLookup<TlsaRecord>>): string[] {
  const names = Object.keys(tlsa);
  if (names.length === 0) return ['no MX host to look up'];
  return names.map((name) => {
    const l = tlsa[name]!;
    const outcome = lookupOutcome(l);
    if (outcome) return `${name}: ${outcome}`;
    const records = l.records.map((r) => `${r.usage} ${r.selector} ${r.matchingType}`).join(', ');
    const ad =
      l.authenticated === true
        ? ' (DNSSEC-validated, AD)'
        : l.authenticated === false
          ? ' (not DNSSEC-validated: no AD)'
          : '';
    return `${name}: ${records}${ad}`;
  });
}
