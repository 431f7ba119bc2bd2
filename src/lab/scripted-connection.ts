/**
 * One connection to the scripted server: line framing, the ordered and optionally delayed reply
 * queue, the STARTTLS / implicit TLS upgrade on the same socket, and clean teardown. The SMTP
 * commands themselves live in scripted-commands.ts, SASL in scripted-auth.ts, misbehaviour in
 * hostile.ts.
 *
 * Input is parsed as soon as it arrives; only output waits. Replies (and other actions that must
 * follow them, such as closing or upgrading) go through one FIFO queue, each due `replyDelayMs`
 * after the command it answers arrived, so pipelined commands are answered in one round trip.
 */
import type net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { dispatch, finishMessage } from './scripted-commands.js';
import { MessageSink } from './scripted-data.js';
import { hostileOnConnect } from './hostile.js';
import { ActionQueue, TimerSet } from './timed-actions.js';
import { formatReply, REPLIES } from './scripted-replies.js';
import { freshSession } from './scripted-session.js';
import type { SessionState } from './scripted-session.js';
import type { ResolvedOptions, ScriptedMessage, ScriptedServerStats } from './scripted-types.js';

/** What every connection of one server shares. */
export interface ServerContext {
  options: ResolvedOptions;
  stats: ScriptedServerStats;
  messages: ScriptedMessage[];
  secureContext?: tls.SecureContext;
}

type Mode = 'command' | 'sasl' | 'data' | 'bdat' | 'discard' | 'stopped';

const MAX_QUEUED_ACTIONS = 1000;
/** The input buffer when empty (never written to, so one serves every connection). */
const EMPTY = Buffer.alloc(0);
/** A DATA line longer than this is passed to the sink in pieces rather than buffered whole. */
const MAX_DATA_LINE_BUFFER = 64 * 1024;

export class Connection {
  /** The socket in use now: the raw one, or the TLS socket layered on it. */
  socket: net.Socket;
  session: SessionState;
  /** Resolves once the TCP socket has closed. */
  readonly done: Promise<void>;
  closed = false;

  private mode: Mode = 'command';
  private buffer: Buffer = EMPTY;
  private skippingLongLine = false;
  private sasl: ((line: string) => void) | undefined;
  private sink: MessageSink | undefined;
  private bdat = { size: 0, left: 0, last: false, error: undefined as string | undefined };
  /** When the input that the command being handled now completed arrived. */
  private lineAt = performance.now();
  private readonly queue = new ActionQueue(MAX_QUEUED_ACTIONS, (run) => this.batch(run));
  /** The server's TLS writes waiting for their flight's time (latencyModel `network`). */
  private readonly flights = new ActionQueue(MAX_QUEUED_ACTIONS);
  private readonly timers = new TimerSet();
  private readonly acceptedAt = performance.now();

  constructor(
    readonly ctx: ServerContext,
    readonly raw: net.Socket,
  ) {
    this.socket = raw;
    this.session = freshSession(false);
    this.done = new Promise((resolve) =>
      raw.once('close', () => {
        resolve();
        this.destroy();
      }),
    );
    raw.on('error', () => this.destroy());
  }

  get options(): ResolvedOptions {
    return this.ctx.options;
  }

  /** The `network` latency model is on (see ScriptedServerOptions.latencyModel). */
  private get network(): boolean {
    return this.options.latencyModel === 'network' && this.options.replyDelayMs > 0;
  }

  /** Greets, or starts TLS first on an implicit-TLS server, or misbehaves. */
  start(): void {
    const o = this.options;
    if (hostileOnConnect(this)) return;
    if (o.implicitTls || o.hostile === 'tls-on-connect') {
      this.raw.pause();
      // The network model times the handshake's flights itself (see delayedLink).
      if (this.network) this.upgrade(true, () => this.greet());
      else this.later(o.replyDelayMs, () => this.upgrade(true, () => this.greet()));
      return;
    }
    this.raw.on('data', this.onData);
    this.greet();
  }

