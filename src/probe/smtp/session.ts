/**
 * The SMTP client session: one TCP (or TLS) connection, a reply queue fed by the framing parser,
 * commands with a per-step timeout bounded by the per-host deadline, PIPELINING, the STARTTLS
 * upgrade on the same socket, and a transcript with timings. It never waits on a timer when a
 * reply has arrived: every wait is a promise resolved by the data event, with a timer only as
 * the upper bound.
 */
import net from 'node:net';
import type tls from 'node:tls';
import { connectTls } from '../tls/certificate.js';
import type { ProbeErrorCode, SmtpReply, Stage, StepTiming, TranscriptEntry } from '../../model/artifacts.js';
import { ProbeError } from '../../errors.js';
import { FramingError, ReplyParser, type FramingLimits } from './framing.js';

/** An absolute point in time after which nothing more is attempted for a host. */
export class Deadline {
  readonly at: number;
  constructor(readonly ms: number) {
    this.at = Date.now() + ms;
  }
  remaining(): number {
    return Math.max(0, this.at - Date.now());
  }
  /** "per-host deadline of 60000ms expired", and when (" during the TLS handshake"). */
  expired(when = ''): string {
    return `per-host deadline of ${this.ms}ms expired${when}`;
  }
}

export interface ConnectOptions {
  /** The name the user asked for (SNI and certificate checks use it); may equal `address`. */
  host: string;
  address: string;
  port: number;
  stepTimeoutMs: number;
  deadline: Deadline;
  /** Connect with TLS from the first byte (port 465, RFC 8314 §3.3). */
  implicitTls?: tls.ConnectionOptions;
  limits?: Partial<FramingLimits>;
}

type Waiter = { resolve: (r: SmtpReply) => void; reject: (e: Fatal) => void };
/** Why the session cannot continue; turned into a ProbeError with the stage of whoever asks next. */
type Fatal = { code: ProbeErrorCode; detail: string };

export class SmtpSession {
  readonly transcript: TranscriptEntry[] = [];
  readonly timings: StepTiming[] = [];
  /** Bytes received after the 220 to STARTTLS and before the handshake, discarded. */
  discardedBeforeTls = 0;
  /** Bytes received on the current channel (plaintext or TLS). */
  bytesReceived = 0;
  /**
   * Network round trips this session has waited for: the TCP connect, each reply or pipelined
   * group, and the TLS handshake (one for TLS 1.3, two for earlier versions). The unit of the
   * connection plan (plan.ts).
   */
  roundTrips = 0;
  private readonly started = Date.now();
  private parser: ReplyParser;
  private queue: SmtpReply[] = [];
  private waiter: Waiter | undefined;
  private fatal: Fatal | undefined;
  private lastReply: string | undefined;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onClose = () => this.fail('CLOSED', 'the server closed the connection');
  private readonly onError = (err: NodeJS.ErrnoException) =>
    this.fail(err.code === 'ECONNRESET' ? 'ECONNRESET' : 'CLOSED', `socket error: ${err.message}`);

  private constructor(
    private socket: net.Socket,
    private readonly opts: ConnectOptions,
  ) {
    this.parser = new ReplyParser(opts.limits);
    this.attach(socket);
  }

  /** Opens the TCP (or implicit TLS) connection; the greeting is read separately. */
  static async connect(opts: ConnectOptions): Promise<{ session: SmtpSession; tlsSocket?: tls.TLSSocket }> {
    const started = Date.now();
    const raw = await openSocket(opts);
    const session = new SmtpSession(raw, opts);
    session.roundTrips = 1;
    session.timings.push({ stage: 'CONNECT', label: 'TCP connect', ms: Date.now() - started });
    session.note(`connected to ${opts.address}:${opts.port}`);
    if (!opts.implicitTls) return { session };
    const tlsSocket = await session.handshake(raw, opts.implicitTls, 'TLS');
    return { session, tlsSocket };
  }

  get elapsed(): number {
    return Date.now() - this.started;
  }

