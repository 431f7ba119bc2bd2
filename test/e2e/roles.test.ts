/**
 * Per-role policy overrides: a campus relay must require TLS on port 25 too (the seeds' "TLS
 * required on the central relay"), while a public MX must not (RFC 3207 §4).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { scanJson, statusOf } from '../helpers/cli.js';

let lab: Lab;
let policyFile: string;
beforeAll(async () => {
  lab = await startLab();
  policyFile = join(mkdtempSync(join(tmpdir(), 'mailcheck-policy-')), 'relay.yaml');
  writeFileSync(
    policyFile,
    [
      'extends: campus-baseline',
      'roles:',
      '  relay:',
      '    tls.required: { params: { profiles: [smtp, submission] } }',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await lab?.close();
});

describe('--role with a policy file', () => {
  it('applies the role override only to hosts in that role', async () => {
    const mx = lab.servers.find((s) => s.name === 'compliant-mx')!;
    const args = [
      'host',
      `${mx.host}:${mx.port}`,
      '--policy',
      policyFile,
      '--resolver',
      `${lab.dns.host}:${lab.dns.port}`,
    ];
    const asMx = await scanJson([...args, '--role', 'mx']);
    expect(statusOf(asMx.report, 'tls.required')).toBe('info');
    const asRelay = await scanJson([...args, '--role', 'relay']);
    expect(statusOf(asRelay.report, 'tls.required')).toBe('fail');
    expect(asRelay.report.targets[0]!.roles).toEqual(['relay']);
    expect(asRelay.code).toBe(1);
  });

  it('rejects an unknown role', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const r = await runCli(['host', '127.0.0.1:25', '--role', 'gateway']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are relay, mx, submission/);
  });
});
