/**
 * Check results and the report model shared by the runner and every reporter.
 */
import type { HostFacts } from './artifacts.js';
import type { DomainFacts } from './dns-artifacts.js';
import type { RunChanges } from './changes.js';

/** What a check concluded. `warn` and `info` come from the policy's severity for a failing check. */
export type Status = 'pass' | 'fail' | 'warn' | 'info' | 'skip' | 'error';

/** What the policy makes of a failing check. `off` means the check is not run at all. */
export type Severity = 'fail' | 'warn' | 'info' | 'off';

/** The MTAs we give specific remediation for. */
export type MtaName = 'postfix' | 'exim' | 'sendmail' | 'exchange' | 'opensmtpd';

export interface Remediation {
  /** One line, MTA-neutral. */
  summary: string;
  /** The MTA-specific line when the MTA was recognised, else absent. */
  mta?: { name: MtaName; text: string };
}

/** One judged check on one endpoint (or on the whole target for host-level checks). */
export interface CheckResult {
  id: string;
  status: Status;
  severity: Severity;
  /** "address:port" (IPv6 in brackets) the result is about; absent for target-level checks. */
  endpoint?: string;
  /** Stable id of the message template within the check's metadata, e.g. "accepted-legacy". */
  messageId: string;
  /** The rendered one-line message (rendered once, by the runner, from the check's template). */
  message: string;
  /** What was seen: exact reply lines, certificate fields, versions. */
  evidence: string[];
  /** Present for fail/warn (and error, where there is something to do). */
  remediation?: Remediation;
  /** Structured values the message was rendered from, for machines. */
  data?: Record<string, unknown>;
}

export type StatusCounts = Record<Status, number>;

/** Whether a target could be scanned at all. `unreachable` maps to exit code 3. */
export type TargetState = 'scanned' | 'partial' | 'unreachable';

/** One scanned target (a host today; domains share the shape with `kind: "domain"`). */
export interface TargetReport {
  kind: 'host' | 'domain';
  /** Normalised name (punycode for IDN). */
  name: string;
  /** Unicode form for display. */
  displayName: string;
  /** What the user typed. */
  input: string;
  /** Roles the inventory assigns (relay, mx, submission); empty for ad-hoc scans. */
  roles: string[];
  state: TargetState;
  /** Why the target could not be scanned (state `unreachable`) or what went wrong part-way. */
  error?: { code: string; message: string };
  checks: CheckResult[];
  summary: StatusCounts;
  /**
   * The gathered facts, as probes saw them (src/model/artifacts.ts, src/model/dns-artifacts.ts;
   * JSON Schema in schema/): host facts for `kind: "host"`, domain facts for `kind: "domain"`.
   */
  facts: HostFacts | DomainReportFacts;
  startedAt: string;
  durationMs: number;
}

/** A domain target's facts: its DNS, and the port-25 probes of its MX hosts (none with --dns-only). */
export interface DomainReportFacts {
  domain: DomainFacts;
  mxHosts: HostFacts[];
}

/** Narrows a target's facts. */
export function isDomainFacts(f: TargetReport['facts']): f is DomainReportFacts {
  return 'domain' in f && 'mxHosts' in f;
}

/** A whole run: what every reporter renders. */
export interface Report {
  schemaVersion: string;
  tool: { name: 'mailcheck'; version: string };
  policy: { name: string; source: 'built-in' | 'file' };
  startedAt: string;
  durationMs: number;
  /** Options that change results (timeouts, resolvers, ehlo name), never credentials. */
  options: Record<string, unknown>;
  targets: TargetReport[];
  summary: StatusCounts;
  /** The run was stopped (Ctrl-C) before every target finished; `targets` holds those that did. */
  interrupted?: boolean;
  /** What changed since the previous complete run (audits with --history). */
  changes?: RunChanges;
}

/** Options every reporter understands. */
export interface RenderOptions {
  color: boolean;
  /** Include each endpoint's SMTP transcript. */
  transcript: boolean;
  verbose: boolean;
  quiet: boolean;
}

export const STATUSES: readonly Status[] = ['pass', 'fail', 'warn', 'info', 'skip', 'error'];

export function emptyCounts(): StatusCounts {
  return { pass: 0, fail: 0, warn: 0, info: 0, skip: 0, error: 0 };
}
