/**
 * Acceptance of `mailcheck audit` (issue 5, SPEC §5 and §7) on the limits that keep a fleet audit
 * gentle and bounded: at most a few connections at once per destination address, a per-host
 * deadline so one tarpit never stalls the run, 421 respected (no retry loop), and DNS that
 * survives a lost datagram. Scripted servers on loopback; DNS is the test setup's lab server.
 */
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../../src/lab/scripted-server.js';
import type { Report } from '../../src/model/results.js';
import { CountingProxy, mailcheck, removeDir, tempDir } from '../helpers/audit.js';
import { LAB_TLS } from '../helpers/probe.js';
import { schemaErrors } from '../helpers/schema.js';
import { testResolver } from '../setup/lab-dns.js';

/** A loopback address no other fixture of this file uses, for a host that must not share a cap. */
const OTHER_ADDRESS = '127.0.0.20';

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => removeDir(dir));

const servers: ScriptedServer[] = [];
let proxy: CountingProxy | undefined;
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await proxy?.close();
  proxy = undefined;
});

async function server(opts: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const s = await startScriptedServer(opts);
  servers.push(s);
  return s;
}

function inventory(name: string, hosts: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, ['hosts:', ...hosts.map((h) => `  - host: ${h}`)].join('\n') + '\n');
  return file;
}

