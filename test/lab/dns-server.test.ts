/**
 * The lab DNS server, queried the way a resolver would: dns2 packets over a raw UDP socket and
 * over TCP with the 2-byte length prefix (RFC 1035 §4.2.2). TXT strings and TLSA data are read
 * from the wire bytes, since dns2's TXT decoder joins the strings of a record.
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import dns2 from 'dns2';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer } from '../../src/lab/dns-server.js';
import type { LabDnsServer } from '../../src/lab/dns-server.js';
import { labCertPath } from '../../src/lab/lab.js';
import {
  BROKEN_DOMAIN,
  BROKEN_LONG_SPF,
  GOOD_DOMAIN,
  GOOD_MX1,
  GOOD_MX2,
  LAB_DNSBL_ZONE,
  LAB_HOST_LEGACY,
  LAB_HOST_MAIL,
  LAB_HOST_PLAIN,
  LAB_MAIL_HOSTS,
  LAB_SERVER_HOSTS,
  LEGACY_FORWARD_ADDRESS,
  NULLMX_DOMAIN,
  WEAK_DOMAIN,
  WEAK_MX2,
  WEAK_MX_ALIAS,
  WEAK_RELAY,
  dnsblName,
  goodCertSpkiSha256,
  labZones,
  reverseName,
  splitTxt,
} from '../../src/lab/zones.js';
import type { Zone } from '../../src/lab/zones.js';

const { Packet } = dns2;
type DnsPacket = InstanceType<typeof Packet>;
type Header = DnsPacket['header'] & { ad: number; aa: number; ra: number };
type Rr = Record<string, unknown> & { name: string; type: number };

const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  TLSA: 52,
} as const;

interface QueryOptions {
  /** Add an OPT record with this payload size (and DO flag). */
  edns?: { payload?: number; do?: boolean };
  /** Milliseconds to wait for the answer; undefined result when none came. */
  waitMs?: number;
}

function buildQuery(name: string, type: number, opts: QueryOptions = {}): Buffer {
  const q = new Packet();
  q.header.id = crypto.randomInt(0, 65536);
  q.header.rd = 1;
  q.questions.push({ name, type, class: 1 } as unknown as DnsPacket['questions'][number]);
  if (opts.edns) {
    const opt = {
      name: '',
      type: TYPE.OPT,
      class: opts.edns.payload ?? 4096,
      ttl: opts.edns.do ? 0x8000 : 0,
      rdata: [],
    };
    q.additionals.push(opt as unknown as DnsPacket['additionals'][number]);
  }
  return q.toBuffer();
}

interface Reply {
  raw: Buffer;
  packet: DnsPacket;
  header: Header;
  answers: Rr[];
  authorities: Rr[];
}

function decode(raw: Buffer): Reply {
  const packet = Packet.parse(raw);
  return {
    raw,
    packet,
    header: packet.header as Header,
    answers: packet.answers as unknown as Rr[],
    authorities: packet.authorities as unknown as Rr[],
  };
}

function sendUdpRaw(port: number, payload: Buffer, waitMs = 2000): Promise<Buffer | undefined> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), waitMs);
    const done = (b: Buffer | undefined) => {
      clearTimeout(timer);
      sock.close();
      resolve(b);
    };
    sock.on('message', (msg) => done(msg));
    sock.send(payload, port, '127.0.0.1');
  });
}

async function udp(port: number, name: string, type: number, opts: QueryOptions = {}): Promise<Reply> {
  const raw = await sendUdpRaw(port, buildQuery(name, type, opts), opts.waitMs);
  if (raw === undefined) throw new Error(`no UDP answer for ${name}/${type}`);
  return decode(raw);
}

/** Sends length-prefixed frames on one TCP connection and collects `expect` answers (or stops at waitMs). */
function sendTcpRaw(port: number, frames: Buffer[], expectCount: number, waitMs = 2000): Promise<Buffer[]> {
  const sock = net.connect(port, '127.0.0.1');
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const out: Buffer[] = [];
    const timer = setTimeout(() => done(), waitMs);
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(out);
    };
    sock.on('error', reject);
    sock.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        out.push(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (out.length >= expectCount) done();
    });
    sock.on('connect', () => {
      for (const f of frames) {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(f.length);
        sock.write(Buffer.concat([len, f]));
      }
    });
  });
}

