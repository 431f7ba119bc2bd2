/**
 * `mailcheck audit INVENTORY`: scan every host and domain an inventory lists, many at once but
 * gently per destination, streaming results to the chosen format, the history database and a
 * progress bar; then say what changed since the previous run. The options and help are defined
 * here; what the command does is in audit-action.ts, loaded when it runs.
 */
import { Command, Option } from 'commander';
import type { FailOn } from '../runner/audit.js';
import type { Io } from './io.js';
import { collect, parsePort } from './options.js';
import { addPortProfileOptions, addScanOptions } from './scan-flags.js';
import type { ScanOptions } from './scan-options.js';

/** Targets at once: enough to finish a campus (hundreds of hosts) in a minute or two. */
export const AUDIT_CONCURRENCY = 32;
/** Connections at once to one destination address: no MX of ours or a department's is hammered. */
export const AUDIT_CONNECTIONS_PER_HOST = 2;

export interface AuditOptions extends ScanOptions {
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
  const cmd = addPortProfileOptions(
    new Command('audit')
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
      .option('--no-progress', 'no progress bar (there is none anyway when stderr is not a terminal)'),
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
    const { auditAction } = await import('./audit-action.js');
    setExit(await auditAction(file, o, io));
  });
  return cmd;
}
