/**
 * Text and JSON for `mailcheck history list|show|diff`, and the "changes since the previous run"
 * section as plain lines for reporters to reuse. Everything a server or an inventory could have
 * put in a name, message or reason passes through `sanitize`; colour only when asked for, and with
 * colour off the text contains no escape sequence.
 */
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { RunChanges } from '../model/changes.js';
import { regressionCount } from '../model/changes.js';
import { STATUSES, type CheckResult, type Status, type StatusCounts } from '../model/results.js';
import { chalkOf, paint, renderChangesLines, shortTime } from '../report/changes-text.js';
import { formatSeconds, sanitize, statusLabel } from '../report/format.js';
import type { RunRow, RunState, TargetRow } from './store.js';

export interface HistoryRenderOptions {
  color: boolean;
}

// --- history list --------------------------------------------------------------------------------

/** A run as `history list` shows it: the row, its state, and its changes against its baseline. */
export interface RunListEntry {
  run: RunRow;
  state: RunState;
  /** Changes against the run's previous complete run; absent when it has none. */
  changes?: RunChanges;
}

function targetsCell(run: RunRow): string {
  return run.targetCount === run.plannedTargets
    ? String(run.targetCount)
    : `${run.targetCount}/${run.plannedTargets}`;
}

function stateCell(c: ChalkInstance, s: RunState): string {
  switch (s.state) {
    case 'complete':
      return s.label;
    case 'running':
      return c.cyan(s.label);
    case 'interrupted':
      return c.yellow(s.label);
    case 'incomplete':
      return c.red(s.label);
  }
}

/** The table of runs, newest first, or a line saying there are none. */
export function renderRunList(
  entries: readonly RunListEntry[],
  file: string,
  opts: HistoryRenderOptions,
): string {
  const c = chalkOf(opts.color);
  if (entries.length === 0) return `no runs in ${sanitize(file)} yet\n`;
  const head = [
    'run',
    'started',
    'duration',
    'status',
    'targets',
    'pass',
    'warn',
    'fail',
    'error',
    'new',
    'fixed',
  ];
  const table = new Table({
    head: head.map((h) => c.bold(h)),
    colAligns: [
      'right',
      'left',
      'right',
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
    ],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: [], border: [] },
  });
  for (const { run, state, changes } of entries) {
    const s = run.summary;
    const count = (status: Status) => (s[status] > 0 ? paint(c, status, String(s[status])) : '0');
    const news = changes ? changes.newFailures.length + changes.newlyUnreachable.length : undefined;
    const fixed = changes ? changes.fixed.length + changes.recovered.length : undefined;
    table.push([
      String(run.id),
      shortTime(run.startedAt),
      run.durationMs !== undefined ? formatSeconds(run.durationMs) : '–',
      stateCell(c, state),
      targetsCell(run),
      count('pass'),
      count('warn'),
      count('fail'),
      count('error'),
      news === undefined ? '–' : news > 0 ? c.red.bold(String(news)) : '0',
      fixed === undefined ? '–' : fixed > 0 ? c.green(String(fixed)) : '0',
    ]);
  }
  return (
    `${table.toString()}\n` +
    'new: new failures and newly unreachable targets, fixed: fixed checks and targets reachable again,\n' +
    'each against the previous complete run (– : none before it)\n'
  );
}

/** The JSON of `history list`: the runs with their state and change counts. */
export function runListJson(entries: readonly RunListEntry[]): string {
  const runs = entries.map(({ run, state, changes }) => ({
    ...run,
    state: state.state,
    stateLabel: state.label,
    changes: changes
      ? {
          previous: changes.previous.id,
          regressions: regressionCount(changes),
          newFailures: changes.newFailures.length,
          fixed: changes.fixed.length,
          newlyUnreachable: changes.newlyUnreachable.length,
          recovered: changes.recovered.length,
          otherChanges: changes.otherChanges.length,
          added: changes.added.length,
          removed: changes.removed.length,
          expiringCertificates: changes.expiringCertificates.length,
        }
      : null,
  }));
  return `${JSON.stringify({ runs }, null, 2)}\n`;
}

// --- history show --------------------------------------------------------------------------------

function countsLine(s: StatusCounts): string {
  return STATUSES.map((st) => `${s[st]} ${st}`).join(', ');
}

