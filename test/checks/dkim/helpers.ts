/**
 * DKIM builders for the check tests: selector lookups and key records made from fresh keys. The
 * generic domain builders live in test/helpers/dns-facts.ts.
 */
import crypto from 'node:crypto';
import type { DkimSelectorFacts, DnsStatus } from '../../../src/model/dns-artifacts.js';
import { dnsLookup } from '../../helpers/dns-facts.js';

export const DOMAIN = 'example.edu';

/** A selector lookup: `records` given → ok, else the status (default NXDOMAIN). */
export function selector(
  name: string,
  opts: { configured?: boolean; records?: string[]; status?: DnsStatus; cname?: string } = {},
): DkimSelectorFacts {
  const answer = opts.records?.length ? opts.records : (opts.status ?? 'NXDOMAIN');
  const l = dnsLookup<string>(`${name}._domainkey.${DOMAIN}`, 'TXT', answer);
  if (opts.cname) l.cname = opts.cname;
  return { selector: name, configured: opts.configured ?? false, lookup: l };
}

/** Some of the common selectors the gatherer also asks, all NXDOMAIN. */
export function commonMisses(): DkimSelectorFacts[] {
  return ['google', 'selector1', 'selector2', 'default'].map((s) => selector(s));
}

const keyCache = new Map<string, string>();

/** Base64 `p=` value of a fresh key: RSA SPKI (or PKCS#1) of `bits`, or the raw 32 Ed25519 octets. */
export function publicKey(kind: 'rsa' | 'ed25519', bits = 2048, format: 'spki' | 'pkcs1' = 'spki'): string {
  const id = `${kind}/${bits}/${format}`;
  const cached = keyCache.get(id);
  if (cached) return cached;
  let value: string;
  if (kind === 'ed25519') {
    const spki = crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
    value = spki.subarray(spki.length - 32).toString('base64');
  } else {
    const { publicKey: key } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
    value = key.export({ type: format, format: 'der' }).toString('base64');
  }
  keyCache.set(id, value);
  return value;
}

/** `v=DKIM1; k=<kind>;<extra> p=<fresh key>`. */
export function dkimRecord(kind: 'rsa' | 'ed25519' = 'rsa', bits = 2048, extra = ''): string {
  return `v=DKIM1; k=${kind};${extra} p=${publicKey(kind, bits)}`;
}
