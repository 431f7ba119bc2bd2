/**
 * tls.dane — the TLSA records of each MX (`_25._tcp.<mx>`) are DNSSEC-validated and match the
 * certificate the MX presents on port 25 (RFC 7672): DANE-EE(3) against the leaf, DANE-TA(2)
 * against a CA certificate the leaf chains to.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { CertificateFacts, EndpointFacts, HostFacts } from '../../model/artifacts.js';
import type { DnsLookup, DomainFacts, TlsaRecord } from '../../model/dns-artifacts.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';
import { isUnanswered, normalName, statusWords } from '../dns/common.js';
import { certName, noTlsReason } from './common.js';

/** RFC 7672 §3.1: SMTP uses DANE-TA(2) and DANE-EE(3); PKIX-TA(0)/PKIX-EE(1) are unusable. */
const USAGES: Record<number, string> = { 2: 'DANE-TA', 3: 'DANE-EE' };
/** RFC 6698 §2.1.2 selectors and §2.1.3 matching types. */
const SELECTORS: Record<number, string> = { 0: 'full certificate', 1: 'SubjectPublicKeyInfo' };
const MATCHING: Record<number, string | null> = { 0: null, 1: 'sha256', 2: 'sha512' };

interface Cert {
  x509: X509Certificate;
  facts: CertificateFacts;
}

function parse(chain: CertificateFacts[]): Cert[] | undefined {
  try {
    return chain.map((facts) => ({ x509: new X509Certificate(facts.pem), facts }));
  } catch {
    return undefined;
  }
}

/** The association data a TLSA record with this selector and matching type would carry for `cert`. */
export function associationData(cert: X509Certificate, selector: number, matchingType: number): string {
  const bytes = selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
  const algorithm = MATCHING[matchingType];
  return algorithm ? createHash(algorithm).update(bytes).digest('hex') : Buffer.from(bytes).toString('hex');
}

export function isUsable(r: TlsaRecord): boolean {
  return r.usage in USAGES && r.selector in SELECTORS && r.matchingType in MATCHING;
}

/** "3 1 1 4f2a…" with long data cut, as dig shows a record. */
function show(r: TlsaRecord): string {
  const data = r.data.length > 64 ? `${r.data.slice(0, 64)}…` : r.data;
  return `${r.usage} ${r.selector} ${r.matchingType} ${data}`;
}

/** Whether chain[0] chains up to chain[top]: each certificate issued and signed by the next. */
function chainsTo(chain: Cert[], top: number): boolean {
  for (let k = 0; k < top; k++) {
    const issuer = chain[k + 1].x509;
    if (!chain[k].x509.checkIssued(issuer) || !chain[k].x509.verify(issuer.publicKey)) return false;
  }
  return true;
}

/** The first usable record matching the presented chain (RFC 7671 §5.1, §5.2), if any. */
function matchRecord(records: TlsaRecord[], chain: Cert[]): { record: TlsaRecord; cert: Cert } | undefined {
  for (const record of records) {
    const candidates = record.usage === 3 ? [0] : chain.map((_, i) => i).slice(1);
    for (const i of candidates) {
      if (associationData(chain[i].x509, record.selector, record.matchingType) !== record.data.toLowerCase())
        continue;
      if (record.usage === 3 || chainsTo(chain, i)) return { record, cert: chain[i] };
    }
  }
  return undefined;
}

type Outcome = { ok: string } | { problem: string } | { unknown: string };

