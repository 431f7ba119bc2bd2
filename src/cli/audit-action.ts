/**
 * What `mailcheck audit` does (its options are defined in audit.ts): plan a target per inventory
 * entry, scan them all, stream the results to the format, the history and the progress bar, and
 * say what changed. Loaded only when the command runs.
 */
import { REGISTRY } from '../checks/index.js';
import { HistoryError, HistoryStore } from '../history/store.js';
import { InventoryError, loadInventory, resolveCredentials } from '../inventory/loader.js';
import type { Inventory, InventoryEntry } from '../inventory/types.js';
import type { Policy } from '../policy/builtin.js';
import { withOverrides } from '../policy/loader.js';
import type { Credentials } from '../probe/smtp/auth.js';
import { loadFormat, monitoringExitCode, sinkFor } from '../report/formats.js';
import { auditExitCode, runAudit } from '../runner/audit.js';
import { boundHeapGrowth } from '../runner/memory.js';
import { selectChecks } from '../runner/judge.js';
import type { DomainOnlySettings, ScanTarget, TargetPlan } from '../runner/scan.js';
import type { AuditOptions } from './audit.js';
import { DEFAULT_PORTS, profileOf } from './host.js';
import { progressFor } from './progress.js';
import { UsageError, type Io } from './io.js';
import {
  dnsblZonesOf,
  loadPolicyReader,
  openOutput,
  policyFrom,
  probeSettingsFrom,
  publishedOptions,
  relayDomainFromPolicy,
  renderOptionsOf,
  withDnsblZones,
} from './scan-options.js';

/** Runs `mailcheck audit`; returns the exit code. */
export async function auditAction(file: string, o: AuditOptions, io: Io): Promise<number> {
  // Inventory entries may name policy files: planTargets reads them with policyFrom.
  await loadPolicyReader();
  const defaultPolicy = policyFrom(o.policy);
  const inventory = readInventory(file, io);
  const settings = probeSettingsFrom(o, io);
  const targets = planTargets(inventory, defaultPolicy, o, io);
  const selected = withDnsblZones(selectChecks(REGISTRY, defaultPolicy), o.dnsbl);
  relayDomainFromPolicy(settings, selected);
  await loadFormat(o.format);

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
  // An audit may run for an hour: keep V8's heap near its live data (src/runner/memory.ts). This
  // is a setting of the whole process, so the command that owns the process makes it.
  boundHeapGrowth();
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
    return result.outcome.interrupted
      ? auditExitCode(result, o.failOn)
      : (monitoring ?? auditExitCode(result, o.failOn));
  } catch (err) {
    progress?.clear();
    out.discard();
    throw err;
  } finally {
    store?.close();
  }
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
