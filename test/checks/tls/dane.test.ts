import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/dane.js';
import type { CertificateFacts, HostFacts } from '../../../src/model/artifacts.js';
import type { DnsStatus, DomainFacts, TlsaRecord } from '../../../src/model/dns-artifacts.js';
import { labCertPath } from '../../../src/lab/lab.js';
import {
  certificate,
  endpoint,
  hostFacts,
  LAB_CA,
  reply,
  capabilities,
  withHandshake,
} from '../../helpers/facts.js';
import {
  dnsLookup,
  domainFacts,
  mxFacts,
  mxHost,
  nullMxFacts,
  renderDomainMessage,
  runDomainCheck,
} from '../../helpers/dns-facts.js';

const pem = (name: 'good.pem' | 'ca.pem' | 'other.pem' | 'weak.pem') =>
  fs.readFileSync(labCertPath(name), 'utf8');
const sha = (alg: string, data: Buffer) => createHash(alg).update(data).digest('hex');
/** SPKI DER derived from the private key file, independently of the certificate parsing under test. */
const spkiOfKey = (name: 'good.key' | 'ca.key') =>
  createPublicKey(fs.readFileSync(labCertPath(name))).export({ type: 'spki', format: 'der' });

const GOOD = certificate({ pem: pem('good.pem') });
const CA = { ...LAB_CA, pem: pem('ca.pem') };
const OTHER = certificate({ commonName: 'wrong-host.example', pem: pem('other.pem') });
const WEAK = certificate({ commonName: 'legacy.lab.example', selfSigned: true, pem: pem('weak.pem') });

const GOOD_SPKI_SHA256 = sha('sha256', spkiOfKey('good.key'));
const CA_SPKI_SHA256 = sha('sha256', spkiOfKey('ca.key'));

const MX = 'mx1.example.edu';
const tlsa = (usage: number, selector: number, matchingType: number, data: string): TlsaRecord => ({
  usage,
  selector,
  matchingType,
  data,
});

/** A DNSSEC-signed example.edu with one MX whose TLSA RRset is `records` (or a DNS status). */
function signedDomain(records: TlsaRecord[] | DnsStatus, authenticated = true): DomainFacts {
  const host = mxHost(MX, ['192.0.2.25']);
  host.a.authenticated = true;
  host.aaaa.authenticated = true;
  const mx = mxFacts('example.edu', [host]);
  mx.lookup.authenticated = true;
  return domainFacts({ mx, tlsa: { [MX]: dnsLookup(`_25._tcp.${MX}`, 'TLSA', records, { authenticated }) } });
}

/** The port-25 probe of the MX, presenting `chain`. */
function probe(chain: CertificateFacts[], hostnameMatches = true): HostFacts[] {
  const ep = endpoint({
    host: MX,
    address: '192.0.2.25',
    tls: withHandshake({ chain, hostname: { name: MX, matches: hostnameMatches } }),
  });
  return [hostFacts([ep])];
}

const run = (d: DomainFacts, mxHosts: HostFacts[] = probe([GOOD, CA]), required = false) =>
  runDomainCheck(check, d, { mxHosts, params: { required } });

