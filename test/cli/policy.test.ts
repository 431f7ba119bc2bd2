/**
 * `mailcheck policy show|validate|init` and `--policy FILE` on scans, in-process.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { REGISTRY } from '../../src/checks/index.js';
import { runCli, scanJson, statusOf } from '../helpers/cli.js';

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/policies');
const fixture = (name: string) => path.join(FIXTURES, name);
const tmp = () => mkdtempSync(path.join(tmpdir(), 'mailcheck-policy-cli-'));

/** The five broken files of the acceptance criteria, each with its one precise message. */
const BROKEN: [string, string][] = [
  [
    'bad-syntax.yaml',
    '5:3: checks.tls.protocols: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
  ],
  [
    'unknown-check.yaml',
    '4:3: checks.tls.protocol: unknown check id "tls.protocol"; did you mean "tls.protocols"?',
  ],
  [
    'bad-severity.yaml',
    '4:14: checks.smtp.vrfy: "warning" is not a severity (fail, warn, info, off); did you mean "warn"?',
  ],
  [
    'unknown-param.yaml',
    '6:7: checks.tls.cert_expiry.params.warnDay: unknown parameter "warnDay" (parameters of tls.cert_expiry: warnDays); did you mean "warnDays"?',
  ],
  [
    'bad-param-enum.yaml',
    '3:42: checks.tls.protocols.params.minVersion: "TLSv1.4" is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3',
  ],
];