async function tcp(port: number, name: string, type: number, opts: QueryOptions = {}): Promise<Reply> {
  const [raw] = await sendTcpRaw(port, [buildQuery(name, type, opts)], 1, opts.waitMs);
  if (raw === undefined) throw new Error(`no TCP answer for ${name}/${type}`);
  return decode(raw);
}

/** The answer section's (type, rdata) pairs straight from the wire. */
function rawAnswers(buf: Buffer): { type: number; rdata: Buffer }[] {
  let off = 12;
  const skipName = () => {
    for (;;) {
      const len = buf[off];
      if (len === 0) return void (off += 1);
      if ((len & 0xc0) === 0xc0) return void (off += 2);
      off += len + 1;
    }
  };
  for (let i = buf.readUInt16BE(4); i > 0; i--) {
    skipName();
    off += 4;
  }
  const out: { type: number; rdata: Buffer }[] = [];
  for (let i = buf.readUInt16BE(6); i > 0; i--) {
    skipName();
    const type = buf.readUInt16BE(off);
    const rdlen = buf.readUInt16BE(off + 8);
    out.push({ type, rdata: buf.subarray(off + 10, off + 10 + rdlen) });
    off += 10 + rdlen;
  }
  return out;
}

/** TXT RDATA → its character-strings (RFC 1035 §3.3.14). */
function txtStrings(rdata: Buffer): string[] {
  const out: string[] = [];
  for (let off = 0; off < rdata.length; off += 1 + rdata[off]) {
    out.push(rdata.subarray(off + 1, off + 1 + rdata[off]).toString('utf8'));
  }
  return out;
}

function txtRecords(reply: Reply): string[][] {
  return rawAnswers(reply.raw)
    .filter((a) => a.type === TYPE.TXT)
    .map((a) => txtStrings(a.rdata));
}

let server: LabDnsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function lab(opts: { delayMs?: number; signedZones?: string[] } = {}): Promise<LabDnsServer> {
  server = await startDnsServer({ zones: labZones(), ...opts });
  return server;
}

