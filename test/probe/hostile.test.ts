/**
 * SPEC §7: a hostile or broken server yields `error` with a reason, never a crash or a hang past
 * the deadline. Each case runs the real CLI against a scripted server on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type HostileMode, type ScriptedServer } from '../../src/lab/scripted-server.js';
import { labCertPath } from '../../src/lab/lab.js';
import { readFileSync } from 'node:fs';
import { scanJson, statusOf, hostFactsOf } from '../helpers/cli.js';

const DEADLINE_MS = 2000;
const TLS = { key: readFileSync(labCertPath('good.key')), cert: readFileSync(labCertPath('good-chain.pem')) };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function scanHostile(hostile: HostileMode) {
  server = await startScriptedServer({
    hostname: 'hostile.lab.example',
    tls: TLS,
    hostile,
    dripIntervalMs: 100,
  });
  return scanJson([
    'host',
    `127.0.0.1:${server.port}`,
    '--timeout',
    '1s',
    '--deadline',
    `${DEADLINE_MS}ms`,
    '--ca-file',
    labCertPath('ca.pem'),
  ]);
}

/** Where each misbehaviour must surface: the check that reports it and words its reason must contain. */
const CASES: { mode: HostileMode; check: string; reason: RegExp; exit: number }[] = [
  { mode: 'drip-greeting', check: 'smtp.connect', reason: /GREETING: no complete reply/, exit: 3 },
  { mode: 'silent', check: 'smtp.connect', reason: /no greeting \(nothing received\)/, exit: 3 },
  { mode: 'tls-on-connect', check: 'smtp.connect', reason: /--smtps-port/, exit: 3 },
  { mode: 'garbage', check: 'smtp.connect', reason: /not an SMTP reply line/, exit: 3 },
  { mode: 'greeting-421', check: 'smtp.connect', reason: /421/, exit: 3 },
  { mode: 'endless-multiline', check: 'smtp.ehlo', reason: /multi-line reply over 200 lines/, exit: 3 },
  { mode: 'huge-line', check: 'smtp.ehlo', reason: /reply line longer than 4096 bytes/, exit: 3 },
  { mode: 'close-after-ehlo', check: 'smtp.ehlo', reason: /closed the connection/, exit: 3 },
  { mode: 'starttls-silence', check: 'tls.starttls', reason: /TLS handshake did not complete/, exit: 3 },
];

describe('hostile servers end in error with a reason, within the deadline', () => {
  it.each(CASES)('$mode → $check error', async ({ mode, check, reason, exit }) => {
    const { report, code, ms } = await scanHostile(mode);
    expect(ms).toBeLessThan(DEADLINE_MS + 500);
    const result = report.targets[0]!.checks.find((c) => c.id === check);
    expect(result?.status, JSON.stringify(result)).toBe('error');
    expect(result?.message).toMatch(reason);
    expect(code).toBe(exit);
    // Nothing is judged pass or fail on facts that were never gathered.
    for (const c of report.targets[0]!.checks) {
      if (c.status === 'pass' || c.status === 'fail') expect(c.id, c.message).not.toMatch(/^auth\.login$/);
    }
  });

  it('discards reply bytes injected before the TLS handshake and reports the tampering', async () => {
    const { report, code, ms } = await scanHostile('inject-before-tls');
    expect(ms).toBeLessThan(DEADLINE_MS + 500);
    const ep = hostFactsOf(report).endpoints[0]!;
    expect(ep.tls?.handshake?.ok).toBe(true);
    expect(ep.tls?.handshake?.discardedBytes).toBeGreaterThan(0);
    // The EHLO inside TLS is the server's real answer, not the forged "250 INJECTED".
    expect(ep.ehloTls?.reply.lines.join(' ')).not.toMatch(/INJECTED/i);
    expect(ep.ehloTls?.reply.lines[0]).toMatch(/hostile\.lab\.example/);
    expect(statusOf(report, 'tls.starttls')).toBe('error');
    expect(report.targets[0]!.checks.find((c) => c.id === 'tls.starttls')?.message).toMatch(
      /discard|before the (TLS )?handshake/i,
    );
    expect(code).toBe(3);
  });
});
