/**
 * SPEC §5 and §7: a per-host deadline so that one bad host never stalls an audit. Servers that
 * stop answering part-way (after EHLO, after the 220 to STARTTLS, in the middle of AUTH), that
 * never greet, or that trickle bytes forever, all on ONE address so the per-address connection
 * cap is saturated (cap 2, more targets than the cap, a small --concurrency), beside good hosts
 * on other addresses. Every target must finish with a reason that names the step that timed out,
 * the run must end within a bound derived from the step timeout and the deadline, and no
 * connection or per-address slot may be left behind.
 *
 * The bench once saw a 1,000-target audit (--concurrency 200 --connections-per-host 6) in which a
 * few targets kept two idle connections after EHLO and never finished: something waited on a
 * promise that no timer bounded. These tests catch that class of bug at the level of the
 * scheduler (scanStream), with the real probes against scripted servers on loopback.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { labCertPath } from '../../src/lab/lab.js';
import { startScriptedServer, type ScriptedServer } from '../../src/lab/scripted-server.js';
import type { EndpointFacts, HostFacts } from '../../src/model/artifacts.js';
import type { TargetReport } from '../../src/model/results.js';
import { REGISTRY } from '../../src/checks/index.js';
import { BUILTIN_POLICIES } from '../../src/policy/builtin.js';
import { Resolver, parseResolver } from '../../src/probe/dns/resolver.js';
import type { HostProbeSettings } from '../../src/probe/host.js';
import { ConnectionLimiter } from '../../src/probe/limiter.js';
import { Battery } from '../../src/probe/smtp/battery.js';
import { loadTrustStore } from '../../src/probe/tls/trust.js';
import { selectChecks } from '../../src/runner/judge.js';
import { scanStream, type ScanTarget } from '../../src/runner/scan.js';
import { LAB_TLS } from '../helpers/probe.js';
import { testResolver } from '../setup/lab-dns.js';

/** The address every stalling server shares: the per-address cap is what they compete for. */
const SHARED = '127.0.0.1';
/** Good hosts live elsewhere, each on an address of its own (no fixture of this file uses them). */
const GOOD_ADDRESSES = ['127.0.0.31', '127.0.0.32'];
/**
 * The trickling servers send one byte per tick, faster than the step timeout (a byte a second
 * would be too slow to tell a per-reply timer from an idle timer that every byte resets).
 */
const TICK_MS = 100;
const CAP = 2;
const CONCURRENCY = 3;

/** How a stalling server misbehaves. */
type Stall =
  /** Greets and answers EHLO (offering PIPELINING and STARTTLS), then never answers again. */
  | 'after-ehlo'
  /** Answers everything up to STARTTLS with 220, then never sends a byte of the TLS handshake. */
  | 'starttls-handshake'
  /** Offers AUTH LOGIN in cleartext, answers its first 334, then never answers the user name. */
  | 'mid-auth'
  /** Accepts the TCP connection and never says anything. */
  | 'no-greeting'
  /** Sends an endless "220-" greeting, one byte per tick. */
  | 'trickle-greeting'
  /** Greets and answers EHLO, then answers the next command with an endless reply, one byte per tick. */
  | 'trickle-reply'
  /**
   * A submission port that accepts MAIL FROM:<> before TLS, so the relay battery goes on in
   * cleartext on the TLS probes' connections and on sessions of its own, which wait for the first
   * form's answer: that answer never comes (no RCPT is ever answered), nor does the TLS handshake
   * after the 220 to STARTTLS.
   */
  | 'relay-form';

interface StallServer {
  stall: Stall;
  port: number;
  /** Connections the server has open now (a socket leaves the set once it has closed). */
  readonly open: Set<net.Socket>;
  accepted: number;
  close(): Promise<void>;
}

const EXTENSIONS: Record<Stall, string[]> = {
  'after-ehlo': ['PIPELINING', 'STARTTLS'],
  'starttls-handshake': ['PIPELINING', 'STARTTLS'],
  'mid-auth': ['PIPELINING', 'AUTH LOGIN'],
  'no-greeting': [],
  'trickle-greeting': [],
  'trickle-reply': ['PIPELINING', 'STARTTLS'],
  'relay-form': ['PIPELINING', 'STARTTLS'],
};

