/**
 * `npm run bench`: the speed benchmark of issue 6. Starts a lab fleet in a process of its own
 * (N hosts on loopback addresses, every reply, TLS handshake and DNS answer delayed by L), then
 * times, each as a separate `mailcheck` process under GNU time:
 *   (a) one full host scan (three ports: STARTTLS MX, submission with AUTH, implicit TLS; TLS
 *       versions, certificate, AUTH posture, relay battery, reverse DNS), several runs;
 *   (b) an audit of N targets for each N asked (default 100, 1,000 and 5,000).
 * Prints a table (and the JSON document with --json; BENCH_OUT=FILE writes it to a file): wall
 * time, the critical-path round trips expected, wall / (round trips × L), TCP connections per host
 * counted at the servers, DNS queries asked vs distinct (name, type), peak RSS, hosts per minute.
 *
 * A benchmark, not a test: it asserts nothing, and says against the issue's targets how it went.
 * It exits nonzero only when it could not measure (a tool missing, the fleet not starting).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import type { FleetStats } from '../src/lab/fleet.js';
import { expectedAuditRoundTrips, expectedHostScan, hostFloor, type HostScanModel } from './critical-path.js';
import { nodeFlagsFrom, startFleetProcess, type FleetHandle, type FleetInfo } from './fleet-client.js';
import {
  GNU_TIME,
  MAILCHECK_JS,
  EXTRA_CA_NOTE,
  commandHelp,
  digestReport,
  mailcheckEnv,
  requireTool,
  runBenchMain,
  runTimed,
  type ReportDigest,
  type TimedRun,
  which,
  withWorkDir,
} from './scanner.js';

interface BenchConfig {
  latencyMs: number;
  dnsDelayMs: number;
  sizes: number[];
  hostRuns: number;
  /** Targets at once in the audits; default: mailcheck audit's own default. */
  concurrency?: number;
  connectionsPerHost?: number;
  key: 'ec' | 'rsa';
  /** Seconds without a new audit result after which the audit is killed as hung. */
  stallS: number;
  json: boolean;
  out?: string;
  host: boolean;
  audit: boolean;
  /** Scanner and fleet on separate cores (taskset): the scanner's own capacity, without contention. */
  pin: boolean;
  /** Set by main() when --pin is given and can be honoured. */
  pinning?: Pinning;
}

/** Which cores --pin gives the scanner and the fleet: the fleet the last one, the scanner the rest. */
interface Pinning {
  scanner: number[];
  fleet: number;
}

const HELP = `usage: npm run bench -- [options]
  --latency MS        delay L of every SMTP reply, TLS handshake and DNS answer (default 50; BENCH_LATENCY_MS)
  --dns-delay MS      DNS answer delay when it should differ from L
  --sizes LIST        audit sizes, comma-separated (default 100,1000,5000; BENCH_SIZES)
  --runs N            full host scans to time (default 5; BENCH_RUNS)
  --concurrency N     targets scanned at once in the audits (default: mailcheck's own; BENCH_CONCURRENCY)
  --connections-per-host N   passed on to mailcheck (default: mailcheck's own)
  --key ec|rsa        the fleet certificate's key (default ec: the fleet's CPU share stays small)
  --stall S           kill an audit whose report has not grown for S seconds (default 150)
  --no-host / --no-audit     skip part (a) or (b)
  --pin               the fleet on the last core, mailcheck on the others (taskset; BENCH_PIN=1): what
                      the scanner does on cores of its own, instead of sharing them with the fleet
  --json              print the JSON document after the table (BENCH_OUT=FILE writes it to a file)`;