  get address(): string {
    return this.opts.address;
  }

  /** Records a free-form note ("*") in the transcript. */
  note(text: string): void {
    this.transcript.push({ t: this.elapsed, dir: '*', text });
  }

  /** Waits for the next complete reply. */
  async read(stage: Stage, waitedFor: string): Promise<SmtpReply> {
    const start = Date.now();
    this.roundTrips += 1;
    const reply = await this.next(stage, waitedFor);
    this.timings.push({ stage, label: waitedFor, ms: Date.now() - start });
    return reply;
  }

  /**
   * Sends one command and reads its reply. `shown` replaces the command in the transcript and
   * timings (AUTH payloads); the real bytes are never stored anywhere.
   */
  async command(line: string, stage: Stage, shown: string = line): Promise<SmtpReply> {
    const start = Date.now();
    this.send(line, stage, shown);
    this.roundTrips += 1;
    const reply = await this.next(stage, `reply to ${shown}`);
    this.timings.push({ stage, label: shown, ms: Date.now() - start });
    return reply;
  }

  /**
   * Sends several commands in one write (RFC 2920) and reads one reply per command. A 421 ends
   * the batch early (the server is closing, RFC 5321 §3.8): the replies so far are returned.
   */
  async pipeline(lines: readonly string[], stage: Stage): Promise<SmtpReply[]> {
    const { replies, error } = await this.pipelineSettled(lines, stage);
    if (error) throw error;
    return replies;
  }

  /**
   * {@link pipeline}, but a failure part-way (timeout, disconnect) is returned with the replies
   * that did arrive, so a caller can tell which commands were answered.
   */
  async pipelineSettled(
    lines: readonly string[],
    stage: Stage,
  ): Promise<{ replies: SmtpReply[]; error?: ProbeError }> {
    const start = Date.now();
    for (const l of lines) this.assertSafe(l, stage);
    const error = this.unwritable(stage);
    if (error) return { replies: [], error };
    this.socket.write(lines.map((l) => `${l}\r\n`).join(''));
    this.roundTrips += 1;
    for (const l of lines) this.transcript.push({ t: this.elapsed, dir: 'C', text: l });
    const replies: SmtpReply[] = [];
    try {
      for (const l of lines) {
        const r = await this.next(stage, `reply to ${l}`);
        replies.push(r);
        if (r.code === 421) break;
      }
    } catch (err) {
      if (!(err instanceof ProbeError)) throw err;
      return { replies, error: err };
    } finally {
      this.timings.push({ stage, label: lines.join(' | '), ms: Date.now() - start });
    }
    return { replies };
  }

  /**
   * Upgrades to TLS after the server's 220 to STARTTLS. Anything already received is discarded
   * (RFC 3207 §4.2) and counted, so a check can report a server or middlebox that injects.
   */
  async startTls(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
    this.discardedBeforeTls += this.parser.discard();
    for (const r of this.queue) this.discardedBeforeTls += r.lines.join('\r\n').length + 6;
    this.queue = [];
    if (this.discardedBeforeTls > 0) {
      this.note(
        `discarded ${this.discardedBeforeTls} bytes received before the TLS handshake (RFC 3207 §4.2)`,
      );
    }
    return this.handshake(this.socket, options, 'STARTTLS');
  }

  /** Sends QUIT without waiting long for the answer, then closes. Never throws. */
  async quit(): Promise<void> {
    if (!this.fatal && !this.socket.destroyed) {
      try {
        this.send('QUIT', 'QUIT');
        this.roundTrips += 1;
        await this.next('QUIT', 'reply to QUIT', Math.min(this.opts.stepTimeoutMs, 1000));
      } catch {
        // A server that does not answer QUIT has nothing more to tell us.
      }
    }
    this.close();
  }

  close(): void {
    this.detach(this.socket);
    this.socket.on('error', () => {});
    this.socket.destroy();
    this.fatal ??= { code: 'CLOSED', detail: 'session closed by mailcheck' };
  }

