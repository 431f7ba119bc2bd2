/**
 * The history store: round trip of a run, run references, baselines, refused files, transactions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  APPLICATION_ID,
  HistoryError,
  HistoryStore,
  SCHEMA_VERSION,
  runState,
} from '../../src/history/store.js';
import { header, loadSample, result, target, tempDir, writeRun } from './helpers.js';

const open: HistoryStore[] = [];
function openStore(file: string, opts?: Parameters<typeof HistoryStore.open>[1]): HistoryStore {
  const s = HistoryStore.open(file, opts);
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function historyError(fn: () => unknown): HistoryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HistoryError) return err;
    throw err;
  }
  throw new Error('expected a HistoryError');
}

/** A process id that no longer exists (a child that has exited and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid;
}

describe('HistoryStore: a run round trip', () => {
  it('stores the sample report: run header, targets in order, every result as it was', () => {
    const file = path.join(tempDir(), 'h.db');
    const store = openStore(file, { now: () => new Date('2026-11-21T12:00:05.000Z') });
    const sample = loadSample();
    const { targets, summary, durationMs, ...head } = sample;
    const id = store.beginRun(head, { plannedTargets: 3, inventory: 'campus.yaml' });
    expect(store.getRun(id).status).toBe('running');
    for (const t of targets) store.recordTarget(id, t);
    store.finishRun(id, { durationMs, summary, targetCount: 3, plannedCount: 3, interrupted: false });

    const run = store.getRun(id);
    expect(run).toEqual({
      id,
      status: 'complete',
      startedAt: sample.startedAt,
      finishedAt: '2026-11-21T12:00:05.000Z',
      durationMs: 420,
      tool: sample.tool,
      schemaVersion: sample.schemaVersion,
      policy: sample.policy,
      options: sample.options,
      inventory: 'campus.yaml',
      plannedTargets: 3,
      targetCount: 3,
      summary: sample.summary,
      pid: process.pid,
      hostname: expect.any(String) as unknown as string,
    });
    expect(runState(run)).toEqual({ state: 'complete', label: 'complete' });

    const rows = store.targets(id);
    expect(rows.map((t) => [t.seq, t.kind, t.input, t.displayName, t.state])).toEqual([
      [1, 'host', 'mail.lab.example', 'mail.lab.example', 'partial'],
      [2, 'domain', 'lab.example', 'lab.example', 'partial'],
      [3, 'host', 'smtp.bücher.example', 'smtp.bücher.example', 'unreachable'],
    ]);
    for (const [i, t] of targets.entries()) {
      const row = rows[i]!;
      expect(row).toEqual({
        kind: t.kind,
        input: t.input,
        seq: i + 1,
        name: t.name,
        displayName: t.displayName,
        roles: t.roles,
        state: t.state,
        ...(t.error ? { error: t.error } : {}),
        startedAt: t.startedAt,
        durationMs: t.durationMs,
        summary: t.summary,
      });
      expect(store.results(id, t.kind, t.input)).toEqual(t.checks);
    }
  });

  it('keeps facts (transcripts, raw replies) out of the file and stores options as given', () => {
    const dir = tempDir();
    const file = path.join(dir, 'h.db');
    const store = openStore(file);
    const t = target('a.example', [result('smtp.connect', 'pass', { endpoint: '192.0.2.1:25' })]);
    t.facts = { transcript: 'AUTH PLAIN FACTS-ONLY-MARKER-7d1e' } as unknown as typeof t.facts;
    writeRun(store, '2026-11-21T02:00:00.000Z', [t]);
    store.close();
    const bytes = [file, `${file}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
    expect(bytes).toContain('evidence of smtp.connect');
    expect(bytes).not.toContain('FACTS-ONLY-MARKER-7d1e');
  });

  it('stores repeated results of one check on one endpoint (two MX names, one address) apart', () => {
    const store = openStore(path.join(tempDir(), 'h.db'));
    const checks = [
      result('smtp.connect', 'pass', { endpoint: '192.0.2.1:25', message: 'first' }),
      result('smtp.connect', 'fail', { endpoint: '192.0.2.1:25', message: 'second' }),
    ];
    const id = writeRun(store, '2026-11-21T02:00:00.000Z', [target('d.example', checks, { kind: 'domain' })]);
    expect(store.results(id, 'domain', 'd.example')).toEqual(checks);
  });

  it('replaces a target recorded twice in one run, keeping the run counts right', () => {
    const store = openStore(path.join(tempDir(), 'h.db'));
    const id = store.beginRun(header('2026-11-21T02:00:00.000Z'), { plannedTargets: 2 });
    store.recordTarget(id, target('a.example', [result('smtp.vrfy', 'fail'), result('smtp.expn', 'fail')]));
    store.recordTarget(id, target('b.example', [result('smtp.vrfy', 'pass')]));
    store.recordTarget(id, target('a.example', [result('smtp.vrfy', 'pass')]));
    const run = store.getRun(id);
    expect(run.targetCount).toBe(2);
    expect(run.summary).toEqual({ pass: 2, fail: 0, warn: 0, info: 0, skip: 0, error: 0 });
    expect(store.targets(id).map((t) => [t.seq, t.input])).toEqual([
      [1, 'a.example'],
      [2, 'b.example'],
    ]);
    expect(store.results(id, 'host', 'a.example').map((r) => r.status)).toEqual(['pass']);
  });

  it('writes a target with all its results or not at all', () => {
    const store = openStore(path.join(tempDir(), 'h.db'));
    const id = store.beginRun(header('2026-11-21T02:00:00.000Z'), { plannedTargets: 2 });
    store.recordTarget(id, target('a.example', [result('smtp.vrfy', 'pass')]));
    // The third result breaks the results table's CHECK constraint half-way through the target.
    const broken = target('b.example', [
      result('smtp.vrfy', 'pass'),
      result('smtp.expn', 'pass'),
      { ...result('smtp.ehlo', 'pass'), status: 'bogus' as 'pass' },
    ]);
    expect(() => store.recordTarget(id, broken)).toThrow(/CHECK constraint/);
    expect(store.targets(id).map((t) => t.input)).toEqual(['a.example']);
    expect(store.results(id, 'host', 'b.example')).toEqual([]);
    expect(store.getRun(id).targetCount).toBe(1);
    expect(store.getRun(id).summary.pass).toBe(1);
  });

  it('refuses to record into or finish a run that is already finished', () => {
    const store = openStore(path.join(tempDir(), 'h.db'));
    const id = writeRun(store, '2026-11-21T02:00:00.000Z', [target('a.example', [])]);
    const late = historyError(() => store.recordTarget(id, target('b.example', [])));
    expect(late.code).toBe('state');
    expect(late.message).toBe(`run ${id} is complete; targets can no longer be recorded`);
    expect(store.targets(id)).toHaveLength(1);
    const again = historyError(() =>
      store.finishRun(id, {
        durationMs: 1,
        summary: loadSample().summary,
        targetCount: 1,
        plannedCount: 1,
        interrupted: true,
      }),
    );
    expect(again.message).toBe(`run ${id} is already complete`);
    expect(store.getRun(id).status).toBe('complete');
    expect(historyError(() => store.recordTarget(99, target('c.example', []))).code).toBe('unknown-run');
  });
});

describe('HistoryStore: runs and baselines', () => {
  it('finds the previous complete run, skipping interrupted and incomplete ones', () => {
    const store = openStore(path.join(tempDir(), 'h.db'));
    const t = [target('a.example', [result('smtp.vrfy', 'pass')])];
    const r1 = writeRun(store, '2026-11-18T02:00:00.000Z', t);
    const r2 = writeRun(store, '2026-11-19T02:00:00.000Z', t);
    const r3 = writeRun(store, '2026-11-20T02:00:00.000Z', t, 'interrupted');
    const r4 = writeRun(store, '2026-11-21T02:00:00.000Z', t, 'running');
    const r5 = writeRun(store, '2026-11-22T02:00:00.000Z', t);
    expect(store.previousComplete(r5)?.id).toBe(r2);
    expect(store.previousComplete(r4)?.id).toBe(r2);
    expect(store.previousComplete(r3)?.id).toBe(r2);
    expect(store.previousComplete(r2)?.id).toBe(r1);
    expect(store.previousComplete(r1)).toBeUndefined();
    expect(store.changesSincePrevious(r1)).toBeUndefined();
    expect(store.changesSincePrevious(r5)?.previous.id).toBe(r2);
    expect(store.listRuns().map((r) => [r.id, r.status])).toEqual([
      [r5, 'complete'],
      [r4, 'running'],
      [r3, 'interrupted'],
      [r2, 'complete'],
      [r1, 'complete'],
    ]);
    expect(store.listRuns(2).map((r) => r.id)).toEqual([r5, r4]);
  });

  it('resolves run references: an id, latest, latest~N', () => {
    const file = path.join(tempDir(), 'h.db');
    const store = openStore(file);
    const t = [target('a.example', [])];
    const ids = [1, 2, 3].map((d) => writeRun(store, `2026-11-2${d}T02:00:00.000Z`, t));
    expect(store.getRun(String(ids[0])).id).toBe(ids[0]);
    expect(store.getRun(ids[1]!).id).toBe(ids[1]);
    expect(store.getRun('latest').id).toBe(ids[2]);
    expect(store.getRun('latest~0').id).toBe(ids[2]);
    expect(store.getRun('latest~2').id).toBe(ids[0]);
    expect(historyError(() => store.getRun('latest~3')).message).toBe(
      `no run latest~3 in ${file} (mailcheck history list shows the 3 runs)`,
    );
    expect(historyError(() => store.getRun('17')).code).toBe('unknown-run');
    expect(historyError(() => store.getRun('yesterday')).message).toBe(
      '"yesterday" is not a run reference: use a run id (42), "latest", or "latest~N" (N runs before the latest)',
    );
  });

  it('tells a run still being written from one whose process was killed', () => {
    const store = openStore(path.join(tempDir(), 'h.db'));
    const id = writeRun(store, '2026-11-21T02:00:00.000Z', [target('a.example', [])], 'running', {
      plannedTargets: 5,
    });
    const run = store.getRun(id);
    expect(run.finishedAt).toBeUndefined();
    expect(runState(run)).toEqual({ state: 'running', label: `running (pid ${process.pid})` });
    expect(runState({ ...run, pid: deadPid() })).toEqual({
      state: 'incomplete',
      label: 'incomplete (killed)',
    });
    expect(runState({ ...run, hostname: 'other-host.example' })).toEqual({
      state: 'incomplete',
      label: `incomplete (pid ${process.pid} on other-host.example)`,
    });
  });
});

describe('HistoryStore: pruning', () => {
  it('keeps the newest N complete runs and everything newer, drops older runs, spares runs being written', () => {
    const file = path.join(tempDir(), 'h.db');
    const store = openStore(file);
    const t = [target('a.example', [result('smtp.vrfy', 'pass', { message: 'x'.repeat(2000) })])];
    const r1 = writeRun(store, '2026-11-15T02:00:00.000Z', t);
    const r2 = writeRun(store, '2026-11-16T02:00:00.000Z', t, 'interrupted');
    const r3 = writeRun(store, '2026-11-17T02:00:00.000Z', t, 'running'); // this process: still running
    const r4 = writeRun(store, '2026-11-18T02:00:00.000Z', t);
    const r5 = writeRun(store, '2026-11-19T02:00:00.000Z', t, 'interrupted');
    const r6 = writeRun(store, '2026-11-20T02:00:00.000Z', t);
    expect(store.prune(5)).toEqual([]); // fewer complete runs than asked to keep: nothing goes
    expect(store.prune(2)).toEqual([r2, r1]);
    expect(store.listRuns().map((r) => r.id)).toEqual([r6, r5, r4, r3]);
    expect(store.results(r1, 'host', 'a.example')).toEqual([]); // results went with their run
    expect(store.previousComplete(r6)?.id).toBe(r4);
    store.vacuum();
    expect(store.integrityCheck()).toEqual(['ok']);
    store.close();
  });
});

describe('HistoryStore: opening files', () => {
  it('creates a new history: WAL, schema version, application id', () => {
    const file = path.join(tempDir(), 'new.db');
    openStore(file).close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    } finally {
      db.close();
    }
  });

  it('turns an empty (zero-byte) file into a history', () => {
    const file = path.join(tempDir(), 'empty.db');
    writeFileSync(file, '');
    const store = openStore(file);
    expect(store.listRuns()).toEqual([]);
  });

  it('refuses a history written by a newer mailcheck', () => {
    const file = path.join(tempDir(), 'h.db');
    openStore(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const err = historyError(() => HistoryStore.open(file));
    expect(err.code).toBe('newer');
    expect(err.message).toBe(
      `${file} was written by a newer mailcheck (history schema ${SCHEMA_VERSION + 1}; this version reads up to ${SCHEMA_VERSION}); upgrade mailcheck`,
    );
  });

  it('refuses a text file', () => {
    const file = path.join(tempDir(), 'notes.txt');
    writeFileSync(file, 'these are my notes, not a database\n'.repeat(10));
    const err = historyError(() => HistoryStore.open(file));
    expect(err.code).toBe('not-history');
    expect(err.message).toBe(
      `${file} is not a mailcheck history (not an SQLite database); give another --history file`,
    );
    expect(readFileSync(file, 'utf8')).toBe('these are my notes, not a database\n'.repeat(10));
  });

  it("refuses another program's SQLite database and leaves it untouched", () => {
    const file = path.join(tempDir(), 'other.db');
    const db = new Database(file);
    db.exec("CREATE TABLE inventory (host TEXT); INSERT INTO inventory VALUES ('mx1')");
    db.close();
    const before = readFileSync(file);
    const err = historyError(() => HistoryStore.open(file));
    expect(err.code).toBe('not-history');
    expect(err.message).toBe(
      `${file} is an SQLite database but not a mailcheck history; give another --history file`,
    );
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('needs the parent directory to exist, and does not create a missing file when asked not to', () => {
    const dir = tempDir();
    const nested = path.join(dir, 'no-such-dir', 'h.db');
    const err = historyError(() => HistoryStore.open(nested));
    expect(err.code).toBe('io');
    expect(err.message).toBe(`history ${nested}: directory ${path.dirname(nested)} does not exist`);
    const missing = path.join(dir, 'missing.db');
    expect(historyError(() => HistoryStore.open(missing, { create: false })).code).toBe('missing');
    expect(existsSync(missing)).toBe(false);
    expect(historyError(() => HistoryStore.open(dir)).message).toBe(
      `history ${dir}: is a directory, not a history file`,
    );
  });

  it('lets a second connection read while a run is being written', () => {
    const file = path.join(tempDir(), 'h.db');
    const writer = openStore(file);
    const id = writeRun(writer, '2026-11-21T02:00:00.000Z', [target('a.example', [])], 'running', {
      plannedTargets: 2,
    });
    const reader = openStore(file, { create: false });
    expect(reader.getRun(id).targetCount).toBe(1);
    writer.recordTarget(id, target('b.example', []));
    expect(reader.getRun(id).targetCount).toBe(2);
    expect(reader.integrityCheck()).toEqual(['ok']);
  });
});
