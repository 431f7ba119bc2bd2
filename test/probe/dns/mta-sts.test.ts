/**
 * The MTA-STS gatherer against the lab DNS server and HTTPS policy servers on loopback: the TXT
 * record, the policy host resolved through our resolver, SNI and Host set to mta-sts.<domain>,
 * certificate validation, and every way a fetch can go wrong (RFC 8461 §3.3).
 */
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import check from '../../../src/checks/mta_sts/policy.js';
import { startDnsServer, type LabDnsServer } from '../../../src/lab/dns-server.js';
import { labCertPath } from '../../../src/lab/lab.js';
import {
  mtaStsCertificate,
  startMtaStsServer,
  type LabMtaStsServer,
  type MtaStsPolicyConfig,
} from '../../../src/lab/mta-sts-server.js';
import {
  BROKEN_DOMAIN,
  GOOD_DOMAIN,
  GOOD_MTA_STS_POLICY,
  GOOD_MX1,
  GOOD_MX2,
  labMtaStsPolicies,
  labZones,
  type Zone,
  type ZoneRecord,
} from '../../../src/lab/zones.js';
import { MTA_STS_MAX_BODY, gatherMtaSts } from '../../../src/probe/dns/mta-sts.js';
import { gatherMx } from '../../../src/probe/dns/mx.js';
import type { Resolver } from '../../../src/probe/dns/resolver.js';
import { domainFacts, runDomainCheck } from '../../helpers/dns-facts.js';
import { labResolver } from '../../helpers/lab-dns.js';

const LAB_CA = fs.readFileSync(labCertPath('ca.pem'), 'utf8');
const POLICY_PATH = '/.well-known/mta-sts.txt';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A zone for `domain` with the STS TXT record and mta-sts.<domain> → 127.0.0.1 unless told
 * otherwise. The lab certificate is valid for mta-sts.{good,weak,broken,nullmx}.example only.
 */
function stsZone(domain: string, opts: { txt?: string | null; address?: string | null } = {}): Zone {
  const records: ZoneRecord[] = [{ name: '@', type: 'MX', data: { priority: 10, exchange: `mx.${domain}` } }];
  if (opts.txt !== null)
    records.push({ name: `_mta-sts.${domain}`, type: 'TXT', data: opts.txt ?? 'v=STSv1; id=20261121' });
  if (opts.address !== null)
    records.push({ name: `mta-sts.${domain}`, type: 'A', data: opts.address ?? '127.0.0.1' });
  return { origin: domain, records };
}

async function dnsWith(zones: Zone[]): Promise<{ dns: LabDnsServer; resolver: Resolver }> {
  const dns = await startDnsServer({ zones });
  cleanups.push(() => dns.close());
  return { dns, resolver: labResolver(dns, { timeoutMs: 1000 }) };
}

async function policyServer(policies: Record<string, MtaStsPolicyConfig>): Promise<LabMtaStsServer> {
  const server = await startMtaStsServer({ policies });
  cleanups.push(() => server.close());
  return server;
}

/** A plain TCP server that accepts and never says anything (a TLS handshake stall). */
async function silentServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

