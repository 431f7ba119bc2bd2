/**
 * A run killed with SIGKILL while writing leaves the history sound: earlier runs intact, the
 * database passing `PRAGMA integrity_check`, the killed run "incomplete (killed)" with every
 * committed target whole and no partial one.
 *
 * The writer is a separate node process (a SIGKILL must hit a real process), so it runs the BUILT
 * store, dist/src/history/store.js: `npm test` builds before vitest. Run `npm run build` first when
 * running this file alone.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HistoryStore, runState } from '../../src/history/store.js';
import { header, tempDir } from './helpers.js';

const BUILT = new URL('../../dist/src/history/', import.meta.url);
const SOURCES = new URL('../../src/history/', import.meta.url);
const WRITER = fileURLToPath(new URL('fixtures/kill-writer.mjs', import.meta.url));
const PER_TARGET = 300;
const MAX_TARGETS = 20_000;
const KILL_AFTER = 50;

/** The built store, or a failure saying how to build it (never a silent skip). */
function builtStore(): URL {
  const store = new URL('store.js', BUILT);
  if (!existsSync(store)) {
    throw new Error(`${fileURLToPath(store)} is missing: run \`npm run build\` first (npm test does)`);
  }
  for (const name of ['store', 'diff']) {
    const src = fileURLToPath(new URL(`${name}.ts`, SOURCES));
    const out = fileURLToPath(new URL(`${name}.js`, BUILT));
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
      throw new Error(`${out} is older than ${src}: run \`npm run build\` first (npm test does)`);
    }
  }
  return store;
}

interface Killed {
  run1: number;
  run2: number;
  /** Targets the child reported committed before it died. */
  committed: number;
  signal: NodeJS.Signals | null;
  pid: number;
  lines: string[];
  stderr: string;
}

async function writeAndKill(dbFile: string): Promise<Killed> {
  const child = spawn(
    process.execPath,
    [WRITER, builtStore().href, dbFile, String(PER_TARGET), String(MAX_TARGETS)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const lines: string[] = [];
  let run1 = 0;
  let run2 = 0;
  let committed = 0;
  let run2At = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line);
    const [what, n] = line.split(' ');
    if (what === 'run1') run1 = Number(n);
    if (what === 'run2') {
      run2 = Number(n);
      run2At = performance.now();
    }
    if (what === 'committed') committed = Number(n);
    if (committed >= KILL_AFTER) {
      // Killing at once would land just after a commit, before the next target starts; half a
      // target's writing time later lands inside the next target's transaction.
      const perTarget = (performance.now() - run2At) / committed;
      await delay(Math.max(1, Math.round(perTarget / 2)));
      child.kill('SIGKILL');
      break;
    }
  }
  const signal = await exited;
  return { run1, run2, committed, signal, pid: child.pid!, lines, stderr };
}

describe('history survives SIGKILL mid-run', () => {
  it('keeps earlier runs, passes integrity_check, and loses at most the target being written', async () => {
    const file = path.join(tempDir(), 'history.db');
    const k = await writeAndKill(file);
    expect(k.stderr).toBe('');
    expect(k.signal).toBe('SIGKILL');
    expect(k.lines).not.toContain('done');
    expect(k.run1).toBeGreaterThan(0);
    expect(k.run2).toBeGreaterThan(k.run1);

    // The file as the killed process left it (WAL and all), opened by plain SQLite first.
    const raw = new Database(file);
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(raw.pragma('foreign_key_check')).toEqual([]);
      // Every stored target of every run has all its results: none is partial.
      const partial = raw
        .prepare(
          `SELECT t.run_id, t.input, count(r.check_id) AS results_count FROM targets t
           LEFT JOIN results r ON r.run_id = t.run_id AND r.kind = t.kind AND r.input = t.input
           GROUP BY t.run_id, t.kind, t.input HAVING results_count <> ?`,
        )
        .all(PER_TARGET);
      expect(partial).toEqual([]);
      // No result without its target.
      const orphans = raw
        .prepare(
          `SELECT count(*) AS n FROM results r WHERE NOT EXISTS
             (SELECT 1 FROM targets t WHERE t.run_id = r.run_id AND t.kind = r.kind AND t.input = r.input)`,
        )
        .get() as { n: number };
      expect(orphans.n).toBe(0);
    } finally {
      raw.close();
    }

    const store = HistoryStore.open(file);
    try {
      // Run 1 is intact.
      const run1 = store.getRun(k.run1);
      expect(run1.status).toBe('complete');
      expect(run1.targetCount).toBe(3);
      const t1 = store.targets(k.run1);
      expect(t1.map((t) => t.input)).toEqual(['host0.example.edu', 'host1.example.edu', 'host2.example.edu']);
      for (const t of t1) expect(store.results(k.run1, t.kind, t.input)).toHaveLength(PER_TARGET);

      // Run 2 is incomplete, with every target the child reported committed (and perhaps the one
      // whose commit happened just before the kill), numbered without gaps, its counts consistent.
      const run2 = store.getRun(k.run2);
      expect(run2.status).toBe('running');
      expect(run2.finishedAt).toBeUndefined();
      expect(runState(run2)).toEqual({ state: 'incomplete', label: 'incomplete (killed)' });
      const t2 = store.targets(k.run2);
      expect(t2.length).toBeGreaterThanOrEqual(k.committed);
      expect(t2.length).toBeLessThan(MAX_TARGETS);
      expect(run2.targetCount).toBe(t2.length);
      expect(t2.map((t) => t.seq)).toEqual(t2.map((_, i) => i + 1));
      expect(t2.map((t) => t.input)).toEqual(t2.map((_, i) => `host${i}.example.edu`));
      const sum = { pass: 0, fail: 0, warn: 0, info: 0, skip: 0, error: 0 };
      for (const t of t2) for (const s of Object.keys(sum) as (keyof typeof sum)[]) sum[s] += t.summary[s];
      expect(run2.summary).toEqual(sum);
      expect(Object.values(sum).reduce((a, b) => a + b, 0)).toBe(t2.length * PER_TARGET);

      // The killed run is no baseline, and the history takes new runs.
      const run3 = store.beginRun(header('2026-11-22T02:00:00.000Z'), { plannedTargets: 0 });
      store.finishRun(run3, {
        durationMs: 1,
        summary: sum,
        targetCount: 0,
        plannedCount: 0,
        interrupted: false,
      });
      expect(store.previousComplete(run3)?.id).toBe(k.run1);
      expect(store.integrityCheck()).toEqual(['ok']);
    } finally {
      store.close();
    }
  }, 60_000);
});
