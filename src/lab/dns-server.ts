/**
 * The lab's DNS server: answers from in-memory zones (zones.ts) over UDP and TCP on one loopback
 * port, so tests, the demo and the benchmark never touch real DNS. It answers like a small
 * validating resolver that knows only the lab: exact answers, NODATA for names that exist with
 * other types (including empty non-terminals, RFC 8020), NXDOMAIN for everything else, CNAME
 * chains followed within the lab, the AD bit for DO queries on signed zones, and truncation over
 * UDP when an answer exceeds 512 octets (or the EDNS payload size, RFC 6891 §6.2.5).
 *
 * For resolver tests a name can be made to fail (SERVFAIL, REFUSED, no answer, TC=1 over UDP),
 * every answer can be delayed (the benchmark models round trips with it), and every query
 * received is logged.
 *
 * Messages are parsed and answers encoded with dns2's Packet codec, driven through a byte-oriented
 * reader and writer of our own (dns2's keep one array element per bit, which made the codec most
 * of the cost of a benchmark's DNS); the transports are plain node:dgram and node:net, so that a
 * packet can be screened before dns2 parses it.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { SoaData, Zone, ZoneRecord } from './zones.js';
import { encodePacket, parsePacket } from '../probe/dns/wire.js';
import { Packet, type DnsPacket } from '../probe/dns/packet.js';

/** How the server treats queries for one name (see {@link LabDnsServer.setBehaviour}). */
export type DnsBehaviour = 'servfail' | 'refused' | 'timeout' | 'truncate' | 'normal';

export interface DnsServerOptions {
  zones: readonly Zone[];
  /** Default 127.0.0.1 (an IPv6 literal such as ::1 works too). */
  host?: string;
  /** Default: a port free for both UDP and TCP. */
  port?: number;
  /** Added before every answer, in milliseconds (default 0). */
  delayMs?: number;
  /** Origins treated as signed, besides zones with `signed: true`. */
  signedZones?: readonly string[];
}

export interface DnsQueryLogEntry {
  /** Lower case, without a trailing dot. */
  name: string;
  /** Type mnemonic (A, MX, TLSA, ...) or TYPE<n> for others. */
  type: string;
  transport: 'udp' | 'tcp';
}

export interface LabDnsServer {
  host: string;
  /** Serves both UDP and TCP. */
  port: number;
  /** Every query received, malformed packets excepted, in order of arrival. */
  queries: DnsQueryLogEntry[];
  /** Releases both sockets, ends every TCP connection and drops pending answers; idempotent. */
  close(): Promise<void>;
  /**
   * Sets how queries for exactly this name (any type) are answered: `servfail` (RCODE 2),
   * `refused` (RCODE 5), `timeout` (never answered, over UDP and TCP), `truncate` (over UDP an
   * empty answer with TC=1; over TCP the full answer), or `normal` again.
   */
  setBehaviour(name: string, behaviour: DnsBehaviour): void;
}

/** RR type codes the lab serves (RFC 1035 §3.2.2, RFC 3596, RFC 6698 for TLSA). */
const TYPE_CODES: Record<ZoneRecord['type'], number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  TLSA: 52,
};
const OPT = 41;
const ANY = 255;
const TYPE_NAMES = new Map<number, string>([
  ...Object.entries(TYPE_CODES).map(([k, v]) => [v, k] as [number, string]),
  [OPT, 'OPT'],
  [ANY, 'ANY'],
]);

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** What a synthesised SOA says when a zone brings none. */
const DEFAULT_SOA: SoaData = {
  primary: 'ns.lab.example',
  admin: 'hostmaster.lab.example',
  serial: 2026112101,
  refresh: 3600,
  retry: 600,
  expiration: 604800,
  minimum: 300,
};

/** The payload size our OPT record advertises (the DNS Flag Day 2020 value). */
const OUR_EDNS_PAYLOAD = 1232;

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function isBelow(name: string, origin: string): boolean {
  return name === origin || name.endsWith(`.${origin}`);
}

