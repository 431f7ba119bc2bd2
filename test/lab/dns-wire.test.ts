/**
 * The lab DNS server's byte-oriented reader and writer drive dns2's codec in place of dns2's own
 * bit-array ones: every answer the server builds must encode to exactly the bytes dns2 would
 * produce, and every packet (well-formed or not) must parse to what dns2's parser returns.
 */
import crypto from 'node:crypto';
import dns2 from 'dns2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { responder } from '../../src/lab/dns-server.js';
import { WireReader, WireWriter, encodePacket, parsePacket } from '../../src/probe/dns/wire.js';
import { fleetZones } from '../../src/lab/fleet.js';
import { labZones } from '../../src/lab/zones.js';
import type { Zone } from '../../src/lab/zones.js';

const { Packet } = dns2;
type DnsPacket = InstanceType<typeof Packet>;

const TYPES = [1, 2, 5, 6, 12, 15, 16, 28, 52, 255, 99];

function query(name: string, type: number, edns?: { payload: number; do: boolean }, id = 0x1234): Buffer {
  const q = new Packet();
  q.header.id = id;
  q.header.rd = 1;
  q.questions.push({ name, type, class: 1 } as unknown as DnsPacket['questions'][number]);
  if (edns) {
    const opt = { name: '', type: 41, class: edns.payload, ttl: edns.do ? 0x8000 : 0, rdata: [] };
    q.additionals.push(opt as unknown as DnsPacket['additionals'][number]);
  }
  return q.toBuffer();
}

/** Every owner name of the zones, in the case given and upper-cased, plus names that do not exist. */
function namesOf(zones: readonly Zone[]): string[] {
  const names = new Set<string>();
  for (const zone of zones) {
    names.add(zone.origin);
    names.add(`nothing-here.${zone.origin}`);
    for (const r of zone.records) {
      const name = r.name === '@' ? zone.origin : r.name;
      names.add(name);
      names.add(name.toUpperCase());
    }
  }
  names.add('outside.example');
  return [...names];
}

type Responder = ReturnType<typeof responder>;

function sameEncoding(respond: Responder, q: Buffer, transport: 'udp' | 'tcp'): void {
  // Built twice: encoding fills in a packet's counts and header in place.
  const ours = respond(q, transport);
  const theirs = respond(q, transport);
  expect(ours === undefined).toBe(theirs === undefined);
  if (ours === undefined || theirs === undefined) return;
  expect(encodePacket(ours).toString('hex')).toBe(theirs.toBuffer().toString('hex'));
}

describe('lab DNS wire codec', () => {
  it('encodes every answer of the lab zones exactly as dns2 does', () => {
    const zones = labZones();
    const respond = responder(zones);
    let compared = 0;
    for (const name of namesOf(zones)) {
      for (const type of TYPES) {
        for (const edns of [undefined, { payload: 4096, do: true }]) {
          sameEncoding(respond, query(name, type, edns), 'udp');
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('encodes the fleet zones (A and PTR per host) exactly as dns2 does', () => {
    const hosts = Array.from({ length: 20 }, (_, i) => ({
      name: `h${String(i + 1).padStart(5, '0')}.fleet.lab.example`,
      address: `127.64.0.${i + 1}`,
    }));
    const zones = fleetZones('fleet.lab.example', hosts);
    const respond = responder(zones);
    for (const name of namesOf(zones)) {
      for (const type of [1, 12, 28, 15])
        sameEncoding(respond, query(name, type, { payload: 1232, do: false }), 'tcp');
    }
  });

  it('parses any packet as dns2 does, failures included', () => {
    const zones = labZones();
    const real = namesOf(zones)
      .slice(0, 40)
      .map((name, i) =>
        query(name, TYPES[i % TYPES.length], i % 2 ? { payload: 1232, do: true } : undefined),
      );
    const packets = fc.oneof(
      // Real queries with a few octets changed (names, counts and lengths go wrong).
      fc
        .tuple(fc.constantFrom(...real), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }))
        .map(([q, edits]) => {
          const b = Buffer.from(q);
          for (const [at, v] of edits) b[at % b.length] = v;
          return b;
        }),
      // Random octets behind a header with small counts.
      fc
        .tuple(
          fc.uint8Array({ minLength: 0, maxLength: 80 }),
          fc.array(fc.nat(3), { minLength: 4, maxLength: 4 }),
        )
        .map(([body, counts]) => {
          const header = Buffer.alloc(12);
          crypto.randomFillSync(header, 0, 4);
          counts.forEach((n, i) => header.writeUInt16BE(n, 4 + 2 * i));
          return Buffer.concat([header, body]);
        }),
      fc.uint8Array({ minLength: 0, maxLength: 30 }).map((a) => Buffer.from(a)),
    );
    // The server screens what it parses (parseQuery): one question, and no more records than the
    // octets could hold, or dns2's parser spends seconds on 65,535 phantom records.
    const screened = (b: Buffer) => {
      if (b.length < 12) return true;
      const counts = [4, 6, 8, 10].map((o) => b.readUInt16BE(o));
      return 12 + 11 * counts.reduce((x, y) => x + y, 0) <= b.length + 11 * 4;
    };
    fc.assert(
      fc.property(packets, (b) => {
        fc.pre(screened(b));
        const outcome = (f: () => DnsPacket) => {
          try {
            return { packet: JSON.parse(JSON.stringify(f())) as unknown };
          } catch {
            return { error: true };
          }
        };
        expect(outcome(() => parsePacket(b))).toEqual(outcome(() => Packet.parse(b)));
      }),
      { numRuns: 600 },
    );
  });

  it('reads and writes bit fields as dns2 does, however aligned', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.constantFrom(1, 3, 4, 8, 16, 32)),
          {
            maxLength: 20,
          },
        ),
        (fields) => {
          const ours = new WireWriter();
          const theirs = new Packet.Writer();
          for (const [value, size] of fields) {
            ours.write(value, size);
            theirs.write(value, size);
          }
          expect(ours.bitLength()).toBe(theirs.buffer.length);
          const bytes = ours.toBuffer();
          expect(bytes.toString('hex')).toBe(theirs.toBuffer().toString('hex'));
          const reader = new WireReader(bytes);
          const reference = new Packet.Reader(bytes);
          for (const [, size] of fields) {
            if (ours.bitLength() % 8 !== 0) break; // a right-aligned last byte reads back differently in both
            expect(reader.read(size)).toBe(reference.read(size));
          }
        },
      ),
    );
  });

  it('throws on reads past the end as dns2 does, without moving', () => {
    const reader = new WireReader(Buffer.from([0xab, 0xcd]));
    expect(reader.read(4)).toBe(0xa);
    expect(() => reader.read(16)).toThrow(RangeError);
    expect(reader.offset).toBe(4);
    expect(reader.read(12)).toBe(0xbcd);
    expect(reader.read(0)).toBe(0);
  });

  it('back-fills a length as dns2 does', () => {
    const ours = new WireWriter();
    ours.write(0xffff, 16);
    ours.write(7, 8);
    ours.patch(0, 0x0102, 16);
    expect(ours.toBuffer().toString('hex')).toBe('010207');
    expect(ours.byteLength()).toBe(3);
  });
});
