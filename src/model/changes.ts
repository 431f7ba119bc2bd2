/**
 * What changed between two runs of the same inventory (history): the report shows it, `--fail-on
 * new` exits on its regressions, and `mailcheck history diff A B` prints it.
 *
 * Targets are matched by {@link TargetReport.kind} and {@link TargetReport.input} (what the
 * inventory or command line named), checks by (check id, endpoint).
 */
import type { Status } from './results.js';

/** A check whose status moved between the runs; `absent` = the check had no result in that run. */
export interface CheckChange {
  targetKind: 'host' | 'domain';
  /** The target's input (its identity across runs). */
  target: string;
  /** Unicode name for display. */
  displayName: string;
  check: string;
  endpoint?: string;
  before: Status | 'absent';
  after: Status | 'absent';
  /** The check's message in the later run (or the earlier one when the check is now absent). */
  message: string;
}

/** A target that became unreachable, or reachable again. */
export interface TargetChange {
  targetKind: 'host' | 'domain';
  target: string;
  displayName: string;
  /** The error of the run in which it was unreachable. */
  reason?: string;
}

/** A certificate whose expiry is within the policy's warning window in the later run. */
export interface ExpiringCertificate {
  targetKind: 'host' | 'domain';
  target: string;
  displayName: string;
  endpoint?: string;
  /** Whole days left (negative: expired). */
  days: number;
  /** `validTo` of the certificate, ISO 8601, when known. */
  validTo?: string;
}

export interface RunChanges {
  /** The run compared against. */
  previous: { id: number; startedAt: string };
  /** The run described (absent while it is still being written). */
  current?: { id: number; startedAt: string };
  /** Checks now `fail` (or `error` on a check whose severity is fail) that were not before: regressions. */
  newFailures: CheckChange[];
  /** Checks that failed before and do not now. */
  fixed: CheckChange[];
  /** Other status moves (warn appearing or clearing, info, skip), for completeness. */
  otherChanges: CheckChange[];
  /** Targets unreachable now that were scanned before: regressions. */
  newlyUnreachable: TargetChange[];
  /** Targets scanned now that were unreachable before. */
  recovered: TargetChange[];
  /** Targets in this run and not the previous one, and the other way round. */
  added: TargetChange[];
  removed: TargetChange[];
  expiringCertificates: ExpiringCertificate[];
}

/** Regressions: what `--fail-on new` exits 1 for. */
export function regressionCount(c: RunChanges): number {
  return c.newFailures.length + c.newlyUnreachable.length;
}
