/**
 * gatherTlsa against the lab DNS server: `_25._tcp.<mx>` (RFC 7672 §2.2) with the AD flag, and
 * the lab's records judged by tls.dane against the lab certificates.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/dane.js';
import { labCertPath } from '../../../src/lab/lab.js';
import {
  GOOD_DOMAIN,
  GOOD_MX1,
  GOOD_MX2,
  WEAK_DOMAIN,
  WEAK_MX2,
  WEAK_MX_ALIAS,
  goodCertSpkiSha256,
} from '../../../src/lab/zones.js';
import { gatherMx } from '../../../src/probe/dns/mx.js';
import type { Resolver } from '../../../src/probe/dns/resolver.js';
import { gatherTlsa, tlsaName } from '../../../src/probe/dns/tlsa.js';
import { certificate, endpoint, hostFacts, LAB_CA, withHandshake } from '../../helpers/facts.js';
import { domainFacts, runDomainCheck } from '../../helpers/dns-facts.js';
import { withLabDns } from '../../helpers/lab-dns.js';

const lab = withLabDns({ timeoutMs: 300, dnssec: true });

/** A resolver to this test's lab DNS server, started on the lab zones at the first call. */
async function labResolver(dnssec = true): Promise<Resolver> {
  if (!lab.server) await lab.start();
  return lab.resolver({ dnssec });
}

describe('gatherTlsa', () => {
  it('names the port-25 service of each MX', () => {
    expect(tlsaName('mx1.example.edu.')).toBe('_25._tcp.mx1.example.edu');
  });

  it('reads signed TLSA records with AD, and NXDOMAIN for an MX without one', async () => {
    const tlsa = await gatherTlsa(await labResolver(), [GOOD_MX1, GOOD_MX2, GOOD_MX1, WEAK_MX2]);
    expect(Object.keys(tlsa)).toEqual([GOOD_MX1, GOOD_MX2, WEAK_MX2]); // asked once each
    expect(tlsa[GOOD_MX1]).toMatchObject({
      name: `_25._tcp.${GOOD_MX1}`,
      type: 'TLSA',
      status: 'ok',
      authenticated: true,
      records: [{ usage: 3, selector: 1, matchingType: 1, data: goodCertSpkiSha256() }],
    });
    expect(tlsa[GOOD_MX2]).toMatchObject({ status: 'ok', authenticated: true });
    expect(tlsa[WEAK_MX2].status).toBe('NXDOMAIN');
    expect(lab.server!.queries.filter((q) => q.type === 'TLSA')).toHaveLength(3);
  });

  it('reports an unsigned zone without AD, and no DNSSEC status when DO is not set', async () => {
    const unsigned = await gatherTlsa(await labResolver(), [WEAK_MX_ALIAS]);
    expect(unsigned[WEAK_MX_ALIAS]).toMatchObject({ status: 'ok', authenticated: false });
    const noDo = await gatherTlsa(await labResolver(false), [GOOD_MX1]);
    expect(noDo[GOOD_MX1].status).toBe('ok');
    expect(noDo[GOOD_MX1].authenticated).toBeUndefined();
  });

  it('keeps SERVFAIL and a timeout as data', async () => {
    const resolver = await labResolver();
    lab.server!.setBehaviour(`_25._tcp.${GOOD_MX1}`, 'servfail');
    lab.server!.setBehaviour(`_25._tcp.${GOOD_MX2}`, 'timeout');
    const tlsa = await gatherTlsa(resolver, [GOOD_MX1, GOOD_MX2]);
    expect([tlsa[GOOD_MX1].status, tlsa[GOOD_MX2].status]).toEqual(['SERVFAIL', 'TIMEOUT']);
  });
});

describe('lab TLSA judged by tls.dane', () => {
  const pem = (name: 'good.pem' | 'ca.pem') => fs.readFileSync(labCertPath(name), 'utf8');
  const presenting = (host: string) => [
    hostFacts([
      endpoint({
        host,
        tls: withHandshake({
          chain: [certificate({ pem: pem('good.pem') }), { ...LAB_CA, pem: pem('ca.pem') }],
          hostname: { name: host, matches: host === GOOD_MX1 },
        }),
      }),
    ]),
  ];

  async function judge(domain: string) {
    const resolver = await labResolver();
    const mx = await gatherMx(resolver, domain);
    const tlsa = await gatherTlsa(
      resolver,
      mx.hosts.map((h) => h.name),
    );
    const facts = domainFacts({ domain, displayName: domain, mx, tlsa });
    return runDomainCheck(check, facts, { mxHosts: mx.hosts.flatMap((h) => presenting(h.name)) });
  }

  it('good.example: both MX match 3 1 1 with DNSSEC', async () => {
    const f = await judge(GOOD_DOMAIN);
    expect(f.status).toBe('pass');
  });

  it('weak.example: the stale record matches nothing', async () => {
    const f = await judge(WEAK_DOMAIN);
    expect(f.status).toBe('fail');
    expect(f.data?.problems).toEqual([
      `no TLSA record of ${WEAK_MX_ALIAS} matches the certificate presented by ${WEAK_MX_ALIAS} 127.0.0.1:25`,
    ]);
  });
});
