/**
 * `mailcheck audit INVENTORY`: scan every host and domain an inventory lists, many at once but
 * gently per destination, streaming results to the chosen format, the history database and a
 * progress bar; then say what changed since the previous run.
 */
import { Command, Option } from 'commander';
import { REGISTRY } from '../checks/index.js';
import { HistoryError, HistoryStore } from '../history/store.js';
import { InventoryError, loadInventory } from '../inventory/loader.js';
import type { Inventory, InventoryEntry } from '../inventory/types.js';
import { resolveCredentials } from '../inventory/loader.js';
import type { Policy } from '../policy/builtin.js';
import { withOverrides } from '../policy/loader.js';
import type { Credentials } from '../probe/smtp/auth.js';
import { monitoringExitCode, sinkFor } from '../report/formats.js';
import { auditExitCode, runAudit, type FailOn } from '../runner/audit.js';
import { selectChecks } from '../runner/judge.js';
import type { DomainOnlySettings, ScanTarget, TargetPlan } from '../runner/scan.js';
import { DEFAULT_PORTS, profileOf } from './host.js';
import { progressFor } from './progress.js';
import { UsageError, type Io } from './io.js';
import { collect, parsePort } from './options.js';
import {
  addScanOptions,
  dnsblZonesOf,
  openOutput,
  policyFrom,
  probeSettingsFrom,
  publishedOptions,
  relayDomainFromPolicy,
  renderOptionsOf,
  withDnsblZones,
  type ScanOptions,
} from './scan-options.js';

/** Targets at once: enough to finish a campus (hundreds of hosts) in a minute or two. */
export const AUDIT_CONCURRENCY = 32;
/** Connections at once to one destination address: no MX of ours or a department's is hammered. */
export const AUDIT_CONNECTIONS_PER_HOST = 2;

interface AuditOptions extends ScanOptions {
  history?: string;
  failOn: FailOn;
  progress?: boolean;
  smtpsPort?: number[];
  submissionPort?: number[];
  dnsbl?: string[];
  mxPort?: number;
  mtaStsPort?: number;
}

export function auditCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('audit')
    .description('scan every host and domain of an inventory (YAML or CSV), with history and a diff')
    .argument('<inventory>', 'inventory file: .yaml/.yml, or .csv (see docs/inventory.md)')
    .option(
      '--history <file>',
      'record the run in this SQLite file and report what changed since the last run',
    )
    .addOption(
      new Option(
        '--fail-on <when>',
        'exit 1 for any failure, or only for new ones (regressions since the last run)',
      )
        .choices(['any', 'new'])
        .default('any'),
    )
    .option('--no-progress', 'no progress bar (there is none anyway when stderr is not a terminal)')
    .option(
      '--smtps-port <port>',
      'treat this port as implicit TLS like 465 (repeatable)',
      collect(parsePort),
    )
    .option(
      '--submission-port <port>',
      'treat this port as submission like 587 (repeatable)',
      collect(parsePort),
    )
    .option('--dnsbl <zone>', 'DNS blocklist zone to check domains against (repeatable)', collect(String))
    .addOption(
      new Option('--mx-port <port>', 'port the MX hosts listen on instead of 25 (lab and tests)')
        .argParser(parsePort)
        .hideHelp(),
    )
    .addOption(
      new Option('--mta-sts-port <port>', 'port of the MTA-STS policy server (lab and tests)')
        .argParser(parsePort)
        .hideHelp(),
    );
  addScanOptions(cmd, { concurrency: AUDIT_CONCURRENCY, connectionsPerHost: AUDIT_CONNECTIONS_PER_HOST });
  cmd.addHelpText(
    'after',
    `
Results stream as targets finish: jsonl lines appear at once; other formats are written when the
run ends (--output FILE is replaced atomically). Ctrl-C stops starting new targets and writes what
finished (exit 130); a second Ctrl-C quits at once.

Exit codes: 0 passed (warnings allowed), 1 a check failed (with --fail-on new: something regressed
since the previous complete run), 2 usage or inventory error, 3 a target could not be scanned,
130 interrupted. --format nagios exits 0/1/2/3 as OK/WARNING/CRITICAL/UNKNOWN.

Examples:
  mailcheck audit campus.yaml
  mailcheck audit campus.yaml --history /var/lib/mailcheck/history.db --fail-on new --quiet
  mailcheck audit campus.yaml --format prometheus --output /var/lib/node_exporter/mailcheck.prom`,
  );
  cmd.action(async (file: string, o: AuditOptions) => {
    const defaultPolicy = policyFrom(o.policy);
    const inventory = readInventory(file, io);
    const settings = probeSettingsFrom(o, io);
    const targets = planTargets(inventory, defaultPolicy, o, io);
    const selected = withDnsblZones(selectChecks(REGISTRY, defaultPolicy), o.dnsbl);
    relayDomainFromPolicy(settings, selected);

    let store: HistoryStore | undefined;
    if (o.history !== undefined) {
      try {
        store = HistoryStore.open(o.history);
      } catch (err) {
        if (err instanceof HistoryError) throw new UsageError(err.message);
        throw err;
      }
    }
    const out = openOutput(o, io);
    const sink = sinkFor(o.format, out.writer, renderOptionsOf(o, io));
    const progress = progressOf(io, o);
    try {
      const result = await runAudit({
        scan: {
          targets,
          policy: defaultPolicy,
          selected,
          settings,
          concurrency: o.concurrency,
          options: { ...publishedOptions(o), inventory: file },
          domainSettings: domainSettingsOf(o, [], false),
        },
        sink,
        ...(store ? { recorder: store } : {}),
        inventory: file,
        ...(io.signal ? { signal: io.signal } : {}),
        ...(progress ? { onProgress: (t) => progress.update(t) } : {}),
      });
      progress?.clear();
      out.close();
      try {
        await settings.resolver.save();
      } catch (err) {
        throw new UsageError(`--dns-cache ${o.dnsCache}: ${(err as Error).message}`);
      }
      if (result.outcome.interrupted) {
        io.stderr.write(
          `mailcheck: interrupted: ${result.outcome.finished} of ${targets.length} targets finished and were written` +
            (store ? ` (history run ${result.runId} marked interrupted)` : '') +
            '\n',
        );
      }
      const monitoring = monitoringExitCode(sink);
      setExit(
        result.outcome.interrupted
          ? auditExitCode(result, o.failOn)
          : (monitoring ?? auditExitCode(result, o.failOn)),
      );
    } catch (err) {
      progress?.clear();
      out.discard();
      throw err;
    } finally {
      store?.close();
    }
  });
  return cmd;
}

