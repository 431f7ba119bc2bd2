/**
 * The one resolver every lookup goes through — ours and mailauth's (`resolve(name, rrtype)` has
 * node:dns.promises semantics). Queries are built and parsed with dns2's Packet codec and sent
 * to the configured servers (--resolver, default the system's; never dns2's built-in defaults):
 * UDP with EDNS0 first, TCP when the answer is truncated, each with a timeout. Within a run each
 * (name, type) is asked once: concurrent askers share the in-flight query and answers are cached.
 * NXDOMAIN, NODATA, SERVFAIL, REFUSED and TIMEOUT stay apart all the way to the checks.
 */
import dns from 'node:dns';
import net from 'node:net';
import { Packet } from './packet.js';
import type { DnsLookup, DnsStatus, MxRecord, TlsaRecord } from '../../model/dns-artifacts.js';
import { exchangeTcp, exchangeUdp, type RawPacket } from './transport.js';
import { DnsCacheFile } from './cache-file.js';
import { encodePacket } from './wire.js';

export interface ResolverServer {
  address: string;
  port: number;
}

export interface ResolverOptions {
  servers?: ResolverServer[];
  timeoutMs?: number;
  /** Ask with the DO bit and record the AD flag (DNSSEC status as the resolver validated it). */
  dnssec?: boolean;
  /** --dns-cache FILE: replay answers recorded there, record new ones. */
  cacheFile?: string;
}

/** node:dns.promises error codes (mailauth relies on them). */
export type DnsErrorCode = 'ENOTFOUND' | 'ENODATA' | 'ESERVFAIL' | 'EREFUSED' | 'ETIMEOUT';

const CODE_OF: Record<Exclude<DnsStatus, 'ok'>, DnsErrorCode> = {
  NXDOMAIN: 'ENOTFOUND',
  NODATA: 'ENODATA',
  SERVFAIL: 'ESERVFAIL',
  REFUSED: 'EREFUSED',
  TIMEOUT: 'ETIMEOUT',
};

const STATUS_TEXT: Record<Exclude<DnsStatus, 'ok'>, string> = {
  NXDOMAIN: 'NXDOMAIN (the name does not exist)',
  NODATA: 'NODATA (no record of this type)',
  SERVFAIL: 'SERVFAIL (the resolver could not answer)',
  REFUSED: 'REFUSED (the resolver refused the query)',
  TIMEOUT: 'no answer (timeout)',
};

export class DnsError extends Error {
  override name = 'DnsError';
  readonly code: DnsErrorCode;
  constructor(
    readonly status: Exclude<DnsStatus, 'ok'>,
    readonly hostname: string,
    readonly rrtype: string,
  ) {
    super(`${rrtype} ${hostname}: ${STATUS_TEXT[status]}`);
    this.code = CODE_OF[status];
  }
}

/** Parses "IP", "IP:PORT", "[IPv6]:PORT"; throws RangeError with a clear message. */
export function parseResolver(spec: string): ResolverServer {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec) ?? /^([^:]+)(?::(\d+))?$/.exec(spec);
  const address = m?.[1] ?? spec;
  const port = m?.[2] ? Number(m[2]) : 53;
  if (!net.isIP(address))
    throw new RangeError(`resolver "${spec}" is not an IP address (use IP, IP:PORT or [IPv6]:PORT)`);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RangeError(`resolver "${spec}": port out of range`);
  return { address, port };
}

export function systemServers(): ResolverServer[] {
  return dns.getServers().map(parseResolver);
}

/** TLSA (RFC 6698 §2.1) is not in dns2's codec: read its raw RDATA. */
function tlsaOf(hex: string | undefined): TlsaRecord | undefined {
  const data = Buffer.from(hex ?? '', 'hex');
  if (data.length < 3) return undefined;
  return {
    usage: data[0]!,
    selector: data[1]!,
    matchingType: data[2]!,
    data: data.subarray(3).toString('hex'),
  };
}

type Answer = Record<string, unknown> & { type: number; name: string };

