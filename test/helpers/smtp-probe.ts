/**
 * What the SMTP phase tests (relay battery, test message) set up alike: probe settings for the
 * phases under test, scripted lab servers and raw socket servers that live for one test, a
 * one-target JSON report to hold the recorded facts to the shipped schema, and the gate for the
 * tests against a real Postfix.
 *
 * {@link smtpProbeFixture} and the `...PerTest` helpers register afterEach hooks: call them once at
 * the top level of a test file (not inside a test).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Requirement } from '../../src/checks/types.js';
import {
  startScriptedServer,
  type ScriptedServer,
  type ScriptedServerOptions,
} from '../../src/lab/scripted-server.js';
import type { EndpointFacts } from '../../src/model/artifacts.js';
import { emptyCounts, type Report } from '../../src/model/results.js';
import type { ProbeSettings } from '../../src/probe/endpoint.js';
import { SCHEMA_VERSION } from '../../src/report/json.js';
import { hostFacts } from './facts.js';
import { postfixAvailable } from './postfix.js';
import { probeSettings } from './probe.js';
import { schemaErrors } from './schema.js';

/** The name the scripted servers greet with unless a test says otherwise. */
export const SCRIPTED_HOSTNAME = 'mail.lab.example';

/** Starts scripted servers (greeting as {@link SCRIPTED_HOSTNAME}) that are closed after each test. */
export function scriptedServersPerTest(): (opts: Partial<ScriptedServerOptions>) => Promise<ScriptedServer> {
  const servers: ScriptedServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (opts) => {
    const s = await startScriptedServer({ hostname: SCRIPTED_HOSTNAME, ...opts });
    servers.push(s);
    return s;
  };
}

/**
 * Starts raw servers on 127.0.0.1 for behaviour the scripted server does not have; after each
 * test every socket they accepted is destroyed and the servers are closed. Resolves to the port.
 */
export function rawServersPerTest(): (onConnection: (socket: net.Socket) => void) => Promise<number> {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  });
  return async (onConnection) => {
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      onConnection(socket);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as net.AddressInfo).port;
  };
}

/**
 * A probe test file's fixture: `settings` for the phases it tests (the lab CA trusted, see
 * probeSettings), and scripted and raw servers that are closed after each test.
 */
export function smtpProbeFixture(needs: Requirement[]) {
  return {
    settings: (over: Partial<ProbeSettings> = {}): ProbeSettings => probeSettings(needs, over),
    scripted: scriptedServersPerTest(),
    listenRaw: rawServersPerTest(),
  };
}

/** The JSON Schema violations of a report with one scanned host whose endpoints carry these facts. */
export function endpointSchemaViolations(endpoints: EndpointFacts[]): string[] {
  const now = new Date().toISOString();
  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mailcheck', version: '0.0.0-test' },
    policy: { name: 'campus-baseline', source: 'built-in' },
    startedAt: now,
    durationMs: 1,
    options: {},
    targets: [
      {
        kind: 'host',
        name: SCRIPTED_HOSTNAME,
        displayName: SCRIPTED_HOSTNAME,
        input: SCRIPTED_HOSTNAME,
        roles: [],
        state: 'scanned',
        checks: [],
        summary: emptyCounts(),
        facts: hostFacts(endpoints),
        startedAt: now,
        durationMs: 1,
      },
    ],
    summary: emptyCounts(),
  };
  return schemaErrors(JSON.parse(JSON.stringify(report)));
}

/**
 * A describe block for tests against a private Postfix instance: skipped (saying why) where this
 * machine cannot run one, except under CI, where a first test fails if Postfix is missing.
 * `body` gets whether Postfix is there, to start instances only then.
 */
export function describeWithPostfix(title: string, body: (available: boolean) => void): void {
  const available = postfixAvailable();
  const mustRun = process.env.CI === 'true';
  describe.skipIf(!available.ok && !mustRun)(
    `${title}${available.ok ? '' : ` (skipped: ${available.reason})`}`,
    () => {
      it('is installed when running under CI', () => {
        expect(available.ok, available.reason).toBe(true);
      });
      body(available.ok);
    },
  );
}
