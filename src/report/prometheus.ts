/**
 * The Prometheus reporter: a file for node_exporter's textfile collector (text exposition format
 * 0.0.4), so a nightly audit feeds dashboards and alert rules.
 *
 * node_exporter reads the file whenever it is scraped, so the caller must write it atomically:
 * write `NAME.prom.$$` in the collector directory, then rename it to `NAME.prom`. The collector
 * rejects samples with timestamps and the whole file on a duplicate series, so there are no
 * timestamps, and series are made unique here (see below).
 *
 * Metrics (all gauges):
 * - `mailcheck_run_info{version,policy} 1`, `mailcheck_run_timestamp_seconds` (start),
 *   `mailcheck_run_duration_seconds`, `mailcheck_run_interrupted` (0/1), `mailcheck_run_targets`,
 *   `mailcheck_run_targets_planned`, `mailcheck_run_checks{status}`; with a history,
 *   `mailcheck_run_new_failures`, `mailcheck_run_newly_unreachable`, `mailcheck_run_fixed`;
 * - per target: `mailcheck_target_up{target,kind,display}` (0 when unreachable),
 *   `mailcheck_target_scan_duration_seconds{target,kind}`, `mailcheck_target_checks{target,kind,status}`
 *   (every status, zeros included);
 * - per check: `mailcheck_check_status{target,kind,check,endpoint,status} 1`, one sample for the
 *   status the check has (state-set style: alert on `mailcheck_check_status{status="fail"} == 1`),
 *   and `mailcheck_check_failed{target,kind,check,endpoint}` 0/1 for simpler rules;
 *   `mailcheck_cert_expiry_days{target,kind,endpoint}` from `tls.cert_expiry` results that know
 *   the days left.
 *
 * Labels: `target` is the normalised name (punycode for IDN, ASCII and stable across runs), or
 * for a host listed with its port (`mail.example.edu:2525`) that host:port; the
 * Unicode form is the `display` label on `mailcheck_target_up` only, to be joined in where wanted.
 * `kind` is on every target and check series, so a host and a domain of the same name stay apart.
 * `endpoint` is "address:port", empty for target-level checks. A target named twice with the same
 * kind (which only a duplicate inventory entry can cause) gets `target="name#2"`; a check reported
 * twice for the same endpoint within a target keeps its worst status (fewest days for expiry).
 *
 * Each family's samples must be contiguous, and targets arrive one at a time, so each per-target
 * family is written to its own {@link Spool} and the file is assembled in `end`, families without
 * samples left out. Memory keeps one small map entry per target name.
 */