describe('answers from the lab zones', () => {
  it('serves A over UDP and TCP on the same port, case-insensitively, echoing the question', async () => {
    const s = await lab();
    for (const reply of [
      await udp(s.port, 'MX1.Good.Example', TYPE.A),
      await tcp(s.port, GOOD_MX1, TYPE.A),
    ]) {
      expect(reply.header).toMatchObject({ qr: 1, rcode: 0, aa: 1, ra: 1, tc: 0 });
      expect(reply.answers).toHaveLength(1);
      expect(reply.answers[0]).toMatchObject({ type: TYPE.A, address: LAB_MAIL_HOSTS[GOOD_MX1], ttl: 300 });
    }
    const mixed = await udp(s.port, 'MX1.Good.Example', TYPE.A);
    expect(mixed.packet.questions[0].name).toBe('MX1.Good.Example');
    expect(mixed.answers[0].name).toBe('MX1.Good.Example');
    const aaaa = await udp(s.port, GOOD_MX1, TYPE.AAAA);
    expect(aaaa.answers.map((a) => a.address)).toEqual(['::1']);
  });

  it('serves MX records, including the RFC 7505 null MX', async () => {
    const s = await lab();
    const good = await udp(s.port, GOOD_DOMAIN, TYPE.MX);
    expect(good.answers.map((a) => [a.priority, a.exchange])).toEqual([
      [10, GOOD_MX1],
      [20, GOOD_MX2],
    ]);
    const nullMx = await udp(s.port, NULLMX_DOMAIN, TYPE.MX);
    expect(nullMx.answers.map((a) => [a.priority, a.exchange])).toEqual([[0, '']]);
    // The root name on the wire: RDATA is the preference and a single zero octet.
    expect(rawAnswers(nullMx.raw)[0].rdata).toEqual(Buffer.from([0, 0, 0]));
  });

  it('keeps the character-strings of a TXT record apart on the wire', async () => {
    const s = await lab();
    const dkim = txtRecords(await udp(s.port, `s1._domainkey.${GOOD_DOMAIN}`, TYPE.TXT));
    expect(dkim).toHaveLength(1);
    expect(dkim[0]).toHaveLength(2);
    expect(dkim[0][0]).toHaveLength(255);
    expect(dkim[0].join('')).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjAN[A-Za-z0-9+/=]+$/);

    // broken.example's TXT set is too big for 512 octets: read it over TCP.
    const broken = txtRecords(await tcp(s.port, BROKEN_DOMAIN, TYPE.TXT));
    expect(broken).toHaveLength(2);
    const long = broken.find((strings) => strings.length > 1);
    expect(long?.map((x) => x.length)).toEqual([255, BROKEN_LONG_SPF.length - 255]);
    expect(long?.join('')).toBe(BROKEN_LONG_SPF);
    expect(BROKEN_LONG_SPF.length).toBeGreaterThan(450);
    expect(broken.filter((strings) => strings.join('').startsWith('v=spf1 '))).toHaveLength(2);
  });

  it('serves PTR records for IPv4 and IPv6 addresses', async () => {
    const s = await lab();
    const v4 = await udp(s.port, '1.0.0.127.in-addr.arpa', TYPE.PTR);
    expect(v4.answers.map((a) => a.domain)).toEqual([GOOD_MX1]);
    const v6 = await udp(s.port, `1.${'0.'.repeat(31)}ip6.arpa`, TYPE.PTR);
    expect(v6.answers.map((a) => a.domain)).toEqual([GOOD_MX1]);
    expect(reverseName('::1')).toBe(`1.${'0.'.repeat(31)}ip6.arpa`);
  });

  it('round-trips TLSA as raw RDATA: 3 1 1 and the SHA-256 of good.pem SPKI', async () => {
    const s = await lab();
    const reply = await udp(s.port, `_25._tcp.${GOOD_MX1}`, TYPE.TLSA);
    expect(reply.answers).toHaveLength(1);
    const data = reply.answers[0].data as Buffer;
    expect(Buffer.isBuffer(data)).toBe(true);
    expect([...data.subarray(0, 3)]).toEqual([3, 1, 1]);
    const cert = new crypto.X509Certificate(fs.readFileSync(labCertPath('good.pem')));
    const expected = crypto
      .createHash('sha256')
      .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    expect(data.subarray(3).toString('hex')).toBe(expected);
    expect(goodCertSpkiSha256()).toBe(expected);
    expect(rawAnswers(reply.raw)[0].rdata).toHaveLength(35);
    // weak.example's TLSA matches nothing the lab has.
    const weak = await udp(s.port, `_25._tcp.${WEAK_MX_ALIAS}`, TYPE.TLSA);
    expect((weak.answers[0].data as Buffer).subarray(3).toString('hex')).not.toBe(expected);
  });

  it('follows a CNAME within the lab and answers a CNAME query with the alias only', async () => {
    const s = await lab();
    const chased = await udp(s.port, WEAK_MX_ALIAS, TYPE.A);
    expect(chased.header.rcode).toBe(0);
    expect(chased.answers.map((a) => [a.name, a.type, a.domain ?? a.address])).toEqual([
      [WEAK_MX_ALIAS, TYPE.CNAME, WEAK_RELAY],
      [WEAK_RELAY, TYPE.A, LAB_MAIL_HOSTS[WEAK_RELAY]],
    ]);
    const alias = await udp(s.port, WEAK_MX_ALIAS, TYPE.CNAME);
    expect(alias.answers.map((a) => a.domain)).toEqual([WEAK_RELAY]);
    // The alias target has no AAAA: the CNAME alone, NOERROR.
    const nodata = await udp(s.port, WEAK_MX_ALIAS, TYPE.AAAA);
    expect(nodata.header.rcode).toBe(0);
    expect(nodata.answers.map((a) => a.type)).toEqual([TYPE.CNAME]);
  });

  it('keeps NXDOMAIN and NODATA apart, with the SOA in the authority section', async () => {
    const s = await lab();
    const nx = await udp(s.port, `nonexistent1.${WEAK_DOMAIN}`, TYPE.A);
    expect(nx.header.rcode).toBe(3);
    expect(nx.answers).toEqual([]);
    expect(nx.authorities.map((a) => [a.name, a.type])).toEqual([[WEAK_DOMAIN, TYPE.SOA]]);

    const noAaaa = await udp(s.port, GOOD_MX2, TYPE.AAAA);
    expect(noAaaa.header.rcode).toBe(0);
    expect(noAaaa.answers).toEqual([]);
    expect(noAaaa.authorities.map((a) => a.type)).toEqual([TYPE.SOA]);

    // An empty non-terminal exists (RFC 8020): NODATA, not NXDOMAIN.
    const ent = await udp(s.port, `_domainkey.${GOOD_DOMAIN}`, TYPE.TXT);
    expect(ent.header.rcode).toBe(0);
    expect(ent.answers).toEqual([]);

    const outside = await udp(s.port, 'www.not-in-the-lab.test', TYPE.A);
    expect(outside.header.rcode).toBe(3);
    expect(outside.header.aa).toBe(0);

    // No PTR for weak.example's second MX.
    const noPtr = await udp(s.port, reverseName(LAB_MAIL_HOSTS[WEAK_MX2]), TYPE.PTR);
    expect(noPtr.header.rcode).toBe(3);
  });
});

