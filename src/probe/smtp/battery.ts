/**
 * The open-relay battery as a queue of forms that one or more SMTP sessions work through: the
 * main dialogue's session where it can carry them, and sessions of their own ("workers") for the
 * rest. With PIPELINING a session sends several forms (MAIL, RCPT, RSET each) in one write and
 * reads the answers in order (RFC 2920), so a battery costs a few round trips, not one per form.
 *
 * How many forms go in one write is set by a refusal budget per session: Postfix counts every
 * refused command as an error, answers each later command 1 s late once the count passes
 * smtpd_soft_error_limit (10), and says 421 and closes at smtpd_hard_error_limit (20). A session
 * is planned to stay within {@link SESSION_ERROR_BUDGET} refusals, predicting each form's cost
 * from what the server has answered so far (a sender it refused costs two refusals when MAIL and
 * RCPT are pipelined, a recipient kind it accepted costs none); a fresh session is cheaper than a
 * second of delay per reply.
 *
 * No form ever goes past RCPT: each ends with RSET and DATA is never sent.
 */
import { randomBytes } from 'node:crypto';
import type {
  ProbeFailure,
  RelayAttempt,
  RelayBattery,
  RelayFormKind,
  SmtpExchange,
  SmtpReply,
} from '../../model/artifacts.js';
import { ProbeError, toFailure } from '../../errors.js';
import type { Channel } from './channel.js';
import { asksForTls, type RelayForm } from './relay-forms.js';

/** Refusals one session is planned to collect, at most (Postfix slows down only past 10). */
export const SESSION_ERROR_BUDGET = 10;
/** Sessions opened again after the server dropped one part-way (each must have made progress). */
export const MAX_RECONNECTS = 3;
/** Sessions a battery may open beside the main one at the same time. */
export const MAX_WORKERS = 2;
/** Most forms in one write (three commands each): far inside any TCP window. */
const MAX_CHUNK = 20;

/** One entry of the queue: a form, or the catch-all control after the last form. */
export interface BatteryItem {
  index: number;
  form?: RelayForm;
}

/** A session taking part in a battery. */
export interface Worker {
  channel: Channel;
  /** 4xx and 5xx replies the session has collected, the battery's and its own. */
  errors: number;
  /** Refusals kept back for the session's own later commands (the main session's VRFY, EXPN, AUTH). */
  reserve: number;
  /** Whether the session has answered a form: a lost session is replaced only then. */
  progressed: boolean;
  /** Frees the session's connection slot; called once the session is closed. */
  release?: () => void;
}

/** What a chunk's answers mean for the session that sent it. */
export interface ChunkResult {
  /** `upgrade`: a 530 asked for STARTTLS, upgrade and go on; `lost`: the session is gone. */
  outcome: 'ok' | 'upgrade' | 'lost';
  error?: ProbeError;
  /** The reply to the command that ended the write (VRFY, EXPN, QUIT), when it came. */
  tail?: SmtpReply;
  /** The reply to the first MAIL FROM of the write, when it came. */
  mail?: SmtpReply;
}

const CATCH_ALL_MAIL = 'MAIL FROM:<>';

export class Battery {
  /** RCPT to a random local part at the server's own name (relay facts' catchAll), once answered. */
  catchAll?: SmtpExchange;
  /** A 530 asked for STARTTLS: every session opened from now on upgrades first. */
  tlsWanted = false;
  tlsRequired?: SmtpExchange;
  stopped?: RelayBattery['stopped'];
  failure?: ProbeFailure;
  sessions = 0;
  reconnects = 0;
  private readonly pending: BatteryItem[];
  private readonly attempts = new Map<number, RelayAttempt>();
  /** Whether MAIL FROM with this sender was accepted. */
  private readonly senders = new Map<string, boolean>();
  /** Per recipient kind: 1 once a RCPT of that kind was refused, 0 while all were accepted. */
  private readonly rcptErrors = new Map<RelayFormKind, number>();
  private readonly catchAllRcpt: string | undefined;
  /** The form index the battery stopped at (the earliest 530, whichever session saw it). */
  private stoppedAt = Infinity;
  /** Refused commands among the answered forms' MAIL and RCPT. */
  private refusals = 0;
  /** Forms sent and not yet answered or put back. */
  private readonly inFlight = new Set<BatteryItem>();
  /** Wakes sessions waiting for an answer from another session (see {@link changed}). */
  private wake: (() => void) | undefined;

