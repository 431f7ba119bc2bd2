/**
 * What changed between two stored runs, computed in SQL by joining the runs' results on (target
 * kind, target input, check id, endpoint, n): only the rows that changed reach JavaScript, so the
 * memory used stays small however many targets a fleet has.
 *
 * Rules (documented for `--fail-on new`, which exits on {@link regressionCount}):
 * - A result is *failing* when its status is `fail`, or `error` on a check whose severity is
 *   `fail` (the check could not be judged where the policy demands it).
 * - newFailures: failing now, not failing before. A check absent before counts as not failing,
 *   so the failures of a target new to this run ARE new failures (they are new to the nightly
 *   report, and the target is also listed under `added`).
 * - fixed: failing before, not failing now, or absent now while the target is still there and
 *   was scanned (an unreachable target says nothing about its checks).
 * - otherChanges: every other status move between two results (pass to warn, warn to pass, fail
 *   to error, ...), and a warn or non-failing error appearing or disappearing; a check appearing or
 *   disappearing as pass, info or skip is not a change (a new tool version's checks, a port
 *   closed), nor are the checks of added or removed targets.
 * - newlyUnreachable: unreachable now, and scanned before or new to this run (like failures, an
 *   unreachable new target is news); recovered: scanned now, unreachable before.
 * - added / removed: targets in one run only. Removed targets are not reported when the later
 *   run stored fewer targets than it planned (interrupted, killed, or still being written) — its
 *   missing targets were simply not scanned.
 * - expiringCertificates: `tls.cert_expiry` results of the later run that report days left
 *   (expiring, expired, an intermediate expiring) with status warn or fail — the policy's warning
 *   window — or, with `expiryWarnDays`, every such result with at most that many days left. They
 *   are listed on every run, not only when new: expiry approaching is what a nightly report is for.
 *
 * Lists are ordered by target input, kind, then the check's place in the report.
 */
import type Database from 'better-sqlite3';
import type { CheckChange, ExpiringCertificate, RunChanges, TargetChange } from '../model/changes.js';
import type { Severity, Status } from '../model/results.js';
import type { RunRow } from './store.js';

export interface ChangeOptions {
  /**
   * List certificates with at most this many days left, whatever their status; default: those the
   * policy already warns or fails about.
   */
  expiryWarnDays?: number;
}

type Prepare = <R>(sql: string) => Database.Statement<unknown[], R>;

const FAILING = (t: string) => `(${t}.status = 'fail' OR (${t}.status = 'error' AND ${t}.severity = 'fail'))`;

/**
 * Results of the later run that differ from the earlier one (or have no counterpart there). Only
 * targets whose fingerprint changed are compared result by result; CROSS JOIN keeps SQLite's loop
 * order targets-first, which is what makes that cheap.
 */
const CURRENT_SIDE = `
SELECT c.kind, c.input, ct.display_name AS displayName, c.check_id AS checkId, c.endpoint, c.pos,
       c.status AS after, c.severity AS afterSeverity, c.message,
       p.status AS before, p.severity AS beforeSeverity, pt.state AS prevState
FROM targets ct
LEFT JOIN targets pt ON pt.run_id = @prev AND pt.kind = ct.kind AND pt.input = ct.input
CROSS JOIN results c ON c.run_id = ct.run_id AND c.kind = ct.kind AND c.input = ct.input
LEFT JOIN results p ON p.run_id = @prev AND p.kind = c.kind AND p.input = c.input
  AND p.check_id = c.check_id AND p.endpoint = c.endpoint AND p.n = c.n
WHERE ct.run_id = @cur AND pt.fingerprint IS NOT ct.fingerprint
  AND (
    (p.status IS NULL AND (${FAILING('c')} OR (pt.state IS NOT NULL AND c.status NOT IN ('pass', 'info', 'skip'))))
    OR p.status <> c.status
    OR (p.status = 'error' AND p.severity <> c.severity)
  )`;

