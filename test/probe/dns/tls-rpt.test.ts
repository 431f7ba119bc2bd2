/** The TLS-RPT gatherer against the lab DNS server. */
import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls_rpt/record.js';
import { GOOD_DOMAIN, WEAK_DOMAIN, labZones, splitTxt } from '../../../src/lab/zones.js';
import { gatherTlsRpt } from '../../../src/probe/dns/tls-rpt.js';
import { domainFacts, runDomainCheck } from '../../helpers/dns-facts.js';
import { withLabDns } from '../../helpers/lab-dns.js';

const lab = withLabDns({ timeoutMs: 500 });

describe('gatherTlsRpt', () => {
  it('reads the record at _smtp._tls', async () => {
    const resolver = await lab.resolverFor(labZones());
    const lookup = await gatherTlsRpt(resolver, `${GOOD_DOMAIN}.`);
    expect(lookup).toMatchObject({
      name: `_smtp._tls.${GOOD_DOMAIN}`,
      type: 'TXT',
      status: 'ok',
      records: [`v=TLSRPTv1; rua=mailto:tlsrpt@${GOOD_DOMAIN}`],
    });
    expect(runDomainCheck(check, domainFacts({ domain: GOOD_DOMAIN, tlsRpt: lookup })).status).toBe('pass');
  });

  it('records NXDOMAIN for a domain without one', async () => {
    const resolver = await lab.resolverFor(labZones());
    const lookup = await gatherTlsRpt(resolver, WEAK_DOMAIN);
    expect(lookup.status).toBe('NXDOMAIN');
    expect(runDomainCheck(check, domainFacts({ tlsRpt: lookup })).status).toBe('fail');
  });

  it('joins a record split into several strings', async () => {
    const rua = `mailto:${'x'.repeat(250)}@split.example`;
    const text = `v=TLSRPTv1; rua=${rua}`;
    const resolver = await lab.resolverFor([
      {
        origin: 'split.example',
        records: [{ name: '_smtp._tls.split.example', type: 'TXT', data: splitTxt(text) }],
      },
    ]);
    const lookup = await gatherTlsRpt(resolver, 'split.example');
    expect(splitTxt(text).length).toBe(2);
    expect(lookup.records).toEqual([text]);
  });

  it('records a timeout as TIMEOUT', async () => {
    const resolver = await lab.resolverFor(labZones());
    lab.server!.setBehaviour(`_smtp._tls.${GOOD_DOMAIN}`, 'timeout');
    const lookup = await gatherTlsRpt(resolver, GOOD_DOMAIN);
    expect(lookup.status).toBe('TIMEOUT');
    expect(runDomainCheck(check, domainFacts({ tlsRpt: lookup })).status).toBe('error');
  });
});
