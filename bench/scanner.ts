/**
 * The scanner side of the bench: runs a command as a child process under GNU time, so its wall
 * time, peak RSS and CPU time are its own (the fleet runs in another process), and reads back
 * what a mailcheck report says without loading a whole fleet's report into memory.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** GNU time: `-f %M` is the peak resident set size in KB. */
export const GNU_TIME = '/usr/bin/time';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The built CLI, next to the built bench (dist/bench → dist/bin). */
export const MAILCHECK_JS = path.resolve(here, '../bin/mailcheck.js');

/** What one timed child process did. */
export interface TimedRun {
  wallMs: number;
  exitCode: number | null;
  /** Peak resident set size of the child, from GNU time. */
  maxRssKb: number;
  userS: number;
  systemS: number;
  /** The end of standard output and standard error (at most 64 KiB each). */
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /**
   * With `progressFile`: when the file last grew (ms after the start), and whether the run was
   * killed because it stopped growing for `stallMs` (targets hanging past their deadline).
   */
  lastProgressMs?: number;
  stalled?: boolean;
}

const KEEP_BYTES = 64 * 1024;

function keepTail(acc: string, chunk: Buffer): string {
  const s = acc + chunk.toString('utf8');
  return s.length > KEEP_BYTES ? s.slice(-KEEP_BYTES) : s;
}

/** Throws a clear error when a tool the bench needs is missing. */
export function requireTool(file: string, what: string, install: string): void {
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new Error(`bench: ${what} not found at ${file}; install it first (${install})`);
  }
}

/** Finds a command on PATH; undefined when absent. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Runs `command args` under GNU time; kills it (and reports timedOut) after `timeoutMs`. */
export async function runTimed(
  command: string,
  args: readonly string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    timeoutMs: number;
    cwd?: string;
    /** A file the command writes as it makes progress (a jsonl report), watched every second. */
    progressFile?: string;
    /** Kill the command when `progressFile` has not grown for this long. */
    stallMs?: number;
  },
): Promise<TimedRun> {
  const statsFile = path.join(
    os.tmpdir(),
    `mailcheck-bench-time-${process.pid}-${Date.now()}-${Math.random()}`,
  );
  const started = performance.now();
  const child = spawn(GNU_TIME, ['-f', '%M %U %S', '-o', statsFile, command, ...args], {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout = keepTail(stdout, c)));
  child.stderr.on('data', (c: Buffer) => (stderr = keepTail(stderr, c)));
  let timedOut = false;
  // The child has a process group of its own (so GNU time and the command under it can be killed
  // together), which also keeps it from the terminal's Ctrl-C: the bench kills it when it exits.
  const killGroup = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  // The bench exiting mid-run (Ctrl-C): kill the command and remove GNU time's file with it.
  const onExit = () => {
    killGroup();
    fs.rmSync(statsFile, { force: true });
  };
  process.once('exit', onExit);
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs);
  let lastSize = -1;
  let lastProgressMs: number | undefined;
  let stalled = false;
  const watch =
    opts.progressFile === undefined
      ? undefined
      : setInterval(() => {
          const now = performance.now() - started;
          let size = -1;
          try {
            size = fs.statSync(opts.progressFile!).size;
          } catch {
            // not created yet
          }
          if (size !== lastSize) {
            lastSize = size;
            lastProgressMs = now;
          } else if (opts.stallMs !== undefined && now - (lastProgressMs ?? 0) > opts.stallMs) {
            stalled = true;
            killGroup();
          }
        }, 1000);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  }).finally(() => {
    clearTimeout(timer);
    if (watch) clearInterval(watch);
    process.off('exit', onExit);
  });
  const wallMs = performance.now() - started;
  let maxRssKb = 0;
  let userS = 0;
  let systemS = 0;
  try {
    const lines = fs.readFileSync(statsFile, 'utf8').trim().split('\n');
    // GNU time writes "Command exited with non-zero status N" before the format line.
    const [rss, user, sys] = (lines.at(-1) ?? '').split(' ').map(Number);
    maxRssKb = rss ?? 0;
    userS = user ?? 0;
    systemS = sys ?? 0;
  } catch {
    // killed before GNU time wrote anything
  } finally {
    fs.rmSync(statsFile, { force: true });
  }
  return {
    wallMs,
    exitCode,
    maxRssKb,
    userS,
    systemS,
    stdout,
    stderr,
    timedOut,
    ...(lastProgressMs !== undefined ? { lastProgressMs } : {}),
    ...(opts.progressFile !== undefined ? { stalled } : {}),
  };
}

/** `mailcheck <command> --help`, or undefined when the command does not exist. */
export function commandHelp(command: string): string | undefined {
  const r = spawnSync(process.execPath, [MAILCHECK_JS, command, '--help'], { encoding: 'utf8' });
  const text = `${r.stdout}${r.stderr}`;
  return text.includes(`Usage: mailcheck ${command}`) ? text : undefined;
}

