/**
 * An audit run: a streamed scan of many targets whose results go, as each target finishes, to a
 * reporter (sink), to the history database (one transaction per target) and to the progress
 * display — and nowhere else, so memory stays flat. At the end it asks the history what changed
 * since the previous complete run and works out the exit code (`--fail-on any|new`).
 */
import type { RunChanges } from '../model/changes.js';
import { regressionCount } from '../model/changes.js';
import type { TargetReport } from '../model/results.js';
import type { ReportSink, RunFooter, RunHeader } from '../report/sink.js';
import { SCHEMA_VERSION } from '../report/json.js';
import { VERSION } from '../version.js';
import {
  requiredErrors,
  scanExitCode,
  scanStream,
  type HostScanRequest,
  type StreamOutcome,
} from './scan.js';

/** What an audit needs of the history database (src/history/store.ts implements it). */
export interface RunRecorder {
  beginRun(header: RunHeader, meta: { plannedTargets: number; inventory?: string }): number;
  recordTarget(runId: number, t: TargetReport): void;
  finishRun(runId: number, footer: RunFooter): void;
  /** The latest complete run before this one: the baseline for "what changed". */
  previousComplete(beforeRunId: number): { id: number } | undefined;
  changes(previousId: number, currentId: number): RunChanges;
}

/** Running totals the progress display and the exit code need. */
export interface AuditTally {
  done: number;
  total: number;
  /** Targets with at least one failing check. */
  failing: number;
  unreachable: number;
  /** Checks the policy requires (severity fail) that could not be determined. */
  requiredErrors: number;
}

export type FailOn = 'any' | 'new';

export interface AuditRequest {
  scan: HostScanRequest;
  sink: ReportSink;
  recorder?: RunRecorder;
  /** Recorded with the run (the inventory file's path). */
  inventory?: string;
  signal?: AbortSignal;
  onProgress?: (tally: AuditTally) => void;
}

export interface AuditResult {
  outcome: StreamOutcome;
  tally: AuditTally;
  runId?: number;
  changes?: RunChanges;
}

/** Exit code 130 (128 + SIGINT), as shells report a command stopped with Ctrl-C. */
export const INTERRUPTED_EXIT = 130;

export async function runAudit(a: AuditRequest): Promise<AuditResult> {
  const header: RunHeader = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mailcheck', version: VERSION },
    policy: { name: a.scan.policy.name, source: a.scan.policy.source },
    startedAt: new Date().toISOString(),
    options: a.scan.options,
  };
  const tally: AuditTally = {
    done: 0,
    total: a.scan.targets.length,
    failing: 0,
    unreachable: 0,
    requiredErrors: 0,
  };
  const runId = a.recorder?.beginRun(header, {
    plannedTargets: tally.total,
    ...(a.inventory ? { inventory: a.inventory } : {}),
  });
  a.sink.begin(header);
  a.onProgress?.(tally);
  const outcome = await scanStream(
    a.scan,
    (t) => {
      if (runId !== undefined) a.recorder!.recordTarget(runId, t);
      a.sink.target(t);
      tally.done++;
      if (t.summary.fail > 0) tally.failing++;
      if (t.state === 'unreachable') tally.unreachable++;
      tally.requiredErrors += requiredErrors(t);
      a.onProgress?.(tally);
    },
    a.signal,
  );
  const footer: RunFooter = {
    durationMs: outcome.durationMs,
    summary: outcome.summary,
    targetCount: outcome.finished,
    plannedCount: tally.total,
    interrupted: outcome.interrupted,
  };
  let changes: RunChanges | undefined;
  if (runId !== undefined) {
    // Finished first, so the comparison names this run as complete (or interrupted).
    a.recorder!.finishRun(runId, footer);
    const previous = a.recorder!.previousComplete(runId);
    if (previous) footer.changes = changes = a.recorder!.changes(previous.id, runId);
  }
  a.sink.end(footer);
  return { outcome, tally, ...(runId !== undefined ? { runId } : {}), ...(changes ? { changes } : {}) };
}

/**
 * The exit code of an audit. `any`: as every scan (1 a check failed, else 3 a target could not be
 * scanned or a required check could not be determined, else 0). `new`, the nightly setting: 1 only
 * for regressions since the previous complete run (new failures, targets newly unreachable), else 0;
 * with no previous run to compare with, everything is new and it behaves as `any`. An interrupted
 * run exits 130 whatever it found.
 */
export function auditExitCode(r: AuditResult, failOn: FailOn): number {
  if (r.outcome.interrupted) return INTERRUPTED_EXIT;
  if (failOn === 'new' && r.changes) return regressionCount(r.changes) > 0 ? 1 : 0;
  return scanExitCode({ failed: r.outcome.summary.fail, ...r.tally });
}