  constructor(
    readonly forms: readonly RelayForm[],
    readonly authenticated: boolean,
    /** The server's own name, for the catch-all control; none when omitted. */
    catchAllDomain?: string,
  ) {
    this.pending = forms.map((form, index) => ({ index, form }));
    if (catchAllDomain !== undefined) {
      this.catchAllRcpt = `RCPT TO:<mailcheck-nonexistent-${randomBytes(4).toString('hex')}@${catchAllDomain}>`;
      this.pending.push({ index: forms.length });
    }
  }

  /** Whether forms are waiting to be sent. */
  get open(): boolean {
    return this.pending.length > 0 && !this.stopped && !this.failure;
  }

  /** Forms answered so far. */
  get answered(): number {
    return this.attempts.size;
  }

  /**
   * The refusals the waiting forms are expected to cost: as many per form as the answered ones
   * cost on average (one each before any answer). Chunks are planned with the more cautious
   * per-form prediction; this only sizes how many sessions to start.
   */
  expectedErrors(): number {
    if (!this.open) return 0;
    const forms = this.pending.filter((i) => i.form).length;
    const perForm = this.answered > 0 ? this.refusals / this.answered : 1;
    return Math.ceil(forms * perForm) + (this.pending.some((i) => !i.form) ? 1 : 0);
  }

  /**
   * The next forms for a session, as many as fit in what is left of its refusal budget. Until one
   * form has been answered, a stranger's form goes alone: its answer tells whether the battery
   * stops at once (530, the usual answer on submission ports) and what a refusal looks like.
   */
  take(w: Worker): BatteryItem[] {
    if (!this.open) return [];
    const first = this.answered === 0 && !this.authenticated;
    if (first && this.inFlight.size > 0) return [];
    const room = SESSION_ERROR_BUDGET - w.errors - w.reserve;
    const out: BatteryItem[] = [];
    let cost = 0;
    while (this.pending.length > 0 && out.length < (first ? 1 : MAX_CHUNK)) {
      const c = this.cost(this.pending[0]!);
      if (cost + c > room) break;
      const item = this.pending.shift()!;
      out.push(item);
      this.inFlight.add(item);
      cost += c;
    }
    return out;
  }

  /** Whether a session with this many refusals (and this much held back) can take no more forms. */
  spent(w: Worker): boolean {
    return SESSION_ERROR_BUDGET - w.errors - w.reserve < (this.pending[0] ? this.cost(this.pending[0]) : 1);
  }

  /** Resolves when another session's answer (or a form put back) may have changed what can be taken. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      const before = this.wake;
      this.wake = () => {
        before?.();
        resolve();
      };
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Puts forms that got no answer back at the front of the queue, in order. */
  putBack(items: readonly BatteryItem[]): void {
    for (const i of items) this.inFlight.delete(i);
    if (!this.stopped && !this.failure) {
      this.pending.unshift(...items);
      this.pending.sort((a, b) => a.index - b.index);
    }
    this.notify();
  }

  /** Ends the battery with a failure (the first one is kept); nothing more is sent. */
  fail(f: ProbeFailure): void {
    this.failure ??= f;
    this.notify();
  }

  /** The battery as facts: attempts in form order, whichever session answered them. */
  result(): RelayBattery {
    const b: RelayBattery = {
      authenticated: this.authenticated,
      forms: this.forms.length,
      attempts: [...this.attempts.entries()].sort((x, y) => x[0] - y[0]).map(([, a]) => a),
      sessions: this.sessions,
      reconnects: this.reconnects,
    };
    if (this.tlsRequired) b.tlsRequired = this.tlsRequired;
    if (this.stopped) b.stopped = this.stopped;
    if (this.failure) b.failure = this.failure;
    return b;
  }

