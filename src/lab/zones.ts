/**
 * The lab's DNS zones, as data: a few mail domains under the reserved `.example` TLD (RFC 2606),
 * each showing a pass or a fail for the mail-DNS checks, plus the names of the lab's host servers
 * (`lab.example`, showing PTR and FCrDNS passes and fails), the reverse zones and a DNS blocklist.
 * The lab DNS server (dns-server.ts) serves them on loopback; `mailcheck demo`, the tests and the
 * benchmark point the resolver at it, so nothing here ever reaches real DNS.
 *
 * Zone format:
 * - `origin` is the zone apex (`good.example`); `records` hold absolute owner names (no trailing
 *   dot needed; case-insensitive) at or below the origin, or `@` for the apex.
 * - `data` depends on `type`: an address for A/AAAA, a name for CNAME/NS/PTR, `{ priority,
 *   exchange }` for MX (exchange `.` is the RFC 7505 null MX), the character-strings of one record
 *   for TXT (a plain string is one character-string; each must be at most 255 octets, RFC 1035
 *   §3.3.14 — use {@link splitTxt} for longer texts), an SOA object, and for TLSA the RFC 6698
 *   fields with `data` in hex.
 * - `signed` marks a zone whose answers get the AD bit when the query sets DO (we model a
 *   validating resolver, not real signatures). A zone without an SOA gets a minimal one from the
 *   server.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { TlsaRecord } from '../model/dns-artifacts.js';
import { labCertDir } from './lab.js';
import type { MtaStsPolicyConfig } from './mta-sts-server.js';

export interface SoaData {
  primary: string;
  admin: string;
  serial: number;
  refresh: number;
  retry: number;
  expiration: number;
  minimum: number;
}

interface RecordBase {
  /** Absolute owner name, or `@` for the zone apex. */
  name: string;
  /** Seconds; default 300. */
  ttl?: number;
}

/** One resource record of a lab zone (see the module comment for the shape of `data`). */
export type ZoneRecord =
  | (RecordBase & { type: 'A' | 'AAAA' | 'CNAME' | 'NS' | 'PTR'; data: string })
  | (RecordBase & { type: 'MX'; data: { priority: number; exchange: string } })
  | (RecordBase & { type: 'TXT'; data: string | string[] })
  | (RecordBase & { type: 'SOA'; data: SoaData })
  | (RecordBase & { type: 'TLSA'; data: TlsaRecord });

export type ZoneRecordType = ZoneRecord['type'];

/** One zone: an apex and the records at or below it. */
export interface Zone {
  origin: string;
  /** Answers get the AD bit for DO queries (see the module comment). */
  signed?: boolean;
  records: ZoneRecord[];
}

/**
 * Passes every mail-DNS check: two MX hosts with A and PTR (FCrDNS), mx1 also AAAA ::1; SPF
 * `-all`; DKIM `s1` (RSA 2048, published as two strings) and `ed1` (Ed25519); DMARC reject with
 * rua and pct=100; MTA-STS enforce with a policy covering both MX; TLS-RPT; TLSA 3 1 1 for mx1 and mx2
 * matching src/lab/certs/good.pem; a signed zone (AD on DO queries). Not on the lab DNSBL.
 */
export const GOOD_DOMAIN = 'good.example';
/**
 * Weak everywhere: the first MX points at a CNAME (mail → relay.weak.example), the second MX's
 * address has no PTR; SPF with `ptr`, `~all`, 3 void lookups and 16 DNS-querying terms through a
 * chain of includes (inc1 … inc11); DKIM `s1` RSA 1024 with t=y and a revoked `old` selector
 * (empty p=); DMARC p=none without rua; no MTA-STS, no TLS-RPT; a TLSA record that matches no
 * certificate; the relay's address is listed on the lab DNSBL.
 */
export const WEAK_DOMAIN = 'weak.example';
/**
 * Broken records: two SPF records (one of them long, split into a 255-octet string and the rest,
 * and the whole TXT answer is over 512 octets, so UDP without EDNS comes back truncated); a DMARC
 * record with a syntax error (p=rejectt); an MTA-STS TXT whose policy fetch answers 404. No DKIM,
 * no TLS-RPT. Its MX record is fine; the host behind it offers no STARTTLS.
 */
