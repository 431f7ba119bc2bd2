/**
 * The fleet's own process (forked by fleet-client.ts), so that the scanner's CPU time and memory
 * are measured without the servers'. Started with its options as JSON in argv[2] (its shard of
 * the fleet, the certificate to serve); talks over the IPC channel (messages in fleet-client.ts).
 * Closes everything and exits when the parent asks, disconnects or dies, or on SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import { startFleet } from '../src/lab/fleet.js';
import type { Fleet } from '../src/lab/fleet.js';
import type { FleetInfo, FleetReply, FleetRequest, FleetShardOptions, FleetUsage } from './fleet-client.js';

/** Descriptors kept free for connections and files beyond the listeners. */
const FD_HEADROOM = 2048;

/** The soft limit on open files, from /proc (Linux); undefined where it cannot be read. */
function openFileLimit(): number | undefined {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

function usage(): FleetUsage {
  const cpu = process.cpuUsage();
  return { cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000, rssBytes: process.memoryUsage().rss };
}

function send(message: FleetReply): void {
  if (process.connected) process.send?.(message);
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as FleetShardOptions;
  const served = Math.ceil(opts.size / opts.shard.count);
  const needed = served * 3 + FD_HEADROOM;
  const limit = openFileLimit();
  if (limit !== undefined && limit < needed) {
    throw new Error(
      `a fleet process serving ${served} hosts needs about ${needed} open files (3 listeners per host and connections); ` +
        `the limit is ${limit}: raise it first (ulimit -n ${needed})`,
    );
  }
  const started = performance.now();
  const fleet: Fleet = await startFleet({
    size: opts.size,
    shard: opts.shard,
    latencyMs: opts.latencyMs,
    dnsDelayMs: opts.dnsDelayMs,
    domain: opts.domain,
    tls: { key: opts.certificate.key, cert: opts.certificate.cert },
    caFile: opts.certificate.caFile,
    // Another fleet (a second bench on the machine) may hold the default addresses' ports.
    ...(process.env.BENCH_FLEET_FIRST_ADDRESS ? { firstAddress: process.env.BENCH_FLEET_FIRST_ADDRESS } : {}),
    ...(opts.ports ? { ports: opts.ports } : {}),
  });
  let closing: Promise<void> | undefined;
  const shutdown = (code: number) => {
    closing ??= fleet.close().finally(() => process.exit(code));
    return closing;
  };
  process.on('disconnect', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(130));
  process.on('SIGTERM', () => void shutdown(143));
  process.on('message', (raw) => {
    const req = raw as FleetRequest;
    switch (req.op) {
      case 'mark':
        fleet.mark();
        send({ type: 'reply', id: req.id, usage: usage() });
        break;
      case 'stats':
        send({ type: 'reply', id: req.id, usage: usage(), stats: fleet.stats(req.hostLimit) });
        break;
      case 'close':
        void fleet.close().then(() => {
          send({ type: 'reply', id: req.id, usage: usage() });
          process.disconnect();
        });
        break;
    }
  });
  const info: FleetInfo = {
    dns: fleet.dns,
    domain: fleet.domain,
    caFile: fleet.caFile,
    credentials: fleet.credentials,
    latencyMs: fleet.latencyMs,
    dnsDelayMs: fleet.dnsDelayMs,
    portFallbacks: fleet.portFallbacks,
    startMs: Math.round(performance.now() - started),
    key: opts.key,
    hosts: fleet.hosts.map((h) => ({ index: h.index, name: h.name, address: h.address, ports: h.ports })),
  };
  send({ type: 'ready', info });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
  process.disconnect?.();
});