  /** The underlying socket, for the TLS probes that take over a prepared connection. */
  takeSocket(): net.Socket {
    this.detach(this.socket);
    const s = this.socket;
    this.fatal = { code: 'CLOSED', detail: 'socket handed over to a TLS probe' };
    return s;
  }

  private send(line: string, stage: Stage, shown: string = line): void {
    this.assertSafe(line, stage);
    this.assertWritable(stage);
    this.socket.write(`${line}\r\n`);
    this.transcript.push({ t: this.elapsed, dir: 'C', text: shown });
  }

  /**
   * Throws, as a command would, when nothing more may be written ({@link unwritable}): for a caller
   * about to take the socket over and write on it itself (the test message's data).
   */
  assertWritable(stage: Stage): void {
    const error = this.unwritable(stage);
    if (error) throw error;
  }

  /**
   * Why nothing more may be written: the session has failed, or the per-host deadline has passed
   * (a session that waited elsewhere, for a slot or for its share of the relay battery, sends
   * nothing after the deadline; the connection is closed then).
   */
  private unwritable(stage: Stage): ProbeError | undefined {
    if (!this.fatal && this.opts.deadline.remaining() === 0) {
      this.fatal = { code: 'DEADLINE', detail: this.opts.deadline.expired() };
      this.note(
        `per-host deadline of ${this.opts.deadline.ms}ms passed: nothing more sent, connection closed`,
      );
      this.socket.destroy();
    }
    if (!this.fatal) return undefined;
    return new ProbeError(this.fatal.code, this.fatal.detail, {
      stage,
      address: this.opts.address,
      port: this.opts.port,
    });
  }

  /** CR or LF inside a command would let a value smuggle extra commands (RFC 5321 §2.3.8). */
  private assertSafe(line: string, stage: Stage): void {
    if (/[\r\n]/.test(line))
      throw new ProbeError('INTERNAL', 'refusing to send a command containing CR or LF', { stage });
  }