/** Results of the earlier run with no counterpart in the later one, for targets still scanned. */
const PREVIOUS_SIDE = `
SELECT p.kind, p.input, ct.display_name AS displayName, p.check_id AS checkId, p.endpoint, p.pos,
       p.status AS before, p.severity AS beforeSeverity, p.message
FROM targets ct
CROSS JOIN targets pt ON pt.run_id = @prev AND pt.kind = ct.kind AND pt.input = ct.input
CROSS JOIN results p ON p.run_id = pt.run_id AND p.kind = pt.kind AND p.input = pt.input
LEFT JOIN results c ON c.run_id = @cur AND c.kind = p.kind AND c.input = p.input
  AND c.check_id = p.check_id AND c.endpoint = p.endpoint AND c.n = p.n
WHERE ct.run_id = @cur AND ct.state <> 'unreachable' AND pt.fingerprint <> ct.fingerprint
  AND c.check_id IS NULL AND p.status NOT IN ('pass', 'info', 'skip')`;

/** Targets in one run only, or reachable in one run and not the other. */
const TARGET_SIDE = `
SELECT c.kind, c.input, c.display_name AS displayName, p.state AS prevState, p.error_message AS prevError,
       c.state AS curState, c.error_message AS curError
FROM targets c
LEFT JOIN targets p ON p.run_id = @prev AND p.kind = c.kind AND p.input = c.input
WHERE c.run_id = @cur AND (p.state IS NULL OR (p.state = 'unreachable') <> (c.state = 'unreachable'))
UNION ALL
SELECT p.kind, p.input, p.display_name, p.state, p.error_message, NULL, NULL
FROM targets p
WHERE p.run_id = @prev
  AND NOT EXISTS (SELECT 1 FROM targets c WHERE c.run_id = @cur AND c.kind = p.kind AND c.input = p.input)
ORDER BY input, kind`;

/**
 * Days left: an expiring intermediate's own count, else the leaf's (`days`). Message ids whose days are not about an approaching expiry are
 * left out: not yet valid, an invalid intermediate (its count would be the leaf's), unreadable.
 */
const EXPIRY = `
SELECT kind, input, displayName, endpoint, days, validTo FROM (
  SELECT r.kind, r.input, t.display_name AS displayName, r.endpoint, r.pos, r.status,
         coalesce(json_extract(r.data_json, '$.intermediateDays'), json_extract(r.data_json, '$.days')) AS days,
         json_extract(r.data_json, '$.validTo') AS validTo
  FROM results r
  JOIN targets t ON t.run_id = r.run_id AND t.kind = r.kind AND t.input = r.input
  WHERE r.run_id = @cur AND r.check_id = 'tls.cert_expiry' AND r.data_json IS NOT NULL
    AND r.message_id NOT IN ('not-yet-valid', 'intermediate-invalid', 'unreadable', 'error')
)
WHERE typeof(days) IN ('integer', 'real')
  AND (CASE WHEN @threshold IS NULL THEN status IN ('warn', 'fail') ELSE days <= @threshold END)
ORDER BY input, kind, pos`;

/** Which result a row is: the target, the check and where it was judged. */
interface ResultRowKey {
  kind: 'host' | 'domain';
  input: string;
  displayName: string;
  checkId: string;
  endpoint: string;
  pos: number;
}

interface CurrentRow extends ResultRowKey {
  after: Status;
  afterSeverity: Severity;
  message: string;
  before: Status | null;
  beforeSeverity: Severity | null;
  prevState: string | null;
}

interface PreviousRow extends ResultRowKey {
  before: Status;
  beforeSeverity: Severity;
  message: string;
}

interface TargetSideRow {
  kind: 'host' | 'domain';
  input: string;
  displayName: string;
  prevState: string | null;
  prevError: string | null;
  curState: string | null;
  curError: string | null;
}

interface ExpiryRow {
  kind: 'host' | 'domain';
  input: string;
  displayName: string;
  endpoint: string;
  days: number;
  validTo: unknown;
}

/** The status counts as a failure: `fail`, or `error` where the policy's severity is `fail`. */
export function isFailing(status: Status | 'absent', severity?: Severity | null): boolean {
  return status === 'fail' || (status === 'error' && severity === 'fail');
}

interface Sorted {
  change: CheckChange;
  pos: number;
}

function byTargetThenPos(a: Sorted, b: Sorted): number {
  const x = a.change;
  const y = b.change;
  if (x.target !== y.target) return x.target < y.target ? -1 : 1;
  if (x.targetKind !== y.targetKind) return x.targetKind < y.targetKind ? -1 : 1;
  return a.pos - b.pos;
}