describe('behaviours for resolver tests', () => {
  it('answers SERVFAIL or REFUSED for a name until set back to normal', async () => {
    const s = await lab();
    s.setBehaviour(GOOD_DOMAIN, 'servfail');
    s.setBehaviour(`_dmarc.${GOOD_DOMAIN}`, 'refused');
    expect((await udp(s.port, GOOD_DOMAIN, TYPE.MX)).header.rcode).toBe(2);
    expect((await tcp(s.port, 'GOOD.example.', TYPE.TXT)).header.rcode).toBe(2);
    expect((await udp(s.port, `_dmarc.${GOOD_DOMAIN}`, TYPE.TXT)).header.rcode).toBe(5);
    // Other names are not affected.
    expect((await udp(s.port, GOOD_MX1, TYPE.A)).header.rcode).toBe(0);
    s.setBehaviour(GOOD_DOMAIN, 'normal');
    expect((await udp(s.port, GOOD_DOMAIN, TYPE.MX)).answers).toHaveLength(2);
  });

  it('never answers a timeout name, over UDP or TCP, but logs the query', async () => {
    const s = await lab();
    s.setBehaviour(GOOD_MX1, 'timeout');
    expect(await sendUdpRaw(s.port, buildQuery(GOOD_MX1, TYPE.A), 300)).toBeUndefined();
    expect(await sendTcpRaw(s.port, [buildQuery(GOOD_MX1, TYPE.A)], 1, 300)).toEqual([]);
    // The server is still there for other names.
    expect((await udp(s.port, GOOD_MX2, TYPE.A)).answers).toHaveLength(1);
    expect(s.queries.filter((q) => q.name === GOOD_MX1).map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('truncates on request: TC=1 and no answers over UDP, the full answer over TCP', async () => {
    const s = await lab();
    s.setBehaviour(GOOD_DOMAIN, 'truncate');
    const viaUdp = await udp(s.port, GOOD_DOMAIN, TYPE.MX);
    expect(viaUdp.header.tc).toBe(1);
    expect(viaUdp.answers).toEqual([]);
    const viaTcp = await tcp(s.port, GOOD_DOMAIN, TYPE.MX);
    expect(viaTcp.header.tc).toBe(0);
    expect(viaTcp.answers).toHaveLength(2);
  });

  it('truncates a TXT set over 512 octets without EDNS, or over the EDNS payload size', async () => {
    const s = await lab();
    const plain = await udp(s.port, BROKEN_DOMAIN, TYPE.TXT);
    expect(plain.header.tc).toBe(1);
    expect(plain.answers).toEqual([]);
    const small = await udp(s.port, BROKEN_DOMAIN, TYPE.TXT, { edns: { payload: 512 } });
    expect(small.header.tc).toBe(1);
    const big = await udp(s.port, BROKEN_DOMAIN, TYPE.TXT, { edns: { payload: 1232 } });
    expect(big.header.tc).toBe(0);
    expect(big.raw.length).toBeGreaterThan(512);
    expect(txtRecords(big)).toHaveLength(2);
    const viaTcp = await tcp(s.port, BROKEN_DOMAIN, TYPE.TXT);
    expect(viaTcp.header.tc).toBe(0);
    expect(txtRecords(viaTcp)).toHaveLength(2);
  });

  it('sets AD only for DO queries on signed zones', async () => {
    const s = await lab();
    const signedDo = await udp(s.port, GOOD_DOMAIN, TYPE.MX, { edns: { do: true } });
    expect(signedDo.header.ad).toBe(1);
    const opt = signedDo.packet.additionals.find((r) => r.type === TYPE.OPT) as unknown as {
      doFlag: boolean;
    };
    expect(opt.doFlag).toBe(true);
    expect((await udp(s.port, `_25._tcp.${GOOD_MX1}`, TYPE.TLSA, { edns: { do: true } })).header.ad).toBe(1);
    expect((await tcp(s.port, `_25._tcp.${GOOD_MX1}`, TYPE.TLSA, { edns: { do: true } })).header.ad).toBe(1);
    expect((await udp(s.port, GOOD_DOMAIN, TYPE.MX)).header.ad).toBe(0);
    expect((await udp(s.port, GOOD_DOMAIN, TYPE.MX, { edns: { do: false } })).header.ad).toBe(0);
    expect((await udp(s.port, WEAK_DOMAIN, TYPE.MX, { edns: { do: true } })).header.ad).toBe(0);
    await s.close();

    const s2 = await lab({ signedZones: [WEAK_DOMAIN] });
    expect((await udp(s2.port, WEAK_DOMAIN, TYPE.MX, { edns: { do: true } })).header.ad).toBe(1);
  });

  it('delays every answer by delayMs', async () => {
    const s = await lab({ delayMs: 120 });
    const started = performance.now();
    await udp(s.port, GOOD_MX1, TYPE.A);
    await tcp(s.port, GOOD_MX1, TYPE.A);
    expect(performance.now() - started).toBeGreaterThanOrEqual(230);
  });
});

describe('robustness and bookkeeping', () => {
  it('logs every query with its name, type and transport', async () => {
    const s = await lab();
    await udp(s.port, GOOD_DOMAIN, TYPE.MX);
    await udp(s.port, 'Good.Example.', TYPE.MX);
    await tcp(s.port, `_25._tcp.${GOOD_MX1}`, TYPE.TLSA);
    await sendTcpRaw(s.port, [buildQuery(GOOD_MX1, TYPE.A), buildQuery(GOOD_MX1, TYPE.AAAA)], 2);
    expect(s.queries).toEqual([
      { name: GOOD_DOMAIN, type: 'MX', transport: 'udp' },
      { name: GOOD_DOMAIN, type: 'MX', transport: 'udp' },
      { name: `_25._tcp.${GOOD_MX1}`, type: 'TLSA', transport: 'tcp' },
      { name: GOOD_MX1, type: 'A', transport: 'tcp' },
      { name: GOOD_MX1, type: 'AAAA', transport: 'tcp' },
    ]);
  });

  it('ignores malformed packets and keeps answering', async () => {
    const s = await lab();
    const response = Packet.parse(buildQuery(GOOD_MX1, TYPE.A));
    response.header.qr = 1;
    const garbage = [
      Buffer.from([1, 2, 3]),
      crypto.randomBytes(12),
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      buildQuery(GOOD_MX1, TYPE.A).subarray(0, 20),
      response.toBuffer(),
    ];
    for (const g of garbage) expect(await sendUdpRaw(s.port, g, 100)).toBeUndefined();
    expect(await sendTcpRaw(s.port, [Buffer.from([0xff, 0xff, 0xff])], 1, 100)).toEqual([]);
    expect((await udp(s.port, GOOD_MX1, TYPE.A)).answers).toHaveLength(1);
    expect((await tcp(s.port, GOOD_MX1, TYPE.A)).answers).toHaveLength(1);
    expect(s.queries.filter((q) => q.name === GOOD_MX1)).toHaveLength(2);
  });

  it('close() frees the UDP and TCP port and ends open TCP connections', async () => {
    const s = await lab();
    const port = s.port;
    const idle = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => idle.once('connect', resolve));
    const ended = new Promise((resolve) => idle.once('close', resolve));
    const started = performance.now();
    await s.close();
    await ended;
    // Not by the server's idle timeout: close() ends connections itself.
    expect(performance.now() - started).toBeLessThan(1000);
    await s.close(); // idempotent
    const u = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      u.once('error', reject);
      u.bind(port, '127.0.0.1', () => resolve());
    });
    const t = net.createServer();
    await new Promise<void>((resolve, reject) => {
      t.once('error', reject);
      t.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => u.close(() => resolve()));
    await new Promise((resolve) => t.close(resolve));
  });

  it('fails to start on a port already taken, and rejects zones that cannot be served', async () => {
    const s = await lab();
    await expect(startDnsServer({ zones: labZones(), port: s.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    const bad = (records: Zone['records']): Promise<unknown> =>
      startDnsServer({ zones: [{ origin: 'x.example', records }] });
    await expect(bad([{ name: 'x.example', type: 'TXT', data: 'a'.repeat(256) }])).rejects.toThrow(/max 255/);
    await expect(
      bad([
        { name: 'a.x.example', type: 'CNAME', data: 'b.x.example' },
        { name: 'a.x.example', type: 'A', data: '127.0.0.1' },
      ]),
    ).rejects.toThrow(/CNAME/);
    await expect(bad([{ name: 'y.example', type: 'A', data: '127.0.0.1' }])).rejects.toThrow(
      /outside the zone/,
    );
    await expect(bad([{ name: '@', type: 'A', data: '::1' }])).rejects.toThrow(/IPv4/);
  });

  it('serves zones given by tests: @ for the apex, a CNAME loop answered SERVFAIL', async () => {
    server = await startDnsServer({
      zones: [
        {
          origin: 'x.example',
          records: [
            { name: '@', type: 'A', data: '127.0.0.9', ttl: 60 },
            { name: 'loop1.x.example', type: 'CNAME', data: 'loop2.x.example' },
            { name: 'loop2.x.example', type: 'CNAME', data: 'loop1.x.example' },
          ],
        },
      ],
    });
    const apex = await udp(server.port, 'x.example', TYPE.A);
    expect(apex.answers[0]).toMatchObject({ address: '127.0.0.9', ttl: 60 });
    // No SOA given: a minimal one is synthesised for negative answers.
    const soa = await udp(server.port, 'x.example', TYPE.SOA);
    expect(soa.answers[0]).toMatchObject({ type: TYPE.SOA, primary: 'ns.lab.example' });
    expect((await udp(server.port, 'loop1.x.example', TYPE.A)).header.rcode).toBe(2);
  });
});

describe('the lab zones', () => {
  let zones: Zone[];
  beforeAll(() => {
    zones = labZones();
  });
  const records = (name: string, type: string) =>
    zones.flatMap((z) =>
      z.records.filter((r) => r.type === type && (r.name === name || (r.name === '@' && z.origin === name))),
    );
  const txt = (name: string) =>
    records(name, 'TXT').map((r) => (typeof r.data === 'string' ? r.data : (r.data as string[]).join('')));

  it('gives every MX address a PTR back to its host, except weak.example mx2', () => {
    for (const host of [GOOD_MX1, GOOD_MX2, WEAK_RELAY] as const) {
      expect(records(reverseName(LAB_MAIL_HOSTS[host]), 'PTR').map((r) => r.data)).toEqual([host]);
    }
    expect(records(reverseName(LAB_MAIL_HOSTS[WEAK_MX2]), 'PTR')).toEqual([]);
  });

  it('names the host servers: mail with A and PTR agreeing, legacy with its A elsewhere, plain without PTR', () => {
    const mail = LAB_SERVER_HOSTS[LAB_HOST_MAIL];
    const legacy = LAB_SERVER_HOSTS[LAB_HOST_LEGACY];
    const plain = LAB_SERVER_HOSTS[LAB_HOST_PLAIN];
    expect([mail, legacy, plain]).toEqual(['127.0.0.10', '127.0.0.11', '127.0.0.12']);
    expect(records(LAB_HOST_MAIL, 'A').map((r) => r.data)).toEqual([mail]);
    expect(records(reverseName(mail), 'PTR').map((r) => r.data)).toEqual([LAB_HOST_MAIL]);
    expect(records(reverseName(legacy), 'PTR').map((r) => r.data)).toEqual([LAB_HOST_LEGACY]);
    expect(records(LAB_HOST_LEGACY, 'A').map((r) => r.data)).toEqual([LEGACY_FORWARD_ADDRESS]);
    expect(LEGACY_FORWARD_ADDRESS).not.toBe(legacy);
    expect(records(LAB_HOST_PLAIN, 'A').map((r) => r.data)).toEqual([plain]);
    expect(records(reverseName(plain), 'PTR')).toEqual([]);
  });

  it('takes host server addresses from the caller, checked together with the mail hosts', () => {
    const recs = labZones({ serverHosts: { [LAB_HOST_MAIL]: '127.0.0.13' } }).flatMap((z) => z.records);
    expect(recs).toContainEqual({ name: LAB_HOST_MAIL, type: 'A', data: '127.0.0.13' });
    expect(recs).toContainEqual({ name: reverseName('127.0.0.13'), type: 'PTR', data: LAB_HOST_MAIL });
    expect(recs.some((r) => r.name === reverseName('127.0.0.10'))).toBe(false);
    expect(() => labZones({ serverHosts: { 'www.lab.example': '127.0.0.13' } })).toThrow(
      /unknown lab server host/,
    );
    expect(() => labZones({ serverHosts: { [LAB_HOST_PLAIN]: LAB_MAIL_HOSTS[WEAK_MX2] } })).toThrow(/share/);
    expect(() => labZones({ serverHosts: { [LAB_HOST_LEGACY]: LEGACY_FORWARD_ADDRESS } })).toThrow(/FCrDNS/);
  });

  it('lists the RFC 5782 test address and the weak relay on the DNSBL, not 127.0.0.1', () => {
    expect(records(dnsblName('127.0.0.2', LAB_DNSBL_ZONE), 'A').map((r) => r.data)).toEqual(['127.0.0.2']);
    expect(records(dnsblName('127.0.0.1', LAB_DNSBL_ZONE), 'A')).toEqual([]);
    expect(records(dnsblName(LAB_MAIL_HOSTS[WEAK_RELAY], LAB_DNSBL_ZONE), 'TXT')).toHaveLength(1);
    expect(dnsblName('127.0.0.2', LAB_DNSBL_ZONE)).toBe(`2.0.0.127.${LAB_DNSBL_ZONE}`);
    for (const host of [GOOD_MX1, GOOD_MX2] as const) {
      expect(records(dnsblName(LAB_MAIL_HOSTS[host], LAB_DNSBL_ZONE), 'A')).toEqual([]);
    }
  });

  it('builds weak.example SPF past the lookup and void limits', () => {
    const [apex] = txt(WEAK_DOMAIN);
    const querying = (spf: string) =>
      spf.split(' ').filter((t) => /^[~?+-]?(include:|a[:/]|a$|mx|ptr|exists:|redirect=)/.test(t));
    let total = querying(apex).length;
    for (let domain = apex.match(/include:(\S+)/)?.[1]; domain !== undefined;) {
      const [spf] = txt(domain);
      total += querying(spf).length;
      domain = spf.match(/include:(\S+)/)?.[1];
    }
    expect(total).toBeGreaterThan(10);
    expect(apex.match(/a:nonexistent\d/g)).toHaveLength(3);
    expect(apex).toMatch(/ ptr /);
    expect(apex).toMatch(/~all$/);
  });

  it('takes mail host addresses from the caller and refuses ones that would mix up the cases', () => {
    const moved = labZones({ mailHosts: { [GOOD_MX2]: '127.0.0.16' }, mtaStsAddress: '127.0.0.17' });
    const recs = moved.flatMap((z) => z.records);
    expect(recs).toContainEqual({ name: GOOD_MX2, type: 'A', data: '127.0.0.16' });
    expect(recs).toContainEqual({ name: reverseName('127.0.0.16'), type: 'PTR', data: GOOD_MX2 });
    expect(recs).toContainEqual({ name: `mta-sts.${GOOD_DOMAIN}`, type: 'A', data: '127.0.0.17' });
    expect(() => labZones({ mailHosts: { 'mx9.good.example': '127.0.0.9' } })).toThrow(
      /unknown lab mail host/,
    );
    expect(() => labZones({ mailHosts: { [GOOD_MX2]: '10.0.0.1' } })).toThrow(/loopback/);
    expect(() => labZones({ mailHosts: { [GOOD_MX2]: LAB_MAIL_HOSTS[GOOD_MX1] } })).toThrow(/share/);
    expect(() => labZones({ mailHosts: { [GOOD_MX2]: '127.0.0.2' } })).toThrow(/DNSBL test entry/);
  });

  it('splits TXT text into 255-octet strings', () => {
    expect(splitTxt('a'.repeat(600)).map((s) => s.length)).toEqual([255, 255, 90]);
    expect(splitTxt('')).toEqual(['']);
  });
});