interface IndexedZone {
  origin: string;
  signed: boolean;
  soa: ZoneRecord & { type: 'SOA' };
}

/** One record ready for dns2's encoder: the wire type code and the rdata fields dns2 expects. */
interface Prepared {
  type: number;
  ttl: number;
  fields: Record<string, unknown>;
  /** For CNAME: where the chain goes next. */
  target?: string;
}

/** The zones, indexed by owner name, validated once at start. */
class ZoneIndex {
  private readonly byName = new Map<string, Prepared[]>();
  /** Owner names and their ancestors down to the apex: names that exist (RFC 8020). */
  private readonly existing = new Set<string>();
  /** Longest origin first, so the closest enclosing zone wins. */
  private readonly zones: IndexedZone[] = [];

  constructor(zones: readonly Zone[], signedZones: readonly string[]) {
    const signed = new Set(signedZones.map(normalise));
    for (const zone of zones) {
      const origin = normalise(zone.origin);
      let soa = zone.records.find((r): r is ZoneRecord & { type: 'SOA' } => r.type === 'SOA');
      soa ??= { name: origin, type: 'SOA', data: DEFAULT_SOA };
      this.zones.push({ origin, signed: zone.signed === true || signed.has(origin), soa });
      this.add(origin, soa);
      for (const record of zone.records) if (record !== soa) this.add(origin, record);
    }
    this.zones.sort((a, b) => b.origin.length - a.origin.length);
    for (const [name, records] of this.byName) {
      if (records.some((r) => r.type === TYPE_CODES.CNAME) && records.length > 1) {
        throw new RangeError(`${name}: a CNAME cannot have other data (RFC 1034 §3.6.2)`);
      }
    }
  }

  private add(origin: string, record: ZoneRecord): void {
    const name = record.name === '@' ? origin : normalise(record.name);
    if (!isBelow(name, origin)) throw new RangeError(`${record.name} is outside the zone ${origin}`);
    const prepared = prepare(record);
    const list = this.byName.get(name) ?? [];
    list.push(prepared);
    this.byName.set(name, list);
    for (let n = name; ; n = n.slice(n.indexOf('.') + 1)) {
      this.existing.add(n);
      if (n === origin) break;
    }
  }

  zoneOf(name: string): IndexedZone | undefined {
    return this.zones.find((z) => isBelow(name, z.origin));
  }

  records(name: string): Prepared[] | undefined {
    return this.byName.get(name);
  }

  exists(name: string): boolean {
    return this.existing.has(name);
  }
}

function prepare(record: ZoneRecord): Prepared {
  const base = { type: TYPE_CODES[record.type], ttl: record.ttl ?? 300 };
  const where = `${record.name} ${record.type}`;
  switch (record.type) {
    case 'A':
      if (!net.isIPv4(record.data)) throw new RangeError(`${where}: ${record.data} is not an IPv4 address`);
      return { ...base, fields: { address: record.data } };
    case 'AAAA':
      // dns2's encoder takes hex groups only, not a dotted IPv4 tail.
      if (!net.isIPv6(record.data) || record.data.includes('.')) {
        throw new RangeError(`${where}: ${record.data} is not an IPv6 address in hex groups`);
      }
      return { ...base, fields: { address: record.data } };
    case 'CNAME':
      return { ...base, fields: { domain: record.data }, target: normalise(record.data) };
    case 'PTR':
      return { ...base, fields: { domain: record.data } };
    case 'NS':
      return { ...base, fields: { ns: record.data } };
    case 'MX':
      return { ...base, fields: { priority: record.data.priority, exchange: record.data.exchange } };
    case 'SOA':
      return { ...base, fields: { ...record.data } };
    case 'TXT': {
      const strings = typeof record.data === 'string' ? [record.data] : record.data;
      for (const s of strings) {
        const octets = Buffer.byteLength(s, 'utf8');
        if (octets > 255) {
          throw new RangeError(
            `${where}: a character-string of ${octets} octets (max 255, RFC 1035 §3.3.14)`,
          );
        }
      }
      return { ...base, fields: { data: strings } };
    }
    case 'TLSA': {
      const { usage, selector, matchingType, data } = record.data;
      if (!/^([0-9a-f]{2})*$/i.test(data)) throw new RangeError(`${where}: data is not hex`);
      // dns2 has no TLSA codec: it writes `data` as the raw RDATA (RFC 6698 §2.1).
      return {
        ...base,
        fields: {
          data: Buffer.concat([Buffer.from([usage, selector, matchingType]), Buffer.from(data, 'hex')]),
        },
      };
    }
  }
}