/** What a report file says, read as a stream (a fleet's report can be hundreds of MB). */
export interface ReportDigest {
  targets: number;
  states: Record<string, number>;
  /** Targets that could not be scanned, by error code (jsonl reports). */
  errors: Record<string, number>;
  /** The scan's own duration as the report gives it (ms), if found. */
  durationMs?: number;
  summary?: Record<string, number>;
  bytes: number;
}

/**
 * Reads the target states, the run's duration and its summary from a json or jsonl report. For
 * json, target-level `"state"` keys are counted in a streaming pass (a target's facts have no
 * key of that name); the run's duration is the first `durationMs` (it precedes the targets) and
 * the summary the last `summary` object (it follows them).
 */
export async function digestReport(file: string): Promise<ReportDigest> {
  const digest: ReportDigest = { targets: 0, states: {}, errors: {}, bytes: 0 };
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let carry = '';
  let tail = '';
  let jsonl: boolean | undefined;
  const stateRe = /"state":\s*"(\w+)"/g;
  for await (const chunk of stream as AsyncIterable<string>) {
    digest.bytes += Buffer.byteLength(chunk);
    const text = carry + chunk;
    jsonl ??= text.startsWith('{"type":');
    if (jsonl) {
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) readJsonlLine(line, digest);
      continue;
    }
    if (digest.durationMs === undefined) {
      const d = /"durationMs":\s*(\d+)/.exec(text);
      if (d) digest.durationMs = Number(d[1]);
    }
    // Count states in everything but a tail that may hold a key cut in two.
    const cut = Math.max(0, text.length - 64);
    const body = text.slice(0, cut);
    for (const m of body.matchAll(stateRe)) {
      digest.states[m[1]!] = (digest.states[m[1]!] ?? 0) + 1;
      digest.targets += 1;
    }
    carry = text.slice(cut);
    tail = (tail + chunk).slice(-8192);
  }
  if (jsonl) {
    readJsonlLine(carry, digest);
    return digest;
  }
  for (const m of carry.matchAll(stateRe)) {
    digest.states[m[1]!] = (digest.states[m[1]!] ?? 0) + 1;
    digest.targets += 1;
  }
  // The run's summary follows the last target, so it is the last summary object in the file.
  const summaries = [...tail.matchAll(/"summary":\s*(\{[^{}]*\})/g)];
  const last = summaries.at(-1);
  if (last) digest.summary = JSON.parse(last[1]!) as Record<string, number>;
  return digest;
}

function readJsonlLine(line: string, digest: ReportDigest): void {
  if (line.trim() === '') return;
  const obj = JSON.parse(line) as {
    type?: string;
    target?: { state?: string; error?: { code?: string } };
    durationMs?: number;
    summary?: Record<string, number>;
  };
  if (obj.type === 'target' && obj.target?.state) {
    digest.targets += 1;
    digest.states[obj.target.state] = (digest.states[obj.target.state] ?? 0) + 1;
    const code = obj.target.error?.code;
    if (code !== undefined) digest.errors[code] = (digest.errors[code] ?? 0) + 1;
  } else if (obj.type === 'end') {
    if (obj.durationMs !== undefined) digest.durationMs = obj.durationMs;
    if (obj.summary) digest.summary = obj.summary;
  }
}

/**
 * The environment mailcheck runs in under the benches: this one without NODE_EXTRA_CA_CERTS. Node
 * reads and parses that file at every start (about 60 ms for a Debian bundle of ~140 certificates,
 * more than Node's own start-up), and mailcheck has no use for it: its trust store is Node's
 * bundled roots, the system bundle and --ca-file, passed explicitly. The benches say when they
 * dropped it ({@link EXTRA_CA_NOTE}).
 */
export function mailcheckEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _dropped, ...env } = process.env;
  return { ...env, ...extra };
}

export const EXTRA_CA_NOTE = process.env.NODE_EXTRA_CA_CERTS
  ? 'NODE_EXTRA_CA_CERTS is set in this environment and was not passed to mailcheck (Node parses it at every start; mailcheck does not use it)'
  : undefined;

/**
 * Runs `body` with a work directory of its own while the fleet is up; afterwards, or on Ctrl-C,
 * removes the directory and closes the fleet (Ctrl-C then exits 130, which kills a command still
 * running: see runTimed).
 */
export async function withWorkDir<T>(
  fleet: { close(): Promise<void> },
  prefix: string,
  body: (workDir: string) => Promise<T>,
): Promise<T> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const stop = () =>
    void fleet.close().finally(() => {
      fs.rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  process.once('SIGINT', stop);
  try {
    return await body(workDir);
  } finally {
    process.off('SIGINT', stop);
    fs.rmSync(workDir, { recursive: true, force: true });
    await fleet.close();
  }
}

/** Runs a bench's main: its result is the exit code; an error is printed as one line, exit 2. */
export function runBenchMain(main: () => Promise<number>): void {
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 2;
    },
  );
}
