/**
 * A scan: probe each target (only the probes the selected checks need), judge, and assemble the
 * report. Targets run concurrently up to `concurrency`; each has its own deadline.
 *
 * Fleets stream: {@link scanStream} hands each target to a callback as it finishes and keeps
 * nothing, so memory stays flat however long the inventory; {@link scanHosts} collects the
 * targets into one Report for the single-shot commands. An AbortSignal stops a stream: no new
 * target starts, targets in flight are abandoned (they are not half-reported), and the stream
 * ends at once with what finished.
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
import type { Credentials } from '../probe/smtp/auth.js';
import type { Policy } from '../policy/builtin.js';
import { probeHost, type HostProbeSettings, type HostTarget } from '../probe/host.js';
import { probeDomain, type DomainProbeSettings, type DomainTarget } from '../probe/domain.js';
import type { DomainReportFacts } from '../model/results.js';
import { judgeDomain, judgeHost, judgedEndpoints, type SelectedCheck } from './judge.js';
import { SCHEMA_VERSION } from '../report/json.js';
import { VERSION } from '../version.js';

/** What to scan: a host (its SMTP ports) or a mail domain (its DNS and MX hosts). */
export type ScanTarget = (
  | { kind: 'host'; input: string; target: HostTarget }
  | { kind: 'domain'; input: string; target: DomainTarget }
) & {
  /** Per-target policy, roles and credentials (inventory entries); the request's otherwise. */
  plan?: TargetPlan;
};

/** What an inventory entry changes for its target. */
export interface TargetPlan {
  selected?: SelectedCheck[];
  roles?: string[];
  /** `null`: this target is scanned without credentials even if the run has some. */
  credentials?: Credentials | null;
  domainSettings?: DomainOnlySettings;
}

/** Settings for domain targets; host-only scans leave them at their defaults. */
export type DomainOnlySettings = Omit<DomainProbeSettings, keyof HostProbeSettings>;