function resource(owner: string, r: Prepared): Record<string, unknown> {
  return { name: owner, type: r.type, class: 1, ttl: r.ttl, ...r.fields };
}

interface Answer {
  rcode: number;
  answers: Record<string, unknown>[];
  authorities: Record<string, unknown>[];
  /** The zone of the question name, if it is in the lab. */
  zone?: IndexedZone;
}

/** RFC 2308 §3: a negative answer carries the zone's SOA, its TTL capped by the SOA minimum. */
function negative(zone: IndexedZone): Record<string, unknown> {
  const soa = zone.soa;
  return resource(zone.origin, { ...prepare(soa), ttl: Math.min(soa.ttl ?? 300, soa.data.minimum) });
}

/** The answer for one question, following CNAMEs within the lab (RFC 1034 §4.3.2). */
function lookup(index: ZoneIndex, qname: string, qtype: number): Answer {
  const answers: Record<string, unknown>[] = [];
  let owner = qname.replace(/\.$/, '');
  let name = normalise(owner);
  const zone = index.zoneOf(name);
  const seen = new Set<string>();
  for (;;) {
    const here = index.zoneOf(name);
    // Outside the lab: the end of a chain that left it, or a name the lab does not know at all.
    if (here === undefined) {
      const rcode = answers.length > 0 ? RCODE.NOERROR : RCODE.NXDOMAIN;
      return { rcode, answers, authorities: [], zone };
    }
    const records = index.records(name);
    if (records === undefined) {
      // RFC 6604 §2.1: the RCODE describes the last name of the chain.
      const rcode = index.exists(name) ? RCODE.NOERROR : RCODE.NXDOMAIN;
      return { rcode, answers, authorities: [negative(here)], zone };
    }
    const matching = qtype === ANY ? records : records.filter((r) => r.type === qtype);
    if (matching.length > 0) {
      const found = matching.map((r) => resource(owner, r));
      return { rcode: RCODE.NOERROR, answers: [...answers, ...found], authorities: [], zone };
    }
    const cname = records.find((r) => r.target !== undefined);
    if (cname?.target === undefined) {
      return { rcode: RCODE.NOERROR, answers, authorities: [negative(here)], zone };
    }
    // A loop, or a chain longer than any resolver follows.
    if (seen.has(name) || seen.size >= 8) {
      return { rcode: RCODE.SERVFAIL, answers: [], authorities: [], zone };
    }
    seen.add(name);
    answers.push(resource(owner, cname));
    owner = cname.target;
    name = cname.target;
  }
}

function typeName(code: number): string {
  return TYPE_NAMES.get(code) ?? `TYPE${code}`;
}

interface OptRecord {
  type: number;
  class: number;
  doFlag?: boolean;
}

