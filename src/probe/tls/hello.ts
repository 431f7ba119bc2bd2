/**
 * Raw ClientHello prober, as testssl.sh's "sockets" mode: send a hand-built ClientHello offering
 * what Node's OpenSSL cannot (SSLv3, RC4, 3DES, EXPORT, ...) and read only the server's first
 * answer. The handshake is never completed; the socket is always destroyed.
 */
import type { Socket } from 'node:net';
import { alertName, buildClientHello, judgeServerHello, ServerReplyReader } from './hello-codec.js';
import type { HelloProbeResult, HelloVersion, ReplyVerdict } from './hello-codec.js';

export type { HelloProbeResult, HelloVersion } from './hello-codec.js';
export { cipherSuiteName, SSLV3_SUITES, WEAK_SUITE_CLASSES } from './cipher-suites.js';

export interface HelloProbeOptions {
  /**
   * An already-connected plaintext socket, positioned where the ClientHello must go (after the
   * 220 to STARTTLS, or right after connect for implicit TLS). The probe takes ownership and
   * destroys it when done. Detach your own 'data' listeners first.
   */
  socket: Socket;
  version: HelloVersion;
  /** IANA cipher suite ids to offer (e.g. 0x0005 TLS_RSA_WITH_RC4_128_SHA). */
  cipherSuites: readonly number[];
  /** SNI host name; omitted for IP literals (RFC 6066 §3 forbids literal IPs in SNI) and for SSLv3. */
  servername?: string;
  timeoutMs: number;
  /** Cap on bytes read from the server before giving up (default 16 KiB). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 16 * 1024;
/** Many servers drop the connection instead of sending an alert; RFC 5246 §7.2.2 allows it. */
const CLOSED = 'connection closed after ClientHello';
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

function fromVerdict(v: ReplyVerdict, version: HelloVersion, offered: readonly number[]): HelloProbeResult {
  switch (v.kind) {
    case 'serverHello':
      return judgeServerHello(v.hello, version, offered);
    case 'alert': {
      const name = alertName(v.description);
      return {
        result: 'rejected',
        alert: { level: v.level, description: v.description, name },
        reason: name,
      };
    }
    case 'malformed':
      return { result: 'error', reason: v.reason };
  }
}

/**
 * Send one ClientHello and classify the first answer: `accepted` (ServerHello with a suite we
 * offered), `rejected` (alert, or the connection dropped) or `error` (timeout, non-TLS bytes,
 * a ServerHello that breaks the rules). Never throws.
 */
export async function probeServerHello(opts: HelloProbeOptions): Promise<HelloProbeResult> {
  const { socket, version } = opts;
  let hello: ReturnType<typeof buildClientHello>;
  try {
    hello = buildClientHello({ version, cipherSuites: opts.cipherSuites, servername: opts.servername });
  } catch (err) {
    socket.destroy();
    return { result: 'error', reason: `cannot build ClientHello: ${(err as Error).message}` };
  }
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return { result: 'error', reason: 'socket is not open' };
  }
  const timeoutMs = Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0 ? opts.timeoutMs : 1;
  const reader = new ServerReplyReader(opts.maxBytes ?? DEFAULT_MAX_BYTES);

  return new Promise<HelloProbeResult>((resolve) => {
    let done = false;
    const finish = (result: HelloProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClosed);
      socket.off('close', onClosed);
      socket.off('error', onError);
      socket.on('error', () => undefined); // late errors from a destroyed socket are of no interest
      socket.destroy();
      resolve(result);
    };

    /** The server hung up (FIN, or RST/EPIPE when `code` is set) before a verdict. */
    const closedResult = (code?: string): HelloProbeResult => {
      const how = code ? `reset (${code})` : 'closed';
      if (reader.incomplete) {
        const n = reader.bytesReceived;
        return {
          result: 'error',
          reason: `connection ${how} in the middle of the server's reply (${n} bytes received)`,
        };
      }
      const w = reader.warning;
      if (w) {
        const name = alertName(w.description);
        return {
          result: 'rejected',
          alert: { ...w, name },
          reason: `${name} (warning), then connection ${how}`,
        };
      }
      return { result: 'rejected', reason: code ? `${CLOSED} (${code})` : CLOSED };
    };

    const onData = (chunk: Buffer): void => {
      const verdict = reader.push(chunk);
      if (verdict) finish(fromVerdict(verdict, version, hello.offered));
    };
    const onClosed = (): void => finish(closedResult());
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code && RESET_CODES.has(err.code)) finish(closedResult(err.code));
      else finish({ result: 'error', reason: `socket error: ${err.code ?? err.message}` });
    };
    const timer = setTimeout(() => {
      const partial = reader.bytesReceived > 0 ? ` (${reader.bytesReceived} bytes received, no verdict)` : '';
      finish({ result: 'error', reason: `no answer to ClientHello within ${timeoutMs} ms${partial}` });
    }, timeoutMs);

    socket.on('data', onData);
    socket.on('end', onClosed);
    socket.on('close', onClosed);
    socket.on('error', onError);
    socket.write(hello.record);
    socket.resume();
  });
}
