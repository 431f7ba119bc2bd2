/**
 * `npm run bench`: a full host scan (three ports: 25-like STARTTLS MX, 587-like submission with
 * AUTH, 465-like implicit TLS; TLS versions, weak suites, certificate, VRFY/EXPN, login, relay
 * battery, reverse DNS) against
 * the lab on loopback, repeated, reporting wall time and TCP connections counted at the servers.
 * Not part of the test suite: performance is measured here, never asserted by timed tests.
 */
import os from 'node:os';
import { startLab } from '../src/lab/lab.js';
import { run } from '../src/cli/program.js';
import type { Report } from '../src/model/results.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);

async function main(): Promise<void> {
  const lab = await startLab();
  try {
    const servers = ['compliant-mx', 'compliant-submission', 'compliant-smtps'].map((n) =>
      lab.servers.find((s) => s.name === n)!,
    );
    const [mx, sub, smtps] = servers as [(typeof servers)[0], (typeof servers)[0], (typeof servers)[0]];
    const args = [
      'host',
      mx.host,
      ...['-p', String(mx.port), '-p', String(sub.port), '-p', String(smtps.port)],
      ...['--submission-port', String(sub.port), '--smtps-port', String(smtps.port)],
      ...['--ca-file', lab.caFile, '--auth-user', lab.credentials.user, '--format', 'json'],
      ...['--resolver', `${lab.dns.host}:${lab.dns.port}`],
    ];
    const env = { MAILCHECK_AUTH_PASSWORD: lab.credentials.password };
    const walls: number[] = [];
    let connections = 0;
    let last: Report | undefined;
    for (let i = 0; i < RUNS; i++) {
      const before = servers.reduce((n, s) => n + s.server.stats.connections, 0);
      let out = '';
      const start = performance.now();
      const code = await run(args, {
        stdout: { write: (s: string) => (out += s) },
        stderr: process.stderr,
        env,
      });
      walls.push(performance.now() - start);
      connections = servers.reduce((n, s) => n + s.server.stats.connections, 0) - before;
      if (code !== 0) throw new Error(`scan exited ${code}`);
      last = JSON.parse(out) as Report;
    }
    const sorted = [...walls].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    const result = {
      bench: 'full host scan, 3 ports, loopback, no added latency',
      cores: os.cpus().length,
      node: process.version,
      runs: RUNS,
      wallMs: {
        first: Math.round(walls[0]!),
        median: Math.round(pct(0.5)),
        p90: Math.round(pct(0.9)),
        max: Math.round(sorted.at(-1)!),
      },
      tcpConnectionsPerScan: connections,
      checks: last?.summary,
    };
    console.log(`full host scan (3 ports) on ${result.cores} cores, ${RUNS} runs:`);
    console.log(
      `  wall   first ${result.wallMs.first} ms, median ${result.wallMs.median} ms, p90 ${result.wallMs.p90} ms, max ${result.wallMs.max} ms`,
    );
    console.log(`  TCP connections per scan: ${connections}`);
    console.log(JSON.stringify(result));
  } finally {
    await lab.close();
  }
}

await main();
