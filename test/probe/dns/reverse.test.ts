/**
 * gatherAddresses against the lab DNS server: PTR names for IPv4 and IPv6 (RFC 1035 §3.5,
 * RFC 3596 §2.5), the forward lookup of each PTR name, and DNSBL lookups (RFC 5782 §2.1) with the
 * TXT reason fetched only for listed addresses.
 */
import { describe, expect, it } from 'vitest';
import type { Zone } from '../../../src/lab/zones.js';
import { LAB_DNSBL_ZONE, LAB_MAIL_HOSTS, WEAK_RELAY, labZones } from '../../../src/lab/zones.js';
import type { AddressWithReasons } from '../../../src/probe/dns/reverse.js';
import {
  dnsblName,
  gatherAddresses,
  ipv6Nibbles,
  isListingCode,
  reverseName,
} from '../../../src/probe/dns/reverse.js';
import { Resolver } from '../../../src/probe/dns/resolver.js';
import { withLabDns } from '../../helpers/lab-dns.js';

const V6 = '2001:db8::10';
const V6_PTR = '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
const V6_BL = `${V6_PTR.replace(/\.ip6\.arpa$/, '')}.bl.example`;

const ZONES: Zone[] = [
  {
    origin: 'gather.example',
    records: [
      { name: 'mx1.gather.example', type: 'A', data: '127.0.0.10' },
      { name: 'mx1.gather.example', type: 'AAAA', data: V6 },
      { name: 'elsewhere.gather.example', type: 'A', data: '127.0.0.99' },
      { name: 'two.gather.example', type: 'A', data: '127.0.0.13' },
    ],
  },
  {
    origin: 'in-addr.arpa',
    records: [
      { name: '10.0.0.127.in-addr.arpa', type: 'PTR', data: 'mx1.gather.example' },
      { name: '11.0.0.127.in-addr.arpa', type: 'PTR', data: 'elsewhere.gather.example' },
      { name: '13.0.0.127.in-addr.arpa', type: 'PTR', data: 'old.gather.example' },
      { name: '13.0.0.127.in-addr.arpa', type: 'PTR', data: 'two.gather.example' },
    ],
  },
  { origin: 'ip6.arpa', records: [{ name: V6_PTR, type: 'PTR', data: 'mx1.gather.example' }] },
  {
    origin: 'bl.example',
    records: [
      { name: '2.0.0.127.bl.example', type: 'A', data: '127.0.0.2' },
      { name: '2.0.0.127.bl.example', type: 'TXT', data: 'test entry' },
      { name: '11.0.0.127.bl.example', type: 'A', data: '127.0.0.4' },
      { name: '11.0.0.127.bl.example', type: 'TXT', data: ['Listed: ', 'https://bl.example/127.0.0.11'] },
      { name: V6_BL, type: 'A', data: '127.0.0.2' },
    ],
  },
];

const lab = withLabDns({ timeoutMs: 2000 });

const asked = () => lab.server!.queries.map((q) => `${q.type} ${q.name}`);

describe('reverseName / dnsblName', () => {
  it('builds in-addr.arpa and ip6.arpa names', () => {
    expect(reverseName('192.0.2.25')).toBe('25.2.0.192.in-addr.arpa');
    // The example of RFC 3596 §2.5.
    expect(reverseName('4321:0:1:2:3:4:567:89ab')).toBe(
      'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa',
    );
    expect(reverseName('::1')).toBe(`1.${'0.'.repeat(31)}ip6.arpa`);
    expect(reverseName(V6)).toBe(V6_PTR);
    expect(() => reverseName('mx1.example.edu')).toThrow(RangeError);
  });

  it('expands every IPv6 notation to 32 nibbles', () => {
    expect(ipv6Nibbles('::')).toBe('0'.repeat(32));
    expect(ipv6Nibbles('2001:DB8::')).toBe(`20010db8${'0'.repeat(24)}`);
    expect(ipv6Nibbles('::ffff:127.0.0.2')).toBe(`${'0'.repeat(20)}ffff7f000002`);
    expect(ipv6Nibbles('fe80::1%eth0')).toBe(`fe80${'0'.repeat(27)}1`);
    expect(ipv6Nibbles('1:2:3:4:5:6:7:8')).toBe('00010002000300040005000600070008');
  });

  it('builds DNSBL names (RFC 5782 §2.1, §2.4)', () => {
    expect(dnsblName('192.0.2.99', 'zen.example.')).toBe('99.2.0.192.zen.example');
    expect(dnsblName(V6, 'bl.example')).toBe(V6_BL);
  });

  it('reads listing codes in 127.0.0.0/8 only', () => {
    expect(isListingCode('127.0.0.2')).toBe(true);
    expect(isListingCode('127.0.1.4')).toBe(true);
    expect(isListingCode('192.0.2.1')).toBe(false);
  });
});

