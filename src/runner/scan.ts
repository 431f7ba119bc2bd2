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
import { probeDomain, type DomainProbeSettings, type DomainTarget } from '../probe/domain.js';
import type { DomainReportFacts } from '../model/results.js';
import { judgeDomain, judgeHost, judgedEndpoints, type SelectedCheck } from './judge.js';
import { SCHEMA_VERSION } from '../report/json.js';
import { VERSION } from '../version.js';

/** What to scan: a host (its SMTP ports) or a mail domain (its DNS and MX hosts). */
export type ScanTarget =
  | { kind: 'host'; input: string; target: HostTarget }
  | { kind: 'domain'; input: string; target: DomainTarget };

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

async function scanOne(req: HostScanRequest, t: ScanTarget, needs: Set<Requirement>): Promise<TargetReport> {
  const startedAt = new Date();
  const now = () => req.now?.() ?? new Date();
  const judgeOpts = () => ({ now: now(), credentialsGiven: req.settings.credentials !== undefined });
  let facts: TargetReport['facts'];
  let checks: TargetReport['checks'];
  let outcome: ReturnType<typeof targetState>;
  if (t.kind === 'host') {
    const host = await probeHost(t.target, { ...req.settings, needs });
    facts = host;
    outcome = targetState(host);
    checks = host.resolution?.failure !== undefined ? [] : judgeHost(host, req.selected, judgeOpts());
  } else {
    const domainSettings: DomainOnlySettings = req.domainSettings ?? {
      dkimSelectors: [],
      dnsblZones: [],
      spfAddresses: [],
      dnsOnly: false,
      now: now(),
    };
    const domain = await probeDomain(t.target, { ...req.settings, ...domainSettings, needs });
    facts = domain;
    outcome = domainState(domain);
    checks = [
      ...judgeDomain(domain.domain, domain.mxHosts, req.selected, now()),
      ...domain.mxHosts.flatMap((h) => judgeHost(h, req.selected, judgeOpts())),
    ];
  }
  const report: TargetReport = {
    kind: t.kind,
    name: t.kind === 'host' ? t.target.host : t.target.domain,
    displayName: t.target.displayName,
    input: t.input,
    roles: req.roles ?? [],
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
  const targets = await pool(req.targets, Math.max(1, req.concurrency), async (target) => {
    const t = await scanOne(req, target, needs);
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

/**
 * Exit code per SPEC §1: 1 when a check failed (that is what an administrator must act on, and it
 * outranks the rest, as CRITICAL outranks UNKNOWN in monitoring), else 3 when a target could not
 * be scanned or a check the policy requires could not be determined, else 0.
 */
export function exitCodeFor(report: Report): number {
  if (report.summary.fail > 0) return 1;
  if (report.targets.some((t) => t.state === 'unreachable')) return 3;
  if (report.targets.some((t) => t.checks.some((c) => c.status === 'error' && c.severity === 'fail')))
    return 3;
  return 0;
}
