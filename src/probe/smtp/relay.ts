/**
 * The open-relay test (SPEC §2 "Relay", checks relay.open and auth.required): the battery of
 * relay-forms.ts sent as a stranger would send it, then, with credentials, again after AUTH. In a
 * host scan the main dialogue's session carries what it can (endpoint.ts) and {@link RelayRun}
 * adds sessions of its own for the rest; {@link probeRelay} runs the whole test on connections of
 * its own. No transaction ever goes past RCPT: every form ends with RSET and DATA is never sent,
 * so nothing can be relayed.
 */
import net from 'node:net';
import type { AuthAttempt, RelayFacts, SmtpReply, TranscriptEntry } from '../../model/artifacts.js';
import { ProbeError, toFailure } from '../../errors.js';
import type { EndpointTarget, ProbeSettings } from '../endpoint.js';
import {
  Battery,
  isDisconnect,
  MAX_RECONNECTS,
  runWorker,
  sessionsNeeded,
  type Worker,
  type WorkerSource,
} from './battery.js';
import { login, loginHere, openChannel, Transcripts, upgrade } from './channel.js';
import {
  addressLiteral,
  DEFAULT_RELAY_DOMAIN,
  parentDomain,
  relayForms,
  serverNameOf,
  type RelayForm,
} from './relay-forms.js';
import type { Deadline } from './session.js';

export {
  addressLiteral,
  DEFAULT_RELAY_DOMAIN,
  parentDomain,
  RelayDomainError,
  relayForms,
  serverNameOf,
  validateRelayDomain,
  type FormParams,
  type RelayForm,
} from './relay-forms.js';
export { MAX_RECONNECTS, SESSION_ERROR_BUDGET } from './battery.js';

export interface RelayOptions {
  /** The external domain recipients are addressed to (--relay-domain); default {@link DEFAULT_RELAY_DOMAIN}. */
  relayDomain?: string;
  /** The host's own mail domain if known; else the parent of the name in the greeting. */
  localDomain?: string;
}

export interface RelayProbeResult {
  facts: RelayFacts;
  /** The dialogue of every connection the probe used, on one clock, credentials redacted. */
  transcript: TranscriptEntry[];
}

/** What the relay test knows of the server when it starts: its first answers. */
export interface RelayServerView {
  greeting: SmtpReply;
  /** The first EHLO (or HELO) reply. */
  hello: SmtpReply | undefined;
  pipelining: boolean;
}

/** Where a session of the relay test was opened in the connection plan (see plan.ts). */
export type WorkerTrace = (start: number, roundTrips: number) => void;

/**
 * One endpoint's relay test: the two batteries, the sessions of its own it opens for what the
 * main session does not carry, and the facts.
 */
export class RelayRun {
  readonly facts: RelayFacts;
  readonly unauthenticated: Battery;
  authenticated?: Battery;
  readonly transcripts: Transcripts;
  private readonly forms: RelayForm[];
  private readonly workers: Promise<unknown>[] = [];
  /** Sessions of their own running on each battery. */
  private readonly live = new Map<Battery, number>();
  private readonly started = Date.now();
  private readonly trace: WorkerTrace | undefined;
  private connections = 0;

  constructor(
    private readonly t: EndpointTarget,
    private readonly s: ProbeSettings,
    private readonly deadline: Deadline,
    view: RelayServerView,
    opts: RelayOptions & { transcripts?: Transcripts; trace?: WorkerTrace } = {},
  ) {
    this.transcripts = opts.transcripts ?? new Transcripts();
    const ipLiteral = addressLiteral(t.address);
    const serverName = serverNameOf(view.greeting, view.hello, t);
    this.facts = {
      relayDomain: opts.relayDomain ?? DEFAULT_RELAY_DOMAIN,
      serverName,
      localDomain: opts.localDomain ?? parentDomain(serverName),
      ipLiteral,
      pipelining: view.pipelining,
      unauthenticated: { authenticated: false, forms: 0, attempts: [], sessions: 0, reconnects: 0 },
      ms: 0,
    };
    this.forms = relayForms({ ...this.facts });
    this.unauthenticated = new Battery(this.forms, false, serverName);
    this.trace = opts.trace;
  }

  /** The context of a battery failure. */
  get where(): ProbeError['context'] {
    return { stage: 'RCPT', address: this.t.address, port: this.t.port };
  }

