/**
 * The Nagios reporter: output and exit code of a monitoring plugin, so Nagios, Icinga, Naemon,
 * Checkmk or Zabbix can run `mailcheck audit --format nagios` as a service check
 * (https://www.monitoring-plugins.org/doc/guidelines.html).
 *
 * Output: ONE status line, `MAILCHECK <STATE> - <summary> | <perfdata>`, then long text (the lines
 * after the first, shown in the service details): what changed since the previous run when a
 * history was given, then the failing, unreachable and warning targets with their check ids, at
 * most {@link MAX_LONG_LINES} lines followed by "… and N more". Perfdata is
 * `label=value[UOM];warn;crit;min;max` with no thresholds (the state is decided here, not by
 * thresholds) and a minimum of 0; labels are plain words, quoted only if they ever held a space.
 *
 * State (the sink's {@link NagiosSink.exitCode}, not our usual exit codes), first rule that applies:
 * 1. any check `fail` → CRITICAL (2);
 * 2. every target unreachable (or no target scanned) → UNKNOWN (3): the plugin could not check
 *    anything, which is more likely our network, DNS or inventory than all relays down at once;
 * 3. some target unreachable → CRITICAL (2): a relay or MX you own not answering is an outage;
 * 4. the run was interrupted → UNKNOWN (3): the targets not scanned might be failing;
 * 5. any check `warn` or `error` (could not be determined) → WARNING (1);
 * 6. otherwise OK (0); `info` and `skip` do not raise the state.
 * `--fail-on new` does not change the state: monitoring alerts on the state as it is (the long text
 * and a `new_failures` perfdata value tell what is new).
 *
 * Only counts and at most a few bounded lists of lines are kept, so memory is flat; everything is
 * written in `end`.
 */
import type { RunChanges } from '../model/changes.js';
import type { RenderOptions, StatusCounts, TargetReport } from '../model/results.js';
import { STATUSES } from '../model/results.js';
import type { ReportSink, ReportWriter, RunFooter, SinkFactory } from './sink.js';
import { fleetName, sanitize } from './format.js';

/** Plugin states and their exit codes (monitoring-plugins guidelines, "Plugin Return Codes"). */
export const NAGIOS_STATES = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type NagiosState = keyof typeof NAGIOS_STATES;

/** Long-text lines after the status line, before "… and N more". */
export const MAX_LONG_LINES = 50;

/** Check ids listed per target line before "+N more". */
const MAX_IDS_PER_LINE = 10;

/** A sink whose exit code follows the plugin convention; call {@link exitCode} after `end`. */
export interface NagiosSink extends ReportSink {
  /** 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; UNKNOWN (3) until `end` has run. */
  exitCode(): number;
}

/** What the state is decided from: target counts and check counts. */
export interface NagiosTally {
  targets: number;
  unreachable: number;
  interrupted: boolean;
  checks: StatusCounts;
}

/** The plugin state for a run; the rule is in the module comment. */
export function nagiosState(t: NagiosTally): NagiosState {
  if (t.checks.fail > 0) return 'CRITICAL';
  if (t.targets === 0 || t.unreachable === t.targets) return 'UNKNOWN';
  if (t.unreachable > 0) return 'CRITICAL';
  if (t.interrupted) return 'UNKNOWN';
  if (t.checks.warn > 0 || t.checks.error > 0) return 'WARNING';
  return 'OK';
}

/**
 * Plugin output text: on one line, and without `|`, which starts performance data on any line.
 * Control characters become visible escapes (`sanitize`).
 */
function clean(text: string): string {
  return sanitize(text).replace(/\|/g, '/');
}

