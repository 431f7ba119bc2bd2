/**
 * The bench's side of the fleet process (fleet-process.ts): forks it, waits until every server
 * listens, and asks it for counters. The messages exchanged are typed here.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetService, FleetStats } from '../src/lab/fleet.js';

export interface FleetProcessOptions {
  size: number;
  latencyMs: number;
  dnsDelayMs: number;
  /** The fleet certificate's key: ECDSA P-256 (cheap for the fleet's CPU) or RSA-2048. */
  key: 'ec' | 'rsa';
  ports?: Partial<Record<FleetService, number>>;
}

export interface FleetInfo {
  dns: { host: string; port: number };
  domain: string;
  caFile: string;
  credentials: { user: string; password: string };
  latencyMs: number;
  dnsDelayMs: number;
  portFallbacks: number;
  startMs: number;
  key: 'ec' | 'rsa';
  hosts: { name: string; address: string; ports: Record<FleetService, number> }[];
}

/** The fleet process's own resource use, cumulative since it started. */
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

export async function startFleetProcess(opts: FleetProcessOptions): Promise<FleetHandle> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const child: ChildProcess = fork(path.join(here, 'fleet-process.js'), [JSON.stringify(opts)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
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
    mark: async () => (await ask({ op: 'mark' })).usage,
    stats: async (hostLimit) => {
      const m = await ask({ op: 'stats', ...(hostLimit === undefined ? {} : { hostLimit }) });
      if (!m.stats) throw new Error('the fleet sent no stats');
      return { stats: m.stats, usage: m.usage };
    },
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