/** Builds the response to one query, or undefined when it gets none. */
function respond(
  index: ZoneIndex,
  request: DnsPacket,
  behaviour: DnsBehaviour,
  transport: 'udp' | 'tcp',
): DnsPacket | undefined {
  if (behaviour === 'timeout') return undefined;
  const question = request.questions[0];
  const response = Packet.createResponseFromRequest(request);
  const header = response.header as DnsPacket['header'] & { ad: number; ra: number; aa: number };
  header.ra = 1;
  const opt = (request.additionals as unknown as OptRecord[]).find((r) => r.type === OPT);
  if (opt !== undefined) {
    // RFC 6891 §7: answer an EDNS query with an OPT record; echo DO (RFC 3225 §3).
    const ours = { name: '', type: OPT, class: OUR_EDNS_PAYLOAD, ttl: opt.doFlag ? 0x8000 : 0, rdata: [] };
    response.additionals.push(ours as unknown as DnsPacket['additionals'][number]);
  }
  if (request.header.opcode !== 0) {
    header.rcode = RCODE.NOTIMP;
  } else if (behaviour === 'servfail') {
    header.rcode = RCODE.SERVFAIL;
  } else if (behaviour === 'refused') {
    header.rcode = RCODE.REFUSED;
  } else if (behaviour === 'truncate' && transport === 'udp') {
    header.tc = 1;
  } else {
    const answer = lookup(index, question.name, question.type);
    header.rcode = answer.rcode;
    header.aa = answer.zone === undefined ? 0 : 1;
    response.answers = answer.answers as unknown as DnsPacket['answers'];
    response.authorities = answer.authorities as unknown as DnsPacket['authorities'];
    // We model a validating resolver: AD for DO queries whose name lies in a signed zone.
    const validated = opt?.doFlag === true && answer.zone?.signed === true;
    if (validated && answer.rcode !== RCODE.SERVFAIL) header.ad = 1;
  }
  return response;
}

/** A port for both transports: TCP first (on the port asked, or any), then UDP on the same number. */
const PORT_ATTEMPTS = 20;

