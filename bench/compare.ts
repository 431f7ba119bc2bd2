/**
 * `npm run bench:compare`: mailcheck against what an administrator would otherwise run by hand on
 * the same lab host (one fleet host, every reply and TLS handshake delayed by L), timed in the
 * same run, each tool as its own process under GNU time, the median of several runs:
 *   - the dialogue on the submission port: swaks (EHLO, STARTTLS, EHLO, AUTH PLAIN with the lab
 *     account, QUIT before MAIL) vs `mailcheck host NAME:PORT` with a policy that keeps only the
 *     dialogue, TLS and AUTH checks (so it runs only those probes);
 *   - TLS versions on the STARTTLS port: `testssl --starttls smtp -p` (protocols only) vs
 *     `mailcheck host NAME:PORT` with a policy that keeps only the TLS version checks;
 *   - the full three-port scan vs both tools together;
 *   - the full three-port scan vs testssl's full default run against the STARTTLS port
 *     (`testssl --starttls smtp`: protocols, cipher categories, forward secrecy, server
 *     preferences and defaults, vulnerabilities, each cipher, client simulations), once per bench
 *     run because it takes minutes; `--no-full-testssl` skips it. It is kept off everything but
 *     the lab host: the address instead of a name, `--nodns none` (no rDNS, MX or CAA lookups),
 *     no `--phone-out` (no CRL or OCSP fetches), and NXCONNECT=127.0.0.1:0 so its checks of the
 *     local openssl connect to loopback instead of resolving "invalid." with the system resolver.
 * swaks and testssl get the address (they would ask the system resolver for the name, which knows
 * nothing of the lab); mailcheck gets the name, so the lab DNS answers at once here (no delay)
 * unless --dns-delay says otherwise. A benchmark, not a test: it exits nonzero only when a tool is
 * missing or the fleet does not start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { startFleetProcess, type FleetHandle } from './fleet-client.js';
import {
  EXTRA_CA_NOTE,
  GNU_TIME,
  MAILCHECK_JS,
  digestReport,
  mailcheckEnv,
  requireTool,
  runBenchMain,
  runTimed,
  which,
  type TimedRun,
  withWorkDir,
} from './scanner.js';

/** Checks that need nothing beyond the dialogue swaks has: connect, EHLO, STARTTLS, AUTH. */
const DIALOGUE_CHECKS = [
  'smtp.connect',
  'smtp.greeting',
  'smtp.greeting_delay',
  'smtp.ehlo',
  'smtp.mta',
  'tls.starttls',
  'tls.implicit',
  'auth.before_tls',
  'auth.submission',
  'auth.mechanisms',
  'auth.login',
];
/** Checks answered by the TLS version probes (and the main session that carries them). */
const PROTOCOL_CHECKS = ['smtp.connect', 'smtp.ehlo', 'tls.starttls', 'tls.protocols'];

/** A policy file that keeps `keep` at the baseline's severities and turns every other check off. */
function policyKeeping(keep: readonly string[], file: string): string {
  const shown = fs.readFileSync(file, 'utf8');
  const ids = [...shown.matchAll(/^ {2}([a-z_]+\.[a-z_0-9]+):/gm)].map((m) => m[1]!);
  const lines = ids.filter((id) => !keep.includes(id)).map((id) => `  ${id}: off`);
  return `extends: campus-baseline\nname: bench-subset\nchecks:\n${lines.join('\n')}\n`;
}

