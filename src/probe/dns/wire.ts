/**
 * DNS messages in and out through dns2's own codec, driven by a byte-oriented reader and writer:
 * dns2's keep one array element per bit, which made the codec most of the cost of DNS in a fleet
 * run (the scanner's questions and answers, and the lab server's). Same records, same bytes as
 * dns2's Packet.parse and toBuffer (test/lab/dns-wire.test.ts holds them to it).
 */
import { Packet, type DnsPacket } from './packet.js';

/** The OPT pseudo-record (RFC 6891). */
const OPT = 41;

/**
 * dns2's reader interface (`offset` and `read(bits)`, most significant bit first) over the bytes
 * themselves. A read past the end throws as dns2's does, leaving the offset where it was.
 */
export class WireReader {
  /** In bits, as dns2's name decoder reads and sets it. */
  offset = 0;

  constructor(readonly buffer: Buffer) {}

  read(size: number): number {
    const first = Math.floor(this.offset / 8);
    const shift = this.offset % 8;
    if (first + Math.ceil((size + shift) / 8) > this.buffer.length) {
      throw new RangeError(
        `DNS message: ${size} bits wanted at bit ${this.offset} of ${this.buffer.length} octets`,
      );
    }
    let value = 0;
    if (shift === 0 && size % 8 === 0 && size <= 48) {
      value = size === 0 ? 0 : this.buffer.readUIntBE(first, size / 8);
    } else {
      for (let bit = this.offset; bit < this.offset + size; bit++) {
        value = value * 2 + ((this.buffer[bit >> 3] >> (7 - (bit & 7))) & 1);
      }
    }
    this.offset += size;
    return value;
  }
}

/**
 * dns2's writer interface (`write(value, bits)`, `patch`, `bitLength`, `byteLength`, `toBuffer`,
 * and the `names` map dns2's name compression keeps on it) over a growing byte array. As in dns2,
 * a value is taken as a 32-bit integer and only its low `bits` bits are written.
 */
export class WireWriter {
  /** Suffix -> offset, set and used by dns2's name encoder (RFC 1035 §4.1.4). */
  names?: Map<string, number>;
  private bytes = Buffer.alloc(512);
  private bits = 0;

  write(value: number, size: number): void {
    this.reserve(this.bits + size);
    const v = value | 0;
    if (this.bits % 8 === 0 && size % 8 === 0 && size <= 32) {
      let at = this.bits / 8;
      for (let shift = size - 8; shift >= 0; shift -= 8) this.bytes[at++] = (v >>> shift) & 0xff;
      this.bits += size;
      return;
    }
    this.setBits(this.bits, v, size);
    this.bits += size;
  }

  /** Appends what a dns2 writer holds (one array element per bit). */
  writeBuffer(other: { buffer: number[] }): void {
    for (const bit of other.buffer) this.write(bit, 1);
  }

  patch(bitOffset: number, value: number, size: number): void {
    this.setBits(bitOffset, value | 0, size);
  }

  bitLength(): number {
    return this.bits;
  }

  byteLength(): number {
    return this.bits / 8;
  }

  /** The bytes written; a last partial byte is right-aligned, as dns2 renders it. */
  toBuffer(): Buffer {
    const whole = this.bits >> 3;
    const rest = this.bits % 8;
    const out = Buffer.from(this.bytes.subarray(0, whole + (rest > 0 ? 1 : 0)));
    if (rest > 0) out[whole] = out[whole] >> (8 - rest);
    return out;
  }

  private setBits(at: number, v: number, size: number): void {
    for (let i = 0; i < size; i++) {
      const k = size - 1 - i;
      const on = k < 32 && ((v >>> k) & 1) === 1;
      const pos = at + i;
      const mask = 0x80 >> (pos & 7);
      if (on) this.bytes[pos >> 3] |= mask;
      else this.bytes[pos >> 3] &= ~mask;
    }
  }

  private reserve(bits: number): void {
    const needed = Math.ceil(bits / 8);
    if (needed <= this.bytes.length) return;
    const grown = Buffer.alloc(Math.max(needed, this.bytes.length * 2));
    this.bytes.copy(grown);
    this.bytes = grown;
  }
}

/** dns2's Packet.parse, reading through a {@link WireReader}. */
export function parsePacket(data: Buffer): DnsPacket {
  const packet = new Packet();
  const reader = new WireReader(data) as unknown as InstanceType<typeof Packet.Reader>;
  packet.header = Packet.Header.parse(reader);
  const sections = [
    ['questions', Packet.Question, packet.header.qdcount],
    ['answers', Packet.Resource, packet.header.ancount],
    ['authorities', Packet.Resource, packet.header.nscount],
    ['additionals', Packet.Resource, packet.header.arcount],
  ] as const;
  for (const [section, decoder, count] of sections) {
    const list = packet[section] as unknown[];
    // As dns2 does: a record that fails to decode is skipped and the next one tried.
    for (let i = 0; i < count; i++) {
      try {
        list.push(decoder.parse(reader));
      } catch {
        // skipped
      }
    }
  }
  // RFC 6891 §6.1.3, as dns2 merges it: the high bits of a 12-bit RCODE live in the OPT record.
  const opt = (packet.additionals as unknown as { type: number; extendedRcode?: number }[]).find(
    (r) => r?.type === OPT,
  );
  if (opt?.extendedRcode) packet.header.rcode = (opt.extendedRcode << 4) | (packet.header.rcode & 0xf);
  return packet;
}

/** dns2's Packet.prototype.toBuffer, writing through a {@link WireWriter}. */
export function encodePacket(packet: DnsPacket): Buffer {
  const toBuffer = packet.toBuffer as unknown as (this: DnsPacket, writer: WireWriter) => Buffer;
  return toBuffer.call(packet, new WireWriter());
}