describe('tls.dane', () => {
  it('passes a matching DANE-EE 3 1 1 record (SHA-256 of the leaf SPKI)', () => {
    const f = run(signedDomain([tlsa(3, 1, 1, GOOD_SPKI_SHA256)]));
    expect(f.status).toBe('pass');
    expect(renderDomainMessage(check, f)).toBe(
      'the DNSSEC-validated TLSA records of mx1.example.edu match the certificates presented on port 25',
    );
    expect(f.evidence).toContain(`TLSA _25._tcp.${MX} (DNSSEC-validated): 3 1 1 ${GOOD_SPKI_SHA256}`);
    expect(f.evidence?.join('\n')).toContain('presented CN=mail.lab.example: matches 3 1 1');
  });

  it('fails a wrong 3 1 1 record and shows the value the certificate needs', () => {
    const f = run(signedDomain([tlsa(3, 1, 1, CA_SPKI_SHA256)]));
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toBe(
      'DANE would fail for example.edu: no TLSA record of mx1.example.edu matches the certificate presented by mx1.example.edu 192.0.2.25:25',
    );
    expect(f.evidence?.join('\n')).toContain(`its records would be: 3 1 1 ${GOOD_SPKI_SHA256}`);
  });

  it('matches the full certificate (selector 0) with SHA-256, SHA-512 and exact data', () => {
    const der = new X509Certificate(GOOD.pem).raw;
    const fingerprint = new X509Certificate(GOOD.pem).fingerprint256.replace(/:/g, '').toLowerCase();
    expect(run(signedDomain([tlsa(3, 0, 1, fingerprint)])).status).toBe('pass');
    expect(run(signedDomain([tlsa(3, 0, 2, sha('sha512', der))])).status).toBe('pass');
    expect(run(signedDomain([tlsa(3, 0, 0, der.toString('hex'))])).status).toBe('pass');
    expect(run(signedDomain([tlsa(3, 1, 0, spkiOfKey('good.key').toString('hex'))])).status).toBe('pass');
    expect(run(signedDomain([tlsa(3, 0, 2, sha('sha256', der))])).status).toBe('fail');
  });

  it('passes when one of several records matches (a rollover in progress)', () => {
    const f = run(
      signedDomain([tlsa(3, 1, 1, 'ab'.repeat(32)), tlsa(3, 1, 1, GOOD_SPKI_SHA256.toUpperCase())]),
    );
    expect(f.status).toBe('pass');
  });

  it('passes DANE-TA 2 1 1 against the lab CA when the chain contains it', () => {
    const f = run(signedDomain([tlsa(2, 1, 1, CA_SPKI_SHA256)]));
    expect(f.status).toBe('pass');
    expect(f.evidence?.join('\n')).toContain('(CN=mailcheck lab root CA)');
    const full = sha('sha256', new X509Certificate(CA.pem).raw);
    expect(run(signedDomain([tlsa(2, 0, 1, full)])).status).toBe('pass');
  });

  it('fails DANE-TA when the CA is not in the chain, when the leaf is not issued by it, or when the name is wrong', () => {
    const rec = [tlsa(2, 1, 1, CA_SPKI_SHA256)];
    expect(run(signedDomain(rec), probe([GOOD])).status).toBe('fail');
    expect(run(signedDomain(rec), probe([WEAK, CA])).status).toBe('fail');
    // A DANE-TA record does not vouch for the leaf's own key.
    expect(run(signedDomain([tlsa(2, 1, 1, GOOD_SPKI_SHA256)])).status).toBe('fail');
    const wrongName = run(signedDomain(rec), probe([OTHER, CA], false));
    expect(wrongName.status).toBe('fail');
    expect(renderDomainMessage(check, wrongName)).toContain('not valid for mx1.example.edu');
  });

  it('warns when the TLSA answer is not DNSSEC-validated, or the MX answer is not', () => {
    const f = run(signedDomain([tlsa(3, 1, 1, GOOD_SPKI_SHA256)], false));
    expect(f.status).toBe('warn');
    expect(renderDomainMessage(check, f)).toBe(
      'TLSA records are not usable DANE without DNSSEC (RFC 7672 §2.2): mx1.example.edu: TLSA answer not DNSSEC-validated (the zone is unsigned, or the resolver does not validate)',
    );
    const d = signedDomain([tlsa(3, 1, 1, GOOD_SPKI_SHA256)]);
    d.mx!.lookup.authenticated = false;
    expect(run(d).data?.insecure).toEqual(['mx1.example.edu: MX answer not DNSSEC-validated']);
  });

  it('fails records with only PKIX usages (unusable for SMTP)', () => {
    const f = run(signedDomain([tlsa(1, 1, 1, GOOD_SPKI_SHA256)]));
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toContain('no usable TLSA record');
  });

  it('fails an MX that publishes TLSA but offers no STARTTLS', () => {
    const ep = endpoint({
      host: MX,
      address: '192.0.2.25',
      ehlo: {
        command: 'EHLO',
        reply: reply(250, MX, 'PIPELINING'),
        capabilities: capabilities({ starttls: false }),
      },
      starttls: { offered: false, attempted: false },
      ehloTls: undefined,
      tls: undefined,
    });
    const f = run(signedDomain([tlsa(3, 1, 1, GOOD_SPKI_SHA256)]), [hostFacts([ep])]);
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toContain('does not offer STARTTLS');
  });

  it('reports no TLSA as info, or fail when the policy requires DANE', () => {
    const f = run(signedDomain('NXDOMAIN'));
    expect(f.status).toBe('info');
    expect(renderDomainMessage(check, f)).toBe('no TLSA records (DANE not deployed)');
    expect(run(signedDomain('NODATA'), [], true).status).toBe('fail');
  });

  it('warns when only some MX hosts publish TLSA', () => {
    const d = signedDomain([tlsa(3, 1, 1, GOOD_SPKI_SHA256)]);
    d.tlsa!['mx2.example.edu'] = dnsLookup('_25._tcp.mx2.example.edu', 'TLSA', 'NXDOMAIN', {
      authenticated: true,
    });
    const f = run(d);
    expect(f.status).toBe('warn');
    expect(renderDomainMessage(check, f)).toBe(
      'only mx1.example.edu publish TLSA records; without: mx2.example.edu',
    );
  });

  it('errors when TLSA exists but the MX was not probed (--dns-only)', () => {
    const f = run(signedDomain([tlsa(3, 1, 1, GOOD_SPKI_SHA256)]), []);
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toContain('needs the port-25 certificate');
  });

  it('errors when the TLSA lookup failed, the handshake failed, or TLSA was not gathered', () => {
    expect(run(signedDomain('SERVFAIL')).status).toBe('error');
    const failed = endpoint({
      host: MX,
      tls: withHandshake({
        ok: false,
        chain: [],
        failure: { code: 'TLS_TIMEOUT', message: 'TLS handshake timed out', stage: 'TLS' },
      }),
    });
    const f = run(signedDomain([tlsa(3, 1, 1, GOOD_SPKI_SHA256)]), [hostFacts([failed])]);
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toContain('TLS handshake timed out');
    expect(run(domainFacts()).status).toBe('error');
  });

  it('skips a domain with a null MX', () => {
    const f = run(domainFacts({ mx: nullMxFacts('example.edu'), tlsa: {} }));
    expect(f.status).toBe('skip');
  });
});