/** One port-25 endpoint of an MX with TLSA records: does what it presents match? */
function judgeEndpoint(mx: string, ep: EndpointFacts, usable: TlsaRecord[], evidence: string[]): Outcome {
  const where = `${mx} ${ep.family === 6 ? `[${ep.address}]` : ep.address}:${ep.port}`;
  if (ep.connect.ok && ep.ehlo && !ep.ehlo.capabilities.starttls && !ep.starttls?.offered) {
    return { problem: `${where} publishes TLSA records but does not offer STARTTLS` };
  }
  const hs = ep.tls?.handshake;
  if (!hs?.ok || hs.chain.length === 0) return { unknown: `${where}: ${noTlsReason(ep)}` };
  const chain = parse(hs.chain);
  if (!chain) return { unknown: `${where}: the presented certificate could not be parsed` };
  const hit = matchRecord(usable, chain);
  if (!hit) {
    const leaf = chain[0].x509;
    const kinds = new Map(usable.map((r) => [`${r.selector} ${r.matchingType}`, r]));
    const values = [...kinds.values()].map(({ selector, matchingType }) =>
      show({ usage: 3, selector, matchingType, data: associationData(leaf, selector, matchingType) }),
    );
    evidence.push(
      `${where} presented ${certName(chain[0].facts)}; its records would be: ${values.join(' | ')}`,
    );
    return { problem: `no TLSA record of ${mx} matches the certificate presented by ${where}` };
  }
  evidence.push(
    `${where} presented ${certName(chain[0].facts)}: matches ${show(hit.record)} (${certName(hit.cert.facts)})`,
  );
  // RFC 7672 §3.2.2: with DANE-TA the server name is still checked; DANE-EE ignores names.
  if (hit.record.usage === 2 && hs.hostname && !hs.hostname.matches) {
    return {
      problem: `${where} matches a DANE-TA record but its certificate is not valid for ${hs.hostname.name}`,
    };
  }
  return { ok: where };
}

/** Why DNSSEC does not cover the TLSA of this MX (RFC 7672 §2.2), or undefined when it does. */
function insecurity(domain: DomainFacts, mx: string, tlsa: DnsLookup<TlsaRecord>): string | undefined {
  if (tlsa.authenticated !== true) return `${mx}: TLSA answer not DNSSEC-validated`;
  if (domain.mx && domain.mx.lookup.authenticated !== true) return `${mx}: MX answer not DNSSEC-validated`;
  const host = domain.mx?.hosts.find((h) => normalName(h.name) === normalName(mx));
  const addr = host && [host.a, host.aaaa].find((l) => l.status === 'ok' && l.authenticated !== true);
  return addr ? `${mx}: ${addr.type} answer not DNSSEC-validated` : undefined;
}

/** Every port-25 probe of the MX host, or why there is none. */
function mxEndpoints(mxHosts: HostFacts[], mx: string): EndpointFacts[] | string {
  const host = mxHosts.find((h) => normalName(h.host) === normalName(mx));
  if (!host) return `no port-25 probe of ${mx}`;
  if (host.resolution?.failure) return `${mx}: ${host.resolution.failure.message}`;
  const eps = host.endpoints.filter((e) => e.profile === 'smtp');
  return eps.length ? eps : `no port-25 probe of ${mx}`;
}

