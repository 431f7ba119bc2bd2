/**
 * What `mailcheck host` does (its options are defined in host.ts): probe the hosts, judge them
 * and write the report. Loaded only when the command runs.
 */
import { REGISTRY } from '../checks/index.js';
import type { Report } from '../model/results.js';
import { prefetchFormat } from '../report/formats.js';
import { exitCodeFor } from '../runner/scan.js';
import { hostTarget, type HostOptions } from './host.js';
import type { Io } from './io.js';
import { parseDomainName, parseHostSpec } from './options.js';
import { emitReport, loadPolicy, scanWithOptions } from './scan-options.js';
import { hostAddresses, mergeReports, sendTestOf } from './shared-args.js';

/** Runs `mailcheck host`; returns the exit code. */
export async function hostAction(hosts: string[], o: HostOptions, io: Io): Promise<number> {
  await loadPolicy(o.policy); // a bad policy name is a usage error before any host is parsed or probed
  const spfDomain = o.domain === undefined ? undefined : parseDomainName(o.domain);
  const targets = hosts.map((h) => ({
    kind: 'host' as const,
    input: h,
    target: hostTarget(parseHostSpec(h), o),
  }));
  const sendTest = sendTestOf(o);
  // The report's format loads while the scan's first round trips are in flight.
  prefetchFormat(o.format);
  let report = await scanWithOptions(targets, o, io, {
    ...(o.role ? { role: o.role } : {}),
    ...(sendTest ? { adjust: (settings) => (settings.sendTest = sendTest) } : {}),
  });
  if (spfDomain) report = mergeReports(report, await spfOfDomain(spfDomain, report, o, io));
  return (await emitReport(report, o, io)) ?? exitCodeFor(report);
}

/** --domain D: judge every address the hosts resolved to against D's SPF (spf.* checks only). */
async function spfOfDomain(
  domain: { domain: string; displayName: string },
  hostReport: Report,
  o: HostOptions,
  io: Io,
) {
  const addresses = hostAddresses(hostReport);
  return scanWithOptions([{ kind: 'domain', input: o.domain!, target: domain }], o, io, {
    only: REGISTRY.filter((c) => c.area === 'spf').map((c) => c.id),
    domain: { dkimSelectors: [], dnsblZones: [], spfAddresses: addresses, dnsOnly: true, now: new Date() },
  });
}