export const BROKEN_DOMAIN = 'broken.example';
/** RFC 7505 null MX (`0 .`), `v=spf1 -all` and DMARC reject: a domain that sends and receives no mail. */
export const NULLMX_DOMAIN = 'nullmx.example';
/** SPF `v=spf1 +all`: anyone may send (spf.all fails). Nothing else published. */
export const OPENSPF_DOMAIN = 'openspf.example';
/** SPF with a syntax error (`ip4:300.1.1.1`, unknown mechanism `foo:bar`). Nothing else published. */
export const BADSYNTAX_DOMAIN = 'badsyntax.example';
/** RFC 5782 DNS blocklist: the test entry 127.0.0.2 (and ::ffff:7f00:2) and the weak.example relay are listed. */
export const LAB_DNSBL_ZONE = 'dnsbl.lab.example';

/** Every lab mail domain, in the order the demo shows them. */
export const LAB_DOMAINS = [
  GOOD_DOMAIN,
  WEAK_DOMAIN,
  BROKEN_DOMAIN,
  NULLMX_DOMAIN,
  OPENSPF_DOMAIN,
  BADSYNTAX_DOMAIN,
] as const;

/** The lab domains `mailcheck demo` audits, in the order it shows them. */
export const LAB_DEMO_DOMAINS = [GOOD_DOMAIN, WEAK_DOMAIN, BROKEN_DOMAIN, NULLMX_DOMAIN] as const;

/** Zones that {@link labZones} marks as signed. */
export const LAB_SIGNED_ZONES = [GOOD_DOMAIN] as const;

/** MX host names of the lab (the names MX records point at, or the CNAME target for weak.example). */
export const GOOD_MX1 = 'mx1.good.example';
export const GOOD_MX2 = 'mx2.good.example';
/** weak.example's first MX target: a CNAME to {@link WEAK_RELAY} (RFC 2181 §10.3 violation). */
export const WEAK_MX_ALIAS = 'mail.weak.example';
export const WEAK_RELAY = 'relay.weak.example';
/** weak.example's second MX: its address has no PTR. */
export const WEAK_MX2 = 'mx2.weak.example';
export const BROKEN_MX = 'mx.broken.example';

/** The hosts that have addresses, and their default IPv4 loopback addresses (each distinct, none 127.0.0.2). */
export const LAB_MAIL_HOSTS = {
  [GOOD_MX1]: '127.0.0.1',
  [GOOD_MX2]: '127.0.0.6',
  [WEAK_RELAY]: '127.0.0.3',
  [WEAK_MX2]: '127.0.0.4',
  [BROKEN_MX]: '127.0.0.5',
} as const;
export type LabMailHost = keyof typeof LAB_MAIL_HOSTS;

/**
 * The zone of the lab's own hosts: the names the host lab servers (lab.ts) give in their greetings,
 * and the DNS blocklist below it.
 */
export const LAB_ZONE = 'lab.example';
/** The three compliant host servers (port 25 style, submission, smtps): A and PTR agree (FCrDNS passes). */
export const LAB_HOST_MAIL = 'mail.lab.example';
/** The legacy host server: its address has a PTR to this name, but the name's A is elsewhere (FCrDNS fails). */
export const LAB_HOST_LEGACY = 'legacy.lab.example';
/** The host server without TLS: the name has an A record, its address has no PTR. */
export const LAB_HOST_PLAIN = 'plain.lab.example';

/** The host lab servers' names and their default IPv4 loopback addresses (distinct from the mail hosts'). */
export const LAB_SERVER_HOSTS = {
  [LAB_HOST_MAIL]: '127.0.0.10',
  [LAB_HOST_LEGACY]: '127.0.0.11',
  [LAB_HOST_PLAIN]: '127.0.0.12',
} as const;
export type LabServerHost = keyof typeof LAB_SERVER_HOSTS;

/** Where legacy.lab.example's A record points: no lab server listens there, so FCrDNS of the legacy address fails. */
export const LEGACY_FORWARD_ADDRESS = '127.0.0.99';

/** mx1.good.example's IPv6 address (the only IPv6 loopback address). */
export const GOOD_MX1_IPV6 = '::1';

