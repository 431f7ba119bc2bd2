/**
 * Streaming reporters. A run is rendered as it happens: `begin` when it starts, `target` as each
 * target finishes (in finishing order, not input order), `end` once. A sink writes through a
 * {@link ReportWriter} and keeps only what its format must hold until the end (fleet rows,
 * counts); anything bigger it parks in a {@link Spool} (a temporary file), so memory stays flat
 * however many targets an audit has.
 *
 * Whole-report commands (host, domain, demo) render a finished Report with {@link renderWith}.
 */
import type { RenderOptions, Report, StatusCounts, TargetReport } from '../model/results.js';
import type { RunChanges } from '../model/changes.js';

/** Everything about a run that is known before the first target finishes. */
export type RunHeader = Omit<Report, 'targets' | 'summary' | 'durationMs' | 'interrupted' | 'changes'>;

/** Everything about a run that is known only at its end. */
export interface RunFooter {
  durationMs: number;
  /** Check status counts over all targets written. */
  summary: StatusCounts;
  /** Targets written (== targets scanned unless interrupted). */
  targetCount: number;
  /** Targets the run was asked to scan. */
  plannedCount: number;
  /** The run was stopped (Ctrl-C) before every target finished; only finished targets were written. */
  interrupted: boolean;
  /** What changed since the previous run, when a history database was given and had one. */
  changes?: RunChanges;
}

/** Where a sink writes: appends text; the caller decides whether it is a file, stdout or a string. */
export interface ReportWriter {
  write(chunk: string): void;
}

export interface ReportSink {
  begin(header: RunHeader): void;
  target(t: TargetReport): void;
  end(footer: RunFooter): void;
}

export type SinkFactory = (out: ReportWriter, opts: RenderOptions) => ReportSink;

/** Renders a finished report through a streaming sink and returns the text. */
export function renderWith(
  factory: SinkFactory,
  report: Report,
  opts: RenderOptions,
  changes?: RunChanges,
): string {
  const parts: string[] = [];
  const sink = factory({ write: (s) => void parts.push(s) }, opts);
  const { targets, summary, durationMs, interrupted, changes: reportChanges, ...header } = report;
  sink.begin(header);
  for (const t of targets) sink.target(t);
  sink.end({
    durationMs,
    summary,
    targetCount: targets.length,
    plannedCount: targets.length,
    interrupted: interrupted === true,
    ...((changes ?? reportChanges) ? { changes: changes ?? reportChanges } : {}),
  });
  return parts.join('');
}