/** Typed records of one type from an answer section, following CNAMEs in order. */
function recordsOf(raw: RawPacket, name: string, type: string): { records: unknown[]; cname?: string } {
  const code = TYPE_CODES[type]!;
  const answers = raw.answers as Answer[];
  let owner = name.toLowerCase().replace(/\.$/, '');
  let cname: string | undefined;
  for (let hops = 0; hops < 8; hops++) {
    const alias = answers.find((a) => a.type === Packet.TYPE.CNAME && String(a.name).toLowerCase() === owner);
    if (!alias || type === 'CNAME') break;
    owner = String(alias.domain).toLowerCase().replace(/\.$/, '');
    cname = owner;
  }
  const mine = answers.filter(
    (a) => a.type === code && String(a.name).toLowerCase().replace(/\.$/, '') === owner,
  );
  const records = mine.map((a): unknown => {
    switch (type) {
      case 'A':
      case 'AAAA':
        return String(a.address);
      case 'MX':
        return {
          priority: Number(a.priority),
          exchange: String(a.exchange).replace(/\.$/, ''),
        } satisfies MxRecord;
      case 'TXT':
        return (a.strings as string[] | undefined) ?? [String(a.data)];
      case 'PTR':
      case 'CNAME':
      case 'NS':
        return String(a.domain).replace(/\.$/, '');
      case 'TLSA':
        return tlsaOf(a.dataHex as string | undefined);
      default:
        return a;
    }
  });
  return { records: records.filter((r) => r !== undefined), ...(cname ? { cname } : {}) };
}

const TYPE_CODES: Record<string, number> = { ...(Packet.TYPE as Record<string, number>), TLSA: 52 };

/** What one (name, type) question came to, before typing the records (as --dns-cache stores it). */
interface Outcome {
  status: DnsStatus;
  raw?: RawPacket;
}

/**
 * What a run keeps of one (name, type): the typed records, not the whole decoded message (about
 * 1.3 KB each, which for the 15,000 questions of a 5,000-host audit was most of what its memory
 * grew by over a 1,000-host one). `records` is absent when the answer carried no message.
 */
interface CachedAnswer {
  status: DnsStatus;
  records?: unknown[];
  cname?: string;
  authenticated: boolean;
}

function answerOf(o: Outcome, name: string, type: string): CachedAnswer {
  if (o.status !== 'ok' || !o.raw) return { status: o.status, authenticated: false };
  const { records, cname } = recordsOf(o.raw, name, type);
  return { status: o.status, records, ...(cname ? { cname } : {}), authenticated: o.raw.header.ad === 1 };
}

/** How many sent questions {@link Resolver.sent} keeps. */
const SENT_LOG_LIMIT = 1000;

export class Resolver {
  readonly servers: ResolverServer[];
  readonly timeoutMs: number;
  readonly dnssec: boolean;
  /**
   * The first {@link SENT_LOG_LIMIT} questions actually sent (not the cached ones), for tests: a
   * fleet run sends tens of thousands and must not keep them all.
   */
  readonly sent: { name: string; type: string; transport: 'udp' | 'tcp' }[] = [];
  private readonly cache = new Map<string, Promise<CachedAnswer>>();
  private readonly file: DnsCacheFile | undefined;
  private asked = 0;
  private keys = new Set<string>();

  constructor(opts: ResolverOptions = {}) {
    this.servers = opts.servers?.length ? opts.servers : systemServers();
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.dnssec = opts.dnssec ?? true;
    this.file = opts.cacheFile ? new DnsCacheFile(opts.cacheFile) : undefined;
  }

  /** Questions asked through this resolver (or this scope) vs distinct (name, type) among them. */
  stats(): { asked: number; distinct: number } {
    return { asked: this.asked, distinct: this.keys.size };
  }

  /**
   * A view sharing this resolver's servers, cache and in-flight queries, with its own counters:
   * one domain's share of a run that scans many at once.
   */
  scoped(): Resolver {
    const view = Object.create(this) as Resolver;
    view.asked = 0;
    view.keys = new Set();
    return view;
  }