function checkChange(
  r: { kind: 'host' | 'domain'; input: string; displayName: string; checkId: string; endpoint: string },
  before: Status | 'absent',
  after: Status | 'absent',
  message: string,
): CheckChange {
  return {
    targetKind: r.kind,
    target: r.input,
    displayName: r.displayName,
    check: r.checkId,
    ...(r.endpoint !== '' ? { endpoint: r.endpoint } : {}),
    before,
    after,
    message,
  };
}

function targetChange(r: TargetSideRow, reason: string | null): TargetChange {
  return {
    targetKind: r.kind,
    target: r.input,
    displayName: r.displayName,
    ...(reason !== null ? { reason } : {}),
  };
}

/**
 * Computes the changes from `previous` to `current` with the store's prepared statements. Either
 * run may be in any state; see the module comment for the rules.
 */
export function computeChanges(
  prepare: Prepare,
  previous: RunRow,
  current: RunRow,
  opts: ChangeOptions = {},
): RunChanges {
  const ids = { prev: previous.id, cur: current.id };
  const newFailures: Sorted[] = [];
  const fixed: Sorted[] = [];
  const other: Sorted[] = [];

  for (const r of prepare<CurrentRow>(CURRENT_SIDE).iterate(ids)) {
    const before = r.before ?? 'absent';
    const change = { change: checkChange(r, before, r.after, r.message), pos: r.pos };
    const was = isFailing(before, r.beforeSeverity);
    const is = isFailing(r.after, r.afterSeverity);
    if (is && !was) newFailures.push(change);
    else if (was && !is) fixed.push(change);
    else if (r.prevState !== null) other.push(change);
  }
  for (const r of prepare<PreviousRow>(PREVIOUS_SIDE).iterate(ids)) {
    const change = { change: checkChange(r, r.before, 'absent', r.message), pos: r.pos };
    if (isFailing(r.before, r.beforeSeverity)) fixed.push(change);
    else other.push(change);
  }

  // A run that did not scan everything it planned cannot say a target was removed. (A run still
  // being written whose targets are all stored, as at the end of an audit, is complete enough.)
  const incomplete = current.status === 'interrupted' || current.targetCount < current.plannedTargets;
  const added: TargetChange[] = [];
  const removed: TargetChange[] = [];
  const newlyUnreachable: TargetChange[] = [];
  const recovered: TargetChange[] = [];
  for (const r of prepare<TargetSideRow>(TARGET_SIDE).all(ids)) {
    if (r.prevState === null) {
      added.push(targetChange(r, r.curError));
      if (r.curState === 'unreachable') newlyUnreachable.push(targetChange(r, r.curError));
    } else if (r.curState === null) {
      if (!incomplete) removed.push(targetChange(r, null));
    } else if (r.curState === 'unreachable') {
      newlyUnreachable.push(targetChange(r, r.curError));
    } else {
      recovered.push(targetChange(r, r.prevError));
    }
  }

  const threshold = opts.expiryWarnDays;
  if (threshold !== undefined && !Number.isFinite(threshold)) {
    throw new RangeError(`expiryWarnDays must be a number of days, not ${threshold}`);
  }
  const expiringCertificates: ExpiringCertificate[] = prepare<ExpiryRow>(EXPIRY)
    .all({ ...ids, threshold: threshold ?? null })
    .map((r) => ({
      targetKind: r.kind,
      target: r.input,
      displayName: r.displayName,
      ...(r.endpoint !== '' ? { endpoint: r.endpoint } : {}),
      days: Math.floor(r.days),
      ...(typeof r.validTo === 'string' ? { validTo: r.validTo } : {}),
    }));

  const sorted = (list: Sorted[]) => list.sort(byTargetThenPos).map((s) => s.change);
  return {
    previous: { id: previous.id, startedAt: previous.startedAt },
    // The run described is named only once it is no longer being written.
    ...(current.status !== 'running' ? { current: { id: current.id, startedAt: current.startedAt } } : {}),
    newFailures: sorted(newFailures),
    fixed: sorted(fixed),
    otherChanges: sorted(other),
    newlyUnreachable,
    recovered,
    added,
    removed,
    expiringCertificates,
  };
}
