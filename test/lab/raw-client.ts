/**
 * A deliberately tiny SMTP client for testing the lab servers byte by byte: it frames replies,
 * keeps every raw chunk it received, and can upgrade to TLS, but has none of the product's logic.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface Reply {
  code: number;
  /** Text of each line after "NNN-" / "NNN ". */
  lines: string[];
}

export class RawClient {
  socket: net.Socket;
  /** Every chunk received, in order (plaintext and, after an upgrade, decrypted). */
  readonly chunks: Buffer[] = [];
  /** Bytes still buffered when startTls() began; a correct client throws these away. */
  discardedBeforeTls = Buffer.alloc(0);
  closed = false;
  private buffer = Buffer.alloc(0);
  private notify: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  /** Opens a plaintext connection. */
  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    // new Socket().connect() rather than net.connect(): the test network guard cannot read the
    // normalised argument array that net.connect() passes on.
    const socket = new net.Socket().connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Opens an implicit-TLS connection. */
  static async connectTls(port: number, options: tls.ConnectionOptions = {}): Promise<RawClient> {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...options });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Total bytes received so far. */
  get received(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  /** The unparsed bytes received and not yet consumed by readReply(). */
  get pending(): Buffer {
    return this.buffer;
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  sendRaw(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends a command and reads its reply. */
  async command(line: string, timeoutMs?: number): Promise<Reply> {
    this.send(line);
    return this.readReply(timeoutMs);
  }

  /** Reads one complete (possibly multi-line) reply. */
  async readReply(timeoutMs = 3000): Promise<Reply> {
    return this.waitFor(() => this.takeReply(), timeoutMs, 'a reply');
  }

  /** Waits until at least `n` bytes in total have been received (or the socket closed). */
  async waitForBytes(n: number, timeoutMs = 3000): Promise<number> {
    return this.waitFor(
      () => (this.received >= n || this.closed ? this.received : undefined),
      timeoutMs,
      `${n} bytes`,
    );
  }

  /** Waits for the peer to close the connection. */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    await this.waitFor(() => (this.closed ? true : undefined), timeoutMs, 'close');
  }

  /** Waits `ms` and reports how many bytes arrived meanwhile. */
  async quietFor(ms: number): Promise<number> {
    const before = this.received;
    await new Promise((r) => setTimeout(r, ms));
    return this.received - before;
  }

  /** Upgrades to TLS on the same socket, discarding anything buffered (RFC 3207 §4.2). */
  async startTls(options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
    this.discardedBeforeTls = this.buffer;
    this.buffer = Buffer.alloc(0);
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false, ...options });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
    return secure;
  }

  close(): void {
    this.socket.destroy();
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    const waiting = this.notify;
    this.notify = [];
    for (const fn of waiting) fn();
  }

  private takeReply(): Reply | undefined {
    const lines: string[] = [];
    let offset = 0;
    for (;;) {
      const end = this.buffer.indexOf('\r\n', offset);
      if (end < 0) return undefined;
      const line = this.buffer.toString('utf8', offset, end);
      offset = end + 2;
      const m = /^(\d{3})([ -])(.*)$/.exec(line);
      if (!m) throw new Error(`malformed reply line: ${JSON.stringify(line.slice(0, 80))}`);
      lines.push(m[3]);
      if (m[2] === ' ') {
        this.buffer = this.buffer.subarray(offset);
        return { code: Number(m[1]), lines };
      }
    }
  }

  private async waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.notify.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** base64 of a string, for SASL. */
export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
