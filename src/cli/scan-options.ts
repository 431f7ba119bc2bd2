/**
 * Options shared by every scanning command (host, domain, audit, demo, readiness), turned into
 * probe settings: policy, output, resolver, timeouts, credentials (never from argv). Their flags
 * and help are defined in scan-flags.ts; this module is loaded only when a command runs.
 */
import fs, { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Credentials } from '../probe/smtp/auth.js';
import { ConnectionLimiter } from '../probe/limiter.js';
import { Resolver, type ResolverServer } from '../probe/dns/resolver.js';
import { DnsCacheFileError } from '../probe/dns/cache-file.js';
import { CaFileError, loadTrustStore } from '../probe/tls/trust.js';
import { BUILTIN_POLICIES, type Policy, type PolicyRole } from '../policy/builtin.js';
import type * as PolicyLoader from '../policy/loader.js';
import type { Report, RenderOptions } from '../model/results.js';
import { loadFormat, renderReport, type Format } from '../report/formats.js';
import type { ReportWriter } from '../report/sink.js';
import type { HostProbeSettings } from '../probe/host.js';
import { REGISTRY } from '../checks/index.js';
import { selectChecks, type SelectedCheck } from '../runner/judge.js';
import { scanHosts, type DomainOnlySettings, type ScanTarget } from '../runner/scan.js';
import { UsageError, useColor, type Io } from './io.js';

export interface ScanOptions {
  policy: string;
  format: Format;
  output?: string;
  resolver?: ResolverServer[];
  timeout: number;
  deadline: number;
  concurrency: number;
  connectionsPerHost: number;
  ehlo: string;
  ipv4?: boolean;
  ipv6?: boolean;
  caFile?: string;
  dnsCache?: string;
  transcript?: boolean;
  color?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  authUser?: string;
  authPasswordFile?: string;
  authPassword?: string;
  allowPlaintextAuth?: boolean;
  /** Set by commands that log in with their own account (the demo), for the published options. */
  authenticated?: boolean;
  relayDomain?: string;
}

/** Reads credentials from the environment or a file; never from the command line. */
export function credentialsFrom(o: ScanOptions, io: Io): Credentials | undefined {
  if (o.authPassword !== undefined) {
    throw new UsageError(
      'passwords are never taken on the command line (they end up in shell history and ps); ' +
        'use MAILCHECK_AUTH_PASSWORD or --auth-password-file',
    );
  }
  const token = io.env.MAILCHECK_OAUTH_TOKEN || undefined;
  if (!o.authUser) {
    if (o.authPasswordFile) throw new UsageError('--auth-password-file needs --auth-user');
    return undefined;
  }
  let password = io.env.MAILCHECK_AUTH_PASSWORD || undefined;
  if (o.authPasswordFile) {
    try {
      password = readFileSync(o.authPasswordFile, 'utf8').split(/\r?\n/)[0];
    } catch (err) {
      throw new UsageError(
        `--auth-password-file: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'} ${o.authPasswordFile}`,
      );
    }
  }
  if (!password && !token) {
    throw new UsageError(
      '--auth-user needs a password: set MAILCHECK_AUTH_PASSWORD or use --auth-password-file',
    );
  }
  return { user: o.authUser, ...(password ? { password } : {}), ...(token ? { oauthToken: token } : {}) };
}

/**
 * The policy-file reader, which brings yaml with it: loaded by {@link loadPolicyReader}, and only
 * when needed, so that a scan with a built-in policy never loads it.
 */
let policyReader: typeof PolicyLoader | undefined;

/** Loads the policy-file reader; {@link policyFrom} needs it for anything but a built-in name. */
export async function loadPolicyReader(): Promise<void> {
  policyReader ??= await import('../policy/loader.js');
}

/** {@link policyFrom}, first loading the policy-file reader when `nameOrFile` is not a built-in name. */
export async function loadPolicy(nameOrFile: string): Promise<Policy> {
  if (!Object.hasOwn(BUILTIN_POLICIES, nameOrFile)) await loadPolicyReader();
  return policyFrom(nameOrFile);
}

/**
 * The policy to judge with: a built-in by name, or a policy file when the value is a path (ends in
 * .yaml/.yml, contains a path separator, or names an existing file). An unknown name or an invalid
 * file is a usage error naming the file, line, column and key. Anything but a built-in name needs
 * the policy-file reader loaded ({@link loadPolicy} does both).
 */
