/**
 * `mailcheck readiness --relay HOST:PORT --domain DOMAIN`: before moving a department's mail to an
 * authenticated provider relay, prove from this machine that the relay is reachable, speaks modern
 * TLS with a valid certificate, accepts the login, and that the domain's SPF, DKIM and DMARC are
 * already in place for it. Composes the host scan of the relay with a DNS-only scan of the domain.
 */
import net from 'node:net';
import { Command } from 'commander';
import type { Report } from '../model/results.js';
import { applyProviderInclude, readinessVerdict, verdictLine } from '../readiness/verdict.js';
import { hostTarget } from './host.js';
import { UsageError, type Io } from './io.js';
import { hostAddresses, mergeReports, parseAddressArg, parseSelector, sendTestOf } from './shared-args.js';
import { collect, parseDomainName, parseHostSpec, type HostSpec } from './options.js';
import {
  addScanOptions,
  credentialsFrom,
  emitReport,
  policyFrom,
  scanWithOptions,
  type ScanOptions,
} from './scan-options.js';

/** The policy readiness judges with unless --policy names another. */
export const READINESS_POLICY = 'migration-readiness';

/** The domain checks that say whether the domain is ready to send through the new relay. */
export const READINESS_DOMAIN_CHECKS = [
  'spf.record',
  'spf.authorizes',
  'dkim.selector',
  'dkim.key',
  'dmarc.record',
] as const;

interface ReadinessOptions extends ScanOptions {
  relay?: string;
  domain?: string;
  implicitTls?: boolean;
  providerInclude?: string;
  dkimSelector?: string[];
  sendTest?: boolean;
  from?: string;
  to?: string;
}

function parseIncludeArg(v: string): string {
  return parseDomainName(v).domain;
}

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

export function readinessCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('readiness')
    .description(
      'pre-migration check: reach the provider relay, modern TLS, AUTH works, and the domain’s SPF/DKIM/DMARC are ready for it',
    )
    .option('--relay <host:port>', 'the new provider relay, e.g. smtp.provider.example:587')
    .option('--domain <domain>', 'the mail domain that will send through the relay')
    .option(
      '--implicit-tls',
      'the relay port is implicit TLS like 465 (default: 465 is, any other port is STARTTLS)',
    )
    .option(
      '--provider-include <domain>',
      "the provider's SPF include (e.g. spf.provider.example); its presence authorises the relay",
      parseIncludeArg,
    )
    .option(
      '--dkim-selector <selector>',
      "the provider's DKIM selector that must be published (repeatable)",
      collect(parseSelector),
    )
    .option('--send-test', 'send one generated test message through the relay (needs --from and --to)')
    .option('--from <address>', 'envelope sender of the --send-test message', parseAddressArg)
    .option('--to <address>', 'recipient of the --send-test message', parseAddressArg);
  addScanOptions(cmd);
  // Readiness judges with its own built-in policy unless --policy names another.
  cmd.options.find((opt) => opt.long === '--policy')?.default(READINESS_POLICY);
  cmd.addHelpText(
    'after',
    `
Credentials: --auth-user with MAILCHECK_AUTH_PASSWORD or --auth-password-file; an XOAUTH2 token
from MAILCHECK_OAUTH_TOKEN. Without credentials the login cannot be verified and the verdict is
NOT READY.
Exit codes: 0 ready, 1 not ready, 2 usage error, 3 the relay (or the domain's DNS) could not be scanned.

Examples:
  mailcheck readiness --relay smtp.provider.example:587 --domain dept.example.edu \\
    --auth-user dept-mailer --provider-include spf.provider.example --dkim-selector provider1
  mailcheck readiness --relay smtp.provider.example:465 --domain dept.example.edu --auth-user dept-mailer \\
    --send-test --from dept-mailer@dept.example.edu --to postmaster@dept.example.edu`,
  );
  cmd.action(async (o: ReadinessOptions) => {
    if (!o.relay) throw new UsageError('readiness needs --relay HOST:PORT');
    if (!o.domain) throw new UsageError('readiness needs --domain DOMAIN');
    const policy = cmd.getOptionValueSource('policy') === 'default' ? READINESS_POLICY : o.policy;
    const opts: ReadinessOptions = { ...o, policy };
    policyFrom(policy);
    const relay = parseRelay(o.relay);
    let domain;
    try {
      domain = parseDomainName(o.domain);
    } catch (err) {
      throw new UsageError(`--domain: ${(err as Error).message}`);
    }
    const sendTest = sendTestOf(o);
    const credentialsGiven = credentialsFrom(opts, io) !== undefined;

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
    emitReport(report, opts, io);
    const verdict = readinessVerdict(report, credentialsGiven);
    if (o.format === 'table')
      io.stdout.write(`${verdictLine(verdict, o.relay.trim(), domain.displayName)}\n`);
    setExit(verdict.unreachable ? 3 : verdict.ready ? 0 : 1);
  });
  return cmd;
}