async function auditJson(file: string, args: string[] = [], resolver = testResolver()) {
  const r = await mailcheck(['audit', file, '--resolver', resolver, '--format', 'json', ...args]);
  if (!r.stdout.startsWith('{')) throw new Error(`no JSON report (exit ${r.code}): ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as Report;
  expect(schemaErrors(doc)).toEqual([]);
  return { ...r, doc };
}

describe('per-destination connection cap', () => {
  it('never more than 2 connections at once to one address by default, even with --concurrency 16', async () => {
    // Six servers behind six proxy ports of ONE address (127.0.0.1): six inventory entries that
    // the scanner may scan at once, each opening several connections (dialogue, relay battery,
    // one per TLS version probe). The proxy counts what the destination sees at once.
    proxy = new CountingProxy('127.0.0.1');
    const ports: number[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await server({ hostname: `s${i}.lab.example`, tls: LAB_TLS, replyDelayMs: 10 });
      ports.push(await proxy.forward(s.port));
    }
    const file = inventory(
      'same-address.yaml',
      ports.map((p) => `127.0.0.1:${p}`),
    );

    const capped = await auditJson(file, ['--concurrency', '16']);
    expect(capped.doc.targets.map((t) => t.state)).toEqual(Array(6).fill('scanned'));
    expect(proxy.total).toBeGreaterThanOrEqual(12); // several connections per target happened
    expect(proxy.max).toBeLessThanOrEqual(2);
    expect(proxy.max).toBe(2);

    // The cap is what holds it: raised, the same audit opens more at once.
    proxy.reset();
    const wide = await auditJson(file, ['--concurrency', '16', '--connections-per-host', '6']);
    expect(wide.doc.targets.map((t) => t.state)).toEqual(Array(6).fill('scanned'));
    expect(proxy.max).toBeGreaterThan(2);
    expect(proxy.max).toBeLessThanOrEqual(6);
  });
});

describe('per-host deadline', () => {
  it('a tarpit is cut off at --deadline and reported unreachable; the other host is unaffected', async () => {
    const tarpit = await server({ hostname: 'tarpit.lab.example', hostile: 'silent' });
    const ok = await server({ hostname: 'ok.lab.example', host: OTHER_ADDRESS, tls: LAB_TLS });
    const file = inventory('tarpit.yaml', [`127.0.0.1:${tarpit.port}`, `${OTHER_ADDRESS}:${ok.port}`]);
    // The step timeout (10 s) would wait far longer: the deadline is what ends it.
    const r = await auditJson(file, ['--deadline', '2s', '--timeout', '10s']);
    expect(r.ms).toBeLessThan(2000 + 1500);
    const byInput = new Map(r.doc.targets.map((t) => [t.input, t]));
    const pit = byInput.get(`127.0.0.1:${tarpit.port}`)!;
    expect(pit.state).toBe('unreachable');
    expect(pit.error?.code).toBe('DEADLINE');
    expect(pit.error?.message).toMatch(/deadline of 2000ms/);
    expect(pit.checks.find((c) => c.id === 'smtp.connect')?.status).toMatch(/^(error|fail)$/);
    const good = byInput.get(`${OTHER_ADDRESS}:${ok.port}`)!;
    expect(good.state).toBe('scanned');
    expect(good.summary.error).toBe(0);
    expect(good.checks.find((c) => c.id === 'tls.starttls')?.status).toBe('pass');
    expect(good.durationMs).toBeLessThan(2000); // done before the tarpit's deadline
    expect(r.code).toBe(3); // a target could not be scanned
  });
});

describe('421 at the greeting', () => {
  it('is reported with the reply and not retried: one connection per port', async () => {
    const busy = [
      await server({ hostname: 'busy.lab.example', hostile: 'greeting-421' }),
      await server({ hostname: 'busy.lab.example', hostile: 'greeting-421' }),
    ];
    const file = path.join(dir, 'busy.yaml');
    writeFileSync(file, `hosts:\n  - host: 127.0.0.1\n    ports: [${busy.map((s) => s.port).join(', ')}]\n`);
    const r = await auditJson(file);
    const t = r.doc.targets[0]!;
    expect(t.state).toBe('unreachable');
    expect(t.error?.message).toMatch(/421/);
    const connect = t.checks.filter((c) => c.id === 'smtp.connect');
    expect(connect).toHaveLength(2);
    for (const c of connect) {
      expect(c.status).toMatch(/^(error|fail)$/);
      expect(`${c.message} ${c.evidence.join(' ')}`).toMatch(/421/);
    }
    for (const s of busy) expect(s.stats.connections).toBe(1);
    expect(r.code).toBe(3);
  });
});

/**
 * A UDP relay to the lab DNS server that drops the first copy of every distinct query (the bytes
 * after the id) and forwards the rest: one lost datagram per question, as on a busy network or
 * a resolver whose receive buffer overflowed.
 */
async function lossyDns(upstream: string): Promise<{ address: string; dropped: number; close(): void }> {
  const [host, port] = upstream.split(':') as [string, string];
  const sock = dgram.createSocket('udp4');
  const seen = new Set<string>();
  const state = { address: '', dropped: 0, close: () => sock.close() };
  sock.on('message', (msg, from) => {
    const key = msg.subarray(2).toString('hex');
    if (!seen.has(key)) {
      seen.add(key);
      state.dropped++;
      return;
    }
    const up = dgram.createSocket('udp4');
    up.on('message', (answer) => {
      sock.send(answer, from.port, from.address);
      up.close();
    });
    up.send(msg, Number(port), host);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  state.address = `127.0.0.1:${sock.address().port}`;
  return state;
}

describe('DNS over a lossy path', () => {
  it('a lost DNS datagram does not make a host unreachable (the resolver retransmits)', async () => {
    // plain.lab.example is 127.0.0.12 in the lab zones.
    const plain = await server({ hostname: 'plain.lab.example', host: '127.0.0.12' });
    const dns = await lossyDns(testResolver());
    try {
      const file = inventory('lossy.yaml', [`plain.lab.example:${plain.port}`]);
      const r = await auditJson(file, ['--timeout', '3s'], dns.address);
      expect(dns.dropped).toBeGreaterThan(0);
      const t = r.doc.targets[0]!;
      expect(t.error, 'DNS answered on the second try').toBeUndefined();
      expect(t.state).toBe('scanned');
    } finally {
      dns.close();
    }
  });
});