export default defineDomainCheck({
  id: 'tls.dane',
  area: 'tls',
  title: 'DANE TLSA records match the MX certificates',
  scope: 'domain',
  reference: 'RFC 7672 §3.1',
  requires: ['dns-mx', 'tlsa', 'mx-probe'],
  defaultParams: { required: false },
  messages: {
    ok: 'the DNSSEC-validated TLSA records of {hosts} match the certificates presented on port 25',
    none: 'no TLSA records (DANE not deployed)',
    insecure:
      'TLSA records are not usable DANE without DNSSEC (RFC 7672 §2.2): {insecure} (the zone is unsigned, or the resolver does not validate)',
    partial: 'only {withTlsa} publish TLSA records; without: {without}',
    problems: 'DANE would fail for {domain}: {problems}',
  },
  remediation: {
    generic:
      'Publish a TLSA record for the key each MX presents, in a DNSSEC-signed zone, e.g. `_25._tcp.mx1.example.edu. IN TLSA 3 1 1 <SHA-256 of the SubjectPublicKeyInfo>`; publish the next key’s record before every key rollover (RFC 7671 §8.1)',
    postfix:
      'Compute the 3 1 1 value with `openssl x509 -in cert.pem -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256`; to use DANE when sending set `smtp_dns_support_level = dnssec` and `smtp_tls_security_level = dane`',
    exim: 'Compute the 3 1 1 value from `tls_certificate` (openssl x509 -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256); to use DANE when sending set `dnssec_request_domains = *` on the dnslookup router and `hosts_try_dane = *` on the smtp transport',
    sendmail:
      "Compute the 3 1 1 value from `confSERVER_CERT`; to use DANE when sending (8.16+, built with _FFR_DANE) set define(`confDANE', `true')",
    exchange:
      'Exchange Online: Enable-DnssecForVerifiedDomain then Enable-SmtpDaneInbound -DomainName example.edu; on premises publish 3 1 1 for the certificate bound to the receive connector',
    opensmtpd:
      'Compute the 3 1 1 value from the `pki` certificate and publish it; renew the key only after the new record is published',
  },
  run({ domain, mxHosts, params }) {
    if (domain.mx?.nullMx) return notApplicable('the domain accepts no mail (null MX)');
    if (!domain.tlsa) return cannotJudge('TLSA records not gathered');
    const names = Object.keys(domain.tlsa);
    if (names.length === 0) return notApplicable('the domain has no MX hosts');
    const evidence: string[] = [];
    const withTlsa: string[] = [];
    const without: string[] = [];
    const unknown: string[] = [];
    for (const mx of names) {
      const l = domain.tlsa[mx];
      const dnssec = l.authenticated === true ? 'DNSSEC-validated' : 'not DNSSEC-validated';
      evidence.push(
        `TLSA ${l.name} (${dnssec}): ${l.status === 'ok' ? l.records.map(show).join(', ') : l.status}`,
      );
      if (isUnanswered(l.status)) unknown.push(`TLSA ${l.name}: ${statusWords(l.status)}`);
      else if (l.status === 'ok') withTlsa.push(mx);
      else without.push(mx);
    }
    const data = { domain: domain.displayName, withTlsa, without };
    if (withTlsa.length === 0) {
      if (unknown.length) return cannotJudge(unknown.join('; '), evidence);
      return { status: params.required ? 'fail' : 'info', messageId: 'none', data, evidence };
    }
    if (mxHosts.length === 0) {
      return cannotJudge(
        'TLSA records found: matching them needs the port-25 certificate of each MX (not --dns-only)',
        evidence,
      );
    }
    const problems: string[] = [];
    const insecure: string[] = [];
    const hosts: string[] = [];
    for (const mx of withTlsa) {
      const lookup = domain.tlsa[mx];
      const why = insecurity(domain, mx, lookup);
      if (why) insecure.push(why);
      const usable = lookup.records.filter(isUsable);
      if (usable.length === 0) {
        problems.push(
          `${mx} publishes no usable TLSA record (SMTP uses only usages 2 and 3, RFC 7672 §3.1.3)`,
        );
        continue;
      }
      const eps = mxEndpoints(mxHosts, mx);
      if (typeof eps === 'string') {
        unknown.push(eps);
        continue;
      }
      const outcomes = eps.map((ep) => judgeEndpoint(mx, ep, usable, evidence));
      for (const o of outcomes) {
        if ('problem' in o) problems.push(o.problem);
        else if ('unknown' in o) unknown.push(o.unknown);
      }
      if (outcomes.every((o) => 'ok' in o)) hosts.push(mx);
    }
    const all = { ...data, problems, insecure, unknown, hosts };
    if (problems.length) return { status: 'fail', messageId: 'problems', data: all, evidence };
    if (unknown.length) return cannotJudge(unknown.join('; '), evidence);
    if (insecure.length) return { status: 'warn', messageId: 'insecure', data: all, evidence };
    if (without.length)
      return { status: params.required ? 'fail' : 'warn', messageId: 'partial', data: all, evidence };
    return { status: 'pass', messageId: 'ok', data: all, evidence };
  },
});
