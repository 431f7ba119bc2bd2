/** Builders for history tests: small targets and results, runs written through the store. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { historyCommand } from '../../src/cli/history.js';
import { UsageError, type Io } from '../../src/cli/io.js';
import type { HistoryStore } from '../../src/history/store.js';
import {
  emptyCounts,
  type CheckResult,
  type Report,
  type Severity,
  type Status,
  type TargetReport,
} from '../../src/model/results.js';
import type { RunHeader } from '../../src/report/sink.js';

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'mailcheck-history-'));
}

export function loadSample(): Report {
  return JSON.parse(
    readFileSync(new URL('../fixtures/reports/sample-report.json', import.meta.url), 'utf8'),
  ) as Report;
}

export function header(startedAt: string, overrides: Partial<RunHeader> = {}): RunHeader {
  return {
    schemaVersion: '1.2.0',
    tool: { name: 'mailcheck', version: '0.1.0' },
    policy: { name: 'campus-baseline', source: 'built-in' },
    startedAt,
    options: { timeoutMs: 5000, ehlo: 'mailcheck.invalid' },
    ...overrides,
  };
}

export interface ResultSpec {
  endpoint?: string;
  severity?: Severity;
  messageId?: string;
  message?: string;
  data?: Record<string, unknown>;
}

export function result(id: string, status: Status, spec: ResultSpec = {}): CheckResult {
  return {
    id,
    status,
    severity: spec.severity ?? (status === 'warn' ? 'warn' : status === 'info' ? 'info' : 'fail'),
    ...(spec.endpoint !== undefined ? { endpoint: spec.endpoint } : {}),
    messageId: spec.messageId ?? (status === 'pass' ? 'ok' : status),
    message: spec.message ?? `${id} is ${status}`,
    evidence: [`evidence of ${id}`],
    ...(status === 'fail' || status === 'warn' ? { remediation: { summary: `fix ${id}` } } : {}),
    ...(spec.data ? { data: spec.data } : {}),
  };
}

export function target(
  input: string,
  checks: CheckResult[],
  opts: { kind?: 'host' | 'domain'; state?: TargetReport['state']; error?: string } = {},
): TargetReport {
  const summary = emptyCounts();
  for (const c of checks) summary[c.status]++;
  return {
    kind: opts.kind ?? 'host',
    name: input,
    displayName: input,
    input,
    roles: [],
    state: opts.state ?? (opts.error ? 'unreachable' : 'scanned'),
    ...(opts.error ? { error: { code: 'DNS_NXDOMAIN', message: opts.error } } : {}),
    checks,
    summary,
    // The store never reads facts.
    facts: {} as TargetReport['facts'],
    startedAt: '2026-11-21T02:00:00.000Z',
    durationMs: 12,
  };
}

/** Writes a whole run and returns its id; `status` decides how (or whether) it is finished. */
export function writeRun(
  store: HistoryStore,
  startedAt: string,
  targets: TargetReport[],
  status: 'complete' | 'interrupted' | 'running' = 'complete',
  meta: { plannedTargets?: number; inventory?: string } = {},
): number {
  const id = store.beginRun(header(startedAt), {
    plannedTargets: meta.plannedTargets ?? targets.length,
    ...(meta.inventory ? { inventory: meta.inventory } : {}),
  });
  for (const t of targets) store.recordTarget(id, t);
  if (status !== 'running') {
    const summary = emptyCounts();
    for (const t of targets) for (const k of Object.keys(summary) as Status[]) summary[k] += t.summary[k];
    store.finishRun(id, {
      durationMs: 1234,
      summary,
      targetCount: targets.length,
      plannedCount: meta.plannedTargets ?? targets.length,
      interrupted: status === 'interrupted',
    });
  }
  return id;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `mailcheck history ...` in-process through a program built around historyCommand, handling
 * errors as src/cli/program.ts's run() does (UsageError and commander errors: exit 2).
 */
export async function runHistory(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  let code = 0;
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: { NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
  };
  const out = { writeOut: (s: string) => io.stdout.write(s), writeErr: (s: string) => io.stderr.write(s) };
  const program = new Command('mailcheck').exitOverride().configureOutput(out);
  program.addCommand(
    historyCommand(io, (c) => (code = c))
      .exitOverride()
      .configureOutput(out),
  );
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      code = err.exitCode === 0 ? 0 : 2;
      if (err.code === 'commander.invalidArgument' && !err.message.startsWith('error:')) {
        stderr += `mailcheck: ${err.message}\n`;
      }
    } else if (err instanceof UsageError) {
      stderr += `mailcheck: ${err.message}\n`;
      code = 2;
    } else {
      throw err;
    }
  }
  return { code, stdout, stderr };
}