interface Task {
  task: string;
  tool: string;
  command: string;
  runs: TimedRun[];
  /** TCP connections the lab host accepted during one run (the last). */
  connections: number;
  /** TLS handshakes the lab host completed during one run (the last). */
  tlsHandshakes: number;
  /** The scan's own duration from mailcheck's report (median), without process start-up. */
  scanMs?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
const wallOf = (t: Task) => Math.round(median(t.runs.map((r) => r.wallMs)));
/** CPU seconds (user + system) of the tool's process tree, median: less noisy than wall on a busy machine. */
const cpuOf = (t: Task) => Math.round(median(t.runs.map((r) => r.userS + r.systemS)) * 100) / 100;

/**
 * Environment for testssl: NXCONNECT is where its probes of the local openssl's features connect
 * (they are meant to fail); the default, "invalid.", is a name the system resolver is asked for.
 */
const TESTSSL_ENV = { NXCONNECT: '127.0.0.1:0' };
/** testssl's full default run can take minutes on a busy machine; it is killed after this. */
const FULL_TESTSSL_TIMEOUT_MS = 1_800_000;

function log(message: string): void {
  process.stderr.write(`bench:compare: ${message}\n`);
}

const HELP = `usage: npm run bench:compare -- [options]
  --latency MS            delay L of every SMTP reply and TLS flight (default 50; BENCH_LATENCY_MS)
  --dns-delay MS          DNS answer delay (default 0)
  --runs N                runs of each quick row, median shown (default 3; BENCH_RUNS)
  --no-full-testssl       skip testssl's full default run (it takes minutes)
  --json                  print the results as JSON (BENCH_OUT=FILE writes them to a file)
Needs swaks and testssl.sh (Debian: apt-get install swaks testssl.sh). See bench/README.md.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      latency: { type: 'string' },
      'dns-delay': { type: 'string' },
      runs: { type: 'string' },
      'full-testssl': { type: 'boolean', default: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowNegative: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const fullTestssl = values['full-testssl'];
  const latencyMs = Number(values.latency ?? process.env.BENCH_LATENCY_MS ?? 50);
  const dnsDelayMs = Number(values['dns-delay'] ?? 0);
  const runs = Number(values.runs ?? process.env.BENCH_RUNS ?? 3);
  for (const [name, v, min] of [
    ['--latency', latencyMs, 0],
    ['--dns-delay', dnsDelayMs, 0],
    ['--runs', runs, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min)
      throw new Error(`bench:compare: ${name} must be an integer >= ${min}`);
  }

  requireTool(GNU_TIME, 'GNU time', 'apt-get install time');
  const swaks = which('swaks');
  const testssl = which('testssl.sh') ?? which('testssl');
  const install = 'DEBIAN_FRONTEND=noninteractive apt-get install -y swaks testssl.sh';
  if (!swaks) throw new Error(`bench:compare: swaks is not installed (${install})`);
  if (!testssl) throw new Error(`bench:compare: testssl.sh is not installed (${install})`);
  if (!fs.existsSync(MAILCHECK_JS))
    throw new Error(`bench:compare: ${MAILCHECK_JS} is missing; run npm run build`);

  log(`starting one lab host, L = ${latencyMs} ms (DNS ${dnsDelayMs} ms) ...`);
  const fleet: FleetHandle = await startFleetProcess({
    size: 1,
    latencyMs,
    dnsDelayMs,
    key: 'ec',
    ports: { smtp: 0, submission: 0, smtps: 0 },
  });
  return withWorkDir(fleet, 'mailcheck-compare-', async (workDir) => {
    const f = fleet.info;
    const h = f.hosts[0]!;
    const env = mailcheckEnv({ MAILCHECK_AUTH_PASSWORD: f.credentials.password, NO_COLOR: '1' });
    if (EXTRA_CA_NOTE) log(EXTRA_CA_NOTE);
    const baseline = path.join(workDir, 'baseline.yaml');
    const show = await runTimed(process.execPath, [MAILCHECK_JS, 'policy', 'show', 'campus-baseline'], {
      timeoutMs: 30_000,
      env,
    });
    fs.writeFileSync(baseline, show.stdout);
    const dialoguePolicy = path.join(workDir, 'dialogue.yaml');
    fs.writeFileSync(dialoguePolicy, policyKeeping(DIALOGUE_CHECKS, baseline));
    const protocolPolicy = path.join(workDir, 'protocols.yaml');
    fs.writeFileSync(protocolPolicy, policyKeeping(PROTOCOL_CHECKS, baseline));
    const output = path.join(workDir, 'report.json');
    const common = [
      ...[
        '--resolver',
        `${f.dns.host}:${f.dns.port}`,
        '--ca-file',
        f.caFile,
        '--auth-user',
        f.credentials.user,
      ],
      ...['--submission-port', String(h.ports.submission), '--smtps-port', String(h.ports.smtps)],
      ...['--format', 'json', '--output', output],
    ];

    const tasks: Task[] = [];
    const time = async (
      task: string,
      tool: string,
      command: string,
      args: string[],
      mailcheck: boolean,
      opts: {
        times?: number;
        timeoutMs?: number;
        env?: NodeJS.ProcessEnv;
        /** Exit codes that are results, not failures (besides 0, and 1 for mailcheck). */
        resultExit?: (code: number) => boolean;
      } = {},
    ) => {
      const t: Task = {
        task,
        tool,
        command: [path.basename(command), ...args].join(' '),
        runs: [],
        connections: 0,
        tlsHandshakes: 0,
      };
      const scans: number[] = [];
      for (let i = 0; i < (opts.times ?? runs); i++) {
        await fleet.mark();
        const r = await runTimed(command, args, {
          env: { ...env, ...opts.env },
          timeoutMs: opts.timeoutMs ?? 300_000,
        });
        const { stats } = await fleet.stats();
        t.connections = stats.connectionsPerHost.total;
        t.tlsHandshakes = stats.tlsHandshakes;
        t.runs.push(r);
        if (mailcheck && fs.existsSync(output)) {
          const d = await digestReport(output);
          if (d.durationMs !== undefined) scans.push(d.durationMs);
          fs.rmSync(output, { force: true });
        }
        if (r.timedOut) log(`${tool} killed after ${(opts.timeoutMs ?? 300_000) / 1000} s`);
        else if (
          r.exitCode !== 0 &&
          !(mailcheck && r.exitCode === 1) &&
          !(r.exitCode !== null && opts.resultExit?.(r.exitCode))
        ) {
          log(`${tool} exited ${r.exitCode}: ${(r.stderr || r.stdout).slice(-400).trim()}`);
        }
      }
      if (scans.length > 0) t.scanMs = median(scans);
      log(`${task}: ${tool} ${wallOf(t)} ms, ${t.connections} connections`);
      tasks.push(t);
      return t;
    };

    // The password is a fixture value of the loopback lab, not a secret; swaks has no other way in.
    const swaksRun = await time(
      'dialogue (submission)',
      'swaks',
      swaks,
      [
        ...['--server', `${h.address}:${h.ports.submission}`, '--ehlo', 'mailcheck.invalid', '--tls'],
        ...['--auth', 'PLAIN', '--auth-user', f.credentials.user, '--auth-password', f.credentials.password],
        ...['--quit-after', 'AUTH', '--suppress-data'],
      ],
      false,
    );
    const mcDialogue = await time(
      'dialogue (submission)',
      'mailcheck',
      process.execPath,
      [MAILCHECK_JS, 'host', `${h.name}:${h.ports.submission}`, ...['--policy', dialoguePolicy, ...common]],
      true,
    );
    const testsslRun = await time(
      'TLS protocols (STARTTLS port)',
      'testssl',
      testssl,
      [
        ...['--starttls', 'smtp', '-p', '--quiet', '--color', '0', '--warnings', 'off', '--nodns', 'none'],
        `${h.address}:${h.ports.smtp}`,
      ],
      false,
      { env: TESTSSL_ENV },
    );
    const mcProtocols = await time(
      'TLS protocols (STARTTLS port)',
      'mailcheck',
      process.execPath,
      [MAILCHECK_JS, 'host', `${h.name}:${h.ports.smtp}`, ...['--policy', protocolPolicy, ...common]],
      true,
    );
    const full = await time(
      'full scan (3 ports)',
      'mailcheck',
      process.execPath,
      [
        MAILCHECK_JS,
        'host',
        h.name,
        ...['-p', String(h.ports.smtp), '-p', String(h.ports.submission), '-p', String(h.ports.smtps)],
        ...common,
      ],
      true,
    );

    // testssl's default run (everything but -E and -g), once: it takes minutes. `--warnings batch`
    // answers its prompts "no" (it stops rather than go on with results it calls unreliable). Its
    // exit code is the sum of its tests' return codes; its own errors are 242 and above.
    if (fullTestssl) log('testssl full default run (once; this takes minutes) ...');
    const testsslFull = fullTestssl
      ? await time(
          'full default run (STARTTLS port)',
          'testssl',
          testssl,
          [
            ...['--starttls', 'smtp', '--quiet', '--color', '0', '--warnings', 'batch', '--nodns', 'none'],
            `${h.address}:${h.ports.smtp}`,
          ],
          false,
          { times: 1, timeoutMs: FULL_TESTSSL_TIMEOUT_MS, env: TESTSSL_ENV, resultExit: (c) => c < 242 },
        )
      : undefined;

    const ratio = (a: Task, b: number) => Math.round((wallOf(a) / b) * 100) / 100;
    const speedUp = (a: Task, b: number) => Math.round((b / wallOf(a)) * 10) / 10;
    const pairs = [
      { task: 'dialogue (submission)', ours: mcDialogue, theirs: 'swaks', theirsMs: wallOf(swaksRun) },
      {
        task: 'TLS protocols (STARTTLS port)',
        ours: mcProtocols,
        theirs: 'testssl -p',
        theirsMs: wallOf(testsslRun),
      },
      {
        task: 'full scan (3 ports) vs swaks + testssl',
        ours: full,
        theirs: 'swaks + testssl -p',
        theirsMs: wallOf(swaksRun) + wallOf(testsslRun),
      },
      ...(testsslFull
        ? [
            {
              task: 'full scan (3 ports) vs testssl full run (1 port)',
              ours: full,
              theirs: 'testssl (default run)',
              theirsMs: wallOf(testsslFull),
            },
          ]
        : []),
    ];
    const table = new Table({
      head: [
        'task',
        'tool',
        'wall ms (median)',
        'mailcheck scan ms',
        'CPU s',
        'TCP conns',
        'TLS handshakes',
        'runs',
        'exit codes',
      ],
      style: { head: [], border: [] },
    });
    for (const t of tasks) {
      table.push([
        t.task,
        t.tool,
        wallOf(t),
        t.scanMs ?? '—',
        cpuOf(t),
        t.connections,
        t.tlsHandshakes,
        t.runs.length,
        t.runs.map((r) => r.exitCode).join(','),
      ]);
    }
    const ratios = new Table({
      head: ['task', 'mailcheck ms', 'other ms', 'other', 'mailcheck / other', 'other / mailcheck'],
      style: { head: [], border: [] },
    });
    for (const p of pairs)
      ratios.push([
        p.task,
        wallOf(p.ours),
        p.theirsMs,
        p.theirs,
        ratio(p.ours, p.theirsMs),
        `${speedUp(p.ours, p.theirsMs)}x`,
      ]);
    console.log(`L = ${latencyMs} ms, DNS ${dnsDelayMs} ms, ${os.cpus().length} cores, ${process.version}`);
    console.log(table.toString());
    console.log(ratios.toString());
    if (testsslFull) {
      const x = speedUp(full, wallOf(testsslFull));
      console.log(
        `issue 6: mailcheck's full host scan is ${x}x faster than testssl's full default run ` +
          `(target >= 40x: ${x >= 40 ? 'met' : 'missed'}); testssl opened ${testsslFull.connections} ` +
          `TCP connections (${testsslFull.tlsHandshakes} completed TLS handshakes) to one port, ` +
          `mailcheck ${full.connections} (${full.tlsHandshakes}) to three`,
      );
    } else console.log('testssl full default run skipped (--no-full-testssl)');
    const doc = {
      bench: 'mailcheck vs swaks and testssl.sh (issue 6)',
      date: new Date().toISOString(),
      latencyMs,
      dnsDelayMs,
      cores: os.cpus().length,
      node: process.version,
      tasks: tasks.map((t) => ({
        task: t.task,
        tool: t.tool,
        command: t.command.replace(f.credentials.password, '<lab password>'),
        wallMs: wallOf(t),
        ...(t.scanMs !== undefined ? { scanMs: t.scanMs } : {}),
        runsMs: t.runs.map((r) => Math.round(r.wallMs)),
        cpuS: cpuOf(t),
        connections: t.connections,
        tlsHandshakes: t.tlsHandshakes,
        exitCodes: t.runs.map((r) => r.exitCode),
        peakRssMb: Math.round(Math.max(...t.runs.map((r) => r.maxRssKb)) / 102.4) / 10,
      })),
      ratios: pairs.map((p) => ({
        task: p.task,
        other: p.theirs,
        mailcheckMs: wallOf(p.ours),
        otherMs: p.theirsMs,
        ratio: ratio(p.ours, p.theirsMs),
        speedUp: speedUp(p.ours, p.theirsMs),
      })),
    };
    if (values.json) console.log(JSON.stringify(doc, null, 2));
    if (process.env.BENCH_OUT) fs.writeFileSync(process.env.BENCH_OUT, JSON.stringify(doc, null, 2) + '\n');
    return 0;
  });
}

runBenchMain(main);
