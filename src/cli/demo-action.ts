/**
 * What `mailcheck demo` does (its options are defined in demo.ts): start the lab, scan its hosts
 * and domains with the lab's CA, DNS and test account, print the report, stop the lab. Loaded
 * only when the command runs.
 */
import { startLab } from '../lab/lab.js';
import { LAB_DNSBL_ZONE } from '../lab/zones.js';
import { prefetchFormat } from '../report/formats.js';
import type { Io } from './io.js';
import { emitReport, loadPolicy, scanWithOptions, type ScanOptions } from './scan-options.js';

/** Runs `mailcheck demo`; returns the exit code. */
export async function demoAction(o: ScanOptions, io: Io): Promise<number> {
  await loadPolicy(o.policy);
  // The report's format loads while the lab starts and is scanned.
  prefetchFormat(o.format);
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
    await emitReport(report, o, io);
    return 0;
  } finally {
    await lab.close();
  }
}
