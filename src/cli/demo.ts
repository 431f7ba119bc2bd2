/**
 * `mailcheck demo`: starts the built-in lab (fixture SMTP servers on loopback, no network) and
 * scans it, so a newcomer sees a full report — good, legacy and broken servers side by side.
 */
import { Command } from 'commander';
import { startLab } from '../lab/lab.js';
import type { Io } from './io.js';
import { addScanOptions, emitReport, policyFrom, scanWithOptions, type ScanOptions } from './scan-options.js';

export function demoCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('demo').description(
    'start the built-in lab on loopback and audit it (no network needed)',
  );
  addScanOptions(cmd);
  cmd.addHelpText(
    'after',
    `
The lab runs inside this process on 127.0.0.1 and random ports, and stops when the report is printed.
It scans with the lab's test CA trusted and logs in with the lab's test account.
Exit code 0 means the lab ran and was scanned (its legacy servers are meant to fail).`,
  );
  cmd.action(async (o: ScanOptions) => {
    policyFrom(o.policy);
    const lab = await startLab();
    try {
      const targets = lab.servers.map((s) => ({
        kind: 'host' as const,
        input: `${s.host}:${s.port}`,
        target: {
          host: s.host,
          displayName: s.name,
          ports: [{ port: s.port, profile: s.profile, explicit: true }],
        },
      }));
      // The lab trusts its own CA and logs in with its own test account; neither is the user's.
      const report = await scanWithOptions(
        targets,
        { ...o, caFile: o.caFile ?? lab.caFile },
        io,
        (settings) =>
          (settings.credentials = { user: lab.credentials.user, password: lab.credentials.password }),
        { lab: true },
      );
      if (o.format === 'table' && !o.output && !o.quiet) {
        io.stdout.write(
          `mailcheck lab: ${lab.servers.length} servers on ${lab.servers[0]?.host ?? '127.0.0.1'}\n`,
        );
        for (const s of lab.servers)
          io.stdout.write(`  ${s.name.padEnd(21)} port ${String(s.port).padEnd(6)} ${s.description}\n`);
        io.stdout.write('\n');
      }
      emitReport(report, o, io);
      setExit(0);
    } finally {
      await lab.close();
    }
  });
  return cmd;
}