  /** The failure of a battery cut short by disconnects, saying how far it got. */
  gaveUp(e: ProbeError, where: ProbeError['context']): ProbeFailure {
    const detail = `${e.detail}; gave up after ${this.reconnects} reconnect(s) with ${this.answered} of ${this.forms.length} forms tried`;
    return new ProbeError(e.code, detail, { ...e.context, ...where }).toFailure();
  }

  /** Predicted refusals of one form: two for a sender already refused (MAIL, then RCPT), else the RCPT's. */
  private cost(item: BatteryItem): number {
    if (!item.form) return 1;
    const mail = this.senders.get(item.form.from);
    if (mail === false) return 2;
    const rcpt = this.rcptErrors.get(item.form.kind) ?? 1;
    return mail === undefined ? Math.max(rcpt, 1) : rcpt;
  }

  /** The commands of an item, in the order they are sent. */
  commands(item: BatteryItem): { mail: string; rcpt: string } {
    if (!item.form) return { mail: CATCH_ALL_MAIL, rcpt: this.catchAllRcpt! };
    return { mail: `MAIL FROM:<${item.form.from}>`, rcpt: `RCPT TO:<${item.form.to}>` };
  }

  /**
   * Records an item's answer. `upgrade`: a 530 asked for STARTTLS that the session can do (the
   * form is sent again inside TLS); `lost`: a 421 cut the session short (`recorded` says whether
   * the form had its answer first); else `ok`.
   */
  settle(
    ch: Channel,
    item: BatteryItem,
    mail: SmtpReply,
    rcpt?: SmtpReply,
    rset?: SmtpReply,
  ): { outcome: 'ok' | 'upgrade' | 'lost'; recorded: boolean; r421?: SmtpReply } {
    this.inFlight.delete(item);
    this.notify();
    const { mail: mailCmd, rcpt: rcptCmd } = this.commands(item);
    const r421 = [mail, rcpt, rset].find((r) => r?.code === 421);
    if (!item.form) {
      if (mail.code < 300 && rcpt && rcpt.code !== 421) this.catchAll = { command: rcptCmd, reply: rcpt };
      return { outcome: r421 ? 'lost' : 'ok', recorded: true, ...(r421 ? { r421 } : {}) };
    }
    const attempt: RelayAttempt = {
      form: item.form.form,
      kind: item.form.kind,
      overTls: ch.overTls,
      pipelined: ch.caps.pipelining,
      mail: { command: mailCmd, reply: mail },
      ...(rcpt ? { rcpt: { command: rcptCmd, reply: rcpt } } : {}),
      ...(rset ? { rset } : {}),
    };
    const with530 = refusedWith530(attempt);
    if (with530 && !ch.overTls && ch.caps.starttls && asksForTls(with530.reply)) {
      // The server wants TLS before mail: go on inside TLS, as a stranger could.
      this.tlsRequired ??= with530;
      this.tlsWanted = true;
      return { outcome: 'upgrade', recorded: false };
    }
    // A form cut short by a 421 is sent again on the next session; any other is done.
    const recorded = !r421 || answered(attempt);
    if (recorded) {
      this.attempts.set(item.index, attempt);
      this.refusals += [mail, rcpt].filter((r) => r && r.code >= 400).length;
      if (mail.code !== 421) this.senders.set(item.form.from, mail.code < 400);
      if (rcpt && rcpt.code !== 421) {
        const refused = rcpt.code >= 400 ? 1 : 0;
        this.rcptErrors.set(item.form.kind, Math.max(this.rcptErrors.get(item.form.kind) ?? 0, refused));
      }
    }
    if (with530 && item.index < this.stoppedAt) {
      // Nobody gets further without TLS or AUTH: the battery ends here, for every session.
      const reason = !ch.overTls && asksForTls(with530.reply) ? 'tls-required' : 'auth-required';
      this.stopped = { reason, form: attempt.form, exchange: with530 };
      this.stoppedAt = item.index;
      this.pending.length = 0;
    }
    return { outcome: r421 ? 'lost' : 'ok', recorded, ...(r421 ? { r421 } : {}) };
  }
}