  /** How many sessions of their own the waiting forms need beside one with `room` refusals left. */
  workersNeeded(b: Battery, room: number): number {
    return sessionsNeeded(b, room);
  }

  /** Starts `n` sessions of their own on the battery, `start` round trips into the scan. */
  spawn(b: Battery, n: number, start: number): void {
    for (let i = 0; i < n; i++) {
      this.live.set(b, (this.live.get(b) ?? 0) + 1);
      const done = () => this.live.set(b, (this.live.get(b) ?? 1) - 1);
      this.workers.push(runWorker(b, this.source(b.authenticated, start), this.where).finally(done));
    }
  }

  /** Whether sessions of their own are working on the battery now. */
  workingOn(b: Battery): boolean {
    return (this.live.get(b) ?? 0) > 0;
  }

  /**
   * Records the login the main session made (or why it made none) and returns the battery to
   * run after it, if the login succeeded.
   */
  loggedIn(attempt: AuthAttempt | undefined, skipped: string | undefined): Battery | undefined {
    if (!this.s.credentials) return undefined;
    if (!loginHere(this.t)) {
      this.facts.authSkipped = 'credentials are only used on submission ports and on ports named explicitly';
      return undefined;
    }
    if (attempt) this.facts.auth = attempt;
    if (!attempt?.success) {
      this.facts.authSkipped =
        skipped ??
        attempt?.refused ??
        `login failed: ${attempt?.failure?.message ?? (attempt?.reply ? replyText(attempt.reply) : 'no reply')}`;
      return undefined;
    }
    this.authenticated = new Battery(this.forms, true);
    return this.authenticated;
  }

  /** The login could not even be tried: the session that would have made it failed first. */
  loginImpossible(failure: { message: string }): void {
    if (!this.s.credentials) return;
    this.facts.authSkipped = loginHere(this.t)
      ? `could not log in: ${failure.message}`
      : 'credentials are only used on submission ports and on ports named explicitly';
  }

  /**
   * Finishes a battery whose session was lost part-way (or never got to it): one session of its
   * own takes over, counted as a reconnect when the lost one had answered a form.
   */
  takeOver(b: Battery, lost: { error: ProbeError; progressed: boolean } | undefined, start: number): void {
    if (!b.open) return;
    if (lost) {
      if (!lost.progressed || b.reconnects >= MAX_RECONNECTS) {
        b.fail(b.gaveUp(lost.error, this.where));
        return;
      }
      b.reconnects += 1;
    }
    this.spawn(b, 1, start);
  }

  /** Waits for every session of its own and returns the facts and their transcript. */
  async settle(): Promise<RelayProbeResult> {
    // Workers may start others' replacements while they run: wait until none is left.
    for (let n = 0; n < this.workers.length; n = this.workers.length) await Promise.all(this.workers);
    this.facts.unauthenticated = this.unauthenticated.result();
    if (this.unauthenticated.catchAll) this.facts.catchAll = this.unauthenticated.catchAll;
    if (this.authenticated) this.facts.authenticated = this.authenticated.result();
    this.facts.ms = Date.now() - this.started;
    return { facts: this.facts, transcript: this.transcripts.entries() };
  }

  /** Sessions of their own: a slot, greeting and EHLO, STARTTLS when wanted, AUTH for an authenticated battery. */
  source(authenticated: boolean, start: number): WorkerSource {
    const { t, s, deadline } = this;
    let at = start;
    return {
      open: async (tls) => {
        const release = await s.limiter.acquire(t.address, deadline.remaining());
        this.connections += 1;
        const label = `relay test: connection ${this.connections}${authenticated ? ' (authenticated)' : ''}`;
        let ch: Awaited<ReturnType<typeof openChannel>> | undefined;
        try {
          ch = await openChannel(t, s, deadline, this.transcripts, label);
          if (tls && !ch.overTls && ch.caps.starttls) await upgrade(ch, t, s);
          if (authenticated) {
            const { attempt, skipped } = await login(ch, t, s);
            if (!attempt?.success) {
              const why =
                skipped ??
                attempt?.refused ??
                attempt?.failure?.message ??
                (attempt?.reply ? replyText(attempt.reply) : 'no reply');
              throw new ProbeError('UNEXPECTED_REPLY', `login failed on the new connection: ${why}`, {
                stage: 'AUTH',
                address: t.address,
                port: t.port,
              });
            }
          }
        } catch (err) {
          ch?.session.close();
          release();
          throw err;
        }
        return { channel: ch, errors: 0, reserve: 0, progressed: false, release };
      },
      upgrade: (w) => upgrade(w.channel, t, s),
      close: async (w, polite) => {
        if (polite) await w.channel.session.quit();
        else w.channel.session.close();
        w.release?.();
        this.trace?.(at, w.channel.session.roundTrips);
        at += w.channel.session.roundTrips;
      },
    };
  }
}

