/** The SPF gatherer against the lab DNS server: the record tree, void lookups, limits, mailauth's verdicts. */
import { describe, expect, it } from 'vitest';
import lookupsCheck from '../../../src/checks/spf/lookups.js';
import recordCheck from '../../../src/checks/spf/record.js';
import voidCheck from '../../../src/checks/spf/void_lookups.js';
import authorizesCheck from '../../../src/checks/spf/authorizes.js';
import {
  BADSYNTAX_DOMAIN,
  BROKEN_DOMAIN,
  GOOD_DOMAIN,
  LAB_MAIL_HOSTS,
  WEAK_DOMAIN,
  labZones,
  splitTxt,
  type ZoneRecord,
} from '../../../src/lab/zones.js';
import type { SpfNode } from '../../../src/model/dns-artifacts.js';
import { LOOP_MARK, SPF_MAX_NODES, gatherSpf } from '../../../src/probe/dns/spf.js';
import { domainFacts, runDomainCheck } from '../../helpers/dns-facts.js';
import { withLabDns } from '../../helpers/lab-dns.js';

const lab = withLabDns({ timeoutMs: 300 });

const txt = (name: string, data: string | string[]): ZoneRecord => ({ name, type: 'TXT', data });
const a = (name: string, data: string): ZoneRecord => ({ name, type: 'A', data });

function count(node: SpfNode): number {
  return 1 + node.children.reduce((n, c) => n + count(c), 0);
}

function depth(node: SpfNode): number {
  return 1 + Math.max(0, ...node.children.map(depth));
}

describe('gatherSpf on the lab zones', () => {
  it('good.example: one record picked out of the TXT set, mx answered, the MX hosts pass', async () => {
    const resolver = await lab.resolverFor(labZones());
    const mx1 = LAB_MAIL_HOSTS['mx1.good.example'];
    const spf = await gatherSpf(resolver, `${GOOD_DOMAIN}.`, {
      evaluate: [{ address: mx1 }, { address: '192.0.2.1' }],
    });
    expect(spf.error).toBeUndefined();
    expect(spf.tree).toMatchObject({
      domain: GOOD_DOMAIN,
      via: 'apex',
      spfRecords: ['v=spf1 mx ip4:127.0.0.0/8 -all'],
      rawStrings: [['v=spf1 mx ip4:127.0.0.0/8 -all']],
      lookupTerms: ['mx'],
      voidLookups: [],
      children: [],
    });
    expect(spf.tree?.lookup.records).toContain('lab-site-verification=mailcheck');
    expect(spf.evaluations).toEqual([
      {
        address: mx1,
        result: 'pass',
        explanation: `mailcheck: domain of postmaster@${GOOD_DOMAIN} designates ${mx1} as permitted sender`,
      },
      {
        address: '192.0.2.1',
        result: 'fail',
        explanation: expect.stringContaining('does not designate 192.0.2.1'),
      },
    ]);
    const facts = domainFacts({
      domain: GOOD_DOMAIN,
      spf: { ...spf, evaluations: spf.evaluations!.slice(0, 1) },
    });
    expect(runDomainCheck(recordCheck, facts).status).toBe('pass');
    expect(runDomainCheck(authorizesCheck, facts).status).toBe('pass');
  });

  it('weak.example: 3 void lookups and 16 lookup terms through an include chain cut at depth 10', async () => {
    const resolver = await lab.resolverFor(labZones());
    const spf = await gatherSpf(resolver, WEAK_DOMAIN, {
      evaluate: [{ address: LAB_MAIL_HOSTS['relay.weak.example'] }],
    });
    const tree = spf.tree!;
    expect(tree.lookupTerms).toEqual([
      `a:nonexistent1.${WEAK_DOMAIN}`,
      `a:nonexistent2.${WEAK_DOMAIN}`,
      `a:nonexistent3.${WEAK_DOMAIN}`,
      'ptr',
      'mx',
      `include:inc1.${WEAK_DOMAIN}`,
    ]);
    expect(tree.voidLookups).toEqual(
      [1, 2, 3].map(
        (i) => `a:nonexistent${i}.${WEAK_DOMAIN} → nonexistent${i}.${WEAK_DOMAIN} A/AAAA NXDOMAIN`,
      ),
    );
    expect(depth(tree)).toBe(11); // apex + inc1..inc10; inc11 is past the depth limit
    const facts = domainFacts({ domain: WEAK_DOMAIN, spf });
    expect(runDomainCheck(lookupsCheck, facts)).toMatchObject({ status: 'fail', data: { count: 16 } });
    expect(runDomainCheck(voidCheck, facts)).toMatchObject({ status: 'fail', data: { count: 3 } });
    // mailauth stops at the third void lookup: permerror, a record that authorises nobody.
    expect(spf.evaluations?.[0]).toMatchObject({
      result: 'permerror',
      explanation: expect.stringContaining('Too many void DNS results'),
    });
    expect(runDomainCheck(authorizesCheck, facts).status).toBe('fail');
  });

  it('broken.example: two SPF records, the long one as published (255 octets + the rest)', async () => {
    const resolver = await lab.resolverFor(labZones());
    const spf = await gatherSpf(resolver, BROKEN_DOMAIN, { evaluate: [{ address: '127.0.0.1' }] });
    expect(spf.tree?.spfRecords).toHaveLength(2);
    const long = spf.tree!.rawStrings.find((s) => s.length > 1)!;
    expect(Buffer.byteLength(long[0]!)).toBe(255);
    expect(spf.tree?.lookupTerms).toEqual([]); // no single record to follow
    expect(spf.evaluations?.[0]?.result).toBe('permerror');
    expect(runDomainCheck(recordCheck, domainFacts({ spf })).messageId).toBe('multiple');
  });

  it('badsyntax.example: mailauth says permerror, spf.record says where', async () => {
    const resolver = await lab.resolverFor(labZones());
    const spf = await gatherSpf(resolver, BADSYNTAX_DOMAIN, {
      evaluate: [{ address: '192.0.2.1', helo: 'mail.example.org' }],
    });
    expect(spf.evaluations?.[0]?.result).toBe('permerror');
    expect(runDomainCheck(recordCheck, domainFacts({ spf })).data).toMatchObject({
      offset: 7,
      term: 'ip4:300.1.1.1',
    });
  });
});