  /**
   * Schedules `fn` for when the greeting is due (after greetingDelayMs and replyDelayMs; with the
   * network model, one more replyDelayMs on a cleartext connection for the TCP handshake).
   */
  atGreeting(fn: () => void): void {
    const o = this.options;
    const connect = this.network && this.socket === this.raw ? o.replyDelayMs : 0;
    this.schedule(performance.now() + connect + o.greetingDelayMs + o.replyDelayMs, fn);
  }

  /** Sends one reply line (CRLF added) in its turn. */
  reply(line: string): void {
    this.after(() => this.writeNow(`${line}\r\n`));
  }

  /** Sends a multi-line reply in its turn. */
  replyLines(code: number, lines: readonly string[]): void {
    const text = formatReply(code, lines);
    this.after(() => this.writeNow(text));
  }

  /** Runs `fn` in turn, after every reply queued before it, no earlier than the reply delay. */
  after(fn: () => void): void {
    this.schedule(this.lineAt + this.options.replyDelayMs, fn);
  }

  /** Writes on the current socket immediately, if it is still writable. */
  writeNow(data: string | Buffer, cb?: () => void): boolean {
    if (this.closed || this.socket.destroyed || this.socket.writableEnded) return false;
    return this.socket.write(data, cb);
  }

  /** Sends the next input lines to `handler` (the SASL exchange) until {@link endSasl}. */
  expectSasl(handler: (line: string) => void): void {
    this.sasl = handler;
    this.mode = 'sasl';
  }

  endSasl(): void {
    this.sasl = undefined;
    if (this.mode === 'sasl') this.mode = 'command';
  }

  /** Input after the DATA command is the message, up to "CRLF . CRLF". */
  beginData(): void {
    this.sink = new MessageSink(this.options.maxMessageSize);
    this.mode = 'data';
  }

  /** The next `size` bytes are a BDAT chunk; `error` is the reply to give once they are read. */
  beginBdat(size: number, last: boolean, error?: string): void {
    this.sink ??= new MessageSink(this.options.maxMessageSize);
    this.bdat = { size, left: size, last, error };
    if (size > 0) this.mode = 'bdat';
    else this.endBdat();
  }

  /** Reads and drops all further input (the peer's close is still noticed). */
  discardInput(): void {
    this.mode = 'discard';
    this.buffer = EMPTY;
    // Inside TLS the TLS socket's listener already drops input in this mode.
    if (this.socket !== this.raw) return;
    if (!this.raw.listeners('data').includes(this.onData)) this.raw.on('data', this.onData);
    this.raw.resume();
  }

  /** Replies with `preface` and upgrades the socket to TLS (STARTTLS, RFC 3207 §4). */
  startTls(preface: string): void {
    // RFC 3207 §4.2: anything the client pipelined after STARTTLS is discarded, never executed
    // inside the TLS session (the command-injection attack, CVE-2011-0411).
    this.mode = 'stopped';
    this.buffer = EMPTY;
    this.raw.removeListener('data', this.onData);
    // Paused, the socket keeps the ClientHello buffered; the TLS layer picks it up when it wraps.
    this.raw.pause();
    this.after(() => {
      this.writeNow(preface, () => {
        if (this.network) this.upgrade(false);
        else this.later(this.options.replyDelayMs, () => this.upgrade(false));
      });
    });
  }

  /** Closes after the replies queued so far have been written. */
  quit(): void {
    this.mode = 'stopped';
    this.after(() => {
      this.socket.end();
    });
  }

  /** Runs `fn` after `ms` (at once when 0); cleared when the connection closes. */
  later(ms: number, fn: () => void): void {
    this.timers.later(ms, fn);
  }

  /** Runs `fn` every `ms`; cleared when the connection closes. */
  every(ms: number, fn: () => void): void {
    this.timers.every(ms, fn);
  }

