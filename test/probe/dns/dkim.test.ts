/**
 * The DKIM gatherer against the lab DNS server: configured and common selectors asked in
 * parallel through our resolver, TXT strings joined, and the checks judging what it gathered.
 */
import { describe, expect, it } from 'vitest';
import keyCheck from '../../../src/checks/dkim/key.js';
import selectorCheck from '../../../src/checks/dkim/selector.js';
import testingCheck from '../../../src/checks/dkim/testing.js';
import { GOOD_DOMAIN, LAB_DKIM_KEYS, WEAK_DOMAIN } from '../../../src/lab/zones.js';
import { COMMON_DKIM_SELECTORS, commonDkimSelectors, gatherDkim } from '../../../src/probe/dns/dkim.js';
import { domainFacts, runDomainCheck } from '../../helpers/dns-facts.js';
import { NOW } from '../../helpers/facts.js';
import { withLabDns } from '../../helpers/lab-dns.js';

const lab = withLabDns({ timeoutMs: 2000 });

describe('commonDkimSelectors', () => {
  it('adds dated selectors for the current and previous year and month', () => {
    const list = commonDkimSelectors(new Date('2026-11-21T12:00:00Z'));
    expect(list.slice(0, COMMON_DKIM_SELECTORS.length)).toEqual(COMMON_DKIM_SELECTORS);
    expect(list.slice(COMMON_DKIM_SELECTORS.length)).toEqual([
      '2026',
      '2025',
      '202611',
      '202610',
      's2026',
      's2025',
      's202611',
      's202610',
    ]);
    expect(list.length).toBeLessThanOrEqual(30);
    expect(new Set(list).size).toBe(list.length);
  });

  it('crosses the year boundary in January', () => {
    const list = commonDkimSelectors(new Date('2027-01-01T00:30:00Z'));
    expect(list).toContain('202701');
    expect(list).toContain('202612');
    expect(list).toContain('s202612');
  });
});

describe('gatherDkim', () => {
  it('asks the configured selectors first, then the common ones, once each', async () => {
    const resolver = await lab.resolverFor();
    const facts = await gatherDkim(resolver, GOOD_DOMAIN, { selectors: ['ed1', 'S1'], now: NOW });
    const expected = ['ed1', 's1', ...commonDkimSelectors(NOW).filter((s) => s !== 's1')];
    expect(facts.map((f) => f.selector)).toEqual(expected);
    expect(facts.filter((f) => f.configured).map((f) => f.selector)).toEqual(['ed1', 's1']);
    // One TXT question per selector, no more.
    const asked = lab.server!.queries.filter((q) => q.type === 'TXT').map((q) => q.name);
    expect(asked.sort()).toEqual(expected.map((s) => `${s}._domainkey.${GOOD_DOMAIN}`).sort());
  });

  it('joins the strings of a record split over several character-strings', async () => {
    const resolver = await lab.resolverFor();
    const facts = await gatherDkim(resolver, GOOD_DOMAIN, { now: NOW });
    const s1 = facts.find((f) => f.selector === 's1')!;
    expect(s1.configured).toBe(false);
    expect(s1.lookup.status).toBe('ok');
    expect(s1.lookup.records).toHaveLength(1);
    expect(s1.lookup.records[0]).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjAN[A-Za-z0-9+/=]{380,}$/);
    expect(facts.find((f) => f.selector === 'google')!.lookup.status).toBe('NXDOMAIN');
    // Judged end to end: s1 is RSA 2048 and ed1 (named) is Ed25519.
    const withEd = await gatherDkim(resolver, GOOD_DOMAIN, { selectors: ['ed1'], now: NOW });
    const key = runDomainCheck(keyCheck, domainFacts({ domain: GOOD_DOMAIN, dkim: withEd }));
    expect(key.status).toBe('pass');
    expect(key.evidence).toEqual([
      `ed1._domainkey.${GOOD_DOMAIN}: Ed25519`,
      `s1._domainkey.${GOOD_DOMAIN}: RSA ${LAB_DKIM_KEYS.goodS1.bits} bits`,
    ]);
  });

  it('gathers what the weak lab domain publishes: a 1024-bit testing key and a revoked one', async () => {
    const resolver = await lab.resolverFor();
    const dkim = await gatherDkim(resolver, WEAK_DOMAIN, { selectors: ['old'], now: NOW });
    const facts = domainFacts({ domain: WEAK_DOMAIN, dkim });
    expect(runDomainCheck(selectorCheck, facts)).toMatchObject({
      status: 'fail',
      messageId: 'configuredMissing',
    });
    expect(runDomainCheck(keyCheck, facts)).toMatchObject({
      status: 'warn',
      data: { problems: ['s1: RSA 1024 bits (below 2048)'] },
    });
    expect(runDomainCheck(testingCheck, facts)).toMatchObject({
      status: 'fail',
      data: { problems: ['old: revoked but named with --dkim-selector', 's1: t=y'] },
    });
  });

  it('keeps SERVFAIL apart from NXDOMAIN', async () => {
    const resolver = await lab.resolverFor();
    lab.server!.setBehaviour(`s2026._domainkey.${GOOD_DOMAIN}`, 'servfail');
    const facts = await gatherDkim(resolver, GOOD_DOMAIN, { selectors: ['s2026'], now: NOW });
    expect(facts[0]).toMatchObject({
      selector: 's2026',
      configured: true,
      lookup: { status: 'SERVFAIL', records: [] },
    });
    expect(runDomainCheck(selectorCheck, domainFacts({ dkim: facts })).status).toBe('error');
  });
});
