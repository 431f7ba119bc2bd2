/**
 * The bench's side of the fleet process (fleet-process.ts): forks it, waits until every server
 * listens, and asks it for counters. The messages exchanged are typed here.
 *
 * BENCH_FLEET_PROCESSES=K splits the fleet over K processes (host i is served by process i mod K,
 * the DNS answers come from the first), so that the servers can use more than one core; the
 * handle adds their counters and resource use up as if they were one. BENCH_FLEET_NODE_OPTIONS
 * passes Node flags (e.g. --cpu-prof) to the fleet processes only.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Fleet, FleetHost, FleetService, FleetStats } from '../src/lab/fleet.js';
import { makeFleetCertificate } from './fleet-cert.js';

export interface FleetProcessOptions {
  size: number;
  latencyMs: number;
  dnsDelayMs: number;
  /** The fleet certificate's key: ECDSA P-256 (cheap for the fleet's CPU) or RSA-2048. */
  key: 'ec' | 'rsa';
  ports?: Partial<Record<FleetService, number>>;
  /** Processes to split the fleet over; default BENCH_FLEET_PROCESSES, else 1. */
  processes?: number;
}

/** What one fleet process is started with (argv[2], as JSON). */
export interface FleetShardOptions extends Omit<FleetProcessOptions, 'processes'> {
  shard: { index: number; count: number };
  /** The domain the host names are under. */
  domain: string;
  /** The one certificate every process serves, issued by the parent. */
  certificate: { key: string; cert: string; caFile: string };
}

export type FleetInfo = Pick<
  Fleet,
  'dns' | 'domain' | 'caFile' | 'credentials' | 'latencyMs' | 'dnsDelayMs' | 'portFallbacks'
> & {
  startMs: number;
  key: 'ec' | 'rsa';
  /** The fleet's hosts as plain data (their servers stay in the fleet process). */
  hosts: Omit<FleetHost, 'servers'>[];
};

/** The fleet processes' own resource use, cumulative since they started (added up). */
export interface FleetUsage {
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBytes: number;
}

export type FleetRequest =
  { id: number; op: 'mark' } | { id: number; op: 'stats'; hostLimit?: number } | { id: number; op: 'close' };

export type FleetReply =
  | { type: 'ready'; info: FleetInfo }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; usage: FleetUsage; stats?: FleetStats };

export interface FleetHandle {
  info: FleetInfo;
  /** Starts a counting window; returns the fleet's usage at that point. */
  mark(): Promise<FleetUsage>;
  /** Counters since the last mark over the first `hostLimit` hosts, and the fleet's usage now. */
  stats(hostLimit?: number): Promise<{ stats: FleetStats; usage: FleetUsage }>;
  close(): Promise<void>;
}

/** How long the fleet may take to start: binding 15,000 listeners takes seconds, not minutes. */
const START_TIMEOUT_MS = 180_000;
/** How long one request may take. */
const REQUEST_TIMEOUT_MS = 30_000;

/** One fleet process: its info, a request channel, and a way to stop it. */
interface Shard {
  info: FleetInfo;
  ask(req: Omit<FleetRequest, 'id'>): Promise<FleetReply & { type: 'reply' }>;
  close(): Promise<void>;
}

/**
 * Node flags from an environment variable, for a child's command line: there flags that
 * NODE_OPTIONS refuses (--cpu-prof) work too.
 */
export function nodeFlagsFrom(variable: string): string[] {
  return (process.env[variable] ?? '').split(/\s+/).filter((f) => f !== '');
}

