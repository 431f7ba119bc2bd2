/**
 * `mailcheck demo`: starts the built-in lab (fixture SMTP servers on loopback, no network) and
 * scans it, so a newcomer sees a full report — good, legacy and broken servers side by side.
 */
import { Command } from 'commander';
import { startLab } from '../lab/lab.js';
import { LAB_DNSBL_ZONE } from '../lab/zones.js';
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
      const hosts = lab.servers.map((s) => ({
        kind: 'host' as const,
        input: `${s.host}:${s.port}`,
        target: {
          host: s.host,
          displayName: s.name,
          ports: [{ port: s.port, profile: s.profile, explicit: true }],
        },
      }));
      const domains = lab.domains.map((d) => ({
        kind: 'domain' as const,
        input: d,
        target: { domain: d, displayName: d },
      }));
      // The lab answers its own DNS, trusts its own CA and logs in with its own test account;
      // none of it is the user's, and nothing leaves the machine.
      const report = await scanWithOptions(
        [...hosts, ...domains],
        {
          ...o,
          caFile: o.caFile ?? lab.caFile,
          resolver: [{ address: lab.dns.host, port: lab.dns.port }],
          authenticated: true,
        },
        io,
        {
          adjust: (settings) =>
            (settings.credentials = { user: lab.credentials.user, password: lab.credentials.password }),
          published: { lab: true },
          domain: {
            dkimSelectors: [],
            dnsblZones: [LAB_DNSBL_ZONE],
            spfAddresses: [],
            dnsOnly: false,
            mxPort: lab.mxPort,
            mtaSts: { port: lab.mtaSts.port },
            now: new Date(),
          },
        },
      );
      if (o.format === 'table' && !o.output && !o.quiet) {
        io.stdout.write(
          `mailcheck lab: DNS on ${lab.dns.host}:${lab.dns.port}, MX hosts on port ${lab.mxPort}\n`,
        );
        for (const s of lab.servers) {
          io.stdout.write(`  ${s.name.padEnd(21)} ${`${s.host}:${s.port}`.padEnd(16)} ${s.description}\n`);
        }
        io.stdout.write(`  domains               ${lab.domains.join(', ')}\n\n`);
      }
      emitReport(report, o, io);
      setExit(0);
    } finally {
      await lab.close();
    }
  });
  return cmd;
}