describe('gatherAddresses', () => {
  it('finds the PTR of an IPv4 and an IPv6 address and confirms each forward', async () => {
    const resolver = await lab.resolverFor(ZONES);
    const [v4, v6] = await gatherAddresses(resolver, [
      { address: '127.0.0.10', family: 4, usedBy: ['mx1.gather.example'] },
      { address: V6, family: 6, usedBy: ['mx1.gather.example'] },
    ]);
    expect(v4.ptr).toMatchObject({
      name: '10.0.0.127.in-addr.arpa',
      status: 'ok',
      records: ['mx1.gather.example'],
    });
    expect(v4.forward).toMatchObject([{ name: 'mx1.gather.example', type: 'A', records: ['127.0.0.10'] }]);
    expect(v6.ptr).toMatchObject({ name: V6_PTR, status: 'ok', records: ['mx1.gather.example'] });
    expect(v6.forward).toMatchObject([{ name: 'mx1.gather.example', type: 'AAAA', records: [V6] }]);
    expect(v4.dnsbl).toBeUndefined();
  });

  it('looks up every PTR name forward, and records a missing PTR', async () => {
    const resolver = await lab.resolverFor(ZONES);
    const [two, none, elsewhere] = await gatherAddresses(resolver, [
      { address: '127.0.0.13', family: 4, usedBy: ['two.gather.example'] },
      { address: '127.0.0.12', family: 4, usedBy: ['mx9.gather.example'] },
      { address: '127.0.0.11', family: 4, usedBy: ['mx2.gather.example'] },
    ]);
    expect(two.forward.map((f) => [f.name, f.status])).toEqual([
      ['old.gather.example', 'NXDOMAIN'],
      ['two.gather.example', 'ok'],
    ]);
    expect(none.ptr.status).toBe('NXDOMAIN');
    expect(none.forward).toEqual([]);
    expect(elsewhere.forward[0].records).toEqual(['127.0.0.99']);
  });

  it('merges an address listed twice and keeps both users', async () => {
    const resolver = await lab.resolverFor(ZONES);
    const out = await gatherAddresses(resolver, [
      { address: V6, family: 6, usedBy: ['mx1.gather.example'] },
      { address: '2001:DB8:0::10', family: 6, usedBy: ['mail.gather.example'] },
    ]);
    expect(out).toHaveLength(1);
    expect(out[0].usedBy).toEqual(['mx1.gather.example', 'mail.gather.example']);
  });

  it('looks addresses up in each DNSBL zone, IPv6 in nibble form, with the TXT reason only when listed', async () => {
    const resolver = await lab.resolverFor(ZONES);
    const out = (await gatherAddresses(
      resolver,
      [
        { address: '127.0.0.10', family: 4, usedBy: ['mx1.gather.example'] },
        { address: '127.0.0.11', family: 4, usedBy: ['mx2.gather.example'] },
        { address: V6, family: 6, usedBy: ['mx1.gather.example'] },
      ],
      { dnsbl: ['bl.example', 'other-bl.example'] },
    )) as AddressWithReasons[];
    const [clean, listed, v6] = out;
    expect(Object.keys(clean.dnsbl!)).toEqual(['bl.example', 'other-bl.example']);
    expect(clean.dnsbl!['bl.example'].status).toBe('NXDOMAIN');
    expect(clean.dnsblTxt).toBeUndefined();
    expect(listed.dnsbl!['bl.example'].records).toEqual(['127.0.0.4']);
    expect(listed.dnsblTxt!['bl.example'].records).toEqual([['Listed: ', 'https://bl.example/127.0.0.11']]);
    expect(v6.dnsbl!['bl.example']).toMatchObject({ name: V6_BL, status: 'ok', records: ['127.0.0.2'] });
    const txt = asked().filter((q) => q.startsWith('TXT '));
    expect(txt.sort()).toEqual([`TXT ${V6_BL}`, 'TXT 11.0.0.127.bl.example']);
  });

  it('adds the RFC 5782 test entry 127.0.0.2 when asked, with no user', async () => {
    const resolver = await lab.resolverFor(ZONES);
    const out = await gatherAddresses(resolver, [{ address: '127.0.0.10', family: 4, usedBy: ['mx1'] }], {
      dnsbl: ['bl.example'],
      dnsblTestEntry: true,
    });
    expect(out.map((a) => [a.address, a.usedBy])).toEqual([
      ['127.0.0.10', ['mx1']],
      ['127.0.0.2', []],
    ]);
    expect(out[1].dnsbl!['bl.example'].records).toEqual(['127.0.0.2']);
  });

  it('keeps SERVFAIL and timeouts as data', async () => {
    const resolver = await lab.resolverFor(ZONES);
    lab.server!.setBehaviour('10.0.0.127.in-addr.arpa', 'servfail');
    lab.server!.setBehaviour('10.0.0.127.bl.example', 'timeout');
    const r = new Resolver({ servers: resolver.servers, timeoutMs: 200 });
    const [a] = await gatherAddresses(r, [{ address: '127.0.0.10', family: 4, usedBy: [] }], {
      dnsbl: ['bl.example'],
    });
    expect(a.ptr.status).toBe('SERVFAIL');
    expect(a.forward).toEqual([]);
    expect(a.dnsbl!['bl.example'].status).toBe('TIMEOUT');
  });

  it('runs the lookups of all addresses and zones in parallel', async () => {
    const delay = 150;
    const resolver = await lab.resolverFor(ZONES, { delayMs: delay });
    const started = Date.now();
    await gatherAddresses(
      resolver,
      [
        { address: '127.0.0.10', family: 4, usedBy: [] },
        { address: '127.0.0.11', family: 4, usedBy: [] },
        { address: '127.0.0.13', family: 4, usedBy: [] },
        { address: V6, family: 6, usedBy: [] },
      ],
      { dnsbl: ['bl.example', 'other-bl.example'] },
    );
    // The critical path is two round trips (PTR then forward; DNSBL A then TXT); one at a time
    // these 20-odd questions would take over ten.
    expect(Date.now() - started).toBeLessThan(delay * 4);
    expect(lab.server!.queries.length).toBeGreaterThan(12);
  });

  it('rejects something that is not an address of the given family', async () => {
    const resolver = await lab.resolverFor(ZONES);
    await expect(
      gatherAddresses(resolver, [{ address: 'mx1.gather.example', family: 4, usedBy: [] }]),
    ).rejects.toThrow(RangeError);
    await expect(gatherAddresses(resolver, [{ address: V6, family: 4, usedBy: [] }])).rejects.toThrow(
      RangeError,
    );
  });

  it('reads the lab: good.example MX confirmed over IPv6, the weak relay listed', async () => {
    const resolver = await lab.resolverFor(labZones());
    const out = (await gatherAddresses(
      resolver,
      [
        { address: '::1', family: 6, usedBy: ['mx1.good.example'] },
        { address: LAB_MAIL_HOSTS[WEAK_RELAY], family: 4, usedBy: [WEAK_RELAY] },
      ],
      { dnsbl: [LAB_DNSBL_ZONE], dnsblTestEntry: true },
    )) as AddressWithReasons[];
    expect(out[0].ptr.records).toEqual(['mx1.good.example']);
    expect(out[0].forward[0].records).toEqual(['::1']);
    expect(out[0].dnsbl![LAB_DNSBL_ZONE].status).toBe('NXDOMAIN');
    expect(out[1].dnsbl![LAB_DNSBL_ZONE].records).toEqual(['127.0.0.2']);
    expect(out[1].dnsblTxt![LAB_DNSBL_ZONE].records[0].join('')).toContain('Listed on purpose');
    expect(out[2].dnsbl![LAB_DNSBL_ZONE].records).toEqual(['127.0.0.2']);
  });
});
