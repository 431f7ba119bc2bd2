/**
 * `mailcheck domain DOMAIN...`: the mail DNS of a domain (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT,
 * DANE, DNSBL, reverse DNS of the MX addresses), then a port-25 probe of every MX. The options
 * and help are defined here; what the command does is in domain-action.ts, loaded when it runs.
 */
import net from 'node:net';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Io } from './io.js';
import { parseSelector } from './shared-args.js';
import { collect, parseHostSpec, parsePort } from './options.js';
import { addScanOptions } from './scan-flags.js';
import type { ScanOptions } from './scan-options.js';

export interface DomainOptions extends ScanOptions {
  dnsOnly?: boolean;
  dkimSelector?: string[];
  dnsbl?: string[];
  sendingIp?: string[];
  mtaStsPort?: number;
  mxPort?: number;
}

function parseZone(v: string): string {
  const spec = parseHostSpec(v);
  if (spec.port !== undefined || net.isIP(spec.host))
    throw new InvalidArgumentError(`"${v}" is not a DNS zone name`);
  return spec.host;
}

function parseIp(v: string): string {
  if (!net.isIP(v)) throw new InvalidArgumentError(`"${v}" is not an IP address`);
  return v;
}

export function domainCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('domain')
    .description(
      'audit the mail DNS of domains (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, DANE, DNSBL) and probe each MX',
    )
    .argument('<domain...>', 'mail domain, e.g. example.edu (IDN allowed)')
    .option('--dns-only', 'check DNS only; do not connect to the MX hosts')
    .option(
      '--dkim-selector <selector>',
      'DKIM selector you use (repeatable); common selectors are tried too',
      collect(parseSelector),
    )
    .option(
      '--dnsbl <zone>',
      'DNS blocklist zone to check the MX addresses against (repeatable)',
      collect(parseZone),
    )
    .option(
      '--sending-ip <ip>',
      'an address your outbound mail leaves from, checked against SPF (repeatable)',
      collect(parseIp),
    )
    .addOption(
      new Option('--mta-sts-port <port>', 'port of the MTA-STS policy server (lab and tests)')
        .argParser(parsePort)
        .hideHelp(),
    )
    .addOption(
      new Option('--mx-port <port>', 'port the MX hosts listen on instead of 25 (lab and tests)')
        .argParser(parsePort)
        .hideHelp(),
    );
  addScanOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Exit codes: 0 passed (warnings allowed), 1 a check failed, 2 usage error, 3 a domain could not be scanned.

Examples:
  mailcheck domain example.edu
  mailcheck domain example.edu --dkim-selector s2026 --sending-ip 192.0.2.25 --dns-only
  mailcheck domain example.edu --resolver 10.1.1.53 --format json`,
  );
  cmd.action(async (domains: string[], o: DomainOptions) => {
    const { domainAction } = await import('./domain-action.js');
    setExit(await domainAction(domains, o, io));
  });
  return cmd;
}