/** The exchange that answered 530, if any. */
function refusedWith530(a: RelayAttempt): SmtpExchange | undefined {
  if (a.mail.reply.code === 530) return a.mail;
  if (a.mail.reply.code < 300 && a.rcpt?.reply.code === 530) return a.rcpt;
  return undefined;
}

/** Whether the form got its answer: MAIL refused, or RCPT answered with something other than 421. */
function answered(a: RelayAttempt): boolean {
  if (a.mail.reply.code === 421) return false;
  if (a.mail.reply.code >= 300) return true;
  return a.rcpt !== undefined && a.rcpt.reply.code !== 421;
}

function replyText(r: SmtpReply): string {
  return `${r.code} ${r.lines.join(' ')}`;
}

/**
 * Sends `items` and then `tail` (a command that may only end a pipelined group: VRFY, EXPN or
 * QUIT, RFC 2920 §3.1) in one write when the server offers PIPELINING, else one command at a
 * time (RCPT only after an accepted MAIL, as a client without pipelining would). Records every
 * answer in the battery; forms left without an answer go back to the queue.
 */
export async function runChunk(
  b: Battery,
  w: Worker,
  items: readonly BatteryItem[],
  tail?: string,
): Promise<ChunkResult> {
  const { answers, tailReply, error: failed } = await send(b, w, items, tail);
  w.errors += [...answers.flat(), ...(tailReply ? [tailReply] : [])].filter((r) => r.code >= 400).length;
  const mail = answers[0]?.[0];
  const result = (outcome: ChunkResult['outcome'], error?: ProbeError): ChunkResult => ({
    outcome,
    ...(error ? { error } : {}),
    ...(tailReply ? { tail: tailReply } : {}),
    ...(mail ? { mail } : {}),
  });
  for (const [k, item] of items.entries()) {
    const [mail, rcpt, rset] = answers[k] ?? [];
    if (!mail) {
      b.putBack(items.slice(k));
      return result('lost', failed ?? new ProbeError('CLOSED', 'the server closed the connection', where(w)));
    }
    const settled = b.settle(w.channel, item, mail, rcpt, rset);
    if (settled.outcome === 'upgrade') {
      b.putBack(items.slice(k));
      return result('upgrade');
    }
    if (settled.outcome === 'lost') {
      b.putBack(items.slice(settled.recorded ? k + 1 : k));
      const text = `server answered ${replyText(settled.r421!)}`;
      return result('lost', new ProbeError('SERVICE_UNAVAILABLE', text, where(w)));
    }
    if (item.form) w.progressed = true;
  }
  return failed ? result('lost', failed) : result('ok');
}

function where(w: Worker): ProbeError['context'] {
  return { stage: 'RCPT', address: w.channel.session.address };
}

/** The wire part of {@link runChunk}: the answers of each item as far as they came. */
async function send(
  b: Battery,
  w: Worker,
  items: readonly BatteryItem[],
  tail: string | undefined,
): Promise<{ answers: SmtpReply[][]; tailReply?: SmtpReply; error?: ProbeError }> {
  const { session, caps } = w.channel;
  if (caps.pipelining) {
    const lines = items.flatMap((i) => {
      const c = b.commands(i);
      return [c.mail, c.rcpt, 'RSET'];
    });
    const r = await session.pipelineSettled(tail ? [...lines, tail] : lines, 'MAIL');
    const answers = items.map((_, k) => r.replies.slice(3 * k, 3 * k + 3));
    const tailReply = tail ? r.replies[3 * items.length] : undefined;
    return { answers, ...(tailReply ? { tailReply } : {}), ...(r.error ? { error: r.error } : {}) };
  }
  const answers: SmtpReply[][] = [];
  try {
    for (const item of items) {
      const c = b.commands(item);
      const got: SmtpReply[] = [];
      answers.push(got);
      got.push(await session.command(c.mail, 'MAIL'));
      if (got[0]!.code >= 300) continue;
      got.push(await session.command(c.rcpt, 'RCPT'));
      // After a 421 the server is gone: nothing more is sent.
      if (got[1]!.code === 421) return { answers };
      got.push(await session.command('RSET', 'RSET'));
    }
    if (!tail) return { answers };
    const stage = tail === 'QUIT' ? 'QUIT' : tail.startsWith('EXPN') ? 'EXPN' : 'VRFY';
    return { answers, tailReply: await session.command(tail, stage) };
  } catch (err) {
    if (!(err instanceof ProbeError)) throw err;
    return { answers, error: err };
  }
}

