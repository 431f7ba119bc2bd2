/**
 * gatherMx against the lab DNS server: MX order, null MX (RFC 7505), CNAME'd and IP-literal
 * exchanges, and DNS failures kept as data.
 */
import { describe, expect, it } from 'vitest';
import type { Zone } from '../../../src/lab/zones.js';
import {
  GOOD_DOMAIN,
  NULLMX_DOMAIN,
  WEAK_DOMAIN,
  WEAK_MX_ALIAS,
  WEAK_RELAY,
  labZones,
} from '../../../src/lab/zones.js';
import { gatherMx, isIpLiteral, isNullMx } from '../../../src/probe/dns/mx.js';
import { withLabDns } from '../../helpers/lab-dns.js';

const ZONE: Zone = {
  origin: 'gather.example',
  signed: true,
  records: [
    { name: '@', type: 'MX', data: { priority: 20, exchange: 'alias.gather.example' } },
    { name: '@', type: 'MX', data: { priority: 10, exchange: 'mx1.gather.example' } },
    { name: '@', type: 'MX', data: { priority: 30, exchange: '192.0.2.25' } },
    { name: '@', type: 'MX', data: { priority: 40, exchange: 'dangling.gather.example' } },
    { name: 'mx1.gather.example', type: 'A', data: '127.0.0.10' },
    { name: 'mx1.gather.example', type: 'AAAA', data: '2001:db8::10' },
    { name: 'alias.gather.example', type: 'CNAME', data: 'mx1.gather.example' },
    { name: 'dangling.gather.example', type: 'CNAME', data: 'gone.gather.example' },
    { name: 'v4only.gather.example', type: 'A', data: '127.0.0.11' },
    { name: 'nomx.gather.example', type: 'A', data: '127.0.0.12' },
    { name: 'mixed.gather.example', type: 'MX', data: { priority: 0, exchange: '.' } },
    { name: 'mixed.gather.example', type: 'MX', data: { priority: 10, exchange: 'v4only.gather.example' } },
  ],
};

const lab = withLabDns({ timeoutMs: 500 });