describe('gatherSpf on small zones', () => {
  it('follows include: and redirect= in record order and reads a split record', async () => {
    const resolver = await lab.resolverFor([
      {
        origin: 't.example',
        records: [
          txt('t.example', ['v=spf1 include:a.t.exa', 'mple include:b.t.example redirect=r.t.example']),
          txt('a.t.example', 'v=spf1 ip4:192.0.2.0/24 -all'),
          txt('b.t.example', 'v=spf1 a -all'),
          a('b.t.example', '192.0.2.7'),
          txt('r.t.example', 'v=spf1 mx -all'),
        ],
      },
    ]);
    const { tree } = await gatherSpf(resolver, 't.example');
    expect(tree?.rawStrings).toEqual([
      ['v=spf1 include:a.t.exa', 'mple include:b.t.example redirect=r.t.example'],
    ]);
    expect(tree?.children.map((c) => c.via)).toEqual([
      'include:a.t.example',
      'include:b.t.example',
      'redirect=r.t.example',
    ]);
    expect(tree?.children[1]?.voidLookups).toEqual([]); // a has an address
    // r.t.example has no MX: one void lookup.
    expect(tree?.children[2]?.voidLookups).toEqual(['mx → r.t.example MX NODATA']);
  });

  it('picks "v=spf1" case-insensitively and only when followed by a space or the end', async () => {
    const resolver = await lab.resolverFor([
      {
        origin: 'c.example',
        records: [
          txt('c.example', 'V=SPF1 -all'),
          txt('c.example', 'v=spf10 +all'),
          txt('c.example', 'v=spf1'),
        ],
      },
    ]);
    const { tree } = await gatherSpf(resolver, 'c.example');
    expect(tree?.spfRecords.sort()).toEqual(['V=SPF1 -all', 'v=spf1']);
  });

  it('stops at a loop and marks it', async () => {
    const resolver = await lab.resolverFor([
      {
        origin: 'l.example',
        records: [
          txt('l.example', 'v=spf1 include:x.l.example -all'),
          txt('x.l.example', 'v=spf1 include:L.example. -all'),
        ],
      },
    ]);
    const { tree } = await gatherSpf(resolver, 'l.example');
    const loop = tree!.children[0]!.children[0]!;
    expect(loop.via).toBe(`include:L.example.${LOOP_MARK}`);
    expect(loop.children).toEqual([]);
    expect(runDomainCheck(lookupsCheck, domainFacts({ spf: { tree: tree! } })).messageId).toBe('loop');
  });

  it(`bounds the tree at ${SPF_MAX_NODES} records`, async () => {
    const records: ZoneRecord[] = [];
    const names = (prefix: string) => Array.from({ length: 8 }, (_, i) => `${prefix}${i}.w.example`);
    records.push(
      txt(
        'w.example',
        `v=spf1 ${names('i')
          .map((n) => `include:${n}`)
          .join(' ')} -all`,
      ),
    );
    for (const n of names('i')) {
      const kids = names(`${n.split('.')[0]}-`);
      records.push(txt(n, splitTxt(`v=spf1 ${kids.map((k) => `include:${k}`).join(' ')} -all`)));
      for (const k of kids) records.push(txt(k, 'v=spf1 -all'));
    }
    const resolver = await lab.resolverFor([{ origin: 'w.example', records }]);
    const { tree } = await gatherSpf(resolver, 'w.example');
    expect(count(tree!)).toBe(SPF_MAX_NODES);
    // The first includes got their children; the budget ran out in record order.
    expect(tree!.children[0]!.children).toHaveLength(8);
    expect(tree!.children[7]!.children.length).toBeLessThan(8);
  });

  it('records void and unanswered lookups of a, mx (and its hosts) and exists; leaves macros alone', async () => {
    const resolver = await lab.resolverFor([
      {
        origin: 'v.example',
        records: [
          txt(
            'v.example',
            'v=spf1 a:gone.v.example mx:m.v.example exists:e.v.example exists:%{i}.v.example a:slow.v.example include:%{d}.v.example -all',
          ),
          { name: 'm.v.example', type: 'MX', data: { priority: 10, exchange: 'noaddr.v.example' } },
          { name: 'm.v.example', type: 'MX', data: { priority: 20, exchange: 'ok.v.example' } },
          txt('noaddr.v.example', 'exists but has no address'),
          a('ok.v.example', '192.0.2.9'),
          a('slow.v.example', '192.0.2.10'),
        ],
      },
    ]);
    lab.server!.setBehaviour('slow.v.example', 'servfail');
    const { tree } = await gatherSpf(resolver, 'v.example');
    expect(tree?.voidLookups).toEqual([
      'a:gone.v.example → gone.v.example A/AAAA NXDOMAIN',
      'mx:m.v.example (MX host noaddr.v.example) → noaddr.v.example A/AAAA NODATA',
      'exists:e.v.example → e.v.example A NXDOMAIN',
      'a:slow.v.example → slow.v.example A/AAAA SERVFAIL',
    ]);
    expect(tree?.children).toEqual([]); // the macro include cannot be followed
    expect(lab.server!.queries.some((q) => q.name.includes('%'))).toBe(false);
  });

  it('an unanswered apex sets error; NXDOMAIN is an answer', async () => {
    const resolver = await lab.resolverFor([
      { origin: 'e.example', records: [txt('e.example', 'v=spf1 -all')] },
    ]);
    lab.server!.setBehaviour('e.example', 'timeout');
    const spf = await gatherSpf(resolver, 'e.example', { evaluate: [{ address: '192.0.2.1' }] });
    expect(spf.error).toBe('TXT e.example: TIMEOUT');
    expect(spf.evaluations?.[0]?.result).toBe('temperror');
    const none = await gatherSpf(resolver, 'nothing.e.example');
    expect(none.error).toBeUndefined();
    expect(none.tree?.lookup.status).toBe('NXDOMAIN');
    expect(none.evaluations).toBeUndefined();
  });

  it('an include that does not answer is kept with its status', async () => {
    const resolver = await lab.resolverFor([
      {
        origin: 's.example',
        records: [txt('s.example', 'v=spf1 include:x.s.example -all'), txt('x.s.example', 'v=spf1 -all')],
      },
    ]);
    lab.server!.setBehaviour('x.s.example', 'refused');
    const { tree } = await gatherSpf(resolver, 's.example');
    expect(tree?.children[0]?.lookup.status).toBe('REFUSED');
    expect(runDomainCheck(recordCheck, domainFacts({ spf: { tree: tree! } })).status).toBe('error');
  });

  it('asks each (name, type) once, also across mailauth evaluations', async () => {
    const resolver = await lab.resolverFor(labZones());
    await gatherSpf(resolver, GOOD_DOMAIN, {
      evaluate: [{ address: '127.0.0.10' }, { address: '127.0.0.11' }],
    });
    const asked = lab.server!.queries.filter((q) => q.transport === 'udp').map((q) => `${q.name}|${q.type}`);
    expect(new Set(asked).size).toBe(asked.length);
  });
});

