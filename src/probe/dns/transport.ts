/**
 * DNS over UDP and TCP (RFC 1035 §4.2, RFC 7766) with our own timeouts and size limits, on
 * dns2's Packet codec. Answers are normalised to plain JSON data (so --dns-cache can store them).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { Packet } from './packet.js';
import { parsePacket } from './wire.js';

/**
 * dns2 joins a TXT record's character-strings into one; SPF and DKIM linting needs them apart
 * (RFC 7208 §3.3), so the decoder also keeps the list. The joined `data` is unchanged.
 */
type TxtDecode = (
  this: Record<string, unknown>,
  reader: { read(bits: number): number },
  length: number,
) => unknown;
const txt = (Packet.Resource as unknown as Record<string, { decode: TxtDecode; keepsStrings?: boolean }>)
  .TXT!;
if (!txt.keepsStrings) {
  txt.decode = function decode(reader, length) {
    const strings: string[] = [];
    let read = 0;
    while (read < length) {
      let n = reader.read(8);
      read++;
      const bytes: number[] = [];
      while (n-- > 0 && read < length) {
        bytes.push(reader.read(8));
        read++;
      }
      strings.push(Buffer.from(bytes).toString('utf8'));
    }
    this.strings = strings;
    this.data = strings.join('');
    return this;
  };
  txt.keepsStrings = true;
}

/** A parsed answer as plain data; RDATA of types dns2 does not know is kept as hex in `dataHex`. */
export interface RawPacket {
  header: { id: number; rcode: number; tc: number; ad: number };
  answers: (Record<string, unknown> & { type: number; name: string })[];
}

export interface Server {
  address: string;
  port: number;
}

/** An answer bigger than this over TCP is refused rather than buffered (RFC 1035 allows 65535). */
const MAX_TCP_MESSAGE = 65_535;

function normalise(buf: Buffer): RawPacket {
  const p = parsePacket(buf);
  return {
    header: {
      id: p.header.id,
      rcode: p.header.rcode,
      tc: p.header.tc,
      ad: (p.header as unknown as { ad: number }).ad,
    },
    answers: (p.answers as unknown as Record<string, unknown>[]).map((a) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(a))
        out[k === 'data' && Buffer.isBuffer(v) ? 'dataHex' : k] = Buffer.isBuffer(v) ? v.toString('hex') : v;
      return out as RawPacket['answers'][number];
    }),
  };
}

function idOf(message: Buffer): number {
  return message.readUInt16BE(0);
}

/**
 * Sends a query over UDP and waits for the answer. A datagram can be lost (a busy resolver's full
 * receive buffer drops queries silently), so the same message is sent again every
 * {@link retransmitInterval} until the timeout, as RFC 1123 §6.1.3.3 asks of a resolver; the first
 * valid answer wins. At most a few copies: the interval is at least a third of the timeout.
 */
export function exchangeUdp(server: Server, message: Buffer, timeoutMs: number): Promise<RawPacket> {
  const sock = dgram.createSocket(net.isIPv6(server.address) ? 'udp6' : 'udp4');
  return new Promise<RawPacket>((resolve, reject) => {
    const done = (err?: Error, p?: RawPacket) => {
      clearTimeout(timer);
      clearInterval(resend);
      sock.close();
      if (err) reject(err);
      else resolve(p!);
    };
    const timer = setTimeout(() => done(new Error(`no UDP answer within ${timeoutMs}ms`)), timeoutMs);
    const send = () => {
      try {
        sock.send(message, server.port, server.address);
      } catch (e) {
        done(e as Error);
      }
    };
    const resend = setInterval(send, retransmitInterval(timeoutMs));
    sock.on('error', (e) => done(e));
    sock.on('message', (msg, rinfo) => {
      // Only the server we asked, with our id, may answer (RFC 5452 §9.1); anything else is ignored.
      if (rinfo.port !== server.port || msg.length < 12 || msg.readUInt16BE(0) !== idOf(message)) return;
      try {
        done(undefined, normalise(msg));
      } catch {
        // A malformed answer is not an answer: keep waiting until the timeout.
      }
    });
    send();
  });
}

/** Time between copies of a UDP query: a second, or a third of the timeout when that is shorter. */
export function retransmitInterval(timeoutMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(timeoutMs / 3)));
}

export function exchangeTcp(server: Server, message: Buffer, timeoutMs: number): Promise<RawPacket> {
  return new Promise<RawPacket>((resolve, reject) => {
    const sock = net.connect({ host: server.address, port: server.port });
    let buf = Buffer.alloc(0);
    const done = (err?: Error, p?: RawPacket) => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => {});
      sock.destroy();
      if (err) reject(err);
      else resolve(p!);
    };
    const timer = setTimeout(() => done(new Error(`no TCP answer within ${timeoutMs}ms`)), timeoutMs);
    sock.on('error', (e) => done(e));
    sock.on('close', () => done(new Error('TCP connection closed before the answer')));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(message.length);
      sock.write(Buffer.concat([len, message]));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_TCP_MESSAGE + 2) return done(new Error('TCP answer over 65535 bytes'));
      if (buf.length < 2) return;
      const need = buf.readUInt16BE(0);
      if (buf.length < need + 2) return;
      try {
        const p = normalise(buf.subarray(2, need + 2));
        if (p.header.id !== idOf(message)) return done(new Error('TCP answer with a different id'));
        done(undefined, p);
      } catch (e) {
        done(e as Error);
      }
    });
  });
}
