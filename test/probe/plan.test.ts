/**
 * The connection plan (issue 6): the engine opens the connections plan.ts says, with the round
 * trips it says, on the lab's servers; the bench's three-port scan stays within 16 connections;
 * a 421 greeting costs one connection per port; a small per-address cap never deadlocks or is
 * exceeded. Round trips are counted by the sessions themselves, not timed.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLIANT_BEHAVIOUR, MODERN_TLS_BEHAVIOUR } from '../../src/lab/fleet-behaviour.js';
import { startLab, type Lab, type LabServer } from '../../src/lab/lab.js';
import { startScriptedServer, type ScriptedServer } from '../../src/lab/scripted-server.js';
import type { ConnectionTrace, ProbeSettings } from '../../src/probe/endpoint.js';
import { probeEndpoint } from '../../src/probe/endpoint.js';
import { probeHost } from '../../src/probe/host.js';
import { ConnectionLimiter } from '../../src/probe/limiter.js';
import { FULL_SCAN, planHost, planPort, type PortBehaviour } from '../../src/probe/plan.js';
import { Deadline } from '../../src/probe/smtp/session.js';
import { Resolver } from '../../src/probe/dns/resolver.js';
import { loopbackTarget, probeSettings } from '../helpers/probe.js';
import { scanJson } from '../helpers/cli.js';
import { runCheck } from '../helpers/facts.js';
import { renderMessage } from '../helpers/render.js';
import relayOpen from '../../src/checks/relay/open.js';
import authRequired from '../../src/checks/auth/required.js';
import tlsRequired from '../../src/checks/tls/required.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});

const modern = MODERN_TLS_BEHAVIOUR;

/**
 * How each lab server behaves, in the plan's terms (see src/lab/lab.ts). The compliant trio's
 * values are the ones the bench's expected figures come from (bench/critical-path.ts).
 */
const BEHAVIOUR: Record<string, PortBehaviour> = {
  'compliant-mx': COMPLIANT_BEHAVIOUR.smtp,
  'compliant-submission': COMPLIANT_BEHAVIOUR.submission,
  'compliant-smtps': COMPLIANT_BEHAVIOUR.smtps,
  'catch-all': {
    ...modern,
    profile: 'smtp',
    starttls: true,
    tlsRequired: false,
    vrfy: 'refused',
    expn: 'refused',
    relay: 'accepted',
    credentials: true,
  },
  // Accepts MAIL before TLS on a submission port: the battery runs in cleartext, its first form
  // on a version probe's connection, the rest on a session of its own; 1.0 and SSLv3 asked after.
  legacy: {
    ...modern,
    minTls: 'TLSv1',
    profile: 'submission',
    starttls: true,
    tlsRequired: false,
    vrfy: 'answered',
    expn: 'answered',
    relay: 'accepted',
    credentials: true,
  },
  'no-starttls': {
    ...modern,
    profile: 'smtp',
    starttls: false,
    tlsRequired: false,
    vrfy: 'ambiguous',
    expn: 'refused',
    relay: 'refused',
    credentials: true,
  },
};

function settings(over: Partial<ProbeSettings> = {}): ProbeSettings {
  return probeSettings([...FULL_SCAN], {
    credentials: lab.credentials,
    limiter: new ConnectionLimiter(6),
    ...over,
  });
}

/** Probes one lab server as a full scan does and returns what its connections did. */
async function traced(s: LabServer, over: Partial<ProbeSettings> = {}) {
  const traces: ConnectionTrace[] = [];
  const before = s.server.stats.connections;
  const facts = await probeEndpoint(
    loopbackTarget(s.port, s.profile, s.host),
    settings({ trace: (c) => traces.push(c), ...over }),
    new Deadline(15_000),
  );
  return { facts, traces, connections: s.server.stats.connections - before };
}

const server = (name: string) => lab.servers.find((s) => s.name === name)!;
const count = (xs: { purpose: string }[]) =>
  xs.reduce<Record<string, number>>((m, c) => ({ ...m, [c.purpose]: (m[c.purpose] ?? 0) + 1 }), {});