export interface HostScanRequest {
  targets: ScanTarget[];
  policy: Policy;
  selected: SelectedCheck[];
  settings: Omit<HostProbeSettings, 'needs'>;
  domainSettings?: DomainOnlySettings;
  /** Roles of the scanned hosts (published per target; the checks were selected for them). */
  roles?: string[];
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

/** A domain cannot be scanned when its DNS does not answer (as opposed to answering "no such name"). */
function domainState(f: DomainReportFacts): {
  state: TargetState;
  error?: { code: string; message: string };
} {
  const mx = f.domain.mx?.lookup;
  if (mx && (mx.status === 'TIMEOUT' || mx.status === 'SERVFAIL' || mx.status === 'REFUSED')) {
    return {
      state: 'unreachable',
      error: { code: `DNS_${mx.status}`, message: `MX ${f.domain.domain}: ${mx.status}` },
    };
  }
  const partial = f.mxHosts.some((h) => targetState(h).state !== 'scanned');
  return { state: partial ? 'partial' : 'scanned' };
}

const needsCache = new WeakMap<readonly SelectedCheck[], Set<Requirement>>();

function needsOf(selected: readonly SelectedCheck[]): Set<Requirement> {
  let needs = needsCache.get(selected);
  if (!needs) needsCache.set(selected, (needs = requirementsOf(selected)));
  return needs;
}

async function scanOne(req: HostScanRequest, t: ScanTarget): Promise<TargetReport> {
  const startedAt = new Date();
  const now = () => req.now?.() ?? new Date();
  const selected = t.plan?.selected ?? req.selected;
  const needs = needsOf(selected);
  const settings = { ...req.settings };
  if (t.plan?.credentials === null) delete settings.credentials;
  else if (t.plan?.credentials) settings.credentials = t.plan.credentials;
  const judgeOpts = () => ({ now: now(), credentialsGiven: settings.credentials !== undefined });
  let facts: TargetReport['facts'];
  let checks: TargetReport['checks'];
  let outcome: ReturnType<typeof targetState>;
  if (t.kind === 'host') {
    const host = await probeHost(t.target, { ...settings, needs });
    facts = host;
    outcome = targetState(host);
    checks = host.resolution?.failure !== undefined ? [] : judgeHost(host, selected, judgeOpts());
  } else {
    const domainSettings: DomainOnlySettings = t.plan?.domainSettings ??
      req.domainSettings ?? {
        dkimSelectors: [],
        dnsblZones: [],
        spfAddresses: [],
        dnsOnly: false,
        now: now(),
      };
    const domain = await probeDomain(t.target, { ...settings, ...domainSettings, needs });
    facts = domain;
    outcome = domainState(domain);
    checks = [
      ...judgeDomain(domain.domain, domain.mxHosts, selected, now()),
      ...domain.mxHosts.flatMap((h) => judgeHost(h, selected, judgeOpts())),
    ];
  }
  const report: TargetReport = {
    kind: t.kind,
    name: t.kind === 'host' ? t.target.host : t.target.domain,
    displayName: t.target.displayName,
    input: t.input,
    roles: t.plan?.roles ?? req.roles ?? [],
    state: outcome.state,
    checks,
    summary: countStatuses([{ checks }]),
    facts,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
  };
  if (outcome.error) report.error = outcome.error;
  return report;
}

/** How a streamed scan ended. */
export interface StreamOutcome {
  startedAt: string;
  durationMs: number;
  summary: StatusCounts;
  /** Targets that finished (and were handed to the callback). */
  finished: number;
  /** Targets that did not finish because the signal stopped the run. */
  abandoned: number;
  interrupted: boolean;
}

/**
 * Scans targets with at most `concurrency` at once and hands each to `onTarget` as it finishes
 * (finishing order). Keeps only counts. When `signal` aborts, no further target starts and the
 * promise resolves at once; targets still in flight are abandoned and never reported.
 */
export async function scanStream(
  req: HostScanRequest,
  onTarget: (t: TargetReport, index: number) => void,
  signal?: AbortSignal,
): Promise<StreamOutcome> {
  const started = new Date();
  const summary = emptyCounts();
  let finished = 0;
  let next = 0;
  const stopped = () => signal?.aborted === true;
  const worker = async () => {
    while (next < req.targets.length && !stopped()) {
      const i = next++;
      const t = await scanOne(req, req.targets[i]!);
      if (stopped()) return;
      for (const r of t.checks) summary[r.status]++;
      finished++;
      onTarget(t, i);
    }
  };
  const workers = Promise.all(
    Array.from({ length: Math.min(Math.max(1, req.concurrency), req.targets.length) }, worker),
  );
  if (signal && !signal.aborted) {
    let onAbort: () => void = () => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([workers, aborted]);
    signal.removeEventListener('abort', onAbort);
  } else if (!signal?.aborted) {
    await workers;
  }
  return {
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    summary,
    finished,
    abandoned: req.targets.length - finished,
    interrupted: stopped() && finished < req.targets.length,
  };
}

/** Scans every target and returns the whole report, targets in input order. */
export async function scanHosts(req: HostScanRequest): Promise<Report> {
  const targets: TargetReport[] = new Array(req.targets.length);
  const outcome = await scanStream(req, (t, i) => {
    targets[i] = t;
    req.onTarget?.(t);
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mailcheck', version: VERSION },
    policy: { name: req.policy.name, source: req.policy.source },
    startedAt: outcome.startedAt,
    durationMs: outcome.durationMs,
    options: req.options,
    targets,
    summary: outcome.summary,
  };
}

/**
 * Exit code per SPEC §1: 1 when a check failed (that is what an administrator must act on, and it
 * outranks the rest, as CRITICAL outranks UNKNOWN in monitoring), else 3 when a target could not
 * be scanned or a check the policy requires could not be determined, else 0.
 */
export function exitCodeFor(report: Report): number {
  return scanExitCode({
    failed: report.summary.fail,
    unreachable: report.targets.filter((t) => t.state === 'unreachable').length,
    requiredErrors: report.targets.reduce((n, t) => n + requiredErrors(t), 0),
  });
}

/** Checks the policy requires (severity fail) whose outcome could not be determined. */
export function requiredErrors(t: TargetReport): number {
  return t.checks.filter((c) => c.status === 'error' && c.severity === 'fail').length;
}

/** {@link exitCodeFor} from running totals, for runs that stream instead of keeping a Report. */
export function scanExitCode(t: { failed: number; unreachable: number; requiredErrors: number }): number {
  if (t.failed > 0) return 1;
  if (t.unreachable > 0 || t.requiredErrors > 0) return 3;
  return 0;
}