export function policyFrom(nameOrFile: string): Policy {
  // A built-in name wins over a file of the same name in the working directory, as in resolvePolicy.
  if (Object.hasOwn(BUILTIN_POLICIES, nameOrFile)) return BUILTIN_POLICIES[nameOrFile]!;
  if (!policyReader) throw new Error(`internal error: policyFrom("${nameOrFile}") before loadPolicyReader()`);
  try {
    return policyReader.resolvePolicy(nameOrFile).policy;
  } catch (err) {
    if (err instanceof policyReader.PolicyError) throw new UsageError(err.message);
    throw err;
  }
}

export function probeSettingsFrom(o: ScanOptions, io: Io): Omit<HostProbeSettings, 'needs'> {
  if (o.ipv4 && o.ipv6) throw new UsageError('--ipv4 and --ipv6 exclude each other');
  let trust;
  try {
    trust = loadTrustStore(o.caFile);
  } catch (err) {
    if (err instanceof CaFileError) throw new UsageError(err.message);
    throw err;
  }
  const credentials = credentialsFrom(o, io);
  return {
    ehloName: o.ehlo,
    stepTimeoutMs: o.timeout,
    deadlineMs: o.deadline,
    trust,
    ...(credentials ? { credentials } : {}),
    allowPlaintextAuth: o.allowPlaintextAuth === true,
    ...(o.relayDomain ? { relayDomain: o.relayDomain } : {}),
    limiter: new ConnectionLimiter(o.connectionsPerHost),
    resolver: resolverFrom(o),
    ...(o.ipv4 ? { family: 4 as const } : o.ipv6 ? { family: 6 as const } : {}),
  };
}

function resolverFrom(o: ScanOptions): Resolver {
  try {
    return new Resolver({
      ...(o.resolver ? { servers: o.resolver } : {}),
      timeoutMs: Math.min(o.timeout, 5000),
      ...(o.dnsCache ? { cacheFile: o.dnsCache } : {}),
    });
  } catch (err) {
    if (err instanceof DnsCacheFileError) throw new UsageError(err.message);
    throw err;
  }
}

/** Options published in the report: what changes results, never credentials or file contents. */
export function publishedOptions(o: ScanOptions): Record<string, unknown> {
  return {
    timeoutMs: o.timeout,
    deadlineMs: o.deadline,
    ehlo: o.ehlo,
    ...(o.resolver ? { resolvers: o.resolver.map((r) => `${r.address}:${r.port}`) } : {}),
    ...(o.caFile ? { caFile: o.caFile } : {}),
    authenticated: o.authUser !== undefined || o.authenticated === true,
  };
}

export function renderOptionsOf(o: ScanOptions, io: Io): RenderOptions {
  return {
    color: (o.format === 'table' || o.format === undefined) && useColor(io, o.color, o.output !== undefined),
    transcript: o.transcript === true,
    verbose: o.verbose === true,
    quiet: o.quiet === true,
  };
}

/**
 * Renders and writes a finished report (to --output atomically, else stdout), loading its format
 * first if the command has not already prefetched it. Returns the exit code the format imposes (nagios: the monitoring-plugin
 * convention), else undefined.
 */
export async function emitReport(report: Report, o: ScanOptions, io: Io): Promise<number | undefined> {
  await loadFormat(o.format);
  const { text, exitCode } = renderReport(report, o.format, renderOptionsOf(o, io));
  const out = openOutput(o, io);
  out.writer.write(text);
  out.close();
  return exitCode;
}

/** Where a report goes while it is written. */
export interface ReportOutput {
  writer: ReportWriter;
  /** Finishes the output: a file written atomically is renamed into place now. */
  close(): void;
  /** Gives up: a partly written temporary file is removed; the old --output file stays. */
  discard(): void;
}

/**
 * Opens the report's destination. --output FILE is written to a temporary file next to it and
 * renamed into place at the end, so a reader (node_exporter's textfile collector, a web server, a
 * dashboard) never sees half a report; jsonl is the exception — it is meant to be followed while
 * it grows — and is written to FILE directly. Throws UsageError when the file cannot be written.
 */