describe('gatherMtaSts', () => {
  it('fetches and parses a valid policy with the policy host as SNI and Host', async () => {
    const { resolver, dns } = await dnsWith([stsZone(GOOD_DOMAIN)]);
    const server = await policyServer({ [GOOD_DOMAIN]: GOOD_MTA_STS_POLICY });
    const facts = await gatherMtaSts(resolver, GOOD_DOMAIN, {
      port: server.port,
      ca: [LAB_CA],
      timeoutMs: 5000,
    });
    expect(facts.txt).toMatchObject({
      name: `_mta-sts.${GOOD_DOMAIN}`,
      status: 'ok',
      records: ['v=STSv1; id=20261121'],
    });
    expect(facts.fetch).toMatchObject({
      url: `https://mta-sts.${GOOD_DOMAIN}${POLICY_PATH}`,
      status: 200,
      contentType: 'text/plain',
      body: GOOD_MTA_STS_POLICY,
      certificate: {
        subject: 'O=mailcheck lab, CN=mta-sts.good.example',
        issuer: 'O=mailcheck lab, CN=mailcheck lab root CA',
        authorized: true,
      },
    });
    expect(facts.fetch?.error).toBeUndefined();
    expect(facts.fetch?.certificate?.validTo).toMatch(/^2046-/);
    expect(facts.policy).toEqual({ mode: 'enforce', maxAge: 604800, mx: [GOOD_MX1, GOOD_MX2], errors: [] });
    expect(server.requests).toEqual([`GET https://mta-sts.${GOOD_DOMAIN}${POLICY_PATH}`]);
    // The policy host was resolved through our resolver, not the system's.
    expect(dns.queries.map((q) => `${q.name} ${q.type}`)).toEqual(
      expect.arrayContaining([`mta-sts.${GOOD_DOMAIN} A`, `mta-sts.${GOOD_DOMAIN} AAAA`]),
    );
  });

  it('does not fetch when there is no STS record', async () => {
    const { resolver } = await dnsWith([
      stsZone('none.example', { txt: null }),
      stsZone('other.example', { txt: 'v=spf1 -all' }),
    ]);
    const server = await policyServer({
      'none.example': GOOD_MTA_STS_POLICY,
      'other.example': GOOD_MTA_STS_POLICY,
    });
    const none = await gatherMtaSts(resolver, 'none.example', {
      port: server.port,
      ca: [LAB_CA],
      timeoutMs: 2000,
    });
    expect(none).toEqual({ txt: expect.objectContaining({ status: 'NXDOMAIN', records: [] }) });
    const other = await gatherMtaSts(resolver, 'other.example', {
      port: server.port,
      ca: [LAB_CA],
      timeoutMs: 2000,
    });
    expect(other.fetch).toBeUndefined();
    expect(other.txt.records).toEqual(['v=spf1 -all']);
    expect(server.requests).toEqual([]);
  });

  it('records a 404 without parsing a policy', async () => {
    const { resolver } = await dnsWith([stsZone(BROKEN_DOMAIN)]);
    const server = await policyServer({ [BROKEN_DOMAIN]: { status: 404, body: 'policy not found\n' } });
    const facts = await gatherMtaSts(resolver, BROKEN_DOMAIN, {
      port: server.port,
      ca: [LAB_CA],
      timeoutMs: 5000,
    });
    expect(facts.fetch).toMatchObject({ status: 404, body: 'policy not found\n' });
    expect(facts.fetch?.error).toBeUndefined();
    expect(facts.policy).toBeUndefined();
  });

  it('records a redirect and does not follow it (RFC 8461 §3.3)', async () => {
    const { resolver } = await dnsWith([stsZone('weak.example')]);
    const server = await policyServer({
      'weak.example': { status: 301, headers: { location: `https://mta-sts.good.example${POLICY_PATH}` } },
      [GOOD_DOMAIN]: GOOD_MTA_STS_POLICY,
    });
    const facts = await gatherMtaSts(resolver, 'weak.example', {
      port: server.port,
      ca: [LAB_CA],
      timeoutMs: 5000,
    });
    expect(facts.fetch).toMatchObject({ status: 301, redirected: true });
    expect(facts.fetch?.error).toBe(
      `HTTP 301 redirect to https://mta-sts.good.example${POLICY_PATH} not followed (RFC 8461 §3.3)`,
    );
    expect(facts.policy).toBeUndefined();
    expect(server.requests).toEqual([`GET https://mta-sts.weak.example${POLICY_PATH}`]);
  });

  it('refuses a certificate for another host, and records it', async () => {
    const { resolver } = await dnsWith([stsZone('wrong.example')]);
    const server = await policyServer({ 'wrong.example': GOOD_MTA_STS_POLICY });
    const facts = await gatherMtaSts(resolver, 'wrong.example', {
      port: server.port,
      ca: [LAB_CA],
      timeoutMs: 5000,
    });
    expect(facts.fetch?.certificate).toMatchObject({
      subject: 'O=mailcheck lab, CN=mta-sts.good.example',
      authorized: false,
    });
    expect(facts.fetch?.certificate?.authorizationError).toMatch(
      /^ERR_TLS_CERT_ALTNAME_INVALID: .*mta-sts\.wrong\.example/,
    );
    expect(facts.fetch?.error).toMatch(
      /^certificate not valid for mta-sts\.wrong\.example: ERR_TLS_CERT_ALTNAME_INVALID/,
    );
    expect(facts.fetch?.body).toBeUndefined();
    expect(facts.policy).toBeUndefined();
  });

  it('refuses a certificate from an untrusted CA (the lab CA not given)', async () => {
    const { resolver } = await dnsWith([stsZone(GOOD_DOMAIN)]);
    const server = await policyServer({ [GOOD_DOMAIN]: GOOD_MTA_STS_POLICY });
    const facts = await gatherMtaSts(resolver, GOOD_DOMAIN, { port: server.port, timeoutMs: 5000 });
    expect(facts.fetch?.certificate?.authorized).toBe(false);
    expect(facts.fetch?.error).toMatch(
      /^certificate not valid for mta-sts\.good\.example: (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/,
    );
    expect(facts.fetch?.status).toBeUndefined();
    expect(facts.policy).toBeUndefined();
  });

  it('gives up after the timeout on a server that never answers', async () => {
    const { resolver } = await dnsWith([stsZone(GOOD_DOMAIN)]);
    const port = await silentServer();
    const started = Date.now();
    const facts = await gatherMtaSts(resolver, GOOD_DOMAIN, { port, ca: [LAB_CA], timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(facts.fetch?.error).toBe(`no complete response from 127.0.0.1 port ${port} within 300 ms`);
    expect(facts.fetch?.certificate).toBeUndefined();
  });

  it('records a refused connection', async () => {
    const { resolver } = await dnsWith([stsZone(GOOD_DOMAIN)]);
    const port = await silentServer();
    await cleanups.pop()?.(); // closed again: nothing listens on the port now
    const facts = await gatherMtaSts(resolver, GOOD_DOMAIN, { port, ca: [LAB_CA], timeoutMs: 2000 });
    expect(facts.fetch?.error).toMatch(
      new RegExp(`^fetching from 127\\.0\\.0\\.1 port ${port}: .*ECONNREFUSED`),
    );
  });

  it('records a policy host without an address', async () => {
    const { resolver } = await dnsWith([stsZone('noaddr.example', { address: null })]);
    const facts = await gatherMtaSts(resolver, 'noaddr.example', { port: 1, ca: [LAB_CA], timeoutMs: 2000 });
    expect(facts.fetch).toEqual({
      url: `https://mta-sts.noaddr.example${POLICY_PATH}`,
      error: 'mta-sts.noaddr.example has no address (A NXDOMAIN, AAAA NXDOMAIN)',
      addressLookup: { a: 'NXDOMAIN', aaaa: 'NXDOMAIN' },
    });
  });

  it('stops at 64 KiB when Content-Length announces more', async () => {
    const { resolver } = await dnsWith([stsZone('nullmx.example')]);
    const server = await policyServer({
      'nullmx.example': { status: 200, body: 'a'.repeat(MTA_STS_MAX_BODY + 10) },
    });
    const facts = await gatherMtaSts(resolver, 'nullmx.example', {
      port: server.port,
      ca: [LAB_CA],
      timeoutMs: 5000,
    });
    expect(facts.fetch?.status).toBe(200);
    expect(facts.fetch?.error).toMatch(/^policy larger than 65536 octets/);
    expect(facts.policy).toBeUndefined();
  });

  it('stops at 64 KiB of a streamed body without Content-Length', async () => {
    const { resolver } = await dnsWith([stsZone('nullmx.example')]);
    const { cert, key } = mtaStsCertificate();
    let written = 0;
    const server = https.createServer({ cert, key }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      // An endless policy: keep writing until the client goes away.
      const pump = (): void => {
        while (!res.destroyed && written < 10 * MTA_STS_MAX_BODY) {
          written += 4096;
          if (!res.write('b'.repeat(4096))) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
    );
    const port = (server.address() as AddressInfo).port;
    const facts = await gatherMtaSts(resolver, 'nullmx.example', { port, ca: [LAB_CA], timeoutMs: 5000 });
    expect(facts.fetch?.error).toMatch(/^policy larger than 65536 octets/);
    expect(facts.fetch?.body).toBe('b'.repeat(MTA_STS_MAX_BODY));
  });

  it('keeps a wrong content type and still parses the body', async () => {
    const { resolver } = await dnsWith([stsZone(GOOD_DOMAIN)]);
    const server = await policyServer({
      [GOOD_DOMAIN]: { status: 200, body: GOOD_MTA_STS_POLICY, contentType: 'text/html; charset=utf-8' },
    });
    const facts = await gatherMtaSts(resolver, GOOD_DOMAIN, {
      port: server.port,
      ca: [LAB_CA],
      timeoutMs: 5000,
    });
    expect(facts.fetch?.contentType).toBe('text/html; charset=utf-8');
    expect(facts.policy?.mode).toBe('enforce');
    const finding = runDomainCheck(check, domainFacts({ domain: GOOD_DOMAIN, mtaSts: facts }));
    expect(finding).toMatchObject({ status: 'fail', messageId: 'fetchFailed' });
  });
});

describe('mta_sts.policy on gathered lab facts', () => {
  it('passes good.example and fails broken.example (404)', async () => {
    const { resolver } = await dnsWith(labZones());
    const server = await policyServer(labMtaStsPolicies());
    const opts = { port: server.port, ca: [LAB_CA], timeoutMs: 5000 };
    const good = domainFacts({
      domain: GOOD_DOMAIN,
      mx: await gatherMx(resolver, GOOD_DOMAIN),
      mtaSts: await gatherMtaSts(resolver, GOOD_DOMAIN, opts),
    });
    const pass = runDomainCheck(check, good);
    expect(pass.status).toBe('pass');
    expect(pass.evidence).toContain(`MX ${GOOD_MX2}: matches mx: ${GOOD_MX2}`);
    const broken = domainFacts({
      domain: BROKEN_DOMAIN,
      mx: await gatherMx(resolver, BROKEN_DOMAIN),
      mtaSts: await gatherMtaSts(resolver, BROKEN_DOMAIN, opts),
    });
    expect(runDomainCheck(check, broken)).toMatchObject({
      status: 'fail',
      messageId: 'fetchFailed',
      data: { reason: 'HTTP status 404 (must be 200)' },
    });
  });
});
