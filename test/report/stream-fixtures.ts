/**
 * Small builders for report tests: targets and check results with only the fields a reporter reads,
 * a run header and a streaming driver that feeds targets through a sink.
 */
import type { HostFacts } from '../../src/model/artifacts.js';
import type {
  CheckResult,
  RenderOptions,
  Status,
  StatusCounts,
  TargetReport,
} from '../../src/model/results.js';
import { emptyCounts } from '../../src/model/results.js';
import type { RunChanges } from '../../src/model/changes.js';
import type { ReportSink, RunHeader } from '../../src/report/sink.js';

export const PLAIN: RenderOptions = { color: false, transcript: false, verbose: false, quiet: false };

export const HEADER: RunHeader = {
  schemaVersion: '1.1.0',
  tool: { name: 'mailcheck', version: '0.1.0' },
  policy: { name: 'campus-baseline', source: 'built-in' },
  startedAt: '2026-11-21T12:00:00.000Z',
  options: {},
};

export function check(id: string, status: Status, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    status,
    severity: status === 'warn' || status === 'info' ? status : 'fail',
    endpoint: '192.0.2.1:25',
    messageId: status,
    message: `${id} is ${status}`,
    evidence: [],
    ...extra,
  };
}

export function countsOf(checks: readonly CheckResult[]): StatusCounts {
  const c = emptyCounts();
  for (const r of checks) c[r.status]++;
  return c;
}

const NO_FACTS = { endpoints: [] } as unknown as HostFacts;

export function target(name: string, checks: CheckResult[], extra: Partial<TargetReport> = {}): TargetReport {
  return {
    kind: 'host',
    name,
    displayName: name,
    input: name,
    roles: [],
    state: 'scanned',
    checks,
    summary: countsOf(checks),
    facts: NO_FACTS,
    startedAt: '2026-11-21T12:00:00.000Z',
    durationMs: 100,
    ...extra,
  };
}

export function unreachable(name: string, extra: Partial<TargetReport> = {}): TargetReport {
  return target(name, [], {
    state: 'unreachable',
    error: { code: 'ECONNREFUSED', message: `Connection refused (attempted address: ${name}:25)` },
    ...extra,
  });
}

/** Streams `targets` through a sink and returns the text and the sink. */
export function stream<S extends ReportSink>(
  factory: (out: { write(s: string): void }, opts: RenderOptions) => S,
  targets: readonly TargetReport[],
  footer: { interrupted?: boolean; plannedCount?: number; changes?: RunChanges } = {},
): { text: string; sink: S } {
  const parts: string[] = [];
  const sink = factory({ write: (s) => void parts.push(s) }, PLAIN);
  sink.begin(HEADER);
  const summary = emptyCounts();
  for (const t of targets) {
    sink.target(t);
    for (const s of Object.keys(summary) as Status[]) summary[s] += t.summary[s];
  }
  sink.end({
    durationMs: 1234,
    summary,
    targetCount: targets.length,
    plannedCount: footer.plannedCount ?? targets.length,
    interrupted: footer.interrupted ?? false,
    ...(footer.changes ? { changes: footer.changes } : {}),
  });
  return { text: parts.join(''), sink };
}
