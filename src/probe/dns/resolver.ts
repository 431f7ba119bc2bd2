/**
 * The one resolver every lookup goes through. Queries are built and parsed with dns2's Packet
 * codec and sent over UDP to the configured servers (--resolver, default the system's), never to
 * dns2's built-in defaults. Within a run each (name, type) is asked once: concurrent askers
 * share the in-flight query and answers are cached. Errors follow node:dns's codes so mailauth
 * can use this resolver too; NXDOMAIN, NODATA, SERVFAIL, REFUSED and TIMEOUT stay apart.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dns2 from 'dns2';

const { Packet } = dns2;

export interface ResolverServer {
  address: string;
  port: number;
}

export interface ResolverOptions {
  servers?: ResolverServer[];
  timeoutMs?: number;
}

/** node:dns.promises error codes (mailauth relies on them). */
export type DnsErrorCode = 'ENOTFOUND' | 'ENODATA' | 'ESERVFAIL' | 'EREFUSED' | 'ETIMEOUT';

export class DnsError extends Error {
  override name = 'DnsError';
  constructor(
    readonly code: DnsErrorCode,
    readonly hostname: string,
    readonly rrtype: string,
  ) {
    super(`${rrtype} ${hostname}: ${DNS_ERROR_TEXT[code]}`);
  }
}

const DNS_ERROR_TEXT: Record<DnsErrorCode, string> = {
  ENOTFOUND: 'NXDOMAIN (the name does not exist)',
  ENODATA: 'NODATA (no record of this type)',
  ESERVFAIL: 'SERVFAIL (the resolver could not answer)',
  EREFUSED: 'REFUSED (the resolver refused the query)',
  ETIMEOUT: 'no answer (timeout)',
};

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

type Answer = Record<string, unknown> & { type: number };

export class Resolver {
  readonly servers: ResolverServer[];
  readonly timeoutMs: number;
  /** Every query actually sent, for tests and the benchmark. */
  readonly sent: { name: string; type: string }[] = [];
  private readonly cache = new Map<string, Promise<Answer[]>>();

  constructor(opts: ResolverOptions = {}) {
    this.servers = opts.servers?.length ? opts.servers : systemServers();
    this.timeoutMs = opts.timeoutMs ?? 3000;
  }

  /** IPv4 addresses of `name`. */
  async resolve4(name: string): Promise<string[]> {
    return (await this.query(name, 'A')).map((a) => String(a.address));
  }

  async resolve6(name: string): Promise<string[]> {
    return (await this.query(name, 'AAAA')).map((a) => String(a.address));
  }

  /** Answers of one type for one name, de-duplicated and cached for the run. */
  query(name: string, type: string): Promise<Answer[]> {
    const key = `${name.toLowerCase().replace(/\.$/, '')}|${type}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.ask(name, type);
      this.cache.set(key, p);
    }
    return p;
  }

  private async ask(name: string, type: string): Promise<Answer[]> {
    const code = (Packet.TYPE as Record<string, number>)[type];
    if (code === undefined) throw new RangeError(`unsupported record type ${type}`);
    this.sent.push({ name, type });
    let last: DnsError = new DnsError('ETIMEOUT', name, type);
    for (const server of this.servers) {
      let response: InstanceType<typeof Packet>;
      try {
        response = await this.udp(server, name, code);
      } catch {
        continue; // timeout or socket error: try the next server
      }
      const rcode = response.header.rcode as number;
      if (rcode === 3) throw new DnsError('ENOTFOUND', name, type);
      if (rcode === 2) {
        last = new DnsError('ESERVFAIL', name, type);
        continue;
      }
      if (rcode === 5) {
        last = new DnsError('EREFUSED', name, type);
        continue;
      }
      const answers = (response.answers as unknown as Answer[]).filter((a) => a.type === code);
      if (answers.length === 0) throw new DnsError('ENODATA', name, type);
      return answers;
    }
    throw last;
  }

  private udp(server: ResolverServer, name: string, type: number): Promise<InstanceType<typeof Packet>> {
    const q = new Packet();
    q.header.id = randomInt(0, 65536);
    q.header.rd = 1;
    q.questions.push({ name, type, class: Packet.CLASS.IN } as unknown as (typeof q.questions)[number]);
    const sock = dgram.createSocket(net.isIPv6(server.address) ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new DnsError('ETIMEOUT', name, String(type))), this.timeoutMs);
      const finish = (err?: Error, p?: InstanceType<typeof Packet>) => {
        clearTimeout(timer);
        sock.close();
        if (err) reject(err);
        else resolve(p!);
      };
      sock.on('error', (e) => finish(e));
      sock.on('message', (msg) => {
        let p: InstanceType<typeof Packet>;
        try {
          p = Packet.parse(msg);
        } catch {
          return; // not a DNS answer: keep waiting for the real one until the timeout
        }
        if (p.header.id === q.header.id) finish(undefined, p);
      });
      sock.send(q.toBuffer(), server.port, server.address);
    });
  }
}
