/**
 * What `mailcheck domain` does (its options are defined in domain.ts): audit the domains' mail
 * DNS, probe their MX hosts and write the report. Loaded only when the command runs.
 */
import { prefetchFormat } from '../report/formats.js';
import { exitCodeFor } from '../runner/scan.js';
import type { DomainOptions } from './domain.js';
import type { Io } from './io.js';
import { parseDomainName } from './options.js';
import { emitReport, loadPolicy, scanWithOptions } from './scan-options.js';

/** Runs `mailcheck domain`; returns the exit code. */
export async function domainAction(domains: string[], o: DomainOptions, io: Io): Promise<number> {
  await loadPolicy(o.policy);
  const targets = domains.map((d) => ({ kind: 'domain' as const, input: d, target: parseDomainName(d) }));
  // The report's format loads while the scan's first round trips are in flight.
  prefetchFormat(o.format);
  const report = await scanWithOptions(targets, o, io, {
    domain: {
      dkimSelectors: o.dkimSelector ?? [],
      dnsblZones: o.dnsbl ?? [],
      spfAddresses: o.sendingIp ?? [],
      dnsOnly: o.dnsOnly === true,
      ...(o.mtaStsPort ? { mtaSts: { port: o.mtaStsPort } } : {}),
      ...(o.mxPort ? { mxPort: o.mxPort } : {}),
      now: new Date(),
    },
  });
  return (await emitReport(report, o, io)) ?? exitCodeFor(report);
}
