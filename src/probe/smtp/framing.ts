/**
 * SMTP reply framing (RFC 5321 §4.2): bytes in, complete replies out. Lines may arrive split
 * across reads or several per read; a reply is complete at the line whose code is followed by a
 * space (or nothing). Hostile input is bounded: a cap per line, per reply (lines and bytes), and
 * anything that is not "DDD[ -]text" is rejected rather than guessed at.
 */
import type { SmtpReply } from '../../model/artifacts.js';

export interface FramingLimits {
  /** RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; real servers exceed it a little. */
  maxLineBytes: number;
  maxReplyLines: number;
  maxReplyBytes: number;
}

export const DEFAULT_LIMITS: FramingLimits = {
  maxLineBytes: 4096,
  maxReplyLines: 200,
  maxReplyBytes: 64 * 1024,
};

export type FramingErrorCode = 'LINE_TOO_LONG' | 'REPLY_TOO_LONG' | 'MALFORMED_REPLY';

export class FramingError extends Error {
  override name = 'FramingError';
  constructor(
    readonly code: FramingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const REPLY_LINE = /^([2-5]\d\d)([ -]|$)(.*)$/s;
/** The first bytes of a reply line: three digits, then a space, a hyphen, CR or the end. */
const REPLY_START = /^[2-5]\d\d(?:[ \-\r]|$)/;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/;

/** Shows the first bytes of something unexpected in a printable, bounded way. */
export function printable(buf: Buffer | string, max = 60): string {
  const s = typeof buf === 'string' ? buf : buf.subarray(0, max * 2).toString('latin1');
  const shown = s
    .slice(0, max)
    .replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return s.length > max ? `${shown}...` : shown;
}

export class ReplyParser {
  private pending: Buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private code = 0;
  private replyBytes = 0;
  private readonly ready: SmtpReply[] = [];
  private readonly limits: FramingLimits;

  constructor(limits: Partial<FramingLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Feeds bytes; returns the replies completed by them. Throws FramingError on hostile input. */
  push(chunk: Buffer): SmtpReply[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let nl: number;
    while ((nl = this.pending.indexOf(0x0a)) !== -1) {
      const lineBuf = this.pending.subarray(0, nl);
      this.pending = this.pending.subarray(nl + 1);
      this.checkLineLength(lineBuf.length);
      if (!REPLY_START.test(lineBuf.subarray(0, 4).toString('latin1'))) {
        // Show the bytes as they came, not as UTF-8 replacement characters.
        throw new FramingError('MALFORMED_REPLY', `not an SMTP reply line: "${printable(lineBuf)}"`);
      }
      this.acceptLine(lineBuf.toString('utf8').replace(/\r$/, ''));
    }
    this.checkLineLength(this.pending.length);
    return this.ready.splice(0);
  }

  /** Bytes received but not yet part of a complete reply (to be discarded before TLS). */
  get bufferedBytes(): number {
    return this.pending.length + this.replyBytes;
  }

  /** Drops everything buffered (RFC 3207 §4.2: nothing from before the handshake may be used). */
  discard(): number {
    const n = this.bufferedBytes;
    this.pending = Buffer.alloc(0);
    this.lines = [];
    this.code = 0;
    this.replyBytes = 0;
    return n;
  }

  private checkLineLength(n: number): void {
    if (n > this.limits.maxLineBytes) {
      throw new FramingError('LINE_TOO_LONG', `reply line longer than ${this.limits.maxLineBytes} bytes`);
    }
  }

  private acceptLine(line: string): void {
    const m = REPLY_LINE.exec(line);
    if (!m) throw new FramingError('MALFORMED_REPLY', `not an SMTP reply line: "${printable(line)}"`);
    const code = Number(m[1]);
    if (this.lines.length > 0 && code !== this.code) {
      throw new FramingError(
        'MALFORMED_REPLY',
        `reply code changed within a multi-line reply (${this.code} then ${code})`,
      );
    }
    this.code = code;
    this.lines.push(m[3] ?? '');
    this.replyBytes += line.length + 2;
    if (this.lines.length > this.limits.maxReplyLines || this.replyBytes > this.limits.maxReplyBytes) {
      throw new FramingError(
        'REPLY_TOO_LONG',
        `multi-line reply over ${this.limits.maxReplyLines} lines or ${this.limits.maxReplyBytes} bytes`,
      );
    }
    if (m[2] === '-') return;
    const lines = this.lines;
    const e = ENHANCED.exec(lines[0] ?? '');
    this.ready.push(e ? { code, enhanced: e[1], lines } : { code, lines });
    this.lines = [];
    this.code = 0;
    this.replyBytes = 0;
  }
}