function config(): BenchConfig {
  const { values } = parseArgs({
    options: {
      latency: { type: 'string' },
      'dns-delay': { type: 'string' },
      sizes: { type: 'string' },
      runs: { type: 'string' },
      concurrency: { type: 'string' },
      'connections-per-host': { type: 'string' },
      key: { type: 'string' },
      stall: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-host': { type: 'boolean', default: false },
      'no-audit': { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const num = (v: string | undefined, fallback: number, what: string, min = 0): number => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`bench: ${what} must be an integer >= ${min}, not ${v}`);
    return n;
  };
  const env = process.env;
  const latencyMs = num(values.latency ?? env.BENCH_LATENCY_MS, 50, '--latency');
  const sizes = (values.sizes ?? env.BENCH_SIZES ?? '100,1000,5000')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => num(s.trim(), 0, 'each size', 1));
  const key = values.key ?? 'ec';
  if (key !== 'ec' && key !== 'rsa') throw new Error(`bench: --key must be ec or rsa, not ${key}`);
  return {
    latencyMs,
    dnsDelayMs: num(values['dns-delay'], latencyMs, '--dns-delay'),
    sizes,
    hostRuns: num(values.runs ?? env.BENCH_RUNS, 5, '--runs', 1),
    ...(values.concurrency !== undefined || env.BENCH_CONCURRENCY !== undefined
      ? { concurrency: num(values.concurrency ?? env.BENCH_CONCURRENCY, 1, '--concurrency', 1) }
      : {}),
    ...(values['connections-per-host'] !== undefined
      ? { connectionsPerHost: num(values['connections-per-host'], 6, '--connections-per-host', 1) }
      : {}),
    key,
    stallS: num(values.stall, 150, '--stall', 1),
    json: values.json,
    ...(env.BENCH_OUT ? { out: env.BENCH_OUT } : {}),
    host: !values['no-host'],
    audit: !values['no-audit'],
    pin: values.pin || env.BENCH_PIN === '1',
  };
}

/** One line of the results. */
export interface BenchRow {
  bench: 'host scan' | 'audit';
  /** How the audit ran: `mailcheck audit`, or `mailcheck host` with every name (audit not yet there). */
  mode?: 'audit' | 'host-fallback';
  targets: number;
  latencyMs: number;
  runs: number;
  /** Process wall time, spawn to exit (median over runs). */
  wallMs: number;
  /** The scan's own duration from its report (median), without process start-up. */
  scanMs?: number;
  concurrency?: number;
  /** The scanner's cap on connections at once per destination address (its default unless set). */
  connectionsPerAddress?: number;
  expectedRoundTrips: number;
  /** wall / (expected round trips × L); null when L is 0. */
  ratio: number | null;
  scanRatio: number | null;
  connectionsPerHost: { max: number; mean: number; expected: number };
  dns: { asked: number; distinct: number; expectedDistinct: number; repeated: FleetStats['dns']['repeated'] };
  peakRssMb: number;
  hostsPerMinute: number;
  /** Audits with a jsonl report: when the last result was written (ms after the start). */
  lastResultMs?: number;
  /** Audits: the most hosts per minute the round-trip floor allows at this concurrency. */
  floorHostsPerMinute?: number;
  cpuSeconds: { scanner: number; fleet: number };
  tlsHandshakes: number;
  outcome: { exitCodes: (number | null)[]; states: Record<string, number>; summary?: Record<string, number> };
  notes: string[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Arguments every scan shares: the fleet's resolver, CA and account. */
function commonArgs(fleet: FleetInfo, cfg: BenchConfig): string[] {
  return [
    ...['--resolver', `${fleet.dns.host}:${fleet.dns.port}`],
    ...['--ca-file', fleet.caFile, '--auth-user', fleet.credentials.user],
    ...(cfg.connectionsPerHost !== undefined
      ? ['--connections-per-host', String(cfg.connectionsPerHost)]
      : []),
  ];
}

/** Ports as `mailcheck host` takes them: every port named, submission and implicit TLS marked. */
function portArgs(fleet: FleetInfo): string[] {
  const p = fleet.hosts[0]!.ports;
  return [
    ...['-p', String(p.smtp), '-p', String(p.submission), '-p', String(p.smtps)],
    ...['--submission-port', String(p.submission), '--smtps-port', String(p.smtps)],
  ];
}

interface Invocation {
  args: string[];
  mode: 'audit' | 'host-fallback';
  /** Targets scanned at once: the bench's --concurrency, or the command's default. */
  concurrency: number;
  /** Connections at once per address: the bench's --connections-per-host, or the command's default. */
  connectionsPerHost: number | undefined;
  output: string;
  notes: string[];
}

/** The default an option's help line states ("(default: 32)"), if any. */
export function helpDefault(help: string, option: string): number | undefined {
  const lines = help.split('\n');
  const i = lines.findIndex((l) => l.trimStart().startsWith(option));
  if (i < 0) return undefined;
  let block = lines[i]!;
  for (let j = i + 1; j < lines.length && !/^\s*-/.test(lines[j]!) && lines[j]!.trim() !== ''; j++)
    block += ` ${lines[j]!.trim()}`;
  const m = /\(default: (\d+)\)/.exec(block);
  return m ? Number(m[1]) : undefined;
}

/**
 * THE place that says how the bench runs an audit of the first `n` fleet hosts: `mailcheck audit
 * INVENTORY` (ports listed per host; --submission-port/--smtps-port say which is which), or, where
 * the audit command does not exist, `mailcheck host` with every name (host accepts many targets),
 * saying so in the notes. Adapt here when the audit's options change.
 */
function auditInvocation(fleet: FleetInfo, n: number, cfg: BenchConfig, workDir: string): Invocation {
  const hosts = fleet.hosts.slice(0, n);
  const p = fleet.hosts[0]!.ports;
  const auditHelp = commandHelp('audit');
  const help = auditHelp ?? commandHelp('host') ?? '';
  const concurrency = cfg.concurrency ?? helpDefault(help, '--concurrency') ?? 1;
  const connectionsPerHost = cfg.connectionsPerHost ?? helpDefault(help, '--connections-per-host');
  const concurrencyArgs = cfg.concurrency === undefined ? [] : ['--concurrency', String(cfg.concurrency)];
  if (auditHelp !== undefined) {
    const inventory = path.join(workDir, `inventory-${n}.yaml`);
    const ports = `[${p.smtp}, ${p.submission}, ${p.smtps}]`;
    fs.writeFileSync(
      inventory,
      `hosts:\n${hosts.map((h) => `  - host: ${h.name}\n    ports: ${ports}\n`).join('')}`,
    );
    const output = path.join(workDir, `audit-${n}.jsonl`);
    return {
      args: [
        'audit',
        inventory,
        ...commonArgs(fleet, cfg),
        ...['--submission-port', String(p.submission), '--smtps-port', String(p.smtps)],
        ...concurrencyArgs,
        ...['--format', 'jsonl', '--output', output],
      ],
      mode: 'audit',
      concurrency,
      connectionsPerHost,
      output,
      notes: [],
    };
  }
  const format = /"jsonl"/.test(help) ? 'jsonl' : 'json';
  const output = path.join(workDir, `audit-${n}.${format}`);
  return {
    args: [
      'host',
      ...hosts.map((h) => h.name),
      ...portArgs(fleet),
      ...commonArgs(fleet, cfg),
      ...concurrencyArgs,
      ...['--format', format, '--output', output],
    ],
    mode: 'host-fallback',
    concurrency,
    connectionsPerHost,
    output,
    notes: [
      `mailcheck audit is not registered: ran "mailcheck host" with ${n} names${format === 'json' ? ' and one JSON report (not streamed: memory grows with N)' : ''}`,
    ],
  };
}

/** Runs mailcheck once, with the fleet counting around it. */
async function measured(
  fleet: FleetHandle,
  pinning: Pinning | undefined,
  args: string[],
  output: string,
  hostLimit: number,
  timeoutMs: number,
  stallMs?: number,
): Promise<{ run: TimedRun; stats: FleetStats; fleetCpuS: number; digest?: ReportDigest }> {
  const before = await fleet.mark();
  // A jsonl report grows as targets finish: if it stops growing for stallMs, targets hang.
  const watch = stallMs !== undefined && output.endsWith('.jsonl') ? { progressFile: output, stallMs } : {};
  // Node flags for the scanner only (e.g. --cpu-prof), not for the fleet.
  const nodeFlags = nodeFlagsFrom('BENCH_SCANNER_NODE_OPTIONS');
  const [command, rest] = scannerCommand(pinning, [...nodeFlags, MAILCHECK_JS, ...args]);
  const run = await runTimed(command, rest, {
    env: mailcheckEnv({ MAILCHECK_AUTH_PASSWORD: fleet.info.credentials.password, NO_COLOR: '1' }),
    timeoutMs,
    ...watch,
  });
  const { stats, usage } = await fleet.stats(hostLimit);
  const fleetCpuS = (usage.cpuUserMs + usage.cpuSystemMs - before.cpuUserMs - before.cpuSystemMs) / 1000;
  let digest: ReportDigest | undefined;
  if (fs.existsSync(output)) {
    digest = await digestReport(output);
    fs.rmSync(output, { force: true });
  }
  if (run.exitCode !== 0 && run.exitCode !== 1) {
    log(
      `mailcheck exited ${run.exitCode}${run.timedOut ? ' (killed: timeout)' : ''}${run.stalled ? ' (killed: no progress)' : ''}: ${run.stderr.slice(-500).trim()}`,
    );
  }
  return { run, stats, fleetCpuS, digest };
}

function ratioOf(ms: number | undefined, roundTrips: number, latencyMs: number): number | null {
  return ms === undefined || latencyMs <= 0 ? null : round(ms / (roundTrips * latencyMs), 2);
}

async function hostScan(fleet: FleetHandle, cfg: BenchConfig, model: HostScanModel, workDir: string) {
  const h = fleet.info.hosts[0]!;
  const output = path.join(workDir, 'host.json');
  const args = [
    'host',
    h.name,
    ...portArgs(fleet.info),
    ...commonArgs(fleet.info, cfg),
    '--format',
    'json',
    '--output',
    output,
  ];
  const runs: Awaited<ReturnType<typeof measured>>[] = [];
  for (let i = 0; i < cfg.hostRuns; i++) {
    runs.push(await measured(fleet, cfg.pinning, args, output, 1, 120_000));
    log(`host scan ${i + 1}/${cfg.hostRuns}: ${Math.round(runs.at(-1)!.run.wallMs)} ms`);
  }
  const row = rowOf('host scan', 1, runs, cfg, model, model.roundTrips, undefined, []);
  const cap = cfg.connectionsPerHost ?? helpDefault(commandHelp('host') ?? '', '--connections-per-host');
  if (cap !== undefined) {
    row.connectionsPerAddress = cap;
    const floor = hostFloor(model, cap);
    if (floor > model.roundTrips) {
      row.notes.push(
        `with ${cap} connections per address the slots alone need ${floor} round trips (${model.slotRoundTrips} slot round trips / ${cap}, plus DNS), more than the critical path`,
      );
    }
  }
  return row;
}

async function audit(fleet: FleetHandle, cfg: BenchConfig, model: HostScanModel, n: number, workDir: string) {
  const inv = auditInvocation(fleet.info, n, cfg, workDir);
  const timeoutMs = Math.min(3_600_000, 120_000 + n * 1_000);
  log(
    `audit of ${n} targets (${inv.mode}, concurrency ${inv.concurrency}, ${inv.connectionsPerHost ?? '?'} connections per address) ...`,
  );
  const m = await measured(fleet, cfg.pinning, inv.args, inv.output, n, timeoutMs, cfg.stallS * 1000);
  log(`audit of ${n}: ${Math.round(m.run.wallMs)} ms`);
  const expected = expectedAuditRoundTrips(n, inv.concurrency, model, inv.connectionsPerHost);
  const row = rowOf('audit', n, [m], cfg, model, expected, inv.mode, inv.notes);
  if (m.run.lastProgressMs !== undefined) row.lastResultMs = Math.round(m.run.lastProgressMs);
  if (m.run.stalled) {
    const done = m.digest?.targets ?? 0;
    row.notes.push(
      `stalled: no target finished for ${cfg.stallS} s, killed; ${done} of ${n} had finished, the last ${Math.round((m.run.lastProgressMs ?? 0) / 1000)} s after the start (${round((done / (m.run.lastProgressMs ?? 1)) * 60_000)} targets/min until then)`,
    );
  }
  row.concurrency = inv.concurrency;
  if (inv.connectionsPerHost !== undefined) row.connectionsPerAddress = inv.connectionsPerHost;
  if (cfg.latencyMs > 0) {
    // What the floor allows at this concurrency: C hosts per critical path.
    row.floorHostsPerMinute = round(
      (60_000 / (hostFloor(model, inv.connectionsPerHost) * cfg.latencyMs)) * inv.concurrency,
    );
  }
  return row;
}

function rowOf(
  bench: BenchRow['bench'],
  n: number,
  runs: Awaited<ReturnType<typeof measured>>[],
  cfg: BenchConfig,
  model: HostScanModel,
  expectedRoundTrips: number,
  mode: BenchRow['mode'],
  notes: string[],
): BenchRow {
  const wallMs = median(runs.map((r) => r.run.wallMs));
  const scans = runs.flatMap((r) => (r.digest?.durationMs === undefined ? [] : [r.digest.durationMs]));
  const scanMs = scans.length > 0 ? median(scans) : undefined;
  const last = runs.at(-1)!;
  const states: Record<string, number> = {};
  for (const [k, v] of Object.entries(last.digest?.states ?? {})) states[k] = v;
  const row: BenchRow = {
    bench,
    ...(mode ? { mode } : {}),
    targets: n,
    latencyMs: cfg.latencyMs,
    runs: runs.length,
    wallMs: Math.round(wallMs),
    ...(scanMs !== undefined ? { scanMs } : {}),
    expectedRoundTrips,
    ratio: ratioOf(wallMs, expectedRoundTrips, cfg.latencyMs),
    scanRatio: ratioOf(scanMs, expectedRoundTrips, cfg.latencyMs),
    connectionsPerHost: {
      max: Math.max(...runs.map((r) => r.stats.connectionsPerHost.max)),
      mean: round(median(runs.map((r) => r.stats.connectionsPerHost.mean)), 2),
      expected: model.connections,
    },
    dns: {
      asked: last.stats.dns.asked,
      distinct: last.stats.dns.distinct,
      expectedDistinct: model.dnsDistinct * n,
      repeated: last.stats.dns.repeated,
    },
    peakRssMb: round(Math.max(...runs.map((r) => r.run.maxRssKb)) / 1024, 1),
    hostsPerMinute: round((n / wallMs) * 60_000),
    cpuSeconds: {
      scanner: round(median(runs.map((r) => r.run.userS + r.run.systemS)), 2),
      fleet: round(median(runs.map((r) => r.fleetCpuS)), 2),
    },
    tlsHandshakes: last.stats.tlsHandshakes,
    outcome: {
      exitCodes: runs.map((r) => r.run.exitCode),
      states,
      ...(last.digest?.summary ? { summary: last.digest.summary } : {}),
    },
    notes: [...notes],
  };
  if (last.stats.hostsContacted < n)
    row.notes.push(`only ${last.stats.hostsContacted} of ${n} hosts were contacted`);
  if ((states.scanned ?? 0) < n) {
    const errors = Object.entries(last.digest?.errors ?? {})
      .map(([code, count]) => `${code} ×${count}`)
      .join(', ');
    row.notes.push(
      `${states.scanned ?? 0} of ${n} targets fully scanned${errors ? `; errors: ${errors}` : ''}`,
    );
  }
  if (row.connectionsPerHost.max !== model.connections && row.connectionsPerHost.mean !== model.connections) {
    row.notes.push(
      `connections per host: measured ${row.connectionsPerHost.mean} (max ${row.connectionsPerHost.max}), the plan says ${model.connections} (${model.source})`,
    );
  }
  return row;
}

/** The cores the scanner had: the machine's, shared with the fleet, or those --pin gave it. */
function coresNote(cfg: BenchConfig): string {
  if (!cfg.pinning) return `${os.cpus().length} cores shared with the fleet`;
  const n = cfg.pinning.scanner.length;
  return `mailcheck on ${n} core${n === 1 ? '' : 's'} of its own (--pin), the fleet on another`;
}

/** The issue's targets, judged on what was measured (informative; the bench asserts nothing). */
function verdicts(rows: BenchRow[], cfg: BenchConfig): string[] {
  const out: string[] = [];
  const mark = (ok: boolean) => (ok ? 'met    ' : 'NOT met');
  // A run that did not scan every target proves nothing about speed, memory or DNS.
  const complete = (r: BenchRow) => (r.outcome.states.scanned ?? 0) === r.targets;
  const host = rows.find((r) => r.bench === 'host scan');
  if (host && !complete(host)) out.push(`NOT met every target: the host scan did not complete`);
  if (host && cfg.latencyMs > 0 && host.ratio !== null) {
    out.push(
      `${mark(host.ratio <= 1.3)} full host scan wall <= 1.3 x floor: ${host.ratio} (scan alone ${host.scanRatio ?? '?'})`,
    );
  }
  if (host)
    out.push(
      `${mark(host.connectionsPerHost.max <= 16)} <= 16 TCP connections per host: ${host.connectionsPerHost.max}`,
    );
  const a1000 = rows.find((r) => r.bench === 'audit' && r.targets === 1000);
  if (a1000) {
    const floor =
      a1000.floorHostsPerMinute === undefined
        ? ''
        : `; the floor allows ${a1000.floorHostsPerMinute} at c=${a1000.concurrency}`;
    out.push(
      `${mark(complete(a1000) && a1000.hostsPerMinute >= 6000)} audit of 1,000 >= 6,000 targets/min: ${a1000.hostsPerMinute} (L = ${cfg.latencyMs} ms, ${coresNote(cfg)}${floor})`,
    );
  }
  const a5000 = rows.find((r) => r.bench === 'audit' && r.targets === 5000);
  if (a5000)
    out.push(
      `${mark(complete(a5000) && a5000.peakRssMb <= 256)} peak RSS at 5,000 <= 256 MB: ${a5000.peakRssMb} MB`,
    );
  if (a5000 && a1000) {
    const growth = round((a5000.peakRssMb / a1000.peakRssMb - 1) * 100, 1);
    out.push(
      `${mark(complete(a5000) && complete(a1000) && growth <= 10)} peak RSS at 5,000 <= 10% above 1,000: ${growth > 0 ? '+' : ''}${growth}%`,
    );
  }
  const dup = rows.filter((r) => r.dns.asked !== r.dns.distinct);
  out.push(
    `${mark(dup.length === 0 && rows.every(complete))} every (name, type) asked once per run${dup.length ? `: repeats in ${dup.map((r) => `${r.bench} ${r.targets}`).join(', ')}` : ''}`,
  );
  return out;
}

function render(rows: BenchRow[]): string {
  const table = new Table({
    head: [
      'bench',
      'targets',
      'L ms',
      'wall ms',
      'scan ms',
      'RT exp.',
      'wall/(RT×L)',
      'conn/host max (exp.)',
      'DNS asked/distinct',
      'peak RSS MB',
      'hosts/min',
      'CPU s scanner/fleet',
      'result',
    ],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    const states = Object.entries(r.outcome.states)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    table.push([
      `${r.bench === 'audit' ? `${r.mode === 'audit' ? 'audit' : 'host ×N'} c=${r.concurrency}` : `host scan ×${r.runs}`}${r.connectionsPerAddress === undefined ? '' : ` cap=${r.connectionsPerAddress}`}`,
      r.targets,
      r.latencyMs,
      r.wallMs,
      r.scanMs ?? '—',
      r.expectedRoundTrips,
      r.ratio === null ? '—' : `${r.ratio}${r.scanRatio === null ? '' : ` (scan ${r.scanRatio})`}`,
      `${r.connectionsPerHost.max} (${r.connectionsPerHost.expected})`,
      `${r.dns.asked}/${r.dns.distinct}`,
      r.peakRssMb,
      r.hostsPerMinute,
      `${r.cpuSeconds.scanner}/${r.cpuSeconds.fleet}`,
      states || `exit ${r.outcome.exitCodes.join(',')}`,
    ]);
  }
  return table.toString();
}

/**
 * --pin: this process (and so the fleet it forks) on the last core, the scanner on the others. The
 * fleet's servers then cannot take CPU from the scanner, and its figures are its own capacity on
 * that many cores.
 */
function pinCores(): Pinning {
  const cores = allowedCores();
  if (cores.length < 2)
    throw new Error(
      `bench: --pin needs at least 2 cores (one for the fleet); this process may use ${cores.join(',')}`,
    );
  const taskset = which('taskset');
  if (!taskset) throw new Error('bench: --pin needs taskset (apt-get install util-linux)');
  const pinning = { scanner: cores.slice(0, -1), fleet: cores.at(-1)! };
  // -a: every thread of this process; the fleet forked later inherits the mask.
  const r = spawnSync(taskset, ['-a', '-p', '-c', String(pinning.fleet), String(process.pid)], {
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(
      `bench: --pin: taskset could not move the bench to core ${pinning.fleet}: ${r.stderr.trim()}`,
    );
  return pinning;
}

/**
 * The cores this process may run on (Linux: Cpus_allowed_list of /proc/self/status, which a
 * container's cpuset or an outer taskset narrows); elsewhere every core of the machine.
 */
function allowedCores(): number[] {
  let list: string | undefined;
  try {
    list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  } catch {
    // not Linux
  }
  if (!list) return os.cpus().map((_, i) => i);
  return list.split(',').flatMap((part) => {
    const [first, last = first] = part.split('-').map(Number);
    return Array.from({ length: last! - first! + 1 }, (_, i) => first! + i);
  });
}

/** node with these arguments, under taskset on the scanner's cores when --pin is given. */
function scannerCommand(pinning: Pinning | undefined, nodeArgs: string[]): [string, string[]] {
  if (!pinning) return [process.execPath, nodeArgs];
  return ['taskset', ['-c', pinning.scanner.join(','), process.execPath, ...nodeArgs]];
}

async function main(): Promise<number> {
  const cfg = config();
  requireTool(GNU_TIME, 'GNU time', 'apt-get install time');
  requireTool(process.execPath, 'node', 'Node 20');
  if (cfg.pin) cfg.pinning = pinCores();
  if (!fs.existsSync(MAILCHECK_JS)) throw new Error(`bench: ${MAILCHECK_JS} is missing; run npm run build`);
  const fleetSize = Math.max(1, ...(cfg.audit ? cfg.sizes : [1]));
  log(`starting a fleet of ${fleetSize} hosts, L = ${cfg.latencyMs} ms (DNS ${cfg.dnsDelayMs} ms) ...`);
  const fleet = await startFleetProcess({
    size: fleetSize,
    latencyMs: cfg.latencyMs,
    dnsDelayMs: cfg.dnsDelayMs,
    key: cfg.key,
  });
  return withWorkDir(fleet, 'mailcheck-bench-', async (workDir) => {
    log(`fleet ready in ${fleet.info.startMs} ms (${fleet.info.portFallbacks} port fallbacks)`);
    const p0 = fleet.info.hosts[0]!.ports;
    const uneven = fleet.info.hosts.filter(
      (h) => h.ports.smtp !== p0.smtp || h.ports.submission !== p0.submission || h.ports.smtps !== p0.smtps,
    );
    if (uneven.length > 0) {
      throw new Error(
        `bench: ${uneven.length} fleet hosts could not bind ports ${p0.smtp}/${p0.submission}/${p0.smtps} (in use?); free them and run again`,
      );
    }
    const startup = await runTimed(...scannerCommand(cfg.pinning, [MAILCHECK_JS, '--version']), {
      timeoutMs: 30_000,
      env: mailcheckEnv(),
    });
    const model = expectedHostScan();
    const rows: BenchRow[] = [];
    if (cfg.host) rows.push(await hostScan(fleet, cfg, model, workDir));
    if (cfg.audit) for (const n of cfg.sizes) rows.push(await audit(fleet, cfg, model, n, workDir));
    const doc = {
      bench: 'mailcheck speed (issue 6)',
      date: new Date().toISOString(),
      machine: {
        cores: os.cpus().length,
        ...(cfg.pinning ? { pinned: cfg.pinning } : {}),
        cpu: os.cpus()[0]?.model ?? 'unknown',
        memoryMb: Math.round(os.totalmem() / 2 ** 20),
        node: process.version,
        platform: `${os.type()} ${os.release()}`,
      },
      lab: {
        latencyMs: cfg.latencyMs,
        dnsDelayMs: cfg.dnsDelayMs,
        fleetHosts: fleetSize,
        fleetStartMs: fleet.info.startMs,
        certificateKey: cfg.key,
        ports: p0,
      },
      mailcheckStartupMs: Math.round(startup.wallMs),
      model,
      rows,
      verdicts: verdicts(rows, cfg),
    };
    console.log(render(rows));
    for (const r of rows) for (const note of r.notes) console.log(`note (${r.bench} ${r.targets}): ${note}`);
    console.log(
      `plan: ${model.roundTrips} round trips on a host's critical path, ${model.connections} connections, ${model.slotRoundTrips} slot round trips; source: ${model.source}`,
    );
    console.log(
      `mailcheck start-up (node, --version): ${doc.mailcheckStartupMs} ms; ${doc.machine.cores} cores, ${doc.machine.node}`,
    );
    if (cfg.pinning)
      console.log(
        `pinned (--pin): mailcheck on core(s) ${cfg.pinning.scanner.join(',')}, the fleet on core ${cfg.pinning.fleet}`,
      );
    if (EXTRA_CA_NOTE) console.log(`note: ${EXTRA_CA_NOTE}`);
    for (const v of doc.verdicts) console.log(`target ${v}`);
    if (cfg.json) console.log(JSON.stringify(doc, null, 2));
    if (cfg.out) {
      fs.writeFileSync(cfg.out, JSON.stringify(doc, null, 2) + '\n');
      log(`JSON written to ${cfg.out}`);
    }
    return 0;
  });
}

runBenchMain(main);