export function openOutput(o: Pick<ScanOptions, 'output' | 'format'>, io: Io): ReportOutput {
  if (o.output === undefined) {
    return { writer: { write: (s) => void io.stdout.write(s) }, close: () => {}, discard: () => {} };
  }
  const target = o.output;
  const direct = o.format === 'jsonl';
  const file = direct
    ? target
    : path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'w', 0o644);
  } catch (err) {
    // Name the file the user gave, not our temporary one beside it.
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT' ? `directory ${path.dirname(target)} does not exist` : (e.code ?? e.message);
    throw new UsageError(`--output ${target}: cannot write it (${why})`);
  }
  let open = true;
  const finish = (keep: boolean) => {
    if (!open) return;
    open = false;
    fs.closeSync(fd);
    if (direct) return;
    if (keep) fs.renameSync(file, target);
    else fs.rmSync(file, { force: true });
  };
  return {
    writer: {
      write: (s) => {
        try {
          fs.writeSync(fd, s);
        } catch (err) {
          throw new UsageError(`--output ${target}: ${(err as Error).message}`);
        }
      },
    },
    close: () => finish(true),
    discard: () => finish(false),
  };
}

/** The relay battery addresses --relay-domain, else the domain the policy names for relay.open. */
export function relayDomainFromPolicy(
  settings: Omit<HostProbeSettings, 'needs'>,
  selected: readonly SelectedCheck[],
): void {
  const params = selected.find((c) => c.check.id === 'relay.open')?.params;
  if (!settings.relayDomain && typeof params?.relayDomain === 'string')
    settings.relayDomain = params.relayDomain;
}

/** The selection with `dnsbl.listed` judging the policy's zones plus `extra` (--dnsbl). */
export function withDnsblZones(
  selected: readonly SelectedCheck[],
  extra: readonly string[] = [],
): SelectedCheck[] {
  return selected.map((c) => {
    if (c.check.id !== 'dnsbl.listed') return c;
    const zones = [...new Set([...((c.params.zones as string[] | undefined) ?? []), ...extra])];
    return { ...c, params: { ...c.params, zones } };
  });
}

/** The zones `dnsbl.listed` will judge in this selection: exactly those the domain probe must ask. */
export function dnsblZonesOf(selected: readonly SelectedCheck[]): string[] {
  return (selected.find((c) => c.check.id === 'dnsbl.listed')?.params.zones as string[] | undefined) ?? [];
}

/** What a command adds to the shared scan options. */
export interface ScanExtras {
  /** Changes to the probe settings (the demo trusts its lab CA and uses the lab account). */
  adjust?: (settings: Omit<HostProbeSettings, 'needs'>) => void;
  /** More options to publish in the report. */
  published?: Record<string, unknown>;
  /** Settings for domain targets. */
  domain?: DomainOnlySettings;
  /** Only these check ids (default: every check the policy turns on). */
  only?: readonly string[];
  /** The role of the hosts scanned (relay, mx, submission): the policy's role overrides apply. */
  role?: PolicyRole;
}

/** Scans targets with the options every scanning command shares. */
export async function scanWithOptions(
  targets: ScanTarget[],
  o: ScanOptions,
  io: Io,
  extras: ScanExtras = {},
): Promise<Report> {
  let domainSettings = extras.domain;
  const policy = await loadPolicy(o.policy);
  const settings = probeSettingsFrom(o, io);
  extras.adjust?.(settings);
  let selected = selectChecks(REGISTRY, policy, extras.only, extras.role);
  // The relay battery addresses --relay-domain, else the domain the policy names for relay.open.
  relayDomainFromPolicy(settings, selected);
  if (domainSettings) {
    // DNSBL zones: those the policy names plus --dnsbl; the check judges exactly what was asked.
    const asked = domainSettings.dnsblZones;
    selected = withDnsblZones(selected, asked);
    const judged = selected.some((c) => c.check.id === 'dnsbl.listed');
    domainSettings = { ...domainSettings, dnsblZones: judged ? dnsblZonesOf(selected) : [...new Set(asked)] };
  }
  const report = await scanHosts({
    ...(extras.role ? { roles: [extras.role] } : {}),
    targets,
    policy,
    selected,
    settings,
    concurrency: o.concurrency,
    options: { ...publishedOptions(o), ...extras.published },
    ...(domainSettings ? { domainSettings } : {}),
  });
  try {
    await settings.resolver.save();
  } catch (err) {
    throw new UsageError(`--dns-cache ${o.dnsCache}: ${(err as Error).message}`);
  }
  return report;
}