describe('the engine follows the plan', () => {
  it.each(Object.keys(BEHAVIOUR))(
    '%s: connections, their round trips and the critical path',
    async (name) => {
      const { facts, traces, connections } = await traced(server(name));
      const plan = planPort(BEHAVIOUR[name]!);
      expect(facts.failure).toBeUndefined();
      expect(traces).toHaveLength(connections);
      expect(count(traces)).toEqual(count(plan.connections));
      const main = traces.find((c) => c.purpose === 'main')!;
      expect(main.roundTrips).toBe(plan.connections.find((c) => c.purpose === 'main')!.roundTrips);
      const sorted = (xs: ConnectionTrace[] | typeof plan.connections) =>
        xs.map((c) => `${c.purpose} ${c.start}+${c.roundTrips}`).sort();
      expect(sorted(traces)).toEqual(sorted(plan.connections));
      expect(Math.max(...traces.map((c) => c.start + c.roundTrips))).toBe(plan.criticalPath);
    },
  );

  it('the bench scan: 25, 587 and 465 in at most 16 connections and 11 round trips', async () => {
    const names = ['compliant-mx', 'compliant-submission', 'compliant-smtps'];
    const plan = planHost(names.map((n) => BEHAVIOUR[n]!));
    expect(plan.connections).toBe(12);
    expect(plan.criticalPath).toBe(11);
    expect(plan.ports.map((p) => p.criticalPath)).toEqual([9, 11, 9]);
    let total = 0;
    for (const n of names) total += (await traced(server(n))).connections;
    expect(total).toBe(plan.connections);
    expect(total).toBeLessThanOrEqual(16);
  });

  it('keeps every check’s evidence: the MX relay battery rides on the version probes, complete', async () => {
    const { facts, traces } = await traced(server('compliant-mx'));
    const b = facts.relay!.unauthenticated;
    expect(b.attempts).toHaveLength(17);
    expect(b.failure).toBeUndefined();
    // The first form on the main session in cleartext, the rest on two version probe connections.
    expect(b.sessions).toBe(3);
    expect(b.attempts.every((a) => !a.overTls)).toBe(true);
    expect(facts.relay!.catchAll?.reply.code).toBe(550);
    expect(facts.mailBeforeTls?.reply.code).toBe(250);
    expect(count(traces)).toEqual({ main: 1, 'tls-version': 3 });
    expect(facts.tls?.versions.map((v) => `${v.version}:${v.result}`)).toEqual([
      'SSLv3:rejected',
      'TLSv1:rejected',
      'TLSv1.1:rejected',
      'TLSv1.2:accepted',
      'TLSv1.3:accepted',
    ]);
    expect(renderMessage(relayOpen, runCheck(relayOpen, facts))).toBe(
      'Refused all 17 relay attempts to mailcheck-relay-test.example (554 x17)',
    );
  });

  it('keeps every check’s evidence on submission: TLS first, 530 without AUTH, relaying after it', async () => {
    const { facts } = await traced(server('compliant-submission'));
    const b = facts.relay!.unauthenticated;
    // The cleartext MAIL FROM:<> is both tls.required's evidence and the battery's reason to go
    // on inside TLS, where the first form stops it, exactly as on a connection of its own.
    expect(b.tlsRequired).toEqual(facts.mailBeforeTls);
    expect(b.attempts).toHaveLength(1);
    expect(b.attempts[0]!.overTls).toBe(true);
    expect(b.stopped?.reason).toBe('auth-required');
    expect(facts.relay!.authenticated?.attempts).toHaveLength(17);
    expect(facts.relay!.auth).toEqual(facts.auth);
    expect(runCheck(tlsRequired, facts).status).toBe('pass');
    expect(renderMessage(authRequired, runCheck(authRequired, facts, { credentialsGiven: true }))).toBe(
      'Mail to mailcheck-relay-test.example is refused without AUTH (530 5.7.0 Authentication required) and accepted after AUTH PLAIN',
    );
  });
});

