/**
 * Judging: runs the selected checks over gathered facts and applies the policy. Pure — no I/O —
 * so a saved set of facts can be judged again offline (golden tests, history re-rendering).
 */
import type { EndpointFacts, HostFacts } from '../model/artifacts.js';
import type { DomainFacts } from '../model/dns-artifacts.js';
import { endpointLabel } from '../errors.js';
import type { CheckResult, MtaName, Severity, Status } from '../model/results.js';
import type { AnyCheck, DomainCheck, EndpointCheck, Finding, MtaIdentity } from '../checks/types.js';
import { identifyMta } from '../checks/mta.js';
import type { Policy, PolicyRole } from '../policy/builtin.js';

export interface SelectedCheck {
  check: AnyCheck;
  severity: Exclude<Severity, 'off'>;
  params: Record<string, unknown>;
}

/** The checks a policy turns on, in registry order, with their effective parameters. */
export function selectChecks(
  registry: readonly AnyCheck[],
  policy: Policy,
  only?: readonly string[],
  role?: PolicyRole | readonly PolicyRole[],
): SelectedCheck[] {
  const out: SelectedCheck[] = [];
  const roles: readonly PolicyRole[] = role === undefined ? [] : typeof role === 'string' ? [role] : role;
  for (const check of registry) {
    if (only && !only.includes(check.id)) continue;
    // A role's entry (already merged with the policy-wide one by the loader) wins for hosts in that
    // role; a host with several roles takes the first of its roles that says anything about the check.
    const p =
      roles.map((r) => policy.roles?.[r]?.[check.id]).find((e) => e !== undefined) ?? policy.checks[check.id];
    const severity = p?.severity ?? 'fail';
    if (severity === 'off') continue;
    out.push({ check, severity, params: { ...check.defaultParams, ...p?.params } });
  }
  return out;
}

/** Renders "{name}" placeholders; arrays are joined, missing values stay visible as "{name}". */
export function renderTemplate(template: string, data: Finding['data'] = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const v = data[key];
    if (v === undefined) return whole;
    return Array.isArray(v) ? v.join(', ') : String(v);
  });
}

/** A failing finding becomes what the policy says it counts as; it is never raised above that. */
function effectiveStatus(found: Finding['status'], severity: Exclude<Severity, 'off'>): Status {
  if (found !== 'fail' && found !== 'warn') return found;
  if (severity === 'info') return 'info';
  if (severity === 'warn') return 'warn';
  return found;
}

const MTA_NAMES: readonly MtaName[] = ['postfix', 'exim', 'sendmail', 'exchange', 'opensmtpd'];

function judgeOne(sel: SelectedCheck, finding: Finding, mta: MtaIdentity, endpoint?: string): CheckResult {
  const { check } = sel;
  const status = effectiveStatus(finding.status, sel.severity);
  const template =
    check.messages[finding.messageId] ??
    (finding.messageId === 'error' || finding.messageId === 'skip' ? '{reason}' : undefined);
  const result: CheckResult = {
    id: check.id,
    status,
    severity: sel.severity,
    ...(endpoint ? { endpoint } : {}),
    messageId: finding.messageId,
    message: template ? renderTemplate(template, finding.data) : `${check.id}: ${finding.messageId}`,
    evidence: finding.evidence ?? [],
  };
  if (finding.data && Object.keys(finding.data).length > 0) result.data = { ...finding.data };
  if (status === 'fail' || status === 'warn') {
    result.remediation = { summary: renderTemplate(check.remediation.generic, finding.data) };
    const name = mta.name as MtaName;
    const specific = MTA_NAMES.includes(name) ? check.remediation[name] : undefined;
    if (specific) result.remediation.mta = { name, text: renderTemplate(specific, finding.data) };
  }
  return result;
}

export interface JudgeOptions {
  now: Date;
  credentialsGiven: boolean;
}

/** Endpoints that are judged: every explicit one, and default ports that answered. */
export function judgedEndpoints(host: HostFacts): EndpointFacts[] {
  return host.endpoints.filter((e) => e.explicit || e.connect.ok);
}

/** Runs one check, turning a bug in it into an error finding instead of a crashed report. */
function safely(run: () => Finding): Finding {
  try {
    return run();
  } catch (err) {
    return {
      status: 'error',
      messageId: 'error',
      data: { reason: `internal error in check: ${(err as Error).message}` },
    };
  }
}

export function judgeHost(
  host: HostFacts,
  selected: readonly SelectedCheck[],
  opts: JudgeOptions,
): CheckResult[] {
  const results: CheckResult[] = [];
  const endpointChecks = selected.filter((s) => s.check.scope === 'endpoint');
  for (const endpoint of judgedEndpoints(host)) {
    const mta = identifyMta(endpoint);
    const label = endpointLabel(endpoint.address, endpoint.port);
    for (const sel of endpointChecks) {
      const check = sel.check as EndpointCheck<Record<string, unknown>>;
      const ctx = {
        endpoint,
        host,
        params: sel.params,
        now: opts.now,
        mta,
        credentialsGiven: opts.credentialsGiven,
      };
      results.push(
        judgeOne(
          sel,
          safely(() => check.run(ctx)),
          mta,
          label,
        ),
      );
    }
  }
  return results;
}

const NO_MTA: MtaIdentity = { name: 'unknown', product: 'unknown', evidence: '' };

/** Domain checks, once per domain; the MX probes (if any) are judged separately with judgeHost. */
export function judgeDomain(
  domain: DomainFacts,
  mxHosts: HostFacts[],
  selected: readonly SelectedCheck[],
  now: Date,
): CheckResult[] {
  return selected
    .filter((s) => s.check.scope === 'domain')
    .map((sel) => {
      const check = sel.check as DomainCheck<Record<string, unknown>>;
      return judgeOne(
        sel,
        safely(() => check.run({ domain, mxHosts, params: sel.params, now })),
        NO_MTA,
      );
    });
}
