/**
 * Helpers for the end-to-end tests of `mailcheck audit`: the CLI in-process with an Io the test
 * controls (environment, Ctrl-C signal, a fake terminal on stderr), the lab with its inventory in
 * a temporary directory, the BUILT binary as a child process (for real signals), a counting TCP
 * proxy (connections a server sees at once), and polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/program.js';
import type { Io } from '../../src/cli/io.js';
import { LAB_PASSWORD_ENV, labAuditArgs, labInventoryYaml } from '../../src/lab/inventory.js';
import { LAB_PASSWORD, LAB_USER, startLab, type Lab } from '../../src/lab/lab.js';

/** What an audit must never print: the lab password and the forms AUTH sends it in. */
export const LAB_SECRETS: readonly string[] = [
  LAB_PASSWORD,
  Buffer.from(LAB_PASSWORD).toString('base64'),
  Buffer.from(`\0${LAB_USER}\0${LAB_PASSWORD}`).toString('base64'),
  Buffer.from(`${LAB_USER}\0${LAB_PASSWORD}`).toString('base64'),
];

/** The environment the lab inventory's credential references need. */
export const LAB_ENV: Readonly<Record<string, string>> = { [LAB_PASSWORD_ENV]: LAB_PASSWORD };

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliIoOptions {
  /** Added to {@link LAB_ENV} (a key set to undefined removes it). */
  env?: Record<string, string | undefined>;
  /** Ctrl-C, as bin/mailcheck.ts passes it. */
  signal?: AbortSignal;
  /** stderr pretends to be a terminal of this width. */
  tty?: { columns: number };
}

/** Runs `mailcheck ARGS` in-process, as bin/mailcheck.ts would, capturing stdout and stderr. */
export async function mailcheck(args: string[], opts: CliIoOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: opts.tty
      ? Object.assign({ write: (s: string) => (stderr += s), isTTY: true }, { columns: opts.tty.columns })
      : { write: (s: string) => (stderr += s), isTTY: false },
    env: { NO_COLOR: undefined, FORCE_COLOR: undefined, ...LAB_ENV, ...opts.env },
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const start = performance.now();
  const code = await run(args, io);
  return { code, stdout, stderr, ms: performance.now() - start };
}

/** A fresh temporary directory; {@link removeDir} removes it. */
export function tempDir(prefix = 'mailcheck-audit-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** The running lab, its inventory written in a temporary directory, and the flags it needs. */
export interface AuditLab {
  lab: Lab;
  dir: string;
  /** The lab's own inventory (20 targets), as `mailcheck lab --inventory` writes it. */
  inventory: string;
  /** labAuditArgs(lab): resolver, CA, the lab's submission/smtps/MX/MTA-STS ports, DNSBL zone. */
  args: string[];
  /** Writes another inventory into the directory and returns its path. */
  write(name: string, yaml: string): string;
  close(): Promise<void>;
}

/** Starts the lab (one per test file: call from beforeAll) and writes its inventory. */
export async function startAuditLab(): Promise<AuditLab> {
  const lab = await startLab();
  const dir = tempDir();
  const write = (name: string, yaml: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, yaml);
    return file;
  };
  return {
    lab,
    dir,
    inventory: write('lab.yaml', labInventoryYaml(lab)),
    args: labAuditArgs(lab),
    write,
    async close() {
      await lab.close();
      removeDir(dir);
    },
  };
}

/** The lab inventory with more host entries (YAML list items, indented as under `hosts:`). */
export function labInventoryWith(lab: Lab, extraHosts: string[]): string {
  const yaml = labInventoryYaml(lab);
  const at = yaml.indexOf('\ndomains:\n');
  if (at < 0) throw new Error('the lab inventory has no domains: section');
  return `${yaml.slice(0, at)}\n${extraHosts.join('\n')}${yaml.slice(at)}`;
}

/** A lab host server by its stable name. */
export function labServer(lab: Lab, name: string) {
  const s = lab.servers.find((x) => x.name === name);
  if (!s) throw new Error(`no lab server ${name}`);
  return s;
}

/** Polls `probe` every 20 ms until it returns a value other than undefined/false. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

// --- the built binary -----------------------------------------------------------------------

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Sources whose change makes the built audit stale. */
const AUDIT_SOURCES = [
  'bin/mailcheck.ts',
  'src/cli/audit.ts',
  'src/cli/program.ts',
  'src/runner/audit.ts',
  'src/runner/scan.ts',
  'src/history/store.ts',
  'src/report/json.ts',
];

/**
 * dist/bin/mailcheck.js, or a failure saying how to build it (never a silent skip): signals must
 * hit a real process, and `npm test` builds before vitest.
 */
export function builtBinary(): string {
  const bin = path.join(ROOT, 'dist/bin/mailcheck.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does)`);
  for (const src of AUDIT_SOURCES) {
    const out = path.join(ROOT, 'dist', src.replace(/\.ts$/, '.js'));
    const srcFile = path.join(ROOT, src);
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(srcFile).mtimeMs) {
      throw new Error(
        `${out} is missing or older than ${srcFile}: run \`npm run build\` first (npm test does)`,
      );
    }
  }
  return bin;
}

export interface Spawned {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process has exited, with when (performance.now()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Spawns the built `mailcheck ARGS` with the lab environment. */
export function spawnMailcheck(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [builtBinary(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', ...LAB_ENV, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** Kills a child that is still running (cleanup after a failed assertion). */
export function killIfRunning(s: Spawned | undefined): void {
  if (s && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
}

// --- a counting proxy -----------------------------------------------------------------------

/**
 * TCP proxies on one address, each forwarding to a backend port, that count the client
 * connections open at once across all of them: what the destination host sees. A connection
 * counts until the client's end (FIN), reset or close, whichever comes first.
 */
export class CountingProxy {
  open = 0;
  max = 0;
  total = 0;
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();

  constructor(readonly host: string) {}

  /** Listens on an ephemeral port of `host` forwarding to `backendPort` there; returns the port. */
  async forward(backendPort: number, backendHost = this.host): Promise<number> {
    const server = net.createServer((client) => {
      this.total++;
      let state: 'new' | 'open' | 'ended' = 'new';
      // Counted from the next turn of the event loop: a client that closed one connection and
      // then opened the next sent its FIN first, but the two events may reach this loop in the
      // same turn in either order. Real overlaps last longer than a turn.
      setImmediate(() => {
        if (state !== 'new') return;
        state = 'open';
        this.open++;
        this.max = Math.max(this.max, this.open);
      });
      const done = () => {
        if (state === 'open') this.open--;
        state = 'ended';
      };
      client.once('end', done);
      client.once('error', done);
      client.once('close', done);
      const backend = net.connect(backendPort, backendHost);
      this.sockets.add(client).add(backend);
      for (const s of [client, backend]) s.once('close', () => this.sockets.delete(s));
      client.on('error', () => backend.destroy());
      backend.on('error', () => client.destroy());
      client.pipe(backend);
      backend.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.host, () => resolve());
    });
    this.servers.push(server);
    return (server.address() as net.AddressInfo).port;
  }

  /** Forgets the counts (between runs). */
  reset(): void {
    this.max = this.open;
    this.total = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
