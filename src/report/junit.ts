/**
 * The JUnit XML reporter, for CI dashboards (Jenkins, GitLab, Azure DevOps) that chart test results.
 *
 * Mapping:
 * - one `<testsuite>` per target: `name` is the display name, `hostname` the normalised name,
 *   `timestamp` the target's start (UTC, without zone, as the Ant JUnit schema wants), `time` its
 *   scan duration in seconds; `<properties>` carry kind, input, roles and state;
 * - one `<testcase>` per check result: `classname` is `mailcheck.<target name>.<area>` (dashboards
 *   split at the last dot, so the target becomes the package and the area the class), `name` is
 *   `<check id> <endpoint>` (just the id for target-level checks);
 * - `fail` → `<failure type="fail">` (message, evidence and fix in the body), `error` →
 *   `<error type="error">`, `skip` → `<skipped>`; JUnit has no warning, so `warn` and `info` are
 *   passed test cases whose `<system-out>` carries the message, evidence and fix;
 * - an unreachable target gets a `reachable` test case with an `<error>` whose type is the error code.
 *
 * The root `<testsuites>` element carries the totals, which are known only at the end, so each
 * rendered `<testsuite>` is parked in a {@link Spool} and the document is written in `end`. An
 * interrupted run gets `<properties><property name="interrupted" value="true"/>…</properties>` under
 * the root (outside the Ant schema, ignored by the dashboards that do not know it).
 *
 * Text is escaped for XML 1.0 and characters XML 1.0 cannot carry at all (control characters other
 * than TAB, LF and CR, lone surrogates, U+FFFE and U+FFFF) are removed; server-sent text passes
 * through `sanitize` first, which turns control characters into visible escapes.
 */
import type { CheckResult, RenderOptions, Status, TargetReport } from '../model/results.js';
import type { ReportSink, ReportWriter, RunHeader, SinkFactory } from './sink.js';
import { MTA_DISPLAY, checkArea, fleetName, sanitize } from './format.js';
import { Spool } from './spool.js';

// Everything outside the XML 1.0 Char production (§2.2). With the `u` flag a lone surrogate is a
// code point of its own, outside every allowed range, so it is removed too.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Removes characters XML 1.0 cannot carry. */
export function xmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