/** RFC 5782 §5: the IPv4 test address every DNSBL lists (and 127.0.0.1, which none may list). */
export const DNSBL_TEST_LISTED = '127.0.0.2';
/** RFC 5782 §5: the IPv6 test address an IPv6-capable DNSBL lists. */
export const DNSBL_TEST_LISTED_V6 = '::ffff:7f00:2';

/** The `id=` of the lab's MTA-STS TXT records. */
export const LAB_MTA_STS_ID = '2026112101';

/** good.example's MTA-STS policy (RFC 8461 §3.2; CRLF line ends as the ABNF has them). */
export const GOOD_MTA_STS_POLICY = [
  'version: STSv1',
  'mode: enforce',
  `mx: ${GOOD_MX1}`,
  `mx: ${GOOD_MX2}`,
  'max_age: 604800',
  '',
].join('\r\n');

/**
 * What the lab's MTA-STS server serves, keyed by the policy host: good.example's policy, and a
 * 404 for broken.example (which publishes the TXT all the same). Other hosts get 404 too.
 */
export function labMtaStsPolicies(): Record<string, MtaStsPolicyConfig> {
  return {
    [`mta-sts.${GOOD_DOMAIN}`]: GOOD_MTA_STS_POLICY,
    [`mta-sts.${BROKEN_DOMAIN}`]: { status: 404, body: 'policy not found\n' },
  };
}

/** Splits a TXT value into character-strings of at most `size` octets (RFC 7208 §3.3 joins them back without spaces). */
export function splitTxt(text: string, size = 255): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size).toString('utf8'));
  return out.length > 0 ? out : [''];
}

/** The reverse-lookup name of an address: `1.0.0.127.in-addr.arpa`, or 32 nibbles under ip6.arpa. */
export function reverseName(address: string): string {
  if (net.isIPv4(address)) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  if (!net.isIPv6(address)) throw new RangeError(`not an IP address: ${address}`);
  return `${ipv6Nibbles(address).reverse().join('.')}.ip6.arpa`;
}

/** An address's DNSBL query name in `zone` (RFC 5782 §2.1 and §2.4). */
export function dnsblName(address: string, zone: string): string {
  return reverseName(address).replace(/\.(in-addr|ip6)\.arpa$/, `.${zone}`);
}

function ipv6Nibbles(address: string): string[] {
  let text = address.toLowerCase();
  // A dotted IPv4 tail (::ffff:127.0.0.2) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => g.padStart(4, '0').split(''));
}

let goodTlsaData: string | undefined;

/** SHA-256 of the SubjectPublicKeyInfo of src/lab/certs/good.pem: the data of a TLSA 3 1 1 record (RFC 6698 §2.1). */
export function goodCertSpkiSha256(): string {
  if (goodTlsaData === undefined) {
    const cert = new crypto.X509Certificate(fs.readFileSync(path.join(labCertDir(), 'good.pem')));
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    goodTlsaData = crypto.createHash('sha256').update(spki).digest('hex');
  }
  return goodTlsaData;
}

/** A SHA-256 that matches no lab certificate: weak.example's stale TLSA record. */
const STALE_TLSA_DATA = crypto
  .createHash('sha256')
  .update('mailcheck lab: key rolled, TLSA not updated')
  .digest('hex');

/** DKIM public key for a `p=` tag: SPKI for RSA (RFC 6376 §3.6.1), the raw 32-octet key for Ed25519 (RFC 8463 §4.2). */
function dkimPublicKey(privateKeyPem: string): string {
  const key = crypto.createPublicKey(privateKeyPem);
  const spki = key.export({ type: 'spki', format: 'der' });
  return (key.asymmetricKeyType === 'ed25519' ? spki.subarray(spki.length - 32) : spki).toString('base64');
}

function dkimRecord(key: LabDkimKey, extra = ''): string[] {
  const k = key.algorithm === 'ed25519' ? 'ed25519' : 'rsa';
  return splitTxt(`v=DKIM1; k=${k};${extra} p=${dkimPublicKey(key.privateKeyPem)}`);
}