  private async handshake(
    raw: net.Socket,
    options: tls.ConnectionOptions,
    stage: Stage,
  ): Promise<tls.TLSSocket> {
    this.assertWritable(stage); // a ClientHello is sent like any command: not after the deadline
    this.detach(raw);
    const { timeoutMs, deadlineFirst } = boundedTimeout(this.opts);
    const start = Date.now();
    const ctx = {
      stage,
      address: this.opts.address,
      port: this.opts.port,
      waitedFor: 'TLS handshake',
      timeoutMs,
    };
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = connectTls({ ...options, socket: raw });
      const timer = setTimeout(() => {
        s.destroy();
        reject(
          deadlineFirst
            ? new ProbeError('DEADLINE', this.opts.deadline.expired(' during the TLS handshake'), ctx)
            : new ProbeError('TLS_TIMEOUT', 'TLS handshake did not complete', ctx),
        );
      }, timeoutMs);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err: Error) => {
        clearTimeout(timer);
        s.destroy();
        reject(new ProbeError('TLS_HANDSHAKE', err.message, ctx));
      });
    }).catch((err: ProbeError) => {
      this.fatal = { code: err.code, detail: err.detail };
      this.transcript.push({ t: this.elapsed, dir: '*', text: err.message });
      throw err;
    });
    this.timings.push({ stage, label: 'TLS handshake', ms: Date.now() - start });
    this.roundTrips += secure.getProtocol() === 'TLSv1.3' ? 1 : 2;
    this.note(`TLS established: ${secure.getProtocol()} ${secure.getCipher()?.name ?? ''}`.trim());
    this.socket = secure;
    this.parser = new ReplyParser(this.opts.limits);
    this.fatal = undefined;
    this.attach(secure);
    return secure;
  }

  private attach(s: net.Socket): void {
    s.on('data', this.onData);
    s.on('close', this.onClose);
    s.on('end', this.onClose);
    s.on('error', this.onError);
  }

  private detach(s: net.Socket): void {
    s.off('data', this.onData);
    s.off('close', this.onClose);
    s.off('end', this.onClose);
    s.off('error', this.onError);
  }

  private receive(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    let replies: SmtpReply[];
    try {
      replies = this.parser.push(chunk);
    } catch (err) {
      if (err instanceof FramingError) return this.fail(err.code, err.message);
      throw err;
    }
    for (const r of replies) {
      r.lines.forEach((l, i) =>
        this.transcript.push({
          t: this.elapsed,
          dir: 'S',
          text: `${r.code}${i === r.lines.length - 1 ? ' ' : '-'}${l}`,
        }),
      );
      this.lastReply = `${r.code} ${r.lines[r.lines.length - 1] ?? ''}`.slice(0, 200);
      const w = this.waiter;
      if (w) {
        this.waiter = undefined;
        w.resolve(r);
      } else {
        this.queue.push(r);
      }
    }
  }

  private fail(code: ProbeErrorCode, detail: string): void {
    if (this.fatal) return;
    this.fatal = { code, detail };
    this.socket.destroy();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.fatal);
  }

  private next(stage: Stage, waitedFor: string, capMs?: number): Promise<SmtpReply> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    const ctx = (timeoutMs?: number) => ({
      stage,
      address: this.opts.address,
      port: this.opts.port,
      waitedFor,
      lastReply: this.lastReply,
      timeoutMs,
    });
    if (this.fatal) return Promise.reject(new ProbeError(this.fatal.code, this.fatal.detail, ctx()));
    const remaining = this.opts.deadline.remaining();
    const step = Math.min(capMs ?? this.opts.stepTimeoutMs, this.opts.stepTimeoutMs);
    const deadlineFirst = remaining < step;
    const timeoutMs = deadlineFirst ? remaining : step;
    return new Promise<SmtpReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        const err = deadlineFirst
          ? new ProbeError('DEADLINE', this.opts.deadline.expired(), ctx(timeoutMs))
          : new ProbeError('REPLY_TIMEOUT', 'no complete reply', ctx(timeoutMs));
        this.fatal = { code: err.code, detail: err.detail };
        this.socket.destroy();
        reject(err);
      }, timeoutMs);
      this.waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (f) => {
          clearTimeout(timer);
          reject(new ProbeError(f.code, f.detail, ctx()));
        },
      };
    });
  }
}

/** The step timeout, cut short by the host deadline when that comes first (and which one it was). */
function boundedTimeout(opts: Pick<ConnectOptions, 'stepTimeoutMs' | 'deadline'>): {
  timeoutMs: number;
  deadlineFirst: boolean;
} {
  const remaining = opts.deadline.remaining();
  return remaining < opts.stepTimeoutMs
    ? { timeoutMs: remaining, deadlineFirst: true }
    : { timeoutMs: opts.stepTimeoutMs, deadlineFirst: false };
}

function openSocket(opts: ConnectOptions): Promise<net.Socket> {
  const { timeoutMs, deadlineFirst } = boundedTimeout(opts);
  const ctx = { stage: 'CONNECT' as const, address: opts.address, port: opts.port, timeoutMs };
  if (timeoutMs === 0) {
    // A connection whose slot came only after the deadline is not opened at all.
    const why = opts.deadline.expired(' before the TCP connect');
    return Promise.reject(new ProbeError('DEADLINE', why, ctx));
  }
  return new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: opts.address, port: opts.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(
        deadlineFirst
          ? new ProbeError('DEADLINE', opts.deadline.expired(' before the TCP connect completed'), ctx)
          : new ProbeError('CONNECT_TIMEOUT', 'no answer to TCP connect', ctx),
      );
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      // Commands are small and each waits for a reply: Nagle would only add delayed-ACK stalls.
      s.setNoDelay(true);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      s.destroy();
      const code = err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' ? err.code : 'ECONNRESET';
      const text = err.code === 'ECONNREFUSED' ? 'connection refused' : err.message;
      // The timeout is not part of the story when the host answered with a refusal.
      reject(new ProbeError(code, text, { stage: 'CONNECT', address: opts.address, port: opts.port }));
    });
  });
}