  /** One lookup as data: never throws, keeps the DNS outcome. */
  async lookup<T>(name: string, type: string): Promise<DnsLookup<T>> {
    const answer = await this.answer(name, type);
    const base = { name: name.replace(/\.$/, ''), type };
    const { records } = answer;
    if (answer.status !== 'ok' || !records) return { ...base, status: answer.status, records: [] };
    const result: DnsLookup<T> = {
      ...base,
      status: records.length ? 'ok' : 'NODATA',
      // Each caller gets an array of its own: the cached one is shared by every lookup of the run.
      records: records.slice() as T[],
    };
    if (answer.cname) result.cname = answer.cname;
    if (this.dnssec) result.authenticated = answer.authenticated;
    return result;
  }

  /** mailauth's contract: node:dns.promises.resolve(name, rrtype) results and error codes. */
  async resolve(name: string, type: string): Promise<unknown[]> {
    const r = await this.lookup<unknown>(name, type);
    if (r.status !== 'ok') throw new DnsError(r.status, name, type);
    return r.records;
  }

  async resolve4(name: string): Promise<string[]> {
    return (await this.resolve(name, 'A')) as string[];
  }

  async resolve6(name: string): Promise<string[]> {
    return (await this.resolve(name, 'AAAA')) as string[];
  }

  /** Writes the --dns-cache file, when there is one. */
  async save(): Promise<void> {
    await this.file?.save();
  }

  private answer(name: string, type: string): Promise<CachedAnswer> {
    if (TYPE_CODES[type] === undefined)
      return Promise.reject(new RangeError(`unsupported record type ${type}`));
    this.asked++;
    const owner = name.toLowerCase().replace(/\.$/, '');
    const key = `${owner}|${type}`;
    this.keys.add(key);
    let p = this.cache.get(key);
    if (!p) {
      const replay = this.file?.get(key);
      let outcome = replay ? Promise.resolve(replay as Outcome) : this.ask(name, type);
      if (this.file && !replay) outcome = outcome.then((o) => (this.file!.set(key, o), o));
      p = outcome.then((o) => answerOf(o, owner, type));
      this.cache.set(key, p);
    }
    return p;
  }

  private logSent(name: string, type: string, transport: 'udp' | 'tcp'): void {
    if (this.sent.length < SENT_LOG_LIMIT) this.sent.push({ name, type, transport });
  }

  private query(name: string, type: string): Buffer {
    const q = new Packet();
    q.header.id = Math.floor(Math.random() * 65536);
    q.header.rd = 1;
    q.questions.push({
      name,
      type: TYPE_CODES[type]!,
      class: Packet.CLASS.IN,
    } as unknown as (typeof q.questions)[number]);
    // EDNS0 (RFC 6891) with a 1232-octet payload (the DNS flag day 2020 size); DO asks for DNSSEC status.
    const edns = Packet.Resource.EDNS as unknown as (
      rdata: unknown[],
      opts: Record<string, unknown>,
    ) => unknown;
    q.additionals.push(edns([], { udpPayloadSize: 1232, doFlag: this.dnssec }) as never);
    return encodePacket(q);
  }

  private async ask(name: string, type: string): Promise<Outcome> {
    let last: Outcome = { status: 'TIMEOUT' };
    let message: Buffer;
    try {
      message = this.query(name, type);
    } catch {
      // dns2 refuses names it cannot encode (a label over 63 octets, a name over 255): no DNS
      // server could answer them either, so they do not exist.
      return { status: 'NXDOMAIN' };
    }
    for (const server of this.servers) {
      let raw: RawPacket | undefined;
      try {
        this.logSent(name, type, 'udp');
        raw = await exchangeUdp(server, message, this.timeoutMs);
        if (raw.header.tc) {
          // RFC 7766 §5: a truncated answer is asked again over TCP.
          this.logSent(name, type, 'tcp');
          raw = await exchangeTcp(server, message, this.timeoutMs);
        }
      } catch {
        last = { status: 'TIMEOUT' };
        continue; // no answer from this server: ask the next one
      }
      const rcode = raw.header.rcode;
      if (rcode === 3) return { status: 'NXDOMAIN', raw };
      if (rcode === 2 || rcode === 5) {
        last = { status: rcode === 2 ? 'SERVFAIL' : 'REFUSED', raw };
        continue;
      }
      return { status: 'ok', raw };
    }
    return last;
  }
}