/**
 * A raw SMTP server that stalls in one way. It never closes a connection itself: whatever ends
 * one is the client's doing, so counting the open sockets at the end shows what the client left.
 */
async function startStallServer(stall: Stall): Promise<StallServer> {
  const open = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const name = `${stall}.stall.lab.example`;
  const trickle = (socket: net.Socket, text: string) => {
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed) return;
      socket.write(text[i % text.length]!);
      i += 1;
    }, TICK_MS);
    timers.add(timer);
    socket.once('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  };
  const server = net.createServer((socket) => {
    result.accepted += 1;
    open.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    if (stall === 'no-greeting') return void socket.resume();
    if (stall === 'trickle-greeting') {
      socket.resume();
      return trickle(socket, `220-${name} please wait\r\n`);
    }
    socket.write(`220 ${name} ESMTP stall\r\n`);
    let silent = false;
    let buffered = '';
    const reply = (line: string) => socket.write(`${line}\r\n`);
    const answer = (line: string) => {
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'EHLO') {
        const ext = EXTENSIONS[stall];
        const lines = [name, ...ext];
        socket.write(lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join(''));
        if (stall === 'after-ehlo') silent = true;
        return;
      }
      if (verb === 'HELO') return reply(`250 ${name}`);
      if (stall === 'trickle-reply') {
        silent = true;
        return trickle(socket, `250-${name} still thinking\r\n`);
      }
      if (stall === 'relay-form' && verb === 'RCPT') {
        silent = true; // a relay form: never answered
        return;
      }
      switch (verb) {
        case 'MAIL':
        case 'RSET':
          return reply('250 2.0.0 OK');
        case 'RCPT':
          return reply('554 5.7.1 Relay access denied');
        case 'VRFY':
          return reply('252 2.0.0 Cannot VRFY user');
        case 'QUIT':
          reply('221 2.0.0 Bye');
          return void socket.end();
        case 'STARTTLS':
          if (stall === 'starttls-handshake' || stall === 'relay-form') {
            reply('220 2.0.0 Ready to start TLS');
            silent = true; // the ClientHello that follows is never answered
            return;
          }
          return reply('502 5.5.1 Not implemented');
        case 'AUTH':
          if (stall === 'mid-auth' && /^AUTH LOGIN$/i.test(line)) {
            reply('334 VXNlcm5hbWU6');
            silent = true; // the user name is never answered
            return;
          }
          return reply('504 5.5.4 Unrecognized authentication type');
        default:
          return reply('502 5.5.2 Command not recognized');
      }
    };
    socket.on('data', (chunk: Buffer) => {
      if (silent) return;
      buffered += chunk.toString('latin1');
      for (let eol = buffered.indexOf('\r\n'); eol !== -1 && !silent; eol = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, eol);
        buffered = buffered.slice(eol + 2);
        answer(line);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, SHARED, () => resolve());
  });
  const result: StallServer = {
    stall,
    port: (server.address() as net.AddressInfo).port,
    open,
    accepted: 0,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return result;
}

/** Counts the connections a good host has open, in front of a scripted server on the same address. */
class OpenCounter {
  readonly open = new Set<net.Socket>();
  private server: net.Server | undefined;

  async start(address: string, backendPort: number): Promise<number> {
    this.server = net.createServer((client) => {
      this.open.add(client);
      client.once('close', () => this.open.delete(client));
      const backend = net.connect(backendPort, address);
      client.on('error', () => backend.destroy());
      backend.on('error', () => client.destroy());
      client.once('close', () => backend.destroy());
      backend.once('close', () => client.destroy());
      client.pipe(backend);
      backend.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, address, () => resolve());
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const trust = loadTrustStore(labCertPath('ca.pem'));
const policy = BUILTIN_POLICIES['campus-baseline']!;
const selected = selectChecks(REGISTRY, policy);

function hostTarget(
  address: string,
  port: number,
  plan?: ScanTarget['plan'],
  profile: 'smtp' | 'submission' = 'smtp',
): ScanTarget {
  return {
    kind: 'host',
    input: `${address}:${port}`,
    target: { host: address, displayName: address, ports: [{ port, profile, explicit: true }] },
    ...(plan ? { plan } : {}),
  };
}

/**
 * Where each stall must surface: the stage of the step that timed out (the first command after
 * EHLO is MAIL FROM, or on an MX port offering PIPELINING and STARTTLS the write that ends with
 * STARTTLS, which carries the relay battery's first form).
 */
const STAGES_OF: Record<Stall, string[]> = {
  'after-ehlo': ['MAIL', 'STARTTLS'],
  'starttls-handshake': ['STARTTLS'],
  'mid-auth': ['AUTH'],
  'no-greeting': ['GREETING'],
  'trickle-greeting': ['GREETING'],
  'trickle-reply': ['MAIL', 'STARTTLS'],
  'relay-form': ['STARTTLS'],
};

/** A failure message of a step that timed out at one of `stages` ("STAGE: no complete reply, ..."). */
const timedOutAt = (stages: string[]) =>
  new RegExp(
    `\\b(${stages.join('|')}): (no complete reply|TLS handshake did not complete|no greeting \\(nothing received\\))`,
  );

interface World {
  stalls: StallServer[];
  good: OpenCounter[];
  targets: ScanTarget[];
  /** target input → the stall it is (good hosts are absent). */
  stallOf: Map<string, Stall>;
}

/**
 * One stalling server per entry of `kinds`, all on the shared address, and `goods` good hosts on
 * addresses of their own: one scanned first, the others last (they start only once stalled
 * targets have freed a place in the scheduler).
 */
async function world(kinds: readonly Stall[], goods: number): Promise<World> {
  const stalls: StallServer[] = [];
  for (const k of kinds) {
    const s = await startStallServer(k);
    cleanups.push(() => s.close());
    stalls.push(s);
  }
  const good: OpenCounter[] = [];
  const goodTargets: ScanTarget[] = [];
  for (const [i, address] of GOOD_ADDRESSES.slice(0, goods).entries()) {
    const backend: ScriptedServer = await startScriptedServer({
      hostname: `good${i}.lab.example`,
      host: address,
      tls: LAB_TLS,
    });
    const counter = new OpenCounter();
    cleanups.push(async () => {
      await counter.close();
      await backend.close();
    });
    good.push(counter);
    goodTargets.push(hostTarget(address, await counter.start(address, backend.port)));
  }
  const stallOf = new Map<string, Stall>();
  const stallTargets = stalls.map((s) => {
    const t = hostTarget(
      SHARED,
      s.port,
      // Only the mid-AUTH server gets credentials: it is where the login stalls.
      s.stall === 'mid-auth' ? { credentials: { user: 'alice', password: 'secret' } } : undefined,
      s.stall === 'relay-form' ? 'submission' : 'smtp',
    );
    stallOf.set(t.input, s.stall);
    return t;
  });
  const targets = [...goodTargets.slice(0, 1), ...stallTargets, ...goodTargets.slice(1)];
  return { stalls, good, targets, stallOf };
}

interface RunOptions {
  timeoutMs: number;
  deadlineMs: number;
  cap: number;
  concurrency: number;
}

function settings(o: RunOptions, limiter: ConnectionLimiter): Omit<HostProbeSettings, 'needs'> {
  return {
    ehloName: 'client.lab.example',
    stepTimeoutMs: o.timeoutMs,
    deadlineMs: o.deadlineMs,
    trust,
    // The mid-AUTH server offers AUTH in cleartext only: let the login go ahead so that it stalls.
    allowPlaintextAuth: true,
    limiter,
    resolver: new Resolver({ servers: [parseResolver(testResolver())], timeoutMs: 1000 }),
  };
}

/** Waits (briefly) for the servers to see the client's last FIN; returns what is still open. */
async function stillOpen(w: World): Promise<string[]> {
  const list = () => [
    ...w.stalls.flatMap((s) => (s.open.size > 0 ? [`${s.stall}:${s.port} ${s.open.size}`] : [])),
    ...w.good.flatMap((g, i) => (g.open.size > 0 ? [`good${i} ${g.open.size}`] : [])),
  ];
  for (let i = 0; i < 50 && list().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return list();
}

/** Every failure the target's facts record: main session, login and relay battery. */
function failuresOf(t: TargetReport): { code: string; stage?: string; message: string }[] {
  const host = t.facts as HostFacts;
  return host.endpoints.flatMap((e: EndpointFacts) =>
    [
      e.connect.failure,
      e.failure,
      e.starttls?.failure,
      e.auth?.failure,
      e.relay?.unauthenticated.failure,
    ].filter((f) => f !== undefined),
  );
}

/** The target's own error and the reasons of its checks in error, as the report gives them. */
function reasonsOf(t: TargetReport): string[] {
  return [t.error?.message, ...t.checks.filter((c) => c.status === 'error').map((c) => c.message)].filter(
    (m) => m !== undefined,
  );
}

/**
 * The target's facts hold a failure `named` accepts, and its report says why with `reason`: the
 * target is unreachable with that reason, or checks are in error with it.
 */
function expectEndedBy(
  t: TargetReport,
  named: (f: ReturnType<typeof failuresOf>[number]) => boolean,
  reason: RegExp,
  why: string,
): void {
  expect(failuresOf(t).some(named), why).toBe(true);
  expect(
    reasonsOf(t).some((m) => reason.test(m)),
    `${why}\nreasons: ${JSON.stringify(reasonsOf(t))}`,
  ).toBe(true);
}

/** Every slot of the shared address is free again: none was leaked by an abandoned connection. */
async function slotsFree(limiter: ConnectionLimiter, cap: number): Promise<boolean> {
  const held: (() => void)[] = [];
  try {
    for (let i = 0; i < cap; i++) held.push(await limiter.acquire(SHARED, 50));
    return true;
  } catch {
    return false;
  } finally {
    for (const r of held) r();
  }
}

/**
 * Runs the scan as an audit would (scanStream), failing instead of hanging when it does not end
 * within `boundMs`; then checks what every run must leave behind: every target reported, no
 * connection open at any server, every per-address slot free, no target past its deadline.
 */
async function runAndCheck(w: World, o: RunOptions, boundMs: number): Promise<Map<string, TargetReport>> {
  const limiter = new ConnectionLimiter(o.cap);
  const reports = new Map<string, TargetReport>();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), boundMs)));
  const request = {
    targets: w.targets,
    policy,
    selected,
    settings: settings(o, limiter),
    concurrency: o.concurrency,
    options: {},
  };
  const outcome = await Promise.race([scanStream(request, (t) => reports.set(t.input, t)), hung]);
  clearTimeout(timer);
  const missing = w.targets.map((t) => t.input).filter((i) => !reports.has(i));
  const stall = (i: string) => `${i} (${w.stallOf.get(i) ?? 'good'})`;
  expect(
    outcome,
    `run still going after ${boundMs}ms; unfinished: ${missing.map(stall).join(', ')}`,
  ).not.toBe('hung');
  expect(missing).toEqual([]);
  expect(await stillOpen(w), 'connections left open at the servers').toEqual([]);
  expect(await slotsFree(limiter, o.cap), 'per-address slots left held').toBe(true);
  for (const [input, t] of reports) {
    // No target outlives its own deadline by more than the closing of its connections (and some
    // slack for a test machine busy with other work).
    expect(t.durationMs, stall(input)).toBeLessThan(o.deadlineMs + 2000);
  }
  // Every stalling server was reached (the cap delayed them, it did not skip them).
  for (const s of w.stalls) expect(s.accepted, s.stall).toBeGreaterThan(0);
  return reports;
}

/** Waves of targets the scheduler runs one after another, at worst. */
const waves = (w: World, o: RunOptions) => Math.ceil(w.targets.length / o.concurrency);

/** Every stall once on the shared address: 7 targets for a cap of 2 (and 2 good hosts elsewhere). */
const EVERY_STALL: readonly Stall[] = [
  'after-ehlo',
  'starttls-handshake',
  'mid-auth',
  'no-greeting',
  'trickle-greeting',
  'trickle-reply',
  'relay-form',
];

/** The deadline fired: at the stalled step, or while waiting for a connection slot. */
const DEADLINE_REASON = /deadline of \d+ms expired|no free connection slot/;

describe('stalled servers on one saturated address never stall the run', () => {
  it('step timeouts end every stall, naming the step; nothing is left open', async () => {
    const w = await world(EVERY_STALL, 2);
    // The deadline is far enough that every main session gets a slot and reaches its stall: the
    // step timeout is what ends them.
    const o: RunOptions = { timeoutMs: 300, deadlineMs: 6000, cap: CAP, concurrency: CONCURRENCY };
    // Each target ends within its deadline at worst: three times that worst case for the whole
    // run is generous, and still far from "never".
    const reports = await runAndCheck(w, o, 3 * waves(w, o) * o.deadlineMs);
    for (const [input, t] of reports) {
      const stall = w.stallOf.get(input);
      if (stall === undefined) {
        expect(t.state, `${input}: ${t.error?.message}`).toBe('scanned');
        continue;
      }
      const why = `${stall} ${input}: ${JSON.stringify(failuresOf(t))}`;
      const pattern = timedOutAt(STAGES_OF[stall]);
      // The facts name the step that timed out, and so does the report.
      expectEndedBy(
        t,
        (f) =>
          ['REPLY_TIMEOUT', 'TLS_TIMEOUT'].includes(f.code) &&
          STAGES_OF[stall].includes(f.stage ?? '') &&
          pattern.test(f.message),
        pattern,
        why,
      );
      if (stall === 'no-greeting' || stall === 'trickle-greeting') expect(t.state).toBe('unreachable');
    }
  }, 90_000);

  it('the per-host deadline ends every stall when the step timeout is far longer', async () => {
    const w = await world(EVERY_STALL, 2);
    // Only the deadline can end these targets: without it this run would take minutes.
    const o: RunOptions = { timeoutMs: 60_000, deadlineMs: 700, cap: CAP, concurrency: CONCURRENCY };
    const reports = await runAndCheck(w, o, 3 * waves(w, o) * o.deadlineMs + 2000);
    for (const [input, t] of reports) {
      const stall = w.stallOf.get(input);
      if (stall === undefined) continue; // a good host may or may not fit in so short a deadline
      const why = `${stall} ${input}: ${JSON.stringify(failuresOf(t))}`;
      expectEndedBy(t, (f) => f.code === 'DEADLINE' && DEADLINE_REASON.test(f.message), DEADLINE_REASON, why);
    }
  }, 30_000);

  it('sessions waiting for the answer of another session are released when it never comes', async () => {
    // The bench's cap (6 per address) leaves room for what one target opens on a STARTTLS port
    // whose relay battery goes on in cleartext: the main session, the TLS probes carrying forms
    // and sessions of the battery's own, which connect, greet, say EHLO and then wait for the
    // first form's answer on another connection. Here that answer never comes.
    const changed = vi.spyOn(Battery.prototype, 'changed');
    try {
      const w = await world(['relay-form', 'relay-form', 'relay-form', 'after-ehlo'], 1);
      const o: RunOptions = { timeoutMs: 60_000, deadlineMs: 1000, cap: 6, concurrency: 2 };
      const reports = await runAndCheck(w, o, 3 * waves(w, o) * o.deadlineMs + 2000);
      // The scenario reached the wait it is about (else this test would prove nothing).
      expect(changed).toHaveBeenCalled();
      for (const [input, t] of reports) {
        if (w.stallOf.get(input) !== 'relay-form') continue;
        const host = t.facts as HostFacts;
        const relay = host.endpoints[0]?.relay?.unauthenticated;
        expect(relay?.failure?.message, `${input}: ${JSON.stringify(relay)}`).toMatch(DEADLINE_REASON);
      }
    } finally {
      changed.mockRestore();
    }
  }, 30_000);
});