export interface LabZonesOptions {
  /**
   * Addresses of the lab's mail hosts, keyed by {@link LabMailHost} names (IPv4, 127.0.0.0/8,
   * distinct, not 127.0.0.2); missing ones take {@link LAB_MAIL_HOSTS}; unknown names throw.
   */
  mailHosts?: Readonly<Record<string, string>>;
  /**
   * Addresses of the host lab servers' names, keyed by {@link LabServerHost} (same rules as
   * `mailHosts`, and distinct from them); missing ones take {@link LAB_SERVER_HOSTS}.
   */
  serverHosts?: Readonly<Record<string, string>>;
  /** Address of every `mta-sts.<domain>` host, where the lab's MTA-STS server listens (default 127.0.0.1). */
  mtaStsAddress?: string;
  /**
   * The MTA-STS server's port. DNS cannot carry it (RFC 8461 fetches port 443); the fetcher's
   * test hook is given the port. Accepted so callers can pass the lab layout in one object.
   */
  mtaStsPort?: number;
}

/** Takes `defaults` with `overrides` applied; override names are case-insensitive and must be known. */
function mergeHosts(
  defaults: Readonly<Record<string, string>>,
  overrides: Readonly<Record<string, string>>,
  kind: string,
): Record<string, string> {
  const hosts: Record<string, string> = { ...defaults };
  for (const [name, address] of Object.entries(overrides)) {
    const key = name.toLowerCase().replace(/\.$/, '');
    if (!(key in defaults)) {
      throw new RangeError(`unknown ${kind} ${name} (known: ${Object.keys(defaults).join(', ')})`);
    }
    hosts[key] = address;
  }
  return hosts;
}

/** Checks what the lab's pass/fail cases depend on: loopback IPv4, one host per address, no accidental listing. */
function checkAddresses(hosts: Readonly<Record<string, string>>, kind: (name: string) => string): void {
  const seen = new Map<string, string>();
  for (const [name, address] of Object.entries(hosts)) {
    if (!net.isIPv4(address) || !address.startsWith('127.')) {
      throw new RangeError(`${kind(name)} ${name}: ${address} is not an IPv4 loopback address (127.0.0.0/8)`);
    }
    // PTR, FCrDNS and DNSBL results are per address: sharing one would mix the pass and fail cases.
    const other = seen.get(address);
    if (other !== undefined) throw new RangeError(`lab hosts ${other} and ${name} share ${address}`);
    if (address === DNSBL_TEST_LISTED && name !== WEAK_RELAY) {
      throw new RangeError(
        `${kind(name)} ${name}: ${address} is the DNSBL test entry (listed by definition)`,
      );
    }
    if (address === LEGACY_FORWARD_ADDRESS) {
      throw new RangeError(
        `${kind(name)} ${name}: ${address} is where ${LAB_HOST_LEGACY} points to fail FCrDNS`,
      );
    }
    seen.set(address, name);
  }
}

/** Resolves the mail host → address map, checking what the lab's pass/fail cases depend on. */
export function labMailHostAddresses(
  mailHosts: Readonly<Record<string, string>> = {},
): Record<LabMailHost, string> {
  const hosts = mergeHosts(LAB_MAIL_HOSTS, mailHosts, 'lab mail host');
  checkAddresses(hosts, () => 'lab mail host');
  return hosts as Record<LabMailHost, string>;
}

/** Every lab host's address: the mail hosts and the host servers' names, checked together. */
export interface LabHostAddresses {
  mailHosts: Record<LabMailHost, string>;
  serverHosts: Record<LabServerHost, string>;
}

/** Resolves both host → address maps (defaults {@link LAB_MAIL_HOSTS} and {@link LAB_SERVER_HOSTS}) and checks them as one set. */
export function labHostAddresses(
  opts: Pick<LabZonesOptions, 'mailHosts' | 'serverHosts'> = {},
): LabHostAddresses {
  const mailHosts = mergeHosts(LAB_MAIL_HOSTS, opts.mailHosts ?? {}, 'lab mail host');
  const serverHosts = mergeHosts(LAB_SERVER_HOSTS, opts.serverHosts ?? {}, 'lab server host');
  checkAddresses({ ...mailHosts, ...serverHosts }, (name) =>
    name in LAB_SERVER_HOSTS ? 'lab server host' : 'lab mail host',
  );
  return {
    mailHosts: mailHosts as Record<LabMailHost, string>,
    serverHosts: serverHosts as Record<LabServerHost, string>,
  };
}

