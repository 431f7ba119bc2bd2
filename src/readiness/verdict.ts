/**
 * The readiness verdict: from a merged relay + domain report, what blocks the cut-over to a new
 * provider relay. Pure functions over the report model; the CLI prints and exits.
 */
import {
  emptyCounts,
  isDomainFacts,
  type CheckResult,
  type Report,
  type TargetReport,
} from '../model/results.js';
import type { SpfNode } from '../model/dns-artifacts.js';

/** One thing that must be fixed before the relay can carry the domain's mail. */
export interface BlockingItem {
  id: string;
  message: string;
}

export interface Verdict {
  ready: boolean;
  /** A target could not be scanned at all (relay unreachable, domain DNS failed). */
  unreachable: boolean;
  blocking: BlockingItem[];
}

/**
 * The order blocking items are listed in: can we talk to it, is the channel safe, can we log in,
 * then the relay's own behaviour, and last the domain's DNS (which is fixed elsewhere, by DNS admins).
 */
const AREA_ORDER = [
  'unreachable',
  'smtp.connect',
  'tls',
  'auth',
  'smtp',
  'relay',
  'data',
  'dns',
  'spf',
  'dkim',
  'dmarc',
];

function rank(id: string): number {
  const exact = AREA_ORDER.indexOf(id);
  if (exact >= 0) return exact;
  const area = AREA_ORDER.indexOf(id.split('.')[0]!);
  return area >= 0 ? area : AREA_ORDER.length;
}

function isBlocking(c: CheckResult): boolean {
  return c.status === 'fail' || (c.status === 'error' && c.severity === 'fail');
}

/**
 * Blocking items of a readiness report: every failure (and every error the policy counts as a
 * failure), auth.login not passing when credentials were given, and the absence of credentials —
 * a login that was never tried has not been shown to work. One item per check id.
 */
export function readinessVerdict(report: Report, credentialsGiven: boolean): Verdict {
  const items = new Map<string, BlockingItem>();
  const add = (id: string, message: string) => {
    if (!items.has(id)) items.set(id, { id, message });
  };
  const unreachable = report.targets.filter((t) => t.state === 'unreachable');
  // An unreachable target is one item: its checks would only repeat the connection failure.
  for (const t of unreachable) add('unreachable', `${t.displayName}: ${t.error?.message ?? 'not scanned'}`);
  const checks = report.targets.filter((t) => t.state !== 'unreachable').flatMap((t) => t.checks);
  for (const c of checks) if (isBlocking(c)) add(c.id, c.message);
  const logins = checks.filter((c) => c.id === 'auth.login');
  const hostScanned = report.targets.some((t) => t.kind === 'host' && t.state !== 'unreachable');
  if (hostScanned) {
    if (!credentialsGiven) {
      add(
        'auth.login',
        'no credentials given, so login was not verified (--auth-user with MAILCHECK_AUTH_PASSWORD, --auth-password-file or MAILCHECK_OAUTH_TOKEN)',
      );
    } else if (logins.length === 0) {
      add('auth.login', 'login was not attempted (auth.login is off in the policy)');
    } else {
      const notPassed = logins.find((c) => c.status !== 'pass');
      if (notPassed) add('auth.login', notPassed.message);
    }
  }
  const blocking = [...items.values()]
    .map((item, i) => ({ item, i }))
    .sort((a, b) => rank(a.item.id) - rank(b.item.id) || a.i - b.i)
    .map((x) => x.item);
  return { ready: blocking.length === 0, unreachable: unreachable.length > 0, blocking };
}

/** The one-line verdict the table format ends with. */
export function verdictLine(v: Verdict, relay: string, domain: string): string {
  if (v.ready) return `READY: ${relay} can carry mail for ${domain}`;
  const list = v.blocking.map((b) => `${b.id} (${b.message})`).join(', ');
  return `NOT READY: ${v.blocking.length} blocking item(s): ${list}`;
}

/** Where `include:<name>` appears in the SPF tree, as the chain of records leading to it. */
export function findInclude(tree: SpfNode | undefined, name: string): string[] | undefined {
  if (!tree) return undefined;
  const want = name.toLowerCase().replace(/\.$/, '');
  const walk = (node: SpfNode, path: string[]): string[] | undefined => {
    const here = [...path, node.via === 'apex' ? node.domain : `${node.via}`];
    const terms = (node.spfRecords[0] ?? '').toLowerCase().split(/\s+/);
    const direct = terms.some(
      (t) => /^[+~?-]?include:/.test(t) && t.replace(/^[+~?-]?include:/, '').replace(/\.$/, '') === want,
    );
    if (direct) return here;
    for (const child of node.children) {
      const found = walk(child, here);
      if (found) return found;
    }
    return undefined;
  };
  return walk(tree, []);
}

/**
 * Applies the provider include to the domain target's spf.authorizes: a provider sends from its
 * own pool, not from the submission host's address, so `include:<provider>` in the domain's SPF
 * authorises the relay even when the relay's own addresses do not pass. The original evaluation
 * stays in the evidence. Returns a new report with the summaries recounted.
 */
export function applyProviderInclude(report: Report, include: string): Report {
  const targets = report.targets.map((t): TargetReport => {
    if (!isDomainFacts(t.facts)) return t;
    const path = findInclude(t.facts.domain.spf?.tree, include);
    const checks = t.checks.map((c): CheckResult => {
      if (c.id !== 'spf.authorizes') return c;
      if (!path) {
        return { ...c, evidence: [...c.evidence, `include:${include} not found in the SPF of ${t.name}`] };
      }
      if (c.status === 'pass') {
        return { ...c, evidence: [...c.evidence, `include:${include} found via ${path.join(' → ')}`] };
      }
      const { remediation: _dropped, ...rest } = c;
      void _dropped;
      return {
        ...rest,
        status: 'pass',
        messageId: 'provider-include',
        message: `SPF of ${t.name} authorises the provider through include:${include} (the relay's own addresses: ${c.status})`,
        evidence: [`include:${include} found via ${path.join(' → ')}`, ...c.evidence],
        data: { ...c.data, providerInclude: include, relayAddressesStatus: c.status },
      };
    });
    return { ...t, checks, summary: countOf(checks) };
  });
  const summary = emptyCounts();
  for (const t of targets) for (const c of t.checks) summary[c.status]++;
  return { ...report, targets, summary };
}

function countOf(checks: CheckResult[]) {
  const counts = emptyCounts();
  for (const c of checks) counts[c.status]++;
  return counts;
}