describe('gatherSpf on malformed names', () => {
  it('does not ask names that cannot be encoded, and never throws', async () => {
    const long = `${'x'.repeat(70)}.m.example`;
    const resolver = await lab.resolverFor([
      {
        origin: 'm.example',
        records: [txt('m.example', `v=spf1 a:${long} include:${long} mx:a..m.example -all`)],
      },
    ]);
    const spf = await gatherSpf(resolver, 'm.example', { evaluate: [{ address: '192.0.2.1' }] });
    expect(spf.tree?.children).toEqual([]);
    expect(spf.tree?.voidLookups).toEqual([]);
    expect(lab.server!.queries.map((q) => q.name)).not.toContain(long);
    expect(spf.evaluations?.[0]?.result).toMatch(/^(permerror|temperror)$/);
    const facts = domainFacts({ spf });
    expect(runDomainCheck(recordCheck, facts).data?.problem).toBe(
      'label "xxxxxxxxxxxxxxxxxxxx…" is over 63 octets',
    );
    expect(runDomainCheck(lookupsCheck, facts).evidence).toContain(
      `  include:${long}: not a valid domain name, not followed (see spf.record)`,
    );
    expect(await gatherSpf(resolver, `${'y'.repeat(64)}.example`)).toEqual({
      error: `"${'y'.repeat(64)}.example" is not a domain name that can be looked up`,
    });
  });
});