  /** Runs `fn` on the next turn of the event loop; cleared when the connection closes. */
  soon(fn: () => void): void {
    this.timers.soon(fn);
  }

  /** Destroys both sockets and clears every timer; safe to call more than once. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    // Replies written in a batch still leave first, as they would have without the cork.
    for (const s of [this.socket, this.raw]) while (s.writableCorked > 0) s.uncork();
    this.mode = 'stopped';
    this.queue.clear();
    this.flights.clear();
    this.timers.clear();
    this.socket.destroy();
    this.raw.destroy();
  }

  /** Records a command line for the stats (up to the server's cap), with SASL payloads redacted. */
  record(line: string): void {
    const list = this.ctx.stats.commands;
    if (list.length >= this.options.maxCommandsRecorded) return;
    // Only AUTH carries a payload on the command line (RFC 4954 §4, the initial response).
    const auth = line.length > 5 && (line[0] === 'A' || line[0] === 'a');
    list.push(auth ? line.replace(/^(AUTH\s+\S+)\s+\S.*$/i, '$1 <redacted>') : line);
  }

  private greet(): void {
    this.atGreeting(() => this.writeNow(`220 ${this.options.banner}\r\n`));
  }

  /**
   * The raw socket as a stream for the TLS layer whose writes (the server's flights) each leave
   * replyDelayMs after the client's last data arrived, and on an implicit-TLS port no earlier than
   * two delays after the TCP accept (the TCP handshake's round trip, charged to the first flight).
   * After the handshake a reply, already held back by the reply queue until L after its command
   * arrived, is due at once here (the command was the client's last data).
   * Writes keep their order; the TLS layer is told at once that they are done.
   */
  private delayedLink(implicit: boolean): Duplex {
    const raw = this.raw;
    const delay = this.options.replyDelayMs;
    const firstFlight = implicit ? this.acceptedAt + 2 * delay : 0;
    let clientAt = performance.now();
    const due = () => Math.max(clientAt + delay, firstFlight);
    const link = new Duplex({
      read: () => {
        raw.resume();
      },
      write: (chunk: Buffer, _encoding, done) => {
        if (!this.flights.schedule(due(), () => this.writeRaw(chunk)))
          return done(new Error('too many TLS writes'));
        done();
      },
      final: (done) => {
        this.flights.schedule(due(), () => raw.end());
        done();
      },
      // After the flights already queued, such as the alert that refuses a handshake.
      destroy: (err, done) => {
        this.afterFlights(() => raw.destroy());
        done(err);
      },
    });
    raw.on('data', (chunk: Buffer) => {
      clientAt = performance.now();
      if (!link.push(chunk)) raw.pause();
    });
    raw.once('end', () => link.push(null));
    return link;
  }

  /** Runs `fn` once the TLS flights queued so far are on the wire (at once without any). */
  private afterFlights(fn: () => void): void {
    if (!this.flights.schedule(0, fn)) fn();
  }

  private writeRaw(chunk: Buffer): void {
    if (!this.raw.destroyed && !this.raw.writableEnded) this.raw.write(chunk);
  }

  /** Wraps the raw socket in TLS: at once on an implicit-TLS port, or after STARTTLS's 220. */
  private upgrade(implicit: boolean, onSecure?: () => void): void {
    if (this.closed || !this.ctx.secureContext) return this.destroy();
    const transport = this.network ? this.delayedLink(implicit) : this.raw;
    const secure = new tls.TLSSocket(transport, { isServer: true, secureContext: this.ctx.secureContext });
    this.socket = secure;
    secure.on('error', () => this.afterFlights(() => this.destroy()));
    secure.once('close', () => this.afterFlights(() => this.destroy()));
    secure.once('secure', () => {
      this.ctx.stats.tlsHandshakes += 1;
      this.session = freshSession(true);
      this.mode = 'command';
      this.buffer = EMPTY;
      secure.on('data', this.onData);
      onSecure?.();
    });
  }

