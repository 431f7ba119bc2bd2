/**
 * What `mailcheck readiness` does (its options are defined in readiness.ts): scan the relay as a
 * submission host, scan the domain's SPF, DKIM and DMARC for it, write the report and the
 * verdict. Loaded only when the command runs.
 */
import net from 'node:net';
import type { Report } from '../model/results.js';
import { applyProviderInclude, readinessVerdict, verdictLine } from '../readiness/verdict.js';
import { prefetchFormat } from '../report/formats.js';
import { hostTarget } from './host.js';
import { UsageError, type Io } from './io.js';
import { parseDomainName, parseHostSpec, type HostSpec } from './options.js';
import { READINESS_DOMAIN_CHECKS, type ReadinessOptions } from './readiness.js';
import { credentialsFrom, emitReport, loadPolicy, scanWithOptions } from './scan-options.js';
import { hostAddresses, mergeReports, sendTestOf } from './shared-args.js';

/** --relay must name the port: a provider relay is 587 or 465, and guessing would test the wrong service. */
function parseRelay(v: string): HostSpec & { port: number } {
  let spec: HostSpec;
  try {
    spec = parseHostSpec(v);
  } catch (err) {
    throw new UsageError(`--relay: ${(err as Error).message}`);
  }
  if (spec.port === undefined)
    throw new UsageError(`--relay "${v}" needs a port: HOST:PORT (587 or 465 for a provider relay)`);
  return { ...spec, port: spec.port };
}

/** Every address the relay name resolved to (or the literal, when it could not be scanned). */
function relayAddresses(report: Report, relay: HostSpec): string[] {
  const seen = hostAddresses(report);
  return seen.length === 0 && net.isIP(relay.host) ? [relay.host] : seen;
}

/** Runs `mailcheck readiness`, judging with `policy`; returns the exit code. */
export async function readinessAction(o: ReadinessOptions, policy: string, io: Io): Promise<number> {
  if (!o.relay) throw new UsageError('readiness needs --relay HOST:PORT');
  if (!o.domain) throw new UsageError('readiness needs --domain DOMAIN');
  const opts: ReadinessOptions = { ...o, policy };
  await loadPolicy(policy);
  const relay = parseRelay(o.relay);
  let domain;
  try {
    domain = parseDomainName(o.domain);
  } catch (err) {
    throw new UsageError(`--domain: ${(err as Error).message}`);
  }
  const sendTest = sendTestOf(o);
  const credentialsGiven = credentialsFrom(opts, io) !== undefined;
  // The report's format loads while the scans' first round trips are in flight.
  prefetchFormat(o.format);

  const relayTarget = hostTarget(relay, {
    ...opts,
    ...(o.implicitTls ? { smtpsPort: [relay.port] } : { submissionPort: [relay.port] }),
  });
  const relayReport = await scanWithOptions(
    [{ kind: 'host', input: o.relay, target: relayTarget }],
    opts,
    io,
    {
      role: 'submission',
      published: { readiness: { relay: o.relay, domain: domain.domain } },
      ...(sendTest ? { adjust: (settings) => (settings.sendTest = sendTest) } : {}),
    },
  );
  const domainReport = await scanWithOptions(
    [{ kind: 'domain', input: o.domain, target: domain }],
    opts,
    io,
    {
      only: READINESS_DOMAIN_CHECKS,
      domain: {
        dkimSelectors: o.dkimSelector ?? [],
        dnsblZones: [],
        spfAddresses: relayAddresses(relayReport, relay),
        dnsOnly: true,
        now: new Date(),
      },
    },
  );
  let report = mergeReports(relayReport, domainReport);
  if (o.providerInclude) report = applyProviderInclude(report, o.providerInclude);
  await emitReport(report, opts, io);
  const verdict = readinessVerdict(report, credentialsGiven);
  if (o.format === 'table') io.stdout.write(`${verdictLine(verdict, o.relay.trim(), domain.displayName)}\n`);
  return verdict.unreachable ? 3 : verdict.ready ? 0 : 1;
}
