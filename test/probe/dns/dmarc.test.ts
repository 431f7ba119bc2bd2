/** The DMARC gatherer against the lab DNS server. */
import { describe, expect, it } from 'vitest';
import recordCheck from '../../../src/checks/dmarc/record.js';
import policyCheck from '../../../src/checks/dmarc/policy.js';
import { BROKEN_DOMAIN, GOOD_DOMAIN, WEAK_DOMAIN, labZones, splitTxt } from '../../../src/lab/zones.js';
import { gatherDmarc } from '../../../src/probe/dns/dmarc.js';
import { domainFacts, runDomainCheck } from '../../helpers/dns-facts.js';
import { withLabDns } from '../../helpers/lab-dns.js';

const lab = withLabDns({ timeoutMs: 300 });

describe('gatherDmarc', () => {
  it('reads the record at _dmarc', async () => {
    const resolver = await lab.resolverFor(labZones());
    const lookup = await gatherDmarc(resolver, `${GOOD_DOMAIN.toUpperCase()}.`);
    expect(lookup).toMatchObject({
      name: `_dmarc.${GOOD_DOMAIN}`,
      type: 'TXT',
      status: 'ok',
      records: [`v=DMARC1; p=reject; rua=mailto:dmarc@${GOOD_DOMAIN}; pct=100`],
    });
    expect(runDomainCheck(recordCheck, domainFacts({ dmarc: lookup })).status).toBe('pass');
  });

  it('the lab weak.example (p=none) and broken.example (p=rejectt) fail', async () => {
    const resolver = await lab.resolverFor(labZones());
    const weak = await gatherDmarc(resolver, WEAK_DOMAIN);
    expect(runDomainCheck(policyCheck, domainFacts({ dmarc: weak })).messageId).toBe('monitoring');
    const broken = await gatherDmarc(resolver, BROKEN_DOMAIN);
    expect(runDomainCheck(recordCheck, domainFacts({ dmarc: broken })).data).toMatchObject({
      tag: 'p=rejectt',
    });
  });

  it('keeps every TXT record, joining the strings of each', async () => {
    const rua = `mailto:${'r'.repeat(250)}@d.example`;
    const resolver = await lab.resolverFor([
      {
        origin: 'd.example',
        records: [
          { name: '_dmarc.d.example', type: 'TXT', data: splitTxt(`v=DMARC1; p=reject; rua=${rua}`) },
          { name: '_dmarc.d.example', type: 'TXT', data: 'not dmarc' },
        ],
      },
    ]);
    const lookup = await gatherDmarc(resolver, 'd.example');
    expect(lookup.records.sort()).toEqual(['not dmarc', `v=DMARC1; p=reject; rua=${rua}`]);
  });

  it('records NXDOMAIN and SERVFAIL apart', async () => {
    const resolver = await lab.resolverFor(labZones());
    expect((await gatherDmarc(resolver, 'openspf.example')).status).toBe('NXDOMAIN');
    lab.server!.setBehaviour(`_dmarc.${GOOD_DOMAIN}`, 'servfail');
    const lookup = await gatherDmarc(resolver, GOOD_DOMAIN);
    expect(lookup.status).toBe('SERVFAIL');
    expect(runDomainCheck(recordCheck, domainFacts({ dmarc: lookup })).status).toBe('error');
  });
});