/** Escapes element text. */
export function xmlText(text: string): string {
  return xmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes an attribute value (for double quotes). TAB, LF and CR become character references, as
 * attribute-value normalisation (XML 1.0 §3.3.3) would otherwise turn them into spaces.
 */
export function xmlAttr(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** Seconds with millisecond precision: "0.214". */
function seconds(ms: number): string {
  return Number.isFinite(ms) && ms >= 0 ? (ms / 1000).toFixed(3) : '0.000';
}

/** ISO 8601 in UTC without zone or fraction, the Ant schema's `timestamp` form. */
function antTimestamp(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : new Date(t).toISOString().slice(0, 19);
}

interface Totals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function addTotals(into: Totals, from: Totals): void {
  into.tests += from.tests;
  into.failures += from.failures;
  into.errors += from.errors;
  into.skipped += from.skipped;
}

function totalsAttrs(t: Totals): string {
  return `tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}"`;
}

/** Message, evidence and fix of a result, one per line, for a failure/error body or system-out. */
function details(r: CheckResult): string {
  const lines = [sanitize(r.message)];
  for (const e of r.evidence) lines.push(`seen: ${sanitize(e)}`);
  if (r.remediation) {
    lines.push(`fix: ${sanitize(r.remediation.summary)}`);
    const mta = r.remediation.mta;
    if (mta) lines.push(`fix for ${MTA_DISPLAY[mta.name] ?? mta.name}: ${sanitize(mta.text)}`);
  }
  return xmlText(lines.join('\n'));
}

const ELEMENT: Partial<Record<Status, string>> = { fail: 'failure', error: 'error' };

function testcase(classPrefix: string, r: CheckResult): string {
  const name = r.endpoint ? `${r.id} ${r.endpoint}` : r.id;
  const open = `    <testcase classname="${xmlAttr(`${classPrefix}.${checkArea(r.id)}`)}" name="${xmlAttr(name)}" time="0"`;
  const message = xmlAttr(sanitize(r.message));
  const element = ELEMENT[r.status];
  if (element) {
    return (
      `${open}>\n` +
      `      <${element} message="${message}" type="${r.status}">${details(r)}</${element}>\n` +
      `    </testcase>\n`
    );
  }
  if (r.status === 'skip') return `${open}>\n      <skipped message="${message}"/>\n    </testcase>\n`;
  if (r.status === 'warn' || r.status === 'info') {
    const label = r.status === 'warn' ? 'WARN' : 'INFO';
    return `${open}>\n      <system-out>${label}: ${details(r)}</system-out>\n    </testcase>\n`;
  }
  return `${open}/>\n`;
}

function property(name: string, value: string): string {
  return `<property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`;
}

/** Renders one target's `<testsuite>` and returns it with its totals. */
function testsuite(t: TargetReport): { xml: string; totals: Totals } {
  const totals: Totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const classPrefix = `mailcheck.${sanitize(t.name)}`;
  const cases: string[] = [];
  if (t.state === 'unreachable') {
    const code = t.error?.code ?? 'UNREACHABLE';
    const message = sanitize(t.error?.message ?? 'the target could not be scanned');
    cases.push(
      `    <testcase classname="${xmlAttr(`${classPrefix}.target`)}" name="reachable" time="0">\n` +
        `      <error message="${xmlAttr(message)}" type="${xmlAttr(sanitize(code))}">${xmlText(`${sanitize(code)}: ${message}`)}</error>\n` +
        `    </testcase>\n`,
    );
    totals.tests++;
    totals.errors++;
  }
  for (const r of t.checks) {
    cases.push(testcase(classPrefix, r));
    totals.tests++;
    if (r.status === 'fail') totals.failures++;
    else if (r.status === 'error') totals.errors++;
    else if (r.status === 'skip') totals.skipped++;
  }
  const props = [
    property('kind', t.kind),
    property('input', sanitize(t.input)),
    property('roles', sanitize(t.roles.join(' '))),
    property('state', t.state),
  ];
  if (t.error) props.push(property('error', sanitize(`${t.error.code}: ${t.error.message}`)));
  const xml =
    `  <testsuite name="${xmlAttr(sanitize(fleetName(t)))}" hostname="${xmlAttr(sanitize(t.name))}"` +
    ` timestamp="${antTimestamp(t.startedAt)}" time="${seconds(t.durationMs)}" ${totalsAttrs(totals)}>\n` +
    `    <properties>\n${props.map((p) => `      ${p}\n`).join('')}    </properties>\n` +
    cases.join('') +
    `  </testsuite>\n`;
  return { xml, totals };
}

/** Streams the run as JUnit XML. `color`, `transcript`, `verbose` and `quiet` do not apply. */
export const junitSink: SinkFactory = (out: ReportWriter, _opts: RenderOptions): ReportSink => {
  const spool = new Spool();
  const totals: Totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  let header: RunHeader | undefined;
  return {
    begin(h) {
      header = h;
    },
    target(t) {
      const suite = testsuite(t);
      addTotals(totals, suite.totals);
      spool.write(suite.xml);
    },
    end(footer) {
      const name = header?.tool.name ?? 'mailcheck';
      out.write('<?xml version="1.0" encoding="UTF-8"?>\n');
      out.write(
        `<testsuites name="${xmlAttr(name)}" ${totalsAttrs(totals)} time="${seconds(footer.durationMs)}">\n`,
      );
      if (footer.interrupted) {
        out.write(
          '  <properties>\n' +
            `    ${property('interrupted', 'true')}\n` +
            `    ${property('targets', String(footer.targetCount))}\n` +
            `    ${property('planned', String(footer.plannedCount))}\n` +
            '  </properties>\n',
        );
      }
      spool.drainTo(out);
      out.write('</testsuites>\n');
    },
  };
};
