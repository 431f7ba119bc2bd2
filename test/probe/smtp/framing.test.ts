import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FramingError, ReplyParser } from '../../../src/probe/smtp/framing.js';
import { parseCapabilities } from '../../../src/probe/smtp/capabilities.js';

const buf = (s: string) => Buffer.from(s, 'latin1');

describe('ReplyParser', () => {
  it('assembles a multi-line reply split across reads at arbitrary points', () => {
    const wire = '250-mail.example.edu\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n';
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new ReplyParser();
      const first = p.push(buf(wire.slice(0, cut)));
      const second = p.push(buf(wire.slice(cut)));
      const all = [...first, ...second];
      expect(all).toHaveLength(1);
      expect(all[0]!.code).toBe(250);
      expect(all[0]!.lines).toEqual(['mail.example.edu', 'PIPELINING', 'AUTH PLAIN LOGIN', 'STARTTLS']);
    }
  });

  it('returns several replies from one read (PIPELINING) and keeps the enhanced code', () => {
    const p = new ReplyParser();
    const r = p.push(buf('250 2.1.0 Ok\r\n530 5.7.0 Must issue a STARTTLS command first\r\n'));
    expect(r.map((x) => x.code)).toEqual([250, 530]);
    expect(r[1]!.enhanced).toBe('5.7.0');
  });

  it('accepts bare LF line ends and a code with no text', () => {
    const p = new ReplyParser();
    expect(p.push(buf('220\n'))).toEqual([{ code: 220, lines: [''] }]);
  });

  it('rejects a line over the cap before it completes (no unbounded buffering)', () => {
    const p = new ReplyParser({ maxLineBytes: 100 });
    expect(() => p.push(buf('250-' + 'x'.repeat(200)))).toThrowError(FramingError);
  });

  it('rejects an endless multi-line reply at the line cap', () => {
    const p = new ReplyParser({ maxReplyLines: 10 });
    expect(() => p.push(buf('250-x\r\n'.repeat(11)))).toThrow(/multi-line reply over 10 lines/);
  });

  it('rejects garbage and a code that changes within a reply', () => {
    expect(() => new ReplyParser().push(buf('\x16\x03\x01\x02\x00\r\n'))).toThrow(/not an SMTP reply line/);
    expect(() => new ReplyParser().push(buf('250-a\r\n251 b\r\n'))).toThrow(/reply code changed/);
  });

  it('discard() drops buffered partial data and reports how much', () => {
    const p = new ReplyParser();
    p.push(buf('250-injected\r\n250 INJ'));
    expect(p.discard()).toBeGreaterThan(0);
    expect(p.push(buf('220 ok\r\n'))).toEqual([{ code: 220, lines: ['ok'] }]);
  });

  it('never throws anything but FramingError, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const p = new ReplyParser({ maxLineBytes: 512, maxReplyLines: 20, maxReplyBytes: 4096 });
        try {
          for (const c of chunks) {
            for (const r of p.push(Buffer.from(c))) {
              expect(r.code).toBeGreaterThanOrEqual(200);
              expect(r.code).toBeLessThan(600);
            }
          }
        } catch (err) {
          expect(err).toBeInstanceOf(FramingError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseCapabilities', () => {
  it('parses the keywords an administrator looks for, including the legacy AUTH= form', () => {
    const caps = parseCapabilities({
      code: 250,
      lines: [
        'mail.example.edu Hello',
        'SIZE 52428800',
        'PIPELINING',
        '8BITMIME',
        'SMTPUTF8',
        'CHUNKING',
        'DSN',
        'ENHANCEDSTATUSCODES',
        'REQUIRETLS',
        'STARTTLS',
        'AUTH PLAIN LOGIN',
        'AUTH=LOGIN CRAM-MD5',
      ],
    });
    expect(caps).toMatchObject({
      size: 52428800,
      pipelining: true,
      eightBitMime: true,
      smtpUtf8: true,
      chunking: true,
      dsn: true,
      enhancedStatusCodes: true,
      requireTls: true,
      starttls: true,
    });
    expect(caps.auth).toEqual(['PLAIN', 'LOGIN', 'CRAM-MD5']);
  });

  it('does not take the greeting line for a keyword and handles SIZE without a number', () => {
    const caps = parseCapabilities({ code: 250, lines: ['STARTTLS.example.edu', 'SIZE'] });
    expect(caps.starttls).toBe(false);
    expect(caps.size).toBeNull();
  });
});