function listenTcp(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function bindUdp(socket: dgram.Socket, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** Binds TCP then UDP on the same port; when UDP is taken there, tries another port (bounded). */
async function bindPair(
  host: string,
  port: number | undefined,
): Promise<{ tcp: net.Server; udp: dgram.Socket }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (port === undefined ? PORT_ATTEMPTS : 1); attempt++) {
    const tcp = net.createServer();
    await listenTcp(tcp, port ?? 0, host);
    const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    try {
      await bindUdp(udp, (tcp.address() as AddressInfo).port, host);
      return { tcp, udp };
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => tcp.close(resolve));
      try {
        udp.close();
      } catch {
        // never bound: nothing to release
      }
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new Error(`lab DNS: no port free for both UDP and TCP on ${host}`, { cause: lastError });
}

/**
 * Parses a query, or returns undefined for anything that is not one. The header counts are
 * checked against the length first: dns2's parser tries every counted record, so 12 random
 * octets claiming 65,535 questions would keep the event loop busy for seconds.
 */
function parseQuery(data: Buffer): DnsPacket | undefined {
  if (data.length < 12 || data.length > 65535) return undefined;
  const qr = data[2] >> 7;
  const [qd, an, ns, ar] = [4, 6, 8, 10].map((o) => data.readUInt16BE(o));
  // One question (at least 5 octets) and records of at least 11 octets each.
  if (qr !== 0 || qd !== 1 || 12 + 5 + 11 * (an + ns + ar) > data.length) return undefined;
  let packet: DnsPacket;
  try {
    packet = parsePacket(data);
  } catch {
    return undefined;
  }
  const q = packet.questions[0] as DnsPacket['questions'][number] | undefined;
  return typeof q?.name === 'string' && typeof q.type === 'number' ? packet : undefined;
}

/** RFC 1035 §4.2.1 and RFC 6891 §6.2.5: what fits in a UDP answer to this query. */
function udpLimit(request: DnsPacket): number {
  const opt = (request.additionals as unknown as OptRecord[]).find((r) => r.type === OPT);
  return opt === undefined ? 512 : Math.max(512, opt.class);
}

/** The response as UDP can carry it: whole, or header and question with TC=1 (RFC 2181 §9). */
function udpBytes(response: DnsPacket, limit: number): Buffer {
  const whole = encodePacket(response);
  if (whole.length <= limit) return whole;
  const truncated = Packet.createResponseFromRequest(response);
  Object.assign(truncated.header, response.header, { tc: 1 });
  truncated.additionals = response.additionals.filter((r) => r.type === OPT);
  return encodePacket(truncated);
}

/**
 * What the server answers over these zones, as a function from a query to the response (not yet
 * encoded; undefined when there is none), for tests that hold the codec to dns2's own.
 */
export function responder(
  zones: readonly Zone[],
  signedZones: readonly string[] = [],
): (data: Buffer, transport?: 'udp' | 'tcp') => DnsPacket | undefined {
  const index = new ZoneIndex(zones, signedZones);
  return (data, transport = 'udp') => {
    const request = parseQuery(data);
    return request && respond(index, request, 'normal', transport);
  };
}

/** Idle TCP connections are closed after this long (RFC 7766 §6.2.3 suggests seconds). */
const TCP_IDLE_MS = 10_000;

/** Starts the lab DNS server on one port for UDP and TCP; resolves once both listen. */
export async function startDnsServer(opts: DnsServerOptions): Promise<LabDnsServer> {
  const host = opts.host ?? '127.0.0.1';
  const index = new ZoneIndex(opts.zones, opts.signedZones ?? []);
  const delayMs = opts.delayMs ?? 0;
  const queries: DnsQueryLogEntry[] = [];
  const behaviours = new Map<string, DnsBehaviour>();
  const timers = new Set<NodeJS.Timeout>();
  const connections = new Set<net.Socket>();
  const { tcp, udp } = await bindPair(host, opts.port);
  let closed = false;

  /** Answers one message; `deliver` gets the response (after the configured delay). */
  const handle = (
    data: Buffer,
    transport: 'udp' | 'tcp',
    deliver: (request: DnsPacket, response: DnsPacket) => void,
  ) => {
    const request = parseQuery(data);
    if (request === undefined || closed) return;
    const question = request.questions[0];
    const name = normalise(question.name);
    queries.push({ name, type: typeName(question.type), transport });
    const response = respond(index, request, behaviours.get(name) ?? 'normal', transport);
    if (response === undefined) return;
    if (delayMs <= 0) return deliver(request, response);
    const timer = setTimeout(() => {
      timers.delete(timer);
      deliver(request, response);
    }, delayMs);
    timers.add(timer);
  };

  udp.on('message', (data, rinfo) => {
    handle(data, 'udp', (request, response) => {
      let bytes: Buffer;
      try {
        bytes = udpBytes(response, udpLimit(request));
      } catch {
        return; // a record dns2 cannot encode: no answer rather than a crash
      }
      if (!closed) udp.send(bytes, rinfo.port, rinfo.address, () => undefined);
    });
  });
  // A send to a vanished client, a socket error: never a crash.
  udp.on('error', () => undefined);

  tcp.on('connection', (socket: net.Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    socket.on('error', () => undefined);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    let buffered: Buffer = Buffer.alloc(0);
    // RFC 1035 §4.2.2: each message is preceded by its length; RFC 7766 §6.2.1.1 allows several per connection.
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + message.length);
        handle(message, 'tcp', (_request, response) => {
          let bytes: Buffer;
          try {
            bytes = encodePacket(response);
          } catch {
            return;
          }
          const length = Buffer.alloc(2);
          length.writeUInt16BE(bytes.length);
          if (!socket.destroyed) socket.write(Buffer.concat([length, bytes]));
        });
      }
    });
  });
  tcp.on('error', () => undefined);

  let closing: Promise<void> | undefined;
  return {
    host,
    port: (tcp.address() as AddressInfo).port,
    queries,
    setBehaviour(name: string, behaviour: DnsBehaviour): void {
      if (behaviour === 'normal') behaviours.delete(normalise(name));
      else behaviours.set(normalise(name), behaviour);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        const tcpClosed = new Promise((resolve) => tcp.close(resolve));
        for (const socket of connections) socket.destroy();
        await Promise.all([tcpClosed, new Promise<void>((resolve) => udp.close(() => resolve()))]);
      })();
      return closing;
    },
  };
}