/** The heading of `history show`: what the run was and how it went. */
export function renderRunHeader(run: RunRow, state: RunState, opts: HistoryRenderOptions): string[] {
  const c = chalkOf(opts.color);
  const policy = `${sanitize(run.policy.name)}${run.policy.source === 'built-in' ? ' (built-in)' : ' (file)'}`;
  const lines = [
    c.bold(`Run ${run.id}`) + ` · ${stateCell(c, state)}`,
    `  started    ${shortTime(run.startedAt)}`,
    `  finished   ${run.finishedAt ? shortTime(run.finishedAt) : '–'}${run.durationMs !== undefined ? ` (${formatSeconds(run.durationMs)})` : ''}`,
    `  policy     ${policy} · mailcheck ${sanitize(run.tool.version)}`,
  ];
  if (run.inventory !== undefined) lines.push(`  inventory  ${sanitize(run.inventory)}`);
  lines.push(
    `  targets    ${run.targetCount === run.plannedTargets ? run.targetCount : `${run.targetCount} of ${run.plannedTargets}`}`,
    `  checks     ${countsLine(run.summary)}`,
  );
  return lines;
}

/** The per-target counts table of `history show`. */
export function renderTargetTable(targets: readonly TargetRow[], opts: HistoryRenderOptions): string[] {
  const c = chalkOf(opts.color);
  const table = new Table({
    head: ['target', 'kind', 'state', ...STATUSES].map((h) => c.bold(h)),
    colAligns: ['left', 'left', 'left', ...STATUSES.map(() => 'right' as const)],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: [], border: [] },
  });
  for (const t of targets) {
    const state =
      t.state === 'scanned' ? t.state : paint(c, t.state === 'partial' ? 'warn' : 'fail', t.state);
    table.push([
      sanitize(t.displayName),
      t.kind,
      state,
      ...STATUSES.map((s) => (t.summary[s] > 0 ? paint(c, s, String(t.summary[s])) : '0')),
    ]);
  }
  return table.toString().split('\n');
}

const PROBLEM: ReadonlySet<Status> = new Set<Status>(['fail', 'error', 'warn']);

/**
 * A target's problems for `history show`: its unreachable reason, and each failing, erroring or
 * warning check with its endpoint and message. No lines for a target without problems.
 */
export function renderTargetProblems(
  t: TargetRow,
  checks: readonly CheckResult[],
  opts: HistoryRenderOptions,
): string[] {
  const c = chalkOf(opts.color);
  const problems = checks.filter((r) => PROBLEM.has(r.status));
  if (problems.length === 0 && t.state === 'scanned') return [];
  const lines = [`${c.bold(sanitize(t.displayName))} (${t.kind}, ${t.state})`];
  if (t.error)
    lines.push(`  ${paint(c, t.state === 'unreachable' ? 'fail' : 'warn', sanitize(t.error.message))}`);
  for (const r of problems) {
    const at = r.endpoint ? `  ${r.endpoint}` : '';
    lines.push(`  ${paint(c, r.status, statusLabel(r.status))}  ${r.id}${at}  ${sanitize(r.message)}`);
  }
  return lines;
}

/** JSON of `history show`, written piece by piece so a large run is never held whole. */
export class RunShowJson {
  private first = true;
  constructor(private readonly write: (s: string) => void) {}

  begin(run: RunRow, state: RunState): void {
    const head = JSON.stringify({ run: { ...run, state: state.state, stateLabel: state.label } }, null, 2);
    // Reopen the object to append the targets array.
    this.write(`${head.slice(0, -2)},\n  "targets": [`);
  }

  target(t: TargetRow, checks: readonly CheckResult[]): void {
    const text = JSON.stringify({ ...t, checks }, null, 2).replace(/\n/g, '\n    ');
    this.write(`${this.first ? '\n    ' : ',\n    '}${text}`);
    this.first = false;
  }

  end(): void {
    this.write(this.first ? ']\n}\n' : '\n  ]\n}\n');
  }
}

// --- history diff --------------------------------------------------------------------------------

/** `history diff` as text. */
export function renderDiff(changes: RunChanges, opts: HistoryRenderOptions): string {
  return `${renderChangesLines(changes, opts).join('\n')}\n`;
}

/** `history diff` as JSON: the RunChanges document itself. */
export function diffJson(changes: RunChanges): string {
  return `${JSON.stringify(changes, null, 2)}\n`;
}