/**
 * broken.example's second SPF record: valid on its own, 470-odd characters, published as a
 * 255-octet string and the rest (the split falls inside a term, as it may on the wire).
 */
export const BROKEN_LONG_SPF = (() => {
  const terms = ['v=spf1', 'mx'];
  for (let i = 1; terms.join(' ').length <= 450; i++) terms.push(`ip4:127.0.${i}.0/24`);
  return [...terms, '-all'].join(' ');
})();

/** The lab's zones (see each domain constant for what it shows). */
export function labZones(opts: LabZonesOptions = {}): Zone[] {
  const { mailHosts: ip, serverHosts: own } = labHostAddresses(opts);
  const mtaSts = opts.mtaStsAddress ?? '127.0.0.1';
  const keys = LAB_DKIM_KEYS;
  const spfTxt = (domain: string, text: string): ZoneRecord => ({ name: domain, type: 'TXT', data: text });

  const good: Zone = {
    origin: GOOD_DOMAIN,
    signed: true,
    records: [
      { name: '@', type: 'MX', data: { priority: 10, exchange: GOOD_MX1 } },
      { name: '@', type: 'MX', data: { priority: 20, exchange: GOOD_MX2 } },
      spfTxt('@', 'v=spf1 mx ip4:127.0.0.0/8 -all'),
      // Not SPF: checks must pick the v=spf1 record out of the TXT set.
      { name: '@', type: 'TXT', data: 'lab-site-verification=mailcheck' },
      { name: GOOD_MX1, type: 'A', data: ip[GOOD_MX1] },
      { name: GOOD_MX1, type: 'AAAA', data: GOOD_MX1_IPV6 },
      { name: GOOD_MX2, type: 'A', data: ip[GOOD_MX2] },
      { name: `s1._domainkey.${GOOD_DOMAIN}`, type: 'TXT', data: dkimRecord(keys.goodS1) },
      { name: `ed1._domainkey.${GOOD_DOMAIN}`, type: 'TXT', data: dkimRecord(keys.goodEd1) },
      {
        name: `_dmarc.${GOOD_DOMAIN}`,
        type: 'TXT',
        data: `v=DMARC1; p=reject; rua=mailto:dmarc@${GOOD_DOMAIN}; pct=100`,
      },
      { name: `_mta-sts.${GOOD_DOMAIN}`, type: 'TXT', data: `v=STSv1; id=${LAB_MTA_STS_ID}` },
      { name: `mta-sts.${GOOD_DOMAIN}`, type: 'A', data: mtaSts },
      {
        name: `_smtp._tls.${GOOD_DOMAIN}`,
        type: 'TXT',
        data: `v=TLSRPTv1; rua=mailto:tlsrpt@${GOOD_DOMAIN}`,
      },
      // Both MX hosts present the same key (mx.pem is issued for good.key): DANE on every MX, since
      // one MX without TLSA is where an attacker would steer the mail.
      ...[GOOD_MX1, GOOD_MX2].map((mx): ZoneRecord => ({
        name: `_25._tcp.${mx}`,
        type: 'TLSA',
        data: { usage: 3, selector: 1, matchingType: 1, data: goodCertSpkiSha256() },
      })),
    ],
  };

  // Eleven includes chained one inside the next: with the apex's own terms that is 16 DNS-querying terms (RFC 7208 §4.6.4 allows 10).
  const includeChain: ZoneRecord[] = [];
  for (let i = 1; i <= 11; i++) {
    const next = i < 11 ? `include:inc${i + 1}.${WEAK_DOMAIN}` : 'ip4:127.0.0.0/8';
    includeChain.push(spfTxt(`inc${i}.${WEAK_DOMAIN}`, `v=spf1 ${next} -all`));
  }
  const weak: Zone = {
    origin: WEAK_DOMAIN,
    records: [
      { name: '@', type: 'MX', data: { priority: 10, exchange: WEAK_MX_ALIAS } },
      { name: '@', type: 'MX', data: { priority: 20, exchange: WEAK_MX2 } },
      { name: WEAK_MX_ALIAS, type: 'CNAME', data: WEAK_RELAY },
      { name: WEAK_RELAY, type: 'A', data: ip[WEAK_RELAY] },
      { name: WEAK_MX2, type: 'A', data: ip[WEAK_MX2] },
      spfTxt(
        '@',
        `v=spf1 a:nonexistent1.${WEAK_DOMAIN} a:nonexistent2.${WEAK_DOMAIN} a:nonexistent3.${WEAK_DOMAIN}` +
          ` ptr mx include:inc1.${WEAK_DOMAIN} ~all`,
      ),
      ...includeChain,
      { name: `s1._domainkey.${WEAK_DOMAIN}`, type: 'TXT', data: dkimRecord(keys.weakS1, ' t=y;') },
      { name: `old._domainkey.${WEAK_DOMAIN}`, type: 'TXT', data: 'v=DKIM1; k=rsa; p=' },
      { name: `_dmarc.${WEAK_DOMAIN}`, type: 'TXT', data: 'v=DMARC1; p=none' },
      {
        name: `_25._tcp.${WEAK_MX_ALIAS}`,
        type: 'TLSA',
        data: { usage: 3, selector: 1, matchingType: 1, data: STALE_TLSA_DATA },
      },
    ],
  };

  const broken: Zone = {
    origin: BROKEN_DOMAIN,
    records: [
      { name: '@', type: 'MX', data: { priority: 10, exchange: BROKEN_MX } },
      { name: BROKEN_MX, type: 'A', data: ip[BROKEN_MX] },
      spfTxt('@', 'v=spf1 mx -all'),
      { name: '@', type: 'TXT', data: splitTxt(BROKEN_LONG_SPF) },
      { name: `_dmarc.${BROKEN_DOMAIN}`, type: 'TXT', data: 'v=DMARC1; p=rejectt' },
      { name: `_mta-sts.${BROKEN_DOMAIN}`, type: 'TXT', data: `v=STSv1; id=${LAB_MTA_STS_ID}` },
      { name: `mta-sts.${BROKEN_DOMAIN}`, type: 'A', data: mtaSts },
    ],
  };

  const nullMx: Zone = {
    origin: NULLMX_DOMAIN,
    records: [
      { name: '@', type: 'MX', data: { priority: 0, exchange: '.' } },
      spfTxt('@', 'v=spf1 -all'),
      { name: `_dmarc.${NULLMX_DOMAIN}`, type: 'TXT', data: 'v=DMARC1; p=reject' },
    ],
  };

  const openSpf: Zone = { origin: OPENSPF_DOMAIN, records: [spfTxt('@', 'v=spf1 +all')] };
  const badSyntax: Zone = {
    origin: BADSYNTAX_DOMAIN,
    records: [spfTxt('@', 'v=spf1 ip4:300.1.1.1 foo:bar -all')],
  };

  // The host servers' names (lab.ts): mail passes FCrDNS, legacy's A points elsewhere, plain has no PTR.
  const labHosts: Zone = {
    origin: LAB_ZONE,
    records: [
      { name: LAB_HOST_MAIL, type: 'A', data: own[LAB_HOST_MAIL] },
      { name: LAB_HOST_LEGACY, type: 'A', data: LEGACY_FORWARD_ADDRESS },
      { name: LAB_HOST_PLAIN, type: 'A', data: own[LAB_HOST_PLAIN] },
    ],
  };

  // Every address with a PTR to its host, except weak.example's second MX (the dns.ptr fail case)
  // and plain.lab.example's.
  const withPtr: [string, string][] = [
    [ip[GOOD_MX1], GOOD_MX1],
    [ip[GOOD_MX2], GOOD_MX2],
    [ip[WEAK_RELAY], WEAK_RELAY],
    [ip[BROKEN_MX], BROKEN_MX],
    [own[LAB_HOST_MAIL], LAB_HOST_MAIL],
    [own[LAB_HOST_LEGACY], LAB_HOST_LEGACY],
  ];
  const inAddr: Zone = {
    origin: 'in-addr.arpa',
    records: withPtr.map(([address, host]) => ({ name: reverseName(address), type: 'PTR', data: host })),
  };
  const ip6: Zone = {
    origin: 'ip6.arpa',
    records: [{ name: reverseName(GOOD_MX1_IPV6), type: 'PTR', data: GOOD_MX1 }],
  };

  const listed = (address: string, reason: string): ZoneRecord[] => [
    { name: dnsblName(address, LAB_DNSBL_ZONE), type: 'A', data: '127.0.0.2' },
    { name: dnsblName(address, LAB_DNSBL_ZONE), type: 'TXT', data: reason },
  ];
  const dnsbl: Zone = {
    origin: LAB_DNSBL_ZONE,
    records: [
      ...listed(DNSBL_TEST_LISTED, 'RFC 5782 test entry: always listed'),
      ...listed(DNSBL_TEST_LISTED_V6, 'RFC 5782 test entry: always listed'),
      ...listed(
        ip[WEAK_RELAY],
        `Listed on purpose by the mailcheck lab: ${WEAK_RELAY}, MX of ${WEAK_DOMAIN}`,
      ),
    ],
  };

  return [good, weak, broken, nullMx, openSpf, badSyntax, labHosts, inAddr, ip6, dnsbl];
}

