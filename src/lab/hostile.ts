/**
 * The scripted server's misbehaviours (see HostileMode), grouped by the phase in which they
 * start. Every loop here runs through the connection's tracked timers or stops on the socket's
 * end, so close() always leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { REPLIES } from './scripted-replies.js';
import type { Connection } from './scripted-connection.js';

/** The huge-line reply: "250 " and 1 MiB of text, no CRLF. */
export const HUGE_LINE_BYTES = 1024 * 1024;
/** endless-multiline stops (and closes) after this much, so a client that reads forever is still bounded. */
const ENDLESS_MULTILINE_CAP = 64 * 1024 * 1024;
const GARBAGE_BYTES = 2048;

/** Misbehaviour that replaces the greeting; true when it took over the connection. */
export function hostileOnConnect(conn: Connection): boolean {
  switch (conn.options.hostile) {
    case 'drip-greeting':
      conn.discardInput();
      conn.atGreeting(() => drip(conn));
      return true;
    case 'garbage':
      conn.discardInput();
      conn.atGreeting(() => conn.writeNow(garbage()));
      return true;
    case 'greeting-421':
      conn.discardInput();
      conn.atGreeting(() => {
        conn.writeNow(`${REPLIES.serviceUnavailable}\r\n`);
        conn.socket.end();
      });
      return true;
    case 'silent':
      conn.discardInput();
      return true;
    default:
      return false;
  }
}

/** Misbehaviour in answer to EHLO/HELO; true when it replaced the reply. */
export function hostileOnEhlo(conn: Connection): boolean {
  switch (conn.options.hostile) {
    case 'close-after-ehlo':
      conn.discardInput();
      conn.after(() => conn.destroy());
      return true;
    case 'huge-line':
      conn.discardInput();
      conn.after(() => conn.writeNow(`250 ${'x'.repeat(HUGE_LINE_BYTES)}`));
      return true;
    case 'endless-multiline':
      conn.discardInput();
      conn.after(() => endlessMultiline(conn));
      return true;
    default:
      return false;
  }
}

/** Misbehaviour in answer to STARTTLS; true when it replaced the normal upgrade. */
export function hostileOnStartTls(conn: Connection): boolean {
  switch (conn.options.hostile) {
    case 'starttls-silence':
      conn.discardInput();
      conn.after(() => conn.writeNow(`${REPLIES.tlsGo}\r\n`));
      return true;
    case 'inject-before-tls':
      // One write, so the forged replies reach the client in the same segment as the 220.
      conn.startTls(`${REPLIES.tlsGo}\r\n250-injected\r\n250 INJECTED\r\n`);
      return true;
    default:
      return false;
  }
}

/** Random bytes that cannot be mistaken for the start of a reply (the first is never a digit). */
function garbage(): Buffer {
  const bytes = randomBytes(GARBAGE_BYTES);
  bytes[0] = 0x80 | bytes[0];
  return bytes;
}

/** An endless "220-" greeting, one byte per tick. */
function drip(conn: Connection): void {
  const text = Buffer.from(`220-${conn.options.hostname} ESMTP please wait\r\n`);
  let i = 0;
  conn.every(conn.options.dripIntervalMs, () => {
    conn.writeNow(text.subarray(i, i + 1));
    i = (i + 1) % text.length;
  });
}

/** "250-" lines as fast as the client reads them, until it goes away (or the safety cap). */
function endlessMultiline(conn: Connection): void {
  let n = 0;
  let sent = 0;
  const pump = (): void => {
    if (conn.closed) return;
    let more = true;
    while (more && sent < ENDLESS_MULTILINE_CAP) {
      let batch = '';
      for (let k = 0; k < 64; k += 1) batch += `250-${conn.options.hostname} endless line ${n++}\r\n`;
      sent += batch.length;
      more = conn.writeNow(batch);
      if (conn.closed || conn.socket.destroyed) return;
    }
    if (sent >= ENDLESS_MULTILINE_CAP) return conn.destroy();
    conn.socket.once('drain', () => conn.soon(pump));
  };
  pump();
}