/** A perfdata label, quoted when it holds a space, `=` or a quote (quotes doubled). */
function perfLabel(label: string): string {
  return /[\s='|]/.test(label) ? `'${label.replace(/'/g, "''").replace(/\|/g, '/')}'` : label;
}

function perf(label: string, value: string | number, uom = ''): string {
  return `${perfLabel(label)}=${value}${uom};;;0`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A bounded list of lines: keeps the first `limit`, counts the rest. */
class LineBucket {
  readonly lines: string[] = [];
  dropped = 0;
  constructor(private readonly limit: number) {}
  add(line: string): void {
    if (this.lines.length < this.limit) this.lines.push(line);
    else this.dropped++;
  }
}

/** Unique check ids of the results with one of `statuses`, in order, cut to a few. */
function idList(t: TargetReport, statuses: ReadonlySet<string>): string | undefined {
  const ids = [...new Set(t.checks.filter((r) => statuses.has(r.status)).map((r) => r.id))];
  if (ids.length === 0) return undefined;
  const shown = ids.slice(0, MAX_IDS_PER_LINE).map(clean).join(', ');
  return ids.length > MAX_IDS_PER_LINE ? `${shown} +${ids.length - MAX_IDS_PER_LINE} more` : shown;
}

const FAIL: ReadonlySet<string> = new Set(['fail']);
const WARNING: ReadonlySet<string> = new Set(['warn', 'error']);

function changeLines(c: RunChanges): string[] {
  const since = `since run ${c.previous.id}`;
  const lines: string[] = [];
  if (c.newFailures.length > 0) {
    lines.push(`${count(c.newFailures.length, 'new failure')} ${since}:`);
    for (const f of c.newFailures) {
      lines.push(`  ${clean(f.displayName)} ${clean(f.check)}${f.endpoint ? ` ${clean(f.endpoint)}` : ''}`);
    }
  }
  if (c.newlyUnreachable.length > 0) {
    lines.push(`${count(c.newlyUnreachable.length, 'target')} newly unreachable ${since}:`);
    for (const u of c.newlyUnreachable) {
      lines.push(`  ${clean(u.displayName)}${u.reason ? `: ${clean(u.reason)}` : ''}`);
    }
  }
  if (c.expiringCertificates.length > 0) {
    lines.push(`${count(c.expiringCertificates.length, 'certificate')} expiring:`);
    for (const e of c.expiringCertificates) {
      const when = e.days < 0 ? `expired ${count(-e.days, 'day')} ago` : `in ${count(e.days, 'day')}`;
      lines.push(`  ${clean(e.displayName)}${e.endpoint ? ` ${clean(e.endpoint)}` : ''} ${when}`);
    }
  }
  const counts: string[] = [];
  if (c.fixed.length > 0) counts.push(`${count(c.fixed.length, 'check')} fixed`);
  if (c.recovered.length > 0) counts.push(`${count(c.recovered.length, 'target')} reachable again`);
  if (c.added.length > 0) counts.push(`${count(c.added.length, 'target')} added`);
  if (c.removed.length > 0) counts.push(`${count(c.removed.length, 'target')} removed`);
  if (counts.length > 0) lines.push(`${counts.join(', ')} ${since}`);
  return lines;
}

function summaryText(t: NagiosTally, failing: number, footer: RunFooter): string {
  const parts: string[] = [];
  if (t.targets === 0) parts.push('no targets scanned');
  else if (t.checks.fail > 0) {
    parts.push(`${failing} of ${count(t.targets, 'target')} failing (${count(t.checks.fail, 'check')})`);
    if (t.unreachable > 0) parts.push(`${t.unreachable} unreachable`);
  } else if (t.unreachable === t.targets) {
    parts.push(t.targets === 1 ? 'the target is unreachable' : `all ${t.targets} targets unreachable`);
  } else if (t.unreachable > 0) {
    parts.push(`${t.unreachable} of ${count(t.targets, 'target')} unreachable`);
  } else {
    parts.push(`${count(t.targets, 'target')} scanned, no failures`);
    if (t.checks.warn > 0) parts.push(count(t.checks.warn, 'warning'));
    if (t.checks.error > 0) parts.push(`${count(t.checks.error, 'check')} undetermined`);
  }
  const news = footer.changes?.newFailures.length ?? 0;
  if (footer.changes && news > 0)
    parts.push(`${count(news, 'new failure')} since run ${footer.changes.previous.id}`);
  if (footer.interrupted) parts.push(`interrupted after ${t.targets} of ${footer.plannedCount} targets`);
  return parts.join(', ');
}

/** Streams the run as monitoring-plugin output; see {@link NagiosSink.exitCode}. */
export const nagiosSink = ((out: ReportWriter, _opts: RenderOptions): NagiosSink => {
  let targets = 0;
  let unreachable = 0;
  let failing = 0;
  let code: number = NAGIOS_STATES.UNKNOWN;
  const failLines = new LineBucket(MAX_LONG_LINES);
  const unreachableLines = new LineBucket(MAX_LONG_LINES);
  const warnLines = new LineBucket(MAX_LONG_LINES);
  return {
    begin() {},
    target(t) {
      targets++;
      const name = clean(fleetName(t));
      if (t.state === 'unreachable') {
        unreachable++;
        const why = t.error ? clean(`${t.error.code}: ${t.error.message}`) : 'not scanned';
        unreachableLines.add(`UNREACHABLE ${name}: ${why}`);
      }
      const failed = idList(t, FAIL);
      if (failed) {
        failing++;
        failLines.add(`FAIL ${name}: ${failed}`);
        return;
      }
      const warned = idList(t, WARNING);
      if (warned) warnLines.add(`WARN ${name}: ${warned}`);
    },
    end(footer) {
      const tally: NagiosTally = {
        targets,
        unreachable,
        interrupted: footer.interrupted,
        checks: footer.summary,
      };
      const state = nagiosState(tally);
      code = NAGIOS_STATES[state];
      const perfdata = [
        perf('targets', targets),
        perf('failing', failing),
        perf('unreachable', unreachable),
        ...STATUSES.map((s) => perf(s, footer.summary[s])),
        perf('duration', Number.isFinite(footer.durationMs) ? (footer.durationMs / 1000).toFixed(3) : 0, 's'),
      ];
      if (footer.changes) perfdata.push(perf('new_failures', footer.changes.newFailures.length));
      const first = `MAILCHECK ${state} - ${summaryText(tally, failing, footer)} | ${perfdata.join(' ')}`;

      const long = [
        ...(footer.changes ? changeLines(footer.changes) : []),
        ...failLines.lines,
        ...unreachableLines.lines,
        ...warnLines.lines,
      ];
      let more = failLines.dropped + unreachableLines.dropped + warnLines.dropped;
      if (long.length > MAX_LONG_LINES) {
        more += long.length - MAX_LONG_LINES;
        long.length = MAX_LONG_LINES;
      }
      if (more > 0) long.push(`… and ${more} more`);
      out.write([first, ...long].map((l) => `${l}\n`).join(''));
    },
    exitCode() {
      return code;
    },
  };
}) satisfies SinkFactory;
