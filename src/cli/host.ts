/**
 * `mailcheck host HOST[:PORT]...`: probe SMTP hosts on 25, 587 and 465 (or the ports given). The
 * options and help are defined here; what the command does is in host-action.ts, loaded when it
 * runs.
 */
import { Command, Option } from 'commander';
import { POLICY_ROLES, type PolicyRole } from '../policy/builtin.js';
import type { PortProfile } from '../model/artifacts.js';
import type { HostTarget } from '../probe/host.js';
import type { Io } from './io.js';
import { collect, parsePort, type HostSpec } from './options.js';
import { parseAddressArg } from './probe-parsers.js';
import { addPortProfileOptions, addScanOptions } from './scan-flags.js';
import type { ScanOptions } from './scan-options.js';

export const DEFAULT_PORTS = [25, 587, 465] as const;

export interface HostOptions extends ScanOptions {
  domain?: string;
  sendTest?: boolean;
  from?: string;
  to?: string;
  role?: PolicyRole;
  port?: number[];
  smtpsPort?: number[];
  submissionPort?: number[];
}

/** Port 465 (and --smtps-port) is implicit TLS, 587 (and --submission-port) submission, the rest MX/relay. */
export function profileOf(port: number, o: Pick<HostOptions, 'smtpsPort' | 'submissionPort'>): PortProfile {
  if (port === 465 || o.smtpsPort?.includes(port)) return 'smtps';
  if (port === 587 || o.submissionPort?.includes(port)) return 'submission';
  return 'smtp';
}

export function hostTarget(spec: HostSpec, o: HostOptions): HostTarget {
  const explicit = spec.port !== undefined ? [spec.port] : (o.port ?? []);
  const ports = explicit.length > 0 ? explicit : [...DEFAULT_PORTS];
  return {
    host: spec.host,
    displayName: spec.displayName,
    ports: ports.map((port) => ({ port, profile: profileOf(port, o), explicit: explicit.length > 0 })),
  };
}

export function hostCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = addPortProfileOptions(
    new Command('host')
      .description(
        'probe SMTP hosts: dialogue, STARTTLS/implicit TLS, TLS versions, certificate, AUTH posture',
      )
      .argument('<host...>', 'HOST, HOST:PORT, IPv4[:PORT] or [IPv6][:PORT]; without a port: 25, 587 and 465')
      .option(
        '-p, --port <port>',
        'port to probe on every host without its own :PORT (repeatable)',
        collect(parsePort),
      ),
  )
    .option('--domain <domain>', "also check that the hosts' addresses are authorised by this domain's SPF")
    .option('--send-test', 'send one generated test message (needs --from and --to); off by default')
    .option('--from <address>', 'envelope sender of the --send-test message', parseAddressArg)
    .option('--to <address>', 'recipient of the --send-test message', parseAddressArg)
    .addOption(
      new Option('--role <role>', "the hosts' role: the policy's overrides for that role apply").choices([
        ...POLICY_ROLES,
      ]),
    );
  addScanOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Ports that were not named explicitly are judged only if they answer.
Exit codes: 0 passed (warnings allowed), 1 a check failed, 2 usage error, 3 a host could not be scanned.

Examples:
  mailcheck host smtp.example.edu
  mailcheck host smtp.example.edu:587 --auth-user alice    # password from MAILCHECK_AUTH_PASSWORD
  mailcheck host '[2001:db8::25]:25' --format json --transcript`,
  );
  cmd.action(async (hosts: string[], o: HostOptions) => {
    const { hostAction } = await import('./host-action.js');
    setExit(await hostAction(hosts, o, io));
  });
  return cmd;
}