/** One DKIM key of the lab; the private keys exist so tests and the demo can sign real messages. */
export interface LabDkimKey {
  domain: string;
  selector: string;
  algorithm: 'rsa' | 'ed25519';
  bits?: number;
  /** PKCS#8 PEM. Not a secret: it signs only loopback lab mail. */
  privateKeyPem: string;
}

/** The lab's DKIM keys, fixed so reports are reproducible. */
export const LAB_DKIM_KEYS = {
  goodS1: {
    domain: GOOD_DOMAIN,
    selector: 's1',
    algorithm: 'rsa',
    bits: 2048,
    privateKeyPem: `-----BEGIN PRIVATE KEY-----
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCu4GCtLDbVMDmK
OtR6TvBoAhgZO9AyE3ldjnWkQehzWfzMvPmbieYcDE1Z/ltswBu84BC2+d+lQTcH
Bo5JYQ+UXaCs9YWXIG7WFbnWlSTBKqOwfN8Cs1yDTfHSubvHVUh93SX3XrreWvkX
ZdkVXMYgxInuUdkjKXVEy7tLmYMGdRz6AAr2X6gUAgd5VG2pAt68+XsrCaa5xMaE
qszI6xBWxbWFCr3pBNEj88N3K+WkHo9SRQJkZVKVYdF5ViSlX5bHrB1g8r85JDdV
O60lrVthRzSzcKSLrVjrf49sWM2sSjZSfdB5sjRsUdTU15LKHhlLd85UA5L75Mc0
UwzjYlQrAgMBAAECggEAJvSWtJzfzhfDCZbXVDOXfCPTSHO5ih4qb/vXGvMPm/qU
xOrn040hdGgNJxnxNcWJqEZlks0Q09g2MNt2AMSdWtiMfVroGmVAK3KFhlaM7Hba
Jet7JjfcSOepEd8MBHhsAJWt6m/wwq2TRXILrKWRASWm8C7NZvbKR7v2if21YU+A
nL1X0YR18QIRfrbTw8GfUpbZh/YToLYspLqOccjUkj6pc4JFd2/PArLwWEQ4znAE
1H+jaNDBrK5WQ80pgZtjODH1M6GvjVFrPf0QqSA3ZrinemcYDN+PWs1sCKGl8byw
/xleKvoMuYiEHNWRb7m5aNIn/7ZBMYSPPFRf3tU90QKBgQDpqHnQOLdEnpKqRaO6
faWeBJ/vaQnkR7zXqTolBfLe23sW8kvAw73TfhK60JQG9++FcpsJV36tSyKqXheR
nSP7QgsmsG6ZqQgWw4t21w8+kOP+7QnevuwHuhX51dw7J0LBpK8BYB8T+qJRWSUY
SCtB6YV6hfXlMjS3FcUdtBSKIwKBgQC/mQjgVJ2UIQBtDso9mf0WR9beojbT/A5T
xn/Ni2UVCazbu98dPZgaGV5OZzXPcLThx1EI4H+QT1lr+7VNLMvN9hSaWuSANB6S
hlrkC4L52XPQCIj+cJz6zpqmwQz79BrjxQkyhRSqk/+NNY+dAyEh7wtfAynymdZ8
ydj3CXpaWQKBgQC3Xb7S2F+Cm0sQEvytcsNRIeH9eRoJKv8Y47Y8rdFucSHE3Trz
uOk0myDJuLwiR9qRiGIAz8ga6Pb4akTmwkIlgSvNHfJ95jfx3V2KUrWk7QHv4ke3
pW8HlVJ/sQRW67Woz7uDQdLB1BQj8Oh6iNBhtohIoe5aAq956ry5VcQ0rwKBgQCz
jY4E9Scrj3XfvjGHY00L2U0jHO+234rptadFj/GtsoB89+ZSd8uYAdggL5b9DQlm
YSyu3fyN197cVGoGpglkvc13DeD/yFgyRpjdB3C6BrAC8Ey57f0fCgliZp5ta8jb
VWaWIqNIbCPcSKqKoUkmjOeiJcvk34hjL6IVeJtiGQKBgQCeO1tc55pylFpnx0CY
KC7IuQ3NYL6RaS4kIMb5vVUoAq4lCMi5Y1Bo5nkWi+jImX8cpRlQqdC4A5uQLUDF
hbuhdyLTzB3wnQALK6OGt6G3sjE4WaDjgwrKy9lqgMUElzabu9xC/9g40ltyZlU6
mT0qLrYCZqUs4Hz4CWKSTqECnQ==
-----END PRIVATE KEY-----
`,
  },
  goodEd1: {
    domain: GOOD_DOMAIN,
    selector: 'ed1',
    algorithm: 'ed25519',
    privateKeyPem: `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1tgnEVrj0jDHocvK9/ujx1IyJPDg9h79Lu0y579TTK
-----END PRIVATE KEY-----
`,
  },
  weakS1: {
    domain: WEAK_DOMAIN,
    selector: 's1',
    algorithm: 'rsa',
    bits: 1024,
    privateKeyPem: `-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALQ6gMWai43z0sxl
iqQlCM9dQ0kbkeMW4nla6Xvqd7Ga+iJBz4NzGZmusAlYmldDrPt+ja478x3NUcad
PCkN75E+/+hTw06mzdP3NajUaz2dkdOgrG3j2LccIPnr89jYPABoHQ/VUOT8rXwt
oolMFu7ubLDIJXRTJr1zgQ3HKj0hAgMBAAECgYB1xc0kU8tiJbTYkHo6rWDGcQFp
IrUAmpHAD6KHsT4qN0XBYRQDqBFQlhC+6sFgyP6fEaHv+4jxLpyDl3gas9qaC6C3
NFUBMU6Kmrfirrndf1WDlavpxLAZ90cp04WHp9kgYdXUBJRM1rXkK5/8621Lh+++
jV1UXW1uiyvSrYU8KQJBAOrjSBm170n0P1IO8fx0c+CbYdCUAc21KkUq3f9u4pYz
iQi7I4V53joGsrEuqqcJWaZRmfyjWOCZ2AoHClrsglcCQQDEbYXVxPxVqpWtfj4y
zzn3w9gSZx2esZZ6uyN/33sY/FSKd+XdkZrqweJzqhue2+EF/z36XKonbJS70qnJ
FkFHAkAW7zA4CnKd1vJj0b/A9aHm2WUYl4sBieHhtQjOCwamwctshdE3FColokfK
UxMokholyivt5gkkjQDyIbPaIuOrAkEAvwktkpwENWS0MYmIAG5eGEOWTz+OJRre
GPsMKX81/zTZG9pD6tuDaTGrhYY5WqTKEsUMiAO7UKBfftQBYJqOXQJAJHWkI5y5
+tRjyENGYS0KI7TQgDvN3LTJH7E6/gpgMVYJTlugIbLpnocGFLUr/rLLDfsmzYiA
cKAUXnXF6pOL5Q==
-----END PRIVATE KEY-----
`,
  },
} as const satisfies Record<string, LabDkimKey>;