function replyText(r: SmtpReply): string {
  return `${r.code} ${r.lines.join(' ')}`;
}

/**
 * Runs the relay test against one endpoint on connections of its own, taken through
 * `s.limiter`: the battery as a stranger on one session (a fresh one whenever a session has
 * collected its share of refusals), then, with credentials (used on submission ports and ports
 * named explicitly, over verified TLS unless --allow-plaintext-auth), AUTH on the same session
 * and the battery again. Never throws: every failure is recorded in the facts.
 */
export async function probeRelay(
  t: EndpointTarget,
  s: ProbeSettings,
  deadline: Deadline,
  opts: RelayOptions = {},
): Promise<RelayProbeResult> {
  const transcripts = new Transcripts();
  const where = { stage: 'CONNECT' as const, address: t.address, port: t.port };
  let release: (() => void) | undefined;
  let ch: Awaited<ReturnType<typeof openChannel>>;
  try {
    release = await s.limiter.acquire(t.address, deadline.remaining());
    ch = await openChannel(t, s, deadline, transcripts, 'relay test: connection 1');
  } catch (err) {
    release?.();
    const ipLiteral = addressLiteral(t.address);
    const name = net.isIP(t.host) ? ipLiteral : t.host;
    const facts: RelayFacts = {
      relayDomain: opts.relayDomain ?? DEFAULT_RELAY_DOMAIN,
      serverName: name,
      localDomain: opts.localDomain ?? parentDomain(name),
      ipLiteral,
      pipelining: false,
      unauthenticated: {
        authenticated: false,
        forms: 0,
        attempts: [],
        sessions: 0,
        reconnects: 0,
        failure: toFailure(err, where),
      },
      ms: 0,
    };
    return { facts, transcript: transcripts.entries() };
  }
  const run = new RelayRun(
    t,
    s,
    deadline,
    { greeting: ch.greeting, hello: ch.hello, pipelining: ch.caps.pipelining },
    { ...opts, transcripts },
  );
  // Later sessions are numbered after this one.
  const src = run.source(false, 0);
  const wantsLogin = s.credentials !== undefined && loginHere(t);
  const b = run.unauthenticated;
  b.sessions = 1;
  let w: Worker | undefined = { channel: ch, errors: 0, reserve: 0, progressed: false, release };
  w = await runWorker(b, src, run.where, { first: w, keep: wantsLogin });
  if (s.credentials && !wantsLogin) run.loggedIn(undefined, undefined);
  if (wantsLogin) {
    let attempt: AuthAttempt | undefined;
    let skipped: string | undefined;
    // A server that counted the battery's refusals as errors may close before AUTH: one more try.
    for (let tries = 0; tries < 2; tries++) {
      try {
        w ??= await src.open(false);
        ({ attempt, skipped } = await login(w.channel, t, s));
      } catch (err) {
        if (w) await src.close(w, false);
        w = undefined;
        if (isDisconnect(err) && tries === 0) continue;
        run.loginImpossible(toFailure(err, { stage: 'AUTH', address: t.address, port: t.port }));
        break;
      }
      const code = attempt?.failure?.code;
      const gone =
        attempt?.reply?.code === 421 ||
        code === 'CLOSED' ||
        code === 'ECONNRESET' ||
        code === 'SERVICE_UNAVAILABLE';
      if (!gone) break;
      await src.close(w, false);
      w = undefined;
    }
    const authd = run.facts.authSkipped ? undefined : run.loggedIn(attempt, skipped);
    if (authd && w) {
      authd.sessions = 1;
      w.reserve = 0;
      w = await runWorker(authd, run.source(true, 0), run.where, { first: w });
    }
  }
  if (w) await src.close(w, true);
  return run.settle();
}
