/**
 * A scan: probe each target (only the probes the selected checks need), judge, and assemble the
 * report. Targets run concurrently up to `concurrency`; each has its own deadline.
 */
import type { HostFacts } from '../model/artifacts.js';
import {
  emptyCounts,
  type Report,
  type StatusCounts,
  type TargetReport,
  type TargetState,
} from '../model/results.js';
import type { Requirement } from '../checks/types.js';
import type { Policy } from '../policy/builtin.js';
import { probeHost, type HostProbeSettings, type HostTarget } from '../probe/host.js';
import { judgeHost, judgedEndpoints, type SelectedCheck } from './judge.js';
import { SCHEMA_VERSION } from '../report/json.js';
import { VERSION } from '../version.js';

export interface HostScanRequest {
  targets: { input: string; target: HostTarget }[];
  policy: Policy;
  selected: SelectedCheck[];
  settings: Omit<HostProbeSettings, 'needs'>;
  concurrency: number;
  /** Published in the report: options that change results, never credentials. */
  options: Record<string, unknown>;
  now?: () => Date;
  /** Called as each target finishes (streaming formats). */
  onTarget?: (t: TargetReport) => void;
}

export function requirementsOf(selected: readonly SelectedCheck[]): Set<Requirement> {
  return new Set(selected.flatMap((s) => s.check.requires));
}

/** A session is usable once the server greeted us and accepted EHLO or HELO. */
function targetState(host: HostFacts): { state: TargetState; error?: { code: string; message: string } } {
  if (host.resolution?.failure) {
    return {
      state: 'unreachable',
      error: { code: host.resolution.failure.code, message: host.resolution.failure.message },
    };
  }
  const judged = judgedEndpoints(host);
  const usable = judged.filter((e) => e.ehlo ?? e.ehloTls);
  if (usable.length === 0) {
    const failures = host.endpoints.map((e) => e.connect.failure ?? e.failure).filter((f) => f !== undefined);
    const first = failures[0];
    const ports = host.endpoints.map((e) => e.port).filter((p, i, a) => a.indexOf(p) === i);
    return {
      state: 'unreachable',
      error: {
        code: first?.code ?? 'CLOSED',
        message:
          judged.length === 0
            ? `no SMTP port answered (tried ${ports.join(', ')}): ${first?.message ?? 'no address'}`
            : `no usable SMTP session: ${first?.message ?? 'unknown reason'}`,
      },
    };
  }
  return { state: usable.length < judged.length ? 'partial' : 'scanned' };
}

function countStatuses(t: { checks: { status: keyof StatusCounts }[] }[]): StatusCounts {
  const c = emptyCounts();
  for (const target of t) for (const r of target.checks) c[r.status]++;
  return c;
}

async function scanOne(
  req: HostScanRequest,
  input: string,
  target: HostTarget,
  needs: Set<Requirement>,
): Promise<TargetReport> {
  const startedAt = new Date();
  const facts = await probeHost(target, { ...req.settings, needs });
  const { state, error } = targetState(facts);
  const now = req.now?.() ?? new Date();
  const checks =
    facts.resolution?.failure !== undefined
      ? []
      : judgeHost(facts, req.selected, { now, credentialsGiven: req.settings.credentials !== undefined });
  const report: TargetReport = {
    kind: 'host',
    name: target.host,
    displayName: target.displayName,
    input,
    roles: [],
    state,
    checks,
    summary: countStatuses([{ checks }]),
    facts,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
  };
  if (error) report.error = error;
  return report;
}

/** Runs `fn` over `items` with at most `limit` at once, keeping input order in the result. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

export async function scanHosts(req: HostScanRequest): Promise<Report> {
  const started = new Date();
  const needs = requirementsOf(req.selected);
  const targets = await pool(req.targets, Math.max(1, req.concurrency), async ({ input, target }) => {
    const t = await scanOne(req, input, target, needs);
    req.onTarget?.(t);
    return t;
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mailcheck', version: VERSION },
    policy: { name: req.policy.name, source: req.policy.source },
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    options: req.options,
    targets,
    summary: countStatuses(targets),
  };
}

/** Exit code per SPEC §1: 1 when a check failed, 3 when a target (or a required check) could not be scanned. */
export function exitCodeFor(report: Report): number {
  if (report.targets.some((t) => t.state === 'unreachable')) return 3;
  if (report.summary.fail > 0) return 1;
  if (report.targets.some((t) => t.checks.some((c) => c.status === 'error' && c.severity === 'fail')))
    return 3;
  return 0;
}