describe('gatherMx', () => {
  it('gathers every exchange in preference order with its A and AAAA', async () => {
    const mx = await gatherMx(await lab.resolverFor([ZONE]), 'gather.example');
    expect(mx.lookup.status).toBe('ok');
    expect(mx.lookup.authenticated).toBe(true);
    expect(mx.nullMx).toBe(false);
    expect(mx.hosts.map((h) => [h.priority, h.name])).toEqual([
      [10, 'mx1.gather.example'],
      [20, 'alias.gather.example'],
      [30, '192.0.2.25'],
      [40, 'dangling.gather.example'],
    ]);
    const mx1 = mx.hosts[0];
    expect(mx1.a.records).toEqual(['127.0.0.10']);
    expect(mx1.aaaa.records).toEqual(['2001:db8::10']);
    expect(mx1.cname).toBeUndefined();
    expect(mx1.ipLiteral).toBe(false);
  });

  it('detects an MX that is a CNAME, also when the alias leads nowhere', async () => {
    const mx = await gatherMx(await lab.resolverFor([ZONE]), 'gather.example');
    const alias = mx.hosts.find((h) => h.name === 'alias.gather.example')!;
    expect(alias.cname).toBe('mx1.gather.example');
    expect(alias.a.records).toEqual(['127.0.0.10']);
    const dangling = mx.hosts.find((h) => h.name === 'dangling.gather.example')!;
    expect(dangling.cname).toBe('gone.gather.example');
    expect(dangling.a.status).toBe('NXDOMAIN');
  });

  it('marks an IP-literal exchange', async () => {
    const mx = await gatherMx(await lab.resolverFor([ZONE]), 'gather.example');
    const literal = mx.hosts.find((h) => h.priority === 30)!;
    expect(literal.ipLiteral).toBe(true);
    expect(literal.a.status).toBe('NXDOMAIN');
  });

  it('asks the A, AAAA and CNAME of all exchanges at once, each question once', async () => {
    const resolver = await lab.resolverFor([ZONE]);
    await gatherMx(resolver, 'gather.example');
    const asked = lab.server!.queries.map((q) => `${q.type} ${q.name}`);
    expect(asked[0]).toBe('MX gather.example');
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked).toContain('CNAME dangling.gather.example');
    expect(asked).not.toContain('CNAME 192.0.2.25');
  });

  it('recognises the lab null MX and looks up no host', async () => {
    const resolver = await lab.resolverFor(labZones());
    const mx = await gatherMx(resolver, NULLMX_DOMAIN);
    expect(mx.nullMx).toBe(true);
    expect(mx.lookup.records).toEqual([{ priority: 0, exchange: '' }]);
    expect(mx.hosts).toEqual([]);
    expect(lab.server!.queries.map((q) => q.type)).toEqual(['MX']);
  });

  it('does not take a "." mixed with other MX records for a null MX', async () => {
    const mx = await gatherMx(await lab.resolverFor([ZONE]), 'mixed.gather.example');
    expect(mx.nullMx).toBe(false);
    expect(mx.hosts.map((h) => h.name)).toEqual(['v4only.gather.example']);
    expect(mx.hosts[0].aaaa.status).toBe('NODATA');
  });

  it('reads the lab domains: good.example signed, weak.example with its CNAME MX', async () => {
    const resolver = await lab.resolverFor(labZones());
    const [good, weak] = await Promise.all([
      gatherMx(resolver, GOOD_DOMAIN),
      gatherMx(resolver, WEAK_DOMAIN),
    ]);
    expect(good.hosts.map((h) => h.name)).toEqual(['mx1.good.example', 'mx2.good.example']);
    expect(good.hosts[0].aaaa.records).toEqual(['::1']);
    expect(good.lookup.authenticated).toBe(true);
    expect(weak.lookup.authenticated).toBe(false);
    expect(weak.hosts.find((h) => h.name === WEAK_MX_ALIAS)?.cname).toBe(WEAK_RELAY);
  });

  it('keeps NXDOMAIN, NODATA and SERVFAIL apart', async () => {
    const resolver = await lab.resolverFor([ZONE]);
    lab.server!.setBehaviour('broken.gather.example', 'servfail');
    const [nx, nodata, fail] = await Promise.all([
      gatherMx(resolver, 'nothing.gather.example'),
      gatherMx(resolver, 'nomx.gather.example'),
      gatherMx(resolver, 'broken.gather.example'),
    ]);
    expect([nx.lookup.status, nodata.lookup.status, fail.lookup.status]).toEqual([
      'NXDOMAIN',
      'NODATA',
      'SERVFAIL',
    ]);
    expect([nx.hosts, nodata.hosts, fail.hosts]).toEqual([[], [], []]);
  });
});

describe('isIpLiteral / isNullMx', () => {
  it.each([
    ['192.0.2.25', true],
    ['[192.0.2.25]', true],
    ['2001:db8::25', true],
    ['[IPv6:2001:db8::25]', true],
    ['mx1.example.edu', false],
    ['192.0.2.25.example.edu', false],
  ])('%s → %s', (name, expected) => {
    expect(isIpLiteral(name)).toBe(expected);
  });

  it('wants exactly one record, preference 0, exchange "."', () => {
    expect(isNullMx([{ priority: 0, exchange: '' }])).toBe(true);
    expect(isNullMx([{ priority: 0, exchange: '.' }])).toBe(true);
    expect(isNullMx([{ priority: 10, exchange: '' }])).toBe(false);
    expect(
      isNullMx([
        { priority: 0, exchange: '' },
        { priority: 10, exchange: 'mx.example' },
      ]),
    ).toBe(false);
    expect(isNullMx([])).toBe(false);
  });
});
