/**
 * Helpers shared by the DKIM checks: reading a key record (RFC 6376 §3.6.1) with mailauth's
 * tag=value parser, decoding its public key, and showing selectors in evidence.
 */
import { createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import type { DkimSelectorFacts, DnsStatus } from '../../model/dns-artifacts.js';

interface TagValueResult {
  tags: Record<string, string | string[]>;
  errors: string[];
}

// mailauth ships no types for lib/tools.js; this is the one function we use from it. Loaded on
// first use: the module and what it pulls in take ~0.3 s to load, which every command would pay.
type ParseTagValueRecord = (record: string, options?: object) => TagValueResult;
let parseTagValueRecordFn: ParseTagValueRecord | undefined;
function parseTagValueRecord(record: string, options?: object): TagValueResult {
  parseTagValueRecordFn ??= (
    createRequire(import.meta.url)('mailauth/lib/tools.js') as { parseTagValueRecord: ParseTagValueRecord }
  ).parseTagValueRecord;
  return parseTagValueRecordFn(record, options);
}

/** DNS outcomes that are no answer at all: a check must not pass or fail on them. */
export const UNANSWERED: ReadonlySet<DnsStatus> = new Set(['SERVFAIL', 'REFUSED', 'TIMEOUT']);

/** One DKIM key record as published. */
export interface DkimKeyRecord {
  text: string;
  /** Tag syntax errors, duplicate tags (RFC 6376 §3.2 makes the whole record invalid). */
  errors: string[];
  version?: string;
  /** `k=`, lower case; RFC 6376 §3.6.1 defaults it to rsa. */
  keyType: string;
  /** `p=` with folding whitespace removed. */
  publicKey: string;
  /** RFC 6376 §3.6.1: an empty `p=` means the key has been revoked. */
  revoked: boolean;
  /** `t=` flags, lower case (y = testing, s = strict). */
  flags: string[];
  /** `h=` hash algorithms, lower case, when the tag is present. */
  hashes?: string[];
}

/** Whether a TXT record at a selector is meant as a DKIM key: `v=DKIM1` first, or a `p=` tag. */
export function isKeyRecord(text: string): boolean {
  return /^\s*v\s*=\s*DKIM1\s*(;|$)/i.test(text) || /(^|;)\s*p\s*=/i.test(text);
}

export function parseKeyRecord(text: string): DkimKeyRecord {
  const { tags, errors } = parseTagValueRecord(text, { allowDuplicateKeys: false });
  const tag = (name: string): string | undefined => {
    const v = Object.hasOwn(tags, name) ? tags[name] : undefined;
    return typeof v === 'string' ? v : undefined;
  };
  const list = (v: string | undefined): string[] =>
    (v ?? '')
      .split(':')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
  const p = tag('p');
  const record: DkimKeyRecord = {
    text,
    errors: [...errors],
    keyType: (tag('k') ?? 'rsa').toLowerCase(),
    publicKey: (p ?? '').replace(/\s+/g, ''),
    revoked: p !== undefined && p.trim() === '',
    flags: list(tag('t')),
  };
  if (p === undefined) record.errors.push('no p= tag');
  const v = tag('v');
  if (v !== undefined) record.version = v;
  const h = tag('h');
  if (h !== undefined) record.hashes = list(h);
  return record;
}

/** SPKI DER prefix of an Ed25519 key (RFC 8410 §4): DKIM publishes only the 32 raw octets (RFC 8463 §4.2). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type DecodedKey = { type: 'rsa'; bits: number } | { type: 'ed25519' } | { error: string };

/** Decodes `p=` for the record's `k=` and, for RSA, reads the modulus size. */
export function decodeKey(record: DkimKeyRecord): DecodedKey {
  const b64 = record.publicKey;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return { error: 'p= is not base64' };
  const der = Buffer.from(b64, 'base64');
  if (record.keyType === 'ed25519') {
    if (der.length !== 32) return { error: `p= holds ${der.length} octets; an Ed25519 key has 32` };
    try {
      createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, der]), format: 'der', type: 'spki' });
      return { type: 'ed25519' };
    } catch {
      return { error: 'p= is not an Ed25519 public key' };
    }
  }
  if (record.keyType !== 'rsa') return { error: `unknown key type k=${record.keyType}` };
  // RFC 6376 §3.6.1 publishes SubjectPublicKeyInfo; some tools publish a bare RSAPublicKey (PKCS#1).
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      if (key.asymmetricKeyType !== 'rsa')
        return { error: `p= holds a ${key.asymmetricKeyType} key, but k=rsa` };
      const bits = key.asymmetricKeyDetails?.modulusLength;
      return bits ? { type: 'rsa', bits } : { error: 'could not read the RSA modulus size' };
    } catch {
      // try the next encoding
    }
  }
  return { error: 'p= is not an RSA public key' };
}

/** The owner name a selector was looked up at. */
export function selectorName(s: DkimSelectorFacts): string {
  return s.lookup.name;
}

/** The key records at a selector (other TXT records there are not DKIM's). */
export function keyRecords(s: DkimSelectorFacts): DkimKeyRecord[] {
  return s.lookup.status === 'ok' ? s.lookup.records.filter(isKeyRecord).map(parseKeyRecord) : [];
}

/** A record for evidence: long `p=` values shortened, so a report stays readable. */
export function showRecord(text: string): string {
  const shown = text.replace(/(p\s*=\s*)([A-Za-z0-9+/=\s]{48,})/i, (_, tag: string, key: string) => {
    const k = key.replace(/\s+/g, '');
    return `${tag}${k.slice(0, 24)}…(${k.length} chars)`;
  });
  return `"${shown}"`;
}

/** "s1._domainkey.example.edu" plus " (CNAME → target)" when the answer went through an alias. */
export function showName(s: DkimSelectorFacts): string {
  return s.lookup.cname ? `${s.lookup.name} (CNAME → ${s.lookup.cname})` : s.lookup.name;
}

/** Selectors with no key record, grouped by DNS outcome: "NXDOMAIN: google, selector1". */
export function missingLines(selectors: DkimSelectorFacts[]): string[] {
  const byStatus = new Map<string, string[]>();
  for (const s of selectors) {
    const status = s.lookup.status === 'ok' ? 'TXT without a DKIM key' : s.lookup.status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), s.selector]);
  }
  return [...byStatus].map(([status, names]) => `no key (${status}): ${names.join(', ')}`);
}
