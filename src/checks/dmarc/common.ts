/**
 * Shared by the DMARC checks: picking the DMARC record out of the TXT set at _dmarc.<domain>
 * and reading its tags (RFC 7489 §6.3 tags, §6.4 formal definition), with the offset of every
 * problem. mailauth's DMARC helper fetches and parses in one step and accepts anything, so the
 * (pure) checks read the record themselves.
 */
import type { DnsLookup, DnsStatus } from '../../model/dns-artifacts.js';
import type { Finding } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';

export interface DmarcTag {
  /** Lower-case tag name. */
  name: string;
  /** The value, surrounding whitespace removed. */
  value: string;
  /** The tag as published ("p=reject"). */
  text: string;
  /** Character offset of the tag in the record, from 0. */
  offset: number;
}

export interface DmarcIssue {
  offset: number;
  tag: string;
  problem: string;
  severity: 'error' | 'note';
}

export interface ParsedDmarc {
  tags: DmarcTag[];
  /** First occurrence of each tag, by lower-case name. */
  byName: Map<string, DmarcTag>;
  issues: DmarcIssue[];
  /** Tags this version of DMARC does not define (receivers ignore them, RFC 7489 §6.3). */
  unknown: DmarcTag[];
}

/** One reporting URI of rua= or ruf= (RFC 7489 §6.2: URI ["!" size]). */
export interface DmarcUri {
  uri: string;
  scheme: string;
  /** For mailto: the address and its domain. */
  address?: string;
  domain?: string;
  problem?: string;
}

const POLICY = /^(none|quarantine|reject)$/i;

/** RFC 7489 §6.6.3 starts from records whose first tag is v=DMARC1 (mailauth: /^v=DMARC1\b/i). */
export function isDmarcRecord(text: string): boolean {
  return /^\s*v\s*=\s*DMARC1(?![A-Za-z0-9])/i.test(text);
}

const ADDRESS =
  /^[^@\s]+@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9])\.?$/;

/** Splits and checks the URIs of a rua= or ruf= value. */
export function parseUris(value: string): DmarcUri[] {
  return value.split(',').map((raw) => {
    const uri = raw.trim();
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):([^!]*)(?:!(\d+)([kmgt])?)?$/i.exec(uri);
    if (!m) return { uri, scheme: '', problem: `"${uri}" is not a URI (e.g. mailto:dmarc@example.org)` };
    const scheme = m[1]!.toLowerCase();
    if (scheme !== 'mailto')
      return { uri, scheme, problem: `"${uri}" is not a mailto: URI; report generators send by mail` };
    let address: string;
    try {
      address = decodeURIComponent(m[2]!);
    } catch {
      return { uri, scheme, problem: `"${uri}" has a broken %-escape` };
    }
    const a = ADDRESS.exec(address);
    if (!a) return { uri, scheme, address, problem: `"${address}" is not a mail address` };
    return { uri, scheme, address, domain: a[1]!.toLowerCase() };
  });
}

/** Validators of the defined tags: a problem, or undefined when the value is fine. */
const VALIDATE: Record<string, (v: string) => string | undefined> = {
  v: (v) => (v === 'DMARC1' ? undefined : `v must be exactly "DMARC1", not "${v}"`),
  p: (v) => (POLICY.test(v) ? undefined : `"${v}" is not none, quarantine or reject`),
  sp: (v) => (POLICY.test(v) ? undefined : `"${v}" is not none, quarantine or reject`),
  np: (v) => (POLICY.test(v) ? undefined : `"${v}" is not none, quarantine or reject`),
  adkim: (v) => (/^[rs]$/i.test(v) ? undefined : `"${v}" is not r (relaxed) or s (strict)`),
  aspf: (v) => (/^[rs]$/i.test(v) ? undefined : `"${v}" is not r (relaxed) or s (strict)`),
  pct: (v) =>
    /^\d{1,3}$/.test(v) && Number(v) <= 100 ? undefined : `"${v}" is not a whole number from 0 to 100`,
  fo: (v) =>
    /^[01ds](?:[ \t]*:[ \t]*[01ds])*$/i.test(v)
      ? undefined
      : `"${v}" is not a colon-separated list of 0, 1, d, s`,
  rf: (v) =>
    /^[A-Za-z][A-Za-z0-9-]*(?:[ \t]*:[ \t]*[A-Za-z][A-Za-z0-9-]*)*$/.test(v)
      ? undefined
      : `"${v}" is not a list of report formats (afrf)`,
  ri: (v) =>
    /^\d{1,10}$/.test(v) && Number(v) <= 4294967295 ? undefined : `"${v}" is not a number of seconds`,
  rua: (v) => parseUris(v).find((u) => u.problem && u.scheme !== 'https' && u.scheme !== 'http')?.problem,
  ruf: (v) => parseUris(v).find((u) => u.problem && u.scheme !== 'https' && u.scheme !== 'http')?.problem,
  // DMARCbis (draft-ietf-dmarc-dmarcbis) tags, known to current receivers.
  psd: (v) => (/^[ynu]$/i.test(v) ? undefined : `"${v}" is not y, n or u`),
  t: (v) => (/^[yn]$/i.test(v) ? undefined : `"${v}" is not y or n`),
};

