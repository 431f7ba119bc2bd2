/**
 * `mailcheck history list|show|diff`, in-process through a program built around historyCommand,
 * and the changes section reporters reuse (golden text from the sample RunChanges).
 *
 * After an intended change to the changes text, regenerate and review:
 *   UPDATE_GOLDEN=1 npx vitest run test/history/cli.test.ts && git diff test/history/fixtures
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderChangesLines } from '../../src/report/changes-text.js';
import { HistoryStore } from '../../src/history/store.js';
import type { RunChanges } from '../../src/model/changes.js';
import type { Report } from '../../src/model/results.js';
import { loadSample, result, runHistory, target, tempDir, writeRun } from './helpers.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN = new URL('fixtures/sample-changes.txt.golden', import.meta.url);
// eslint-disable-next-line no-control-regex -- looking for escape sequences is the point
const ESC = /\u001b\[/;

let file: string;
let sample: Report;

/**
 * Four runs: 1 and 2 complete (2 fixes VRFY on port 25 and breaks AUTH before TLS on 587), 3 killed
 * after one of three targets, 4 still running in this process.
 */
beforeAll(() => {
  file = path.join(tempDir(), 'history.db');
  sample = loadSample();
  const store = HistoryStore.open(file, { now: () => new Date('2026-11-21T02:00:09.000Z') });
  writeRun(store, '2026-11-20T02:00:00.000Z', sample.targets, 'complete', { inventory: 'campus.yaml' });
  const changed = structuredClone(sample.targets);
  const host = changed[0]!;
  const vrfy = host.checks.find((c) => c.id === 'smtp.vrfy' && c.endpoint === '127.0.0.1:25')!;
  vrfy.status = 'pass';
  vrfy.message = 'VRFY is disabled';
  const before = host.checks.find((c) => c.id === 'auth.before_tls' && c.endpoint === '127.0.0.1:25')!;
  before.status = 'fail';
  before.message = 'AUTH PLAIN advertised before STARTTLS';
  writeRun(store, '2026-11-21T02:00:00.000Z', changed, 'complete', { inventory: 'campus.yaml' });
  const killed = writeRun(store, '2026-11-22T02:00:00.000Z', changed.slice(0, 1), 'running', {
    plannedTargets: 3,
  });
  writeRun(
    store,
    '2026-11-23T02:00:00.000Z',
    [target('a.example', [result('smtp.vrfy', 'pass')])],
    'running',
    {
      plannedTargets: 2,
    },
  );
  store.close();
  // Run 3's writer is gone: give it the pid of a process that has exited.
  const db = new Database(file);
  db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(
    spawnSync(process.execPath, ['-e', '0']).pid,
    killed,
  );
  db.close();
});