describe('a 421 greeting', () => {
  const busy: ScriptedServer[] = [];
  afterAll(async () => {
    await Promise.all(busy.map((s) => s.close()));
  });

  it('costs exactly one connection per port: nothing else is started', async () => {
    for (let i = 0; i < 3; i++)
      busy.push(await startScriptedServer({ hostname: 'busy.lab.example', hostile: 'greeting-421' }));
    const [mx, sub, smtps] = busy as [ScriptedServer, ScriptedServer, ScriptedServer];
    const { report } = await scanJson([
      'host',
      '127.0.0.1',
      ...['-p', String(mx.port), '-p', String(sub.port)],
      ...['--submission-port', String(sub.port)],
      '--timeout',
      '2s',
    ]);
    expect(report.targets[0]!.checks.filter((c) => c.id === 'smtp.connect').map((c) => c.status)).toEqual([
      'error',
      'error',
    ]);
    expect([mx, sub].map((s) => s.stats.connections)).toEqual([1, 1]);
    // An implicit-TLS port whose greeting (after the handshake) is 421: one connection too.
    const t = loopbackTarget(smtps.port, 'smtps');
    await probeEndpoint(t, settings(), new Deadline(5_000));
    expect(smtps.stats.connections).toBe(1);
  });
});

describe('a per-address cap', () => {
  /** A limiter that remembers the most slots one address ever had at once. */
  class Watching extends ConnectionLimiter {
    max = 0;
    private now = 0;
    override async acquire(address: string, timeoutMs?: number) {
      const release = await super.acquire(address, timeoutMs);
      this.now += 1;
      this.max = Math.max(this.max, this.now);
      let done = false;
      return () => {
        if (!done) this.now -= 1;
        done = true;
        release();
      };
    }
  }

  it.each([1, 2])(
    'of %i: the three-port scan completes, never above the cap, with the same results',
    async (cap) => {
      const limiter = new Watching(cap);
      const names = ['compliant-mx', 'compliant-submission', 'compliant-smtps'];
      const ls = names.map(server);
      const facts = await probeHost(
        {
          host: ls[0]!.host,
          displayName: ls[0]!.host,
          ports: ls.map((s) => ({ port: s.port, profile: s.profile, explicit: true })),
        },
        {
          ...settings({ limiter }),
          resolver: new Resolver({ servers: [{ address: lab.dns.host, port: lab.dns.port }] }),
          deadlineMs: 20_000,
        },
      );
      expect(limiter.max).toBe(cap);
      for (const ep of facts.endpoints) {
        expect(ep.failure, `${ep.port}`).toBeUndefined();
        expect(ep.tls?.versions.every((v) => v.result !== 'error')).toBe(true);
        expect(ep.relay?.unauthenticated.failure).toBeUndefined();
      }
      expect(facts.endpoints[0]!.relay!.unauthenticated.attempts).toHaveLength(17);
      expect(facts.endpoints[1]!.relay!.authenticated?.attempts).toHaveLength(17);
    },
  );
});

describe('a version probe that carried relay forms', () => {
  it('is retried without them when the server drops it, and the forms go to another session', async () => {
    const mx = server('compliant-mx');
    // A proxy that cuts the first connection other than the main one that sends a RCPT.
    let accepted = 0;
    let cut = false;
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const n = ++accepted;
      const upstream = net.connect(mx.port, mx.host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
      }
      client.on('data', (d) => {
        if (n > 1 && !cut && d.toString('latin1').includes('RCPT TO:')) {
          cut = true;
          client.destroy();
          upstream.destroy();
          return;
        }
        upstream.write(d);
      });
      upstream.on('data', (d) => client.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, mx.host, r));
    try {
      const port = (proxy.address() as net.AddressInfo).port;
      const facts = await probeEndpoint(
        loopbackTarget(port, 'smtp', mx.host),
        settings(),
        new Deadline(15_000),
      );
      expect(cut).toBe(true);
      const b = facts.relay!.unauthenticated;
      expect(b.failure).toBeUndefined();
      expect(b.attempts).toHaveLength(17);
      expect(facts.tls?.versions.map((v) => v.result)).toEqual([
        'rejected',
        'rejected',
        'rejected',
        'accepted',
        'accepted',
      ]);
      expect(facts.tls?.weakCiphers.every((w) => w.result === 'rejected')).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });
});
