/**
 * The options every scanning command accepts (host, domain, audit, demo, readiness): their flags,
 * parsers, defaults and help text only, so that building the command tree loads nothing of the
 * scanner. scan-options.ts turns the values into a scan.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { BUILTIN_POLICIES, DEFAULT_POLICY } from '../policy/builtin.js';
import { validateRelayDomain } from '../probe/smtp/relay-forms.js';
import { FORMATS } from '../report/formats.js';
import { collect, parseDuration, parseEhloName, parsePort, parsePositiveInt } from './options.js';
import { parseResolverArg } from './probe-parsers.js';

/** Defaults a command may change: audits are gentler per destination than a one-host scan. */
export interface ScanDefaults {
  concurrency?: number;
  connectionsPerHost?: number;
}

/** Adds the common options to a command. */
export function addScanOptions(cmd: Command, defaults: ScanDefaults = {}): Command {
  return cmd
    .option(
      '--policy <name|file>',
      `policy to judge against: ${Object.keys(BUILTIN_POLICIES).join(', ')}, or a policy file (.yaml)`,
      DEFAULT_POLICY,
    )
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('--output <file>', 'write the report to a file instead of standard output')
    .option(
      '--resolver <ip[:port]>',
      'DNS server to use (repeatable; default: the system resolvers)',
      collect(parseResolverArg),
    )
    .addOption(
      new Option('--timeout <duration>', 'per-step timeout (500ms, 3s, 1m or seconds)')
        .argParser(parseDuration)
        .default(10_000, '10s'),
    )
    .addOption(
      new Option('--deadline <duration>', 'per-host deadline for everything')
        .argParser(parseDuration)
        .default(60_000, '1m'),
    )
    .option(
      '--concurrency <n>',
      'targets scanned at once',
      parsePositiveInt('--concurrency', 1000),
      defaults.concurrency ?? 16,
    )
    .option(
      '--connections-per-host <n>',
      'simultaneous connections to one destination address',
      parsePositiveInt('--connections-per-host', 64),
      defaults.connectionsPerHost ?? 6,
    )
    .option('--ehlo <name>', 'name to send with EHLO/HELO', parseEhloName, 'mailcheck.invalid')
    .option('--ipv4', 'probe IPv4 addresses only')
    .option('--ipv6', 'probe IPv6 addresses only')
    .option('--ca-file <file>', 'extra trusted CA certificates (PEM), e.g. a campus CA')
    .option(
      '--relay-domain <domain>',
      'external domain the open-relay tests address (default mailcheck-relay-test.example, never delivered to)',
      parseRelayDomainArg,
    )
    .option(
      '--dns-cache <file>',
      'replay DNS answers recorded in this file and record new ones (reproducible offline scans)',
    )
    .option('--transcript', 'include the SMTP dialogue with timings (credentials always redacted)')
    .option('--no-color', 'never colour the output (also NO_COLOR)')
    .option('--quiet', 'show only problems and the summary')
    .option('--verbose', 'show all evidence lines')
    .option(
      '--auth-user <user>',
      'log in as this user (password from MAILCHECK_AUTH_PASSWORD or --auth-password-file)',
    )
    .option('--auth-password-file <file>', 'file holding the password (first line)')
    .addOption(new Option('--auth-password <password>').hideHelp())
    .option(
      '--allow-plaintext-auth',
      'allow sending credentials without TLS, or over TLS whose certificate does not validate (never the default)',
    );
}

function parseRelayDomainArg(v: string): string {
  try {
    return validateRelayDomain(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** --smtps-port and --submission-port: which ports get the implicit-TLS or submission profile. */
export function addPortProfileOptions(cmd: Command): Command {
  return cmd
    .option(
      '--smtps-port <port>',
      'treat this port as implicit TLS like 465 (repeatable)',
      collect(parsePort),
    )
    .option(
      '--submission-port <port>',
      'treat this port as submission like 587 (repeatable)',
      collect(parsePort),
    );
}