import type { CheckResult, RenderOptions, Status, TargetReport } from '../model/results.js';
import { STATUSES } from '../model/results.js';
import type { ReportSink, ReportWriter, RunHeader, SinkFactory } from './sink.js';
import { fleetName } from './format.js';
import { Spool } from './spool.js';

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** Escapes a label value: backslash, double quote and line feed (exposition format 0.0.4). */
export function labelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed. */
function helpText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value: integers as they are, fractions as JavaScript prints them, NaN and ±Inf by name. */
function value(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function sample(name: string, labels: ReadonlyArray<readonly [string, string]>, v: number): string {
  const ls = labels.map(([k, val]) => `${k}="${labelValue(val)}"`).join(',');
  return `${name}${ls ? `{${ls}}` : ''} ${value(v)}\n`;
}

function familyHead(name: string, help: string): string {
  return `# HELP ${name} ${helpText(help)}\n# TYPE ${name} gauge\n`;
}

/** The per-target and per-check families, in output order. */
const TARGET_FAMILIES = {
  mailcheck_target_up: 'Whether the target could be scanned (0 when unreachable).',
  mailcheck_target_scan_duration_seconds: 'Time the scan of the target took.',
  mailcheck_target_checks: 'Check results of the target by status.',
  mailcheck_check_status: 'Status of a check on a target or endpoint: 1 for the status it has.',
  mailcheck_check_failed: 'Whether a check failed (status fail).',
  mailcheck_cert_expiry_days: 'Whole days until the server certificate expires (negative: expired).',
} as const;
type TargetFamily = keyof typeof TARGET_FAMILIES;

/** Worst first: which of two results for the same check and endpoint a series shows. */
const STATUS_RANK: Readonly<Record<Status, number>> = {
  fail: 5,
  error: 4,
  warn: 3,
  info: 2,
  skip: 1,
  pass: 0,
};

/** Days left from a `tls.cert_expiry` result, when it says. */
function expiryDays(r: CheckResult): number | undefined {
  const d = r.data?.days;
  return typeof d === 'number' && Number.isFinite(d) ? d : undefined;
}

/** Streams the run as Prometheus text exposition. `color`, `transcript`, `verbose`, `quiet` do not apply. */
export const prometheusSink: SinkFactory = (out: ReportWriter, _opts: RenderOptions): ReportSink => {
  const spools = new Map<TargetFamily, Spool>(
    (Object.keys(TARGET_FAMILIES) as TargetFamily[]).map((f) => [f, new Spool()]),
  );
  const emit = (family: TargetFamily, text: string) => spools.get(family)!.write(text);
  /** Times each (kind, name) was seen, to keep `target` labels unique. */
  const seen = new Map<string, number>();
  let header: RunHeader | undefined;

  function targetLabel(t: TargetReport): string {
    // A host listed with its port (mail.example.edu:2525) is its own series: one host may be
    // listed once per port. Otherwise the normalised name.
    const listed = fleetName(t);
    const name =
      listed !== (t.displayName || t.name) && PRINTABLE_ASCII.test(listed) ? listed.toLowerCase() : t.name;
    const key = `${t.kind}\u0000${name}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? name : `${name}#${n}`;
  }

  return {
    begin(h) {
      header = h;
    },
    target(t) {
      const target = targetLabel(t);
      const base = [['target', target] as const, ['kind', t.kind] as const];
      emit(
        'mailcheck_target_up',
        sample(
          'mailcheck_target_up',
          [...base, ['display', t.displayName || t.name]],
          t.state === 'unreachable' ? 0 : 1,
        ),
      );
      if (Number.isFinite(t.durationMs)) {
        emit(
          'mailcheck_target_scan_duration_seconds',
          sample('mailcheck_target_scan_duration_seconds', base, t.durationMs / 1000),
        );
      }
      emit(
        'mailcheck_target_checks',
        STATUSES.map((s) =>
          sample('mailcheck_target_checks', [...base, ['status', s]], t.summary[s] ?? 0),
        ).join(''),
      );

      // One series per (check, endpoint): a repeated pair keeps its worst status.
      const byKey = new Map<string, CheckResult>();
      const days = new Map<string, number>();
      for (const r of t.checks) {
        const key = `${r.id}\u0000${r.endpoint ?? ''}`;
        const prev = byKey.get(key);
        if (!prev || STATUS_RANK[r.status] > STATUS_RANK[prev.status]) byKey.set(key, r);
        const d = r.id === 'tls.cert_expiry' ? expiryDays(r) : undefined;
        if (d !== undefined) {
          const ep = r.endpoint ?? '';
          days.set(ep, Math.min(d, days.get(ep) ?? Infinity));
        }
      }
      let status = '';
      let failed = '';
      for (const r of byKey.values()) {
        const labels = [...base, ['check', r.id] as const, ['endpoint', r.endpoint ?? ''] as const];
        status += sample('mailcheck_check_status', [...labels, ['status', r.status]], 1);
        failed += sample('mailcheck_check_failed', labels, r.status === 'fail' ? 1 : 0);
      }
      emit('mailcheck_check_status', status);
      emit('mailcheck_check_failed', failed);
      let expiry = '';
      for (const [endpoint, d] of days) {
        expiry += sample('mailcheck_cert_expiry_days', [...base, ['endpoint', endpoint]], d);
      }
      emit('mailcheck_cert_expiry_days', expiry);
    },
    end(footer) {
      const run: string[] = [];
      const gauge = (name: string, help: string, lines: string) => run.push(familyHead(name, help) + lines);
      if (header) {
        gauge(
          'mailcheck_run_info',
          'Version of mailcheck and policy of the run.',
          sample(
            'mailcheck_run_info',
            [
              ['version', header.tool.version],
              ['policy', header.policy.name],
            ],
            1,
          ),
        );
        const started = Date.parse(header.startedAt);
        if (!Number.isNaN(started)) {
          gauge(
            'mailcheck_run_timestamp_seconds',
            'When the run started, in seconds since the Unix epoch.',
            sample('mailcheck_run_timestamp_seconds', [], started / 1000),
          );
        }
      }
      gauge(
        'mailcheck_run_duration_seconds',
        'Time the whole run took.',
        sample('mailcheck_run_duration_seconds', [], footer.durationMs / 1000),
      );
      gauge(
        'mailcheck_run_interrupted',
        'Whether the run was stopped before every target was scanned.',
        sample('mailcheck_run_interrupted', [], footer.interrupted ? 1 : 0),
      );
      gauge(
        'mailcheck_run_targets',
        'Targets scanned in the run.',
        sample('mailcheck_run_targets', [], footer.targetCount),
      );
      gauge(
        'mailcheck_run_targets_planned',
        'Targets the run was asked to scan.',
        sample('mailcheck_run_targets_planned', [], footer.plannedCount),
      );
      gauge(
        'mailcheck_run_checks',
        'Check results of the run by status.',
        STATUSES.map((s) => sample('mailcheck_run_checks', [['status', s]], footer.summary[s] ?? 0)).join(''),
      );
      const c = footer.changes;
      if (c) {
        gauge(
          'mailcheck_run_new_failures',
          'Checks failing now that did not fail in the previous run.',
          sample('mailcheck_run_new_failures', [], c.newFailures.length),
        );
        gauge(
          'mailcheck_run_newly_unreachable',
          'Targets unreachable now that were scanned in the previous run.',
          sample('mailcheck_run_newly_unreachable', [], c.newlyUnreachable.length),
        );
        gauge(
          'mailcheck_run_fixed',
          'Checks that failed in the previous run and do not now.',
          sample('mailcheck_run_fixed', [], c.fixed.length),
        );
      }
      out.write(run.join(''));
      for (const [family, spool] of spools) {
        if (spool.empty) {
          spool.dispose();
          continue;
        }
        out.write(familyHead(family, TARGET_FAMILIES[family]));
        spool.drainTo(out);
      }
    },
  };
};