function readInventory(file: string, io: Io): Inventory {
  try {
    return loadInventory(file, io.env);
  } catch (err) {
    if (err instanceof InventoryError) {
      // No issues means the file could not be read at all; the message says so.
      const n = err.issues.length;
      throw new UsageError(
        n === 0
          ? err.message
          : `invalid inventory ${file} (${n} problem${n === 1 ? '' : 's'}):\n${err.message}`,
      );
    }
    throw err;
  }
}

function progressOf(io: Io, o: AuditOptions) {
  return progressFor(io.stderr, { quiet: o.quiet === true, progress: o.progress !== false });
}

function domainSettingsOf(o: AuditOptions, dkimSelectors: string[], dnsOnly: boolean): DomainOnlySettings {
  return {
    dkimSelectors,
    dnsblZones: o.dnsbl ?? [],
    spfAddresses: [],
    dnsOnly,
    ...(o.mtaStsPort ? { mtaSts: { port: o.mtaStsPort } } : {}),
    ...(o.mxPort ? { mxPort: o.mxPort } : {}),
    now: new Date(),
  };
}

/**
 * One scan target per inventory entry, with its own checks (its policy, its roles, its overrides),
 * credentials and domain settings. Policies and selections are shared between entries that ask
 * for the same thing, so a 5,000-host inventory holds a handful of check lists, not 5,000.
 */
function planTargets(inventory: Inventory, defaultPolicy: Policy, o: AuditOptions, io: Io): ScanTarget[] {
  const policies = new Map<string, Policy>();
  const selections = new Map<string, ReturnType<typeof selectChecks>>();
  const policyOf = (name: string | undefined): Policy => {
    if (name === undefined) return defaultPolicy;
    let p = policies.get(name);
    if (!p) policies.set(name, (p = policyFrom(name)));
    return p;
  };
  const selectionOf = (e: InventoryEntry) => {
    const key = JSON.stringify([e.policy ?? '', e.roles, e.checks ? [...e.checks] : []]);
    let sel = selections.get(key);
    if (!sel) {
      const policy = e.checks ? withOverrides(policyOf(e.policy), e.checks) : policyOf(e.policy);
      selections.set(
        key,
        (sel = withDnsblZones(selectChecks(REGISTRY, policy, undefined, e.roles), o.dnsbl)),
      );
    }
    return sel;
  };
  const credentialsOf = (e: InventoryEntry): Credentials | undefined => {
    if (e.kind !== 'host' || !e.credentials) return undefined;
    try {
      return resolveCredentials(e.credentials, io.env, inventory.dir);
    } catch (err) {
      if (err instanceof InventoryError) throw new UsageError(err.message);
      throw err;
    }
  };
  return inventory.entries.map((e): ScanTarget => {
    const credentials = credentialsOf(e);
    const plan: TargetPlan = {
      selected: selectionOf(e),
      roles: [...e.roles],
      ...(credentials ? { credentials } : {}),
    };
    if (e.kind === 'domain') {
      // Probe exactly the zones the check will judge: the entry's policy's and --dnsbl.
      plan.domainSettings = {
        ...domainSettingsOf(o, e.dkimSelectors, e.dnsOnly),
        dnsblZones: dnsblZonesOf(plan.selected!),
      };
      return {
        kind: 'domain',
        input: e.input,
        target: { domain: e.domain, displayName: e.displayName },
        plan,
      };
    }
    const ports: readonly number[] = e.ports ?? DEFAULT_PORTS;
    return {
      kind: 'host',
      input: e.input,
      target: {
        host: e.host,
        displayName: e.displayName,
        ports: ports.map((port) => ({ port, profile: profileOf(port, o), explicit: e.ports !== undefined })),
      },
      plan,
    };
  });
}