describe('mailcheck history list', () => {
  it('lists runs newest first with status, counts and changes against the previous complete run', async () => {
    const r = await runHistory(['history', 'list', '--history', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^│ +\d/.test(l));
    const cells = rows.map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
    expect(cells).toEqual([
      ['4', '2026-11-23 02:00 UTC', '–', `running (pid ${process.pid})`, '1/2', '1', '0', '0', '0', '0', '0'],
      ['3', '2026-11-22 02:00 UTC', '–', 'incomplete (killed)', '1/3', '21', '3', '6', '14', '0', '0'],
      ['2', '2026-11-21 02:00 UTC', '1.23 s', 'complete', '3', '52', '5', '9', '23', '1', '1'],
      ['1', '2026-11-20 02:00 UTC', '1.23 s', 'complete', '3', '52', '5', '9', '23', '–', '–'],
    ]);
    expect(r.stdout).not.toMatch(ESC);
  });

  it('honours --limit and --format json', async () => {
    const r = await runHistory(['history', 'list', '--history', file, '--limit', '2', '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      runs: { id: number; state: string; stateLabel: string; changes: Record<string, number> | null }[];
    };
    expect(doc.runs.map((x) => [x.id, x.state])).toEqual([
      [4, 'running'],
      [3, 'incomplete'],
    ]);
    expect(doc.runs[1]!.stateLabel).toBe('incomplete (killed)');
    expect(doc.runs[1]!.changes).toMatchObject({ previous: 2, newFailures: 0, removed: 0 });
    const all = JSON.parse(
      (await runHistory(['history', 'list', '--history', file, '--format', 'json'])).stdout,
    ) as {
      runs: { id: number; changes: Record<string, number> | null }[];
    };
    expect(all.runs.find((x) => x.id === 2)!.changes).toEqual({
      previous: 1,
      regressions: 1,
      newFailures: 1,
      fixed: 1,
      newlyUnreachable: 0,
      recovered: 0,
      otherChanges: 0,
      added: 0,
      removed: 0,
      expiringCertificates: 3,
    });
    expect(all.runs.find((x) => x.id === 1)!.changes).toBeNull();
  });

  it('refuses a bad --limit', async () => {
    const r = await runHistory(['history', 'list', '--history', file, '--limit', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit must be a whole number of at least 1, not "0"');
  });

  it('takes the file from MAILCHECK_HISTORY', async () => {
    const r = await runHistory(['history', 'list', '--format', 'json'], { MAILCHECK_HISTORY: file });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { runs: unknown[] }).runs).toHaveLength(4);
  });
});

describe('mailcheck history show', () => {
  it('shows the run header, per-target counts and the problems of each target', async () => {
    const r = await runHistory(['history', 'show', '2', '--history', file]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'Run 2 · complete',
      '  started    2026-11-21 02:00 UTC',
      '  finished   2026-11-21 02:00 UTC (1.23 s)',
      '  policy     campus-baseline (built-in) · mailcheck 0.1.0',
      '  inventory  campus.yaml',
      '  targets    3',
      '  checks     52 pass, 9 fail, 5 warn, 5 info, 6 skip, 23 error',
      '',
    ]);
    expect(lines).toContain(
      '│ smtp.bücher.example │ host   │ unreachable │    0 │    0 │    0 │    0 │    0 │     0 │',
    );
    expect(lines).toContain('mail.lab.example (host, partial)');
    expect(lines).toContain(
      '  ✖ FAIL   auth.before_tls  127.0.0.1:25  AUTH PLAIN advertised before STARTTLS',
    );
    expect(lines).toContain(
      '  ▲ WARN   tls.cert_expiry  127.0.0.1:587  certificate for mail.lab.example expires in 12 days (2026-12-03)',
    );
    expect(r.stdout).not.toContain('VRFY is disabled');
    expect(lines.slice(-3)).toEqual([
      'smtp.bücher.example (host, unreachable)',
      '  smtp.xn--bcher-kva.example does not exist (NXDOMAIN from 127.0.0.1:5353, stage: DNS)',
      '',
    ]);
  });

  it('shows a run as JSON with every stored result', async () => {
    const r = await runHistory(['history', 'show', 'latest~3', '--history', file, '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      run: { id: number; state: string; inventory: string };
      targets: { input: string; checks: unknown[] }[];
    };
    expect(doc.run).toMatchObject({ id: 1, state: 'complete', inventory: 'campus.yaml' });
    expect(doc.targets.map((t) => t.input)).toEqual(sample.targets.map((t) => t.input));
    expect(doc.targets.map((t) => t.checks)).toEqual(sample.targets.map((t) => t.checks));
  });

  it('shows the latest run by default, with how many of its planned targets it stored', async () => {
    const r = await runHistory(['history', 'show', '--history', file]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`Run 4 · running (pid ${process.pid})`);
    expect(r.stdout).toContain('  targets    1 of 2\n');
  });

  it('refuses an unknown run with exit 2', async () => {
    const r = await runHistory(['history', 'show', '9', '--history', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`mailcheck: no run 9 in ${file} (mailcheck history list shows the 4 runs)\n`);
    const bad = await runHistory(['history', 'show', 'last', '--history', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"last" is not a run reference');
  });
});

describe('mailcheck history diff', () => {
  const DIFF_1_2 = [
    'Changes from run 1 (2026-11-20 02:00 UTC) to run 2 (2026-11-21 02:00 UTC): 1 new failure, 1 fixed, 3 certificates expiring',
    '  New failures (1)',
    '    ✖ auth.before_tls  mail.lab.example 127.0.0.1:25  pass → fail: AUTH PLAIN advertised before STARTTLS',
    '  Fixed (1)',
    '    ✔ smtp.vrfy  mail.lab.example 127.0.0.1:25  fail → pass: VRFY is disabled',
    '  Certificates expiring (3)',
    '    ▲ lab.example 127.0.0.1:25: expires in 12 days (2026-12-03)',
    '    ▲ mail.lab.example 127.0.0.1:25: expires in 12 days (2026-12-03)',
    '    ▲ mail.lab.example 127.0.0.1:587: expires in 12 days (2026-12-03)',
    '',
  ].join('\n');

  it('prints the changes between two runs', async () => {
    const r = await runHistory(['history', 'diff', '1', '2', '--history', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(DIFF_1_2);
  });

  it('compares one run with its previous complete run, skipping killed ones', async () => {
    const r = await runHistory(['history', 'diff', '2', '--history', file]);
    expect(r.stdout).toBe(DIFF_1_2);
    const latest = await runHistory(['history', 'diff', '--history', file, '--format', 'json']);
    const changes = JSON.parse(latest.stdout) as RunChanges;
    // Run 4 (still running) against run 2: run 3 was killed, so it is no baseline.
    expect(changes.previous.id).toBe(2);
    expect(changes.current).toBeUndefined();
  });

  it('prints RunChanges as JSON, with --expiring-within', async () => {
    const r = await runHistory([
      'history',
      'diff',
      '1',
      '2',
      '--history',
      file,
      '--format',
      'json',
      '--expiring-within',
      '5',
    ]);
    expect(r.code).toBe(0);
    const changes = JSON.parse(r.stdout) as RunChanges;
    expect(changes.previous).toEqual({ id: 1, startedAt: '2026-11-20T02:00:00.000Z' });
    expect(changes.newFailures.map((c) => c.check)).toEqual(['auth.before_tls']);
    expect(changes.expiringCertificates).toEqual([]);
  });

  it('says when a run has nothing to compare with', async () => {
    const r = await runHistory(['history', 'diff', '1', '--history', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'mailcheck: run 1 has no complete run before it to compare with; name two runs: mailcheck history diff A B\n',
    );
  });
});

describe('mailcheck history: files', () => {
  it('needs --history or MAILCHECK_HISTORY', async () => {
    const r = await runHistory(['history', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mailcheck: --history FILE is required (or set MAILCHECK_HISTORY)\n');
  });

  it('says how to create a missing history, and does not create it', async () => {
    const missing = path.join(tempDir(), 'none.db');
    const r = await runHistory(['history', 'list', '--history', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `mailcheck: no history at ${missing} — run \`mailcheck audit INVENTORY --history ${missing}\` first\n`,
    );
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a file that is not a history', async () => {
    const notes = path.join(tempDir(), 'notes.txt');
    writeFileSync(notes, 'not a database at all, just some text\n'.repeat(20));
    const r = await runHistory(['history', 'show', '--history', notes]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `mailcheck: ${notes} is not a mailcheck history (not an SQLite database); give another --history file\n`,
    );
  });

  it('lists an empty history', async () => {
    const empty = path.join(tempDir(), 'empty.db');
    HistoryStore.open(empty).close();
    const r = await runHistory(['history', 'list', '--history', empty]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`no runs in ${empty} yet\n`);
  });
});

describe('renderChangesLines', () => {
  const changes = JSON.parse(
    readFileSync(new URL('../fixtures/reports/sample-changes.json', import.meta.url), 'utf8'),
  ) as RunChanges;

  it('renders the sample changes as plain text (golden)', () => {
    const text = `${renderChangesLines(changes, { color: false }).join('\n')}\n`;
    if (UPDATE) writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(text).not.toMatch(ESC);
  });

  it('colours only when asked, and limits and indents sections for reporters', () => {
    expect(renderChangesLines(changes, { color: true }).join('\n')).toMatch(ESC);
    const lines = renderChangesLines(changes, { color: false, limit: 1, indent: '  ' });
    expect(lines.every((l) => l.startsWith('  '))).toBe(true);
    expect(lines).toContain('      … and 1 more');
  });

  it('neutralises control characters in names, messages and reasons', () => {
    const hostile: RunChanges = {
      ...changes,
      newFailures: [
        { ...changes.newFailures[0]!, message: 'evil \u001b[2J banner', displayName: 'x\u202eexample' },
      ],
    };
    const text = renderChangesLines(hostile, { color: false }).join('\n');
    expect(text).not.toMatch(ESC);
    expect(text).toContain('evil \\x1b[2J banner');
    expect(text).toContain('x\\u202eexample');
  });

  it('says so when nothing changed', () => {
    const none: RunChanges = {
      previous: { id: 7, startedAt: '2026-11-20T02:00:00.000Z' },
      newFailures: [],
      fixed: [],
      otherChanges: [],
      newlyUnreachable: [],
      recovered: [],
      added: [],
      removed: [],
      expiringCertificates: [],
    };
    expect(renderChangesLines(none, { color: false })).toEqual([
      'Changes since run 7 (2026-11-20 02:00 UTC): no changes',
    ]);
  });
});