/** Reads a DMARC record (strings joined). Never throws, whatever the input. */
export function parseDmarc(record: string): ParsedDmarc {
  const tags: DmarcTag[] = [];
  const byName = new Map<string, DmarcTag>();
  const issues: DmarcIssue[] = [];
  const unknown: DmarcTag[] = [];
  let at = 0;
  for (const part of record.split(';')) {
    const lead = part.length - part.trimStart().length;
    const text = part.trim();
    const offset = at + lead;
    at += part.length + 1;
    if (text === '') continue;
    const eq = text.indexOf('=');
    if (eq < 0) {
      issues.push({ offset, tag: text, problem: 'not a tag=value pair', severity: 'error' });
      continue;
    }
    const rawName = text.slice(0, eq).trim();
    const tag: DmarcTag = { name: rawName.toLowerCase(), value: text.slice(eq + 1).trim(), text, offset };
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(rawName)) {
      issues.push({ offset, tag: text, problem: `"${rawName}" is not a valid tag name`, severity: 'error' });
      continue;
    }
    if (tags.length === 0 && tag.name !== 'v') {
      issues.push({ offset, tag: text, problem: 'the first tag must be v=DMARC1', severity: 'error' });
    }
    tags.push(tag);
    if (byName.has(tag.name)) {
      issues.push({ offset, tag: text, problem: `"${tag.name}" appears more than once`, severity: 'error' });
      continue;
    }
    byName.set(tag.name, tag);
    const validate = VALIDATE[tag.name];
    if (!validate) {
      unknown.push(tag);
      issues.push({
        offset,
        tag: text,
        problem: `unknown tag "${rawName}" (receivers ignore it)`,
        severity: 'note',
      });
      continue;
    }
    if (tag.name === 'v' && tags.length > 1) {
      issues.push({ offset, tag: text, problem: 'v= must be the first tag', severity: 'error' });
    }
    let problem = tag.value === '' ? 'the value is empty' : validate(tag.value);
    if (problem && /\s[A-Za-z]+\s*=/.test(tag.value)) problem += ' (a ";" missing between tags?)';
    if (problem) issues.push({ offset, tag: text, problem, severity: 'error' });
    if (
      tag.name === 'rf' &&
      !problem &&
      tag.value.split(':').some((f) => f.trim().toLowerCase() !== 'afrf')
    ) {
      issues.push({ offset, tag: text, problem: 'only the afrf report format is defined', severity: 'note' });
    }
    if ((tag.name === 'rua' || tag.name === 'ruf') && !problem) {
      for (const u of parseUris(tag.value).filter((x) => x.problem)) {
        issues.push({ offset, tag: text, problem: u.problem!, severity: 'note' });
      }
    }
  }
  const p = byName.get('p');
  if (!p) {
    issues.push({
      offset: record.length,
      tag: '',
      problem: 'p= is required (RFC 7489 §6.3)',
      severity: 'error',
    });
  } else if (tags[1] !== p) {
    issues.push({
      offset: p.offset,
      tag: p.text,
      problem: 'p= should directly follow v= (RFC 7489 §6.4)',
      severity: 'note',
    });
  }
  issues.sort((a, b) => a.offset - b.offset);
  return { tags, byName, issues, unknown };
}

/** "offset 9 \"p=rejectt\": ..." */
export function formatIssue(i: DmarcIssue): string {
  return `offset ${i.offset}${i.tag ? ` "${i.tag}"` : ''}: ${i.problem}`;
}

export const UNANSWERED: ReadonlySet<DnsStatus> = new Set(['SERVFAIL', 'REFUSED', 'TIMEOUT']);

export type DmarcStart = { finding: Finding } | { record: string; parsed: ParsedDmarc; evidence: string[] };

/**
 * The common start of dmarc.policy, dmarc.pct and dmarc.rua: error when the lookup is missing or
 * unanswered, skip without exactly one DMARC record (dmarc.record reports that).
 */
export function dmarcStart(lookup: DnsLookup<string> | undefined, domain: string): DmarcStart {
  if (!lookup) return { finding: cannotJudge('DMARC record not gathered') };
  if (UNANSWERED.has(lookup.status)) {
    return {
      finding: cannotJudge(
        `DMARC record of ${domain} could not be fetched: TXT ${lookup.name} ${lookup.status}`,
      ),
    };
  }
  const records = lookup.records.filter(isDmarcRecord);
  if (records.length === 0)
    return { finding: notApplicable(`${domain} publishes no DMARC record (see dmarc.record)`) };
  if (records.length > 1) {
    return {
      finding: notApplicable(
        `${domain} publishes ${records.length} DMARC records, which receivers ignore (see dmarc.record)`,
      ),
    };
  }
  const record = records[0]!;
  return { record, parsed: parseDmarc(record), evidence: [`TXT ${lookup.name}: ${JSON.stringify(record)}`] };
}