describe('mailcheck policy validate', () => {
  it.each(BROKEN)('%s: one precise message, exit 2', async (name, message) => {
    const file = fixture(name);
    const r = await runCli(['policy', 'validate', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`${file}:${message}\n`);
  });

  it('validates several files at once: every problem listed, exit 2 if any file is broken', async () => {
    const files = BROKEN.map(([name]) => fixture(name));
    const r = await runCli(['policy', 'validate', fixture('physics-dept.yaml'), ...files]);
    expect(r.code).toBe(2);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `${fixture('physics-dept.yaml')}: ok (4 checks overridden, extends campus-baseline, role overrides for relay)`,
      ...BROKEN.map(([name, message]) => `${fixture(name)}:${message}`),
    ]);
  });

  it('reports a valid file and exits 0', async () => {
    const r = await runCli([
      'policy',
      'validate',
      fixture('strict-block.yaml'),
      fixture('empty-sections.yaml'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `${fixture('strict-block.yaml')}: ok (5 checks overridden, extends campus-strict, role overrides for mx, submission)\n` +
        `${fixture('empty-sections.yaml')}: ok (0 checks overridden, extends migration-readiness)\n`,
    );
  });

  it('says so when a file cannot be read', async () => {
    const r = await runCli(['policy', 'validate', '/nonexistent/policy.yaml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('policy file /nonexistent/policy.yaml: cannot read it (no such file)\n');
  });

  it('needs at least one file', async () => {
    const r = await runCli(['policy', 'validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });
});

describe('mailcheck policy show', () => {
  it('prints campus-baseline by default', async () => {
    const r = await runCli(['policy', 'show']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# campus-baseline: /);
    expect(r.stdout).toContain('\nextends: campus-baseline\n');
    expect(r.stdout).toContain('  # Only current TLS versions accepted\n  tls.protocols: ');
  });

  it('a valid file round-trips: show FILE, save, validate, show again', async () => {
    const dir = tmp();
    const first = await runCli(['policy', 'show', fixture('physics-dept.yaml')]);
    expect(first.code).toBe(0);
    const saved = path.join(dir, 'physics-dept.yaml');
    writeFileSync(saved, first.stdout);
    const v = await runCli(['policy', 'validate', saved]);
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(
      `${saved}: ok (${REGISTRY.length} checks overridden, extends campus-baseline, role overrides for relay)\n`,
    );
    const second = await runCli(['policy', 'show', saved]);
    expect(second.stdout.split('\n').slice(3)).toEqual(first.stdout.split('\n').slice(3));
  });

  it.each([
    [['policy', 'show', 'campus-strikt'], /unknown policy "campus-strikt".*did you mean "campus-strict"\?/],
    [['policy', 'show', fixture('unknown-check.yaml')], /unknown-check\.yaml:4:3: checks\.tls\.protocol: /],
    [['policy', 'frobnicate'], /unknown command 'frobnicate'/],
  ])('%j exits 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('mailcheck policy init', () => {
  it('prints a starter that validates', async () => {
    const r = await runCli(['policy', 'init', '--extends', 'campus-strict']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nextends: campus-strict\n');
    const file = path.join(tmp(), 'starter.yaml');
    writeFileSync(file, r.stdout);
    const v = await runCli(['policy', 'validate', file]);
    expect(v.stdout).toBe(`${file}: ok (0 checks overridden, extends campus-strict)\n`);
    expect(v.code).toBe(0);
  });

  it('writes --output, names the policy after it, and refuses to overwrite without --force', async () => {
    const file = path.join(tmp(), 'physics.yaml');
    const r = await runCli(['policy', 'init', '--output', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`wrote ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('\nname: physics\n');
    expect(text).toContain('\nextends: campus-baseline\n');
    expect((await runCli(['policy', 'validate', file])).code).toBe(0);

    writeFileSync(file, 'mine\n');
    const again = await runCli(['policy', 'init', '--output', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${file} already exists; use --force to overwrite it`);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');

    const forced = await runCli([
      'policy',
      'init',
      '--output',
      file,
      '--force',
      '--extends',
      'migration-readiness',
    ]);
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('\nextends: migration-readiness\n');
  });

  it('rejects an unknown --extends', async () => {
    const r = await runCli(['policy', 'init', '--extends', 'campus-basline']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown built-in policy "campus-basline".*did you mean "campus-baseline"\?/);
    expect(r.stdout).toBe('');
  });

  it('does not create a file when the directory does not exist', async () => {
    const file = path.join(tmp(), 'missing-dir', 'p.yaml');
    const r = await runCli(['policy', 'init', '--output', file]);
    expect(r.code).toBe(2);
    expect(existsSync(file)).toBe(false);
  });
});

describe('--policy FILE on scans', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.close();
  });

  function legacyArgs(policy: string): string[] {
    const s = lab.servers.find((x) => x.name === 'legacy')!;
    return [
      'host',
      `${s.host}:${s.port}`,
      '--submission-port',
      String(s.port),
      '--ca-file',
      lab.caFile,
      '--resolver',
      `${lab.dns.host}:${lab.dns.port}`,
      '--policy',
      policy,
    ];
  }

  it('judges a lab server with a policy file: a check turned off is absent, severities and params apply', async () => {
    const file = path.join(tmp(), 'legacy-ok.yaml');
    writeFileSync(
      file,
      [
        'extends: campus-baseline',
        'checks:',
        '  smtp.vrfy: off',
        '  smtp.expn: info',
        '  tls.protocols: { params: { minVersion: TLSv1 } }',
        '',
      ].join('\n'),
    );
    const baseline = await scanJson(legacyArgs('campus-baseline'));
    expect(statusOf(baseline.report, 'smtp.vrfy')).toBe('warn');
    expect(statusOf(baseline.report, 'smtp.expn')).toBe('warn');
    expect(statusOf(baseline.report, 'tls.protocols')).toBe('fail');

    const { report } = await scanJson(legacyArgs(file));
    expect(report.policy).toEqual({ name: 'legacy-ok', source: 'file' });
    const ids = report.targets[0]!.checks.map((c) => c.id);
    expect(ids).not.toContain('smtp.vrfy');
    expect(ids).toContain('smtp.greeting');
    expect(statusOf(report, 'smtp.expn')).toBe('info');
    expect(statusOf(report, 'tls.protocols')).toBe('pass');
  });

  it('refuses a broken policy file before scanning: exit 2 naming file, line, column and key', async () => {
    const file = fixture('bad-severity.yaml');
    const r = await runCli(legacyArgs(file));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`invalid policy file ${file} (1 problem):`);
    expect(r.stderr).toContain(`${file}:4:14: checks.smtp.vrfy: "warning" is not a severity`);
  });

  it('keeps built-in names working and names unknown ones', async () => {
    const r = await runCli(['host', 'smtp.example.edu', '--policy', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /unknown policy "nope" \(built-in: campus-baseline, campus-strict, migration-readiness/,
    );
    const missing = await runCli(['host', 'smtp.example.edu', '--policy', './nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('policy file ./nope.yaml: cannot read it (no such file)');
  });
});