/**
 * How many sessions of their own a battery's waiting forms need, beside a session that can
 * still take `room` refusals (0 when it does not carry the battery): none when it can carry them
 * all, else one per refusal budget, at most {@link MAX_WORKERS}.
 */
export function sessionsNeeded(b: Battery, room: number): number {
  if (!b.open) return 0;
  const beyond = b.expectedErrors() - Math.max(0, room);
  if (room > 0 && beyond <= 0) return 0;
  return Math.min(MAX_WORKERS, Math.max(1, Math.ceil(beyond / SESSION_ERROR_BUDGET)));
}

/** How sessions of their own are opened, upgraded and closed for a battery. */
export interface WorkerSource {
  /** A session ready for the battery: greeted, upgraded when `tls`, logged in for an authenticated battery. */
  open(tls: boolean): Promise<Worker>;
  /** STARTTLS on a session whose 530 asked for it. */
  upgrade(w: Worker): Promise<void>;
  /** QUIT (when `polite`) or just close, and free the slot. */
  close(w: Worker, polite: boolean): Promise<void>;
}

/** Whether a failure means the server went away (and a new connection may get further). */
export function isDisconnect(err: unknown): err is ProbeError {
  return (
    err instanceof ProbeError &&
    (err.code === 'CLOSED' || err.code === 'ECONNRESET' || err.code === 'SERVICE_UNAVAILABLE')
  );
}

/**
 * Works through the battery on sessions of its own, one after another: a fresh session when the
 * current one has spent its refusal budget, a replacement (at most {@link MAX_RECONNECTS} per
 * battery, each after a session that answered something) when one is lost. The last write carries
 * QUIT. With `keep`, the session is returned open instead (the caller logs in on it).
 */
export async function runWorker(
  b: Battery,
  src: WorkerSource,
  where: ProbeError['context'],
  opts: { first?: Worker; keep?: boolean } = {},
): Promise<Worker | undefined> {
  let w = opts.first;
  let lost: { error: ProbeError; progressed: boolean } | undefined;
  while (b.open) {
    if (!w) {
      if (lost) {
        if (!lost.progressed || b.reconnects >= MAX_RECONNECTS) {
          b.fail(b.gaveUp(lost.error, where));
          break;
        }
        b.reconnects += 1;
      }
      try {
        w = await src.open(b.tlsWanted);
      } catch (err) {
        b.fail(lost && isDisconnect(err) ? b.gaveUp(err, where) : toFailure(err, where));
        break;
      }
      b.sessions += 1;
      lost = undefined;
    }
    const items = b.take(w);
    if (items.length === 0) {
      // Other sessions answered the rest while this one was opening.
      if (!b.open) break;
      if (!b.spent(w)) {
        // Another session's first form is out: its answer says how to go on.
        await b.changed();
        continue;
      }
      // This session has spent its budget: the rest goes on a fresh one.
      await src.close(w, true);
      w = undefined;
      continue;
    }
    // QUIT rides with the last forms (a session that stops with forms left for others says it on its own).
    const last = !opts.keep && !b.open;
    const r = await runChunk(b, w, items, last ? 'QUIT' : undefined);
    if (r.outcome === 'upgrade') {
      try {
        await src.upgrade(w);
        continue;
      } catch (err) {
        b.fail(toFailure(err, where));
        break;
      }
    }
    if (r.outcome === 'lost') {
      lost = { error: r.error!, progressed: w.progressed };
      await src.close(w, false);
      w = undefined;
      continue;
    }
    if (last) {
      // QUIT went with the last forms; forms still waiting get a fresh session.
      await src.close(w, false);
      w = undefined;
    }
  }
  if (w && !opts.keep) {
    await src.close(w, true);
    return undefined;
  }
  return w;
}