  private schedule(due: number, run: () => void): void {
    if (this.closed || this.queue.schedule(due, run)) return;
    // RFC 2920 §3.1 lets a server bound what it queues; a client this far ahead is flooding.
    this.writeNow(`${REPLIES.tooMuchPipelining}\r\n`);
    this.mode = 'stopped';
    this.queue.clear();
    this.socket.end();
  }

  /**
   * Runs `run` with the current socket corked, so that the replies it writes leave in one write
   * (one TCP segment, one TLS record) as a real server answers a pipelined group: the bytes are
   * the same, the fleet's system calls and TLS records fewer.
   */
  private batch(run: () => void): void {
    const socket = this.socket;
    socket.cork();
    try {
      run();
    } finally {
      socket.uncork();
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    this.lineAt = performance.now();
    if (this.mode === 'discard' || this.mode === 'stopped') return;
    this.buffer = this.buffer.length > 0 ? Buffer.concat([this.buffer, chunk]) : chunk;
    this.batch(() => this.pump());
  };

  /** Consumes as much buffered input as the current mode allows. */
  private pump(): void {
    while (this.buffer.length > 0 && !this.closed) {
      const mode = this.mode;
      if (mode === 'discard' || mode === 'stopped') {
        this.buffer = EMPTY;
        return;
      }
      if (mode === 'bdat') {
        const n = Math.min(this.bdat.left, this.buffer.length);
        this.sink?.chunk(this.buffer.subarray(0, n));
        this.buffer = this.buffer.subarray(n);
        this.bdat.left -= n;
        if (this.bdat.left === 0) this.endBdat();
        continue;
      }
      const nl = this.buffer.indexOf(0x0a);
      if (mode === 'data') {
        if (nl < 0) {
          if (this.buffer.length > MAX_DATA_LINE_BUFFER) {
            this.sink?.chunk(this.buffer, true);
            this.buffer = EMPTY;
          }
          return;
        }
        const line = this.buffer.subarray(0, nl + 1);
        this.buffer = this.buffer.subarray(nl + 1);
        if (this.sink?.line(line)) this.endData();
        continue;
      }
      if (!this.takeCommandLine(nl)) return;
    }
  }

  /** Handles one command or SASL line; false when more input is needed. */
  private takeCommandLine(nl: number): boolean {
    const max = this.options.maxLineLength;
    if (this.skippingLongLine) {
      if (nl < 0) {
        this.buffer = EMPTY;
        return false;
      }
      this.buffer = this.buffer.subarray(nl + 1);
      this.skippingLongLine = false;
      return true;
    }
    if (nl < 0) {
      if (this.buffer.length >= max) {
        // RFC 5321 §4.5.3.1.4: refuse once, then drop the rest of the line as it arrives.
        this.reply(REPLIES.lineTooLong);
        this.skippingLongLine = true;
        this.buffer = EMPTY;
      }
      return false;
    }
    const tooLong = nl + 1 > max;
    let text = this.buffer.toString('utf8', 0, nl);
    this.buffer = this.buffer.subarray(nl + 1);
    if (tooLong) {
      this.reply(REPLIES.lineTooLong);
      return true;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (this.mode === 'sasl' && this.sasl) {
      this.record('<redacted>');
      this.sasl(text);
    } else {
      this.record(text);
      dispatch(this, text);
    }
    return true;
  }

  private endData(): void {
    const sink = this.sink;
    this.sink = undefined;
    this.mode = 'command';
    if (sink) finishMessage(this, sink);
  }

  private endBdat(): void {
    this.mode = 'command';
    const { error, last, size } = this.bdat;
    if (error !== undefined) {
      this.sink = undefined;
      this.reply(error);
    } else if (last) {
      this.endData();
    } else {
      this.reply(REPLIES.bdatChunk(size));
    }
  }
}
