/**
 * `mailcheck host HOST[:PORT]...`: probe SMTP hosts on 25, 587 and 465 (or the ports given).
 */
import { Command } from 'commander';
import type { PortProfile } from '../model/artifacts.js';
import type { HostTarget } from '../probe/host.js';
import { exitCodeFor } from '../runner/scan.js';
import type { Io } from './io.js';
import { collect, parseHostSpec, parsePort, type HostSpec } from './options.js';
import { addScanOptions, emitReport, policyFrom, scanWithOptions, type ScanOptions } from './scan-options.js';

export const DEFAULT_PORTS = [25, 587, 465] as const;

interface HostOptions extends ScanOptions {
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
  const cmd = new Command('host')
    .description('probe SMTP hosts: dialogue, STARTTLS/implicit TLS, TLS versions, certificate, AUTH posture')
    .argument('<host...>', 'HOST, HOST:PORT, IPv4[:PORT] or [IPv6][:PORT]; without a port: 25, 587 and 465')
    .option(
      '-p, --port <port>',
      'port to probe on every host without its own :PORT (repeatable)',
      collect(parsePort),
    )
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
    policyFrom(o.policy); // a bad policy name is a usage error before any host is parsed or probed
    const targets = hosts.map((h) => ({
      kind: 'host' as const,
      input: h,
      target: hostTarget(parseHostSpec(h), o),
    }));
    const report = await scanWithOptions(targets, o, io);
    emitReport(report, o, io);
    setExit(exitCodeFor(report));
  });
  return cmd;
}
