/**
 * The CSV reporter: one row per target × check, for spreadsheets and ad-hoc scripts.
 *
 * RFC 4180: CRLF line ends, a header row, fields quoted when they contain a comma, a double quote,
 * CR or LF, double quotes doubled. No byte-order mark: RFC 4180 has none, and most CSV readers
 * outside Excel would take it as part of the first column name.
 *
 * Spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with `=`, `+`, `-`, `@`,
 * TAB or CR is read as a formula by Excel, LibreOffice and Google Sheets, and much of what we
 * print came from a server (banners, reply lines, certificate subjects). Every text cell that
 * starts with one of those characters gets a leading apostrophe, which spreadsheets hide and
 * treat as "this is text". Only the numeric `duration_ms` column is left alone.
 *
 * A target with no check results (typically an unreachable one) still gets one row: its `check`
 * is empty, its `status` is `unreachable` (or `none` for a scanned target with nothing judged) and
 * its `message` says why.
 *
 * Streaming: the header is written in `begin`, each target's rows as it arrives; nothing is kept.
 */
import type { CheckResult, RenderOptions, TargetReport } from '../model/results.js';
import type { ReportSink, ReportWriter, SinkFactory } from './sink.js';
import { sanitize } from './format.js';

/** The columns, in order. */
export const CSV_COLUMNS = [
  'target',
  'target_name',
  'kind',
  'input',
  'roles',
  'state',
  'endpoint',
  'check',
  'status',
  'severity',
  'message',
  'evidence',
  'remediation',
  'duration_ms',
] as const;

const EOL = '\r\n';

/** Characters that make a spreadsheet read a cell as a formula when they come first. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell: made printable, guarded against formula injection. */
function textCell(value: string): string {
  const safe = sanitize(value);
  return FORMULA_START.test(safe) ? `'${safe}` : safe;
}

/** RFC 4180 §2: quote a field holding a comma, a double quote, CR or LF; double the quotes. */
function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

function line(fields: readonly string[]): string {
  return fields.map(quote).join(',') + EOL;
}

/** The target columns shared by every row of a target, as cells. */
function targetCells(t: TargetReport): string[] {
  return [
    textCell(t.displayName || t.name),
    textCell(t.name),
    t.kind,
    textCell(t.input),
    textCell(t.roles.join(' ')),
    t.state,
  ];
}

function checkRow(head: readonly string[], r: CheckResult, durationMs: string): string {
  return line([
    ...head,
    textCell(r.endpoint ?? ''),
    textCell(r.id),
    r.status,
    r.severity,
    textCell(r.message),
    textCell(r.evidence.join(' | ')),
    textCell(r.remediation?.summary ?? ''),
    durationMs,
  ]);
}

/** The single row of a target that has no check results. */
function emptyTargetRow(head: readonly string[], t: TargetReport, durationMs: string): string {
  const unreachable = t.state === 'unreachable';
  const why = t.error
    ? `${t.error.code}: ${t.error.message}`
    : unreachable
      ? 'not scanned'
      : 'no checks were run';
  return line([...head, '', '', unreachable ? 'unreachable' : 'none', '', textCell(why), '', '', durationMs]);
}

/** Streams the run as CSV. `color`, `transcript`, `verbose` and `quiet` do not apply. */
export const csvSink: SinkFactory = (out: ReportWriter, _opts: RenderOptions): ReportSink => ({
  begin() {
    out.write(line(CSV_COLUMNS));
  },
  target(t) {
    const head = targetCells(t);
    const ms = Number.isFinite(t.durationMs) ? String(Math.round(t.durationMs)) : '';
    if (t.checks.length === 0) {
      out.write(emptyTargetRow(head, t, ms));
      return;
    }
    // One write per target: fewer, larger writes for files and pipes.
    out.write(t.checks.map((r) => checkRow(head, r, ms)).join(''));
  },
  end() {
    // CSV has no trailer; an interrupted run simply has fewer targets.
  },
});
