/**
 * Receiving a message body, for DATA (dot-terminated, RFC 5321 §4.5.2) and BDAT (counted chunks,
 * RFC 3030 §2). The sink keeps at most `limit` bytes and remembers whether more arrived.
 */

const DOT_LINE = Buffer.from('.\r\n');

export class MessageSink {
  private readonly parts: Buffer[] = [];
  /** Bytes received so far (after dot-unstuffing), including any beyond the limit. */
  size = 0;
  /**
   * Whether the previous line ended in CRLF. Only "CRLF . CRLF" ends DATA: a "." line after a bare
   * LF does not, which is the distinction SMTP smuggling (CVE-2023-51766 and friends) exploits.
   */
  private prevCrlf = true;

  constructor(private readonly limit: number) {}

  /** True when the message is larger than the limit (it was cut, and must be refused). */
  get tooBig(): boolean {
    return this.size > this.limit;
  }

  /** The bytes kept, at most `limit`. */
  get data(): Buffer {
    return Buffer.concat(this.parts);
  }

  /** Takes one DATA line including its LF; returns true when it was the terminating ".". */
  line(line: Buffer): boolean {
    if (this.prevCrlf && line.equals(DOT_LINE)) return true;
    const crlf = line.length >= 2 && line[line.length - 2] === 0x0d;
    // RFC 5321 §4.5.2: a leading dot was doubled by the client; remove one.
    const body = this.prevCrlf && line[0] === 0x2e ? line.subarray(1) : line;
    this.prevCrlf = crlf;
    this.add(body);
    return false;
  }

  /** Takes part of a DATA line too long to wait for its end, or a BDAT chunk verbatim. */
  chunk(bytes: Buffer, isDataLine = false): void {
    if (isDataLine) this.prevCrlf = false;
    this.add(bytes);
  }

  private add(bytes: Buffer): void {
    const room = this.limit - Math.min(this.size, this.limit);
    if (room > 0) this.parts.push(Buffer.from(bytes.subarray(0, room)));
    this.size += bytes.length;
  }
}