async function startShard(opts: FleetShardOptions): Promise<Shard> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const flags = nodeFlagsFrom('BENCH_FLEET_NODE_OPTIONS');
  const child: ChildProcess = fork(path.join(here, 'fleet-process.js'), [JSON.stringify(opts)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...flags],
  });
  const killChild = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', killChild);

  const info = await new Promise<FleetInfo>((resolve, reject) => {
    const timer = setTimeout(() => {
      killChild();
      reject(new Error(`the fleet did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    const onMessage = (m: FleetReply) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m.info);
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`the fleet did not start: ${m.message}`));
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the fleet process exited (code ${code}) before it was ready`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

  let nextId = 1;
  const pending = new Map<number, (m: FleetReply & { type: 'reply' }) => void>();
  child.on('message', (m: FleetReply) => {
    if (m.type === 'reply') {
      pending.get(m.id)?.(m);
      pending.delete(m.id);
    }
  });
  const ask = (req: Omit<FleetRequest, 'id'>) =>
    new Promise<FleetReply & { type: 'reply' }>((resolve, reject) => {
      if (!child.connected) return reject(new Error('the fleet process is gone'));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the fleet did not answer "${req.op}" within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.send({ ...req, id } as FleetRequest);
    });

  let closing: Promise<void> | undefined;
  return {
    info,
    ask,
    close: () => {
      closing ??= (async () => {
        const exited = new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', () => resolve());
        });
        await ask({ op: 'close' }).catch(() => killChild());
        const timer = setTimeout(killChild, 10_000);
        await exited;
        clearTimeout(timer);
        process.off('exit', killChild);
      })();
      return closing;
    },
  };
}

function addUsage(all: FleetUsage[]): FleetUsage {
  return {
    cpuUserMs: all.reduce((n, u) => n + u.cpuUserMs, 0),
    cpuSystemMs: all.reduce((n, u) => n + u.cpuSystemMs, 0),
    rssBytes: all.reduce((n, u) => n + u.rssBytes, 0),
  };
}

/** The shards' counters as one fleet's: the DNS counters are the first shard's (it answers). */
function addStats(all: FleetStats[]): FleetStats {
  const counted = all.filter((s) => s.hosts > 0);
  const hosts = counted.reduce((n, s) => n + s.hosts, 0);
  const total = counted.reduce((n, s) => n + s.connectionsPerHost.total, 0);
  return {
    hosts,
    connectionsPerHost: {
      min: Math.min(...counted.map((s) => s.connectionsPerHost.min)),
      mean: hosts === 0 ? 0 : total / hosts,
      max: Math.max(0, ...counted.map((s) => s.connectionsPerHost.max)),
      total,
    },
    tlsHandshakes: all.reduce((n, s) => n + s.tlsHandshakes, 0),
    hostsContacted: all.reduce((n, s) => n + s.hostsContacted, 0),
    dns: all[0]!.dns,
  };
}

/** The number of fleet processes asked for: the option, else BENCH_FLEET_PROCESSES, else 1. */
function processCount(opts: FleetProcessOptions): number {
  const n = opts.processes ?? Number(process.env.BENCH_FLEET_PROCESSES ?? 1);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new Error(`bench: BENCH_FLEET_PROCESSES must be an integer from 1 to 64, not ${n}`);
  }
  return Math.min(n, opts.size);
}

export async function startFleetProcess(opts: FleetProcessOptions): Promise<FleetHandle> {
  const count = processCount(opts);
  const domain = 'fleet.lab.example';
  const issued = makeFleetCertificate(domain, opts.key);
  const certificate = { key: issued.key.toString(), cert: issued.cert.toString(), caFile: issued.caFile };
  const shardOptions = (index: number): FleetShardOptions => ({
    size: opts.size,
    latencyMs: opts.latencyMs,
    dnsDelayMs: opts.dnsDelayMs,
    key: opts.key,
    ...(opts.ports ? { ports: opts.ports } : {}),
    shard: { index, count },
    domain,
    certificate,
  });
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startShard(shardOptions(i))),
  );
  const shards = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(shards.map((s) => s.close()));
    throw failed.reason;
  }
  const first = shards[0]!.info;
  const info: FleetInfo = {
    ...first,
    portFallbacks: shards.reduce((n, s) => n + s.info.portFallbacks, 0),
    startMs: Math.max(...shards.map((s) => s.info.startMs)),
    hosts: shards.flatMap((s) => s.info.hosts).sort((a, b) => a.index - b.index),
  };
  const askAll = (req: Omit<FleetRequest, 'id'>) => Promise.all(shards.map((s) => s.ask(req)));

  let closing: Promise<void> | undefined;
  return {
    info,
    mark: async () => addUsage((await askAll({ op: 'mark' })).map((m) => m.usage)),
    stats: async (hostLimit) => {
      const replies = await askAll({ op: 'stats', ...(hostLimit === undefined ? {} : { hostLimit }) });
      const stats = replies.map((m) => m.stats);
      if (stats.some((s) => s === undefined)) throw new Error('the fleet sent no stats');
      return { stats: addStats(stats as FleetStats[]), usage: addUsage(replies.map((m) => m.usage)) };
    },
    close: () => {
      closing ??= Promise.all(shards.map((s) => s.close())).then(() => undefined);
      return closing;
    },
  };
}
