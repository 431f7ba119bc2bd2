/**
 * Acceptance of `mailcheck audit` under signals (issue 5, SPEC §5 "a run that is interrupted
 * leaves the history consistent"). The BUILT binary runs as a child process, because SIGKILL and
 * SIGINT must hit a real process: `npm test` builds before vitest; when running this file alone,
 * run `npm run build` first (a missing or stale build fails the test, it is never skipped).
 *
 * The inventory has a few fast lab hosts and a tarpit that accepts and never speaks, so a run is
 * reliably caught with targets finished and one still pending.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../../src/lab/scripted-server.js';
import type { Report } from '../../src/model/results.js';
import {
  builtBinary,
  killIfRunning,
  labServer,
  mailcheck,
  spawnMailcheck,
  startAuditLab,
  waitFor,
  type AuditLab,
  type Spawned,
} from '../helpers/audit.js';
import { schemaErrors } from '../helpers/schema.js';

let lab: AuditLab;
let tarpit: ScriptedServer;
let inventory: string;
let tarpitInput: string;

beforeAll(async () => {
  builtBinary(); // fail at once, with the reason, when dist/ is missing or stale
  lab = await startAuditLab();
  tarpit = await startScriptedServer({ hostname: 'tarpit.lab.example', hostile: 'silent' });
  tarpitInput = `127.0.0.1:${tarpit.port}`;
  const fast = ['no-starttls', 'compliant-mx', 'catch-all'].map((n) => labServer(lab.lab, n));
  inventory = lab.write(
    'signals.yaml',
    [
      'hosts:',
      ...fast.map((s) => `  - host: ${s.host}:${s.port}\n    roles: [relay]`),
      `  - host: ${tarpitInput}  # accepts, never greets\n    roles: [relay]`,
    ].join('\n') + '\n',
  );
});

let child: Spawned | undefined;
afterEach(() => {
  killIfRunning(child);
  child = undefined;
});
afterAll(async () => {
  await tarpit?.close();
  await lab?.close();
});

/** Targets of the newest run in a history file, read as a second process would (read-only). */
function newestRunTargets(db: string): { runId: number; targets: number } | undefined {
  if (!existsSync(db)) return undefined;
  let conn: Database.Database | undefined;
  try {
    conn = new Database(db, { readonly: true, fileMustExist: true });
    const run = conn.prepare('SELECT id FROM runs ORDER BY id DESC LIMIT 1').get() as
      { id: number } | undefined;
    if (!run) return undefined;
    const n = conn.prepare('SELECT count(*) AS n FROM targets WHERE run_id = ?').get(run.id) as { n: number };
    return { runId: run.id, targets: n.n };
  } catch {
    return undefined; // not created yet
  } finally {
    conn?.close();
  }
}

interface ListedRun {
  id: number;
  status: string;
  state: string;
  stateLabel: string;
  targetCount: number;
}

async function listRuns(db: string): Promise<ListedRun[]> {
  const r = await mailcheck(['history', 'list', '--history', db, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { runs: ListedRun[] }).runs;
}

/** A complete run in-process; the tarpit is cut short by a 1 s per-host deadline. */
async function completeRun(db: string): Promise<Report> {
  const r = await mailcheck([
    'audit',
    inventory,
    ...lab.args,
    ...['--history', db, '--deadline', '1s', '--format', 'json'],
  ]);
  expect(r.code, r.stderr).not.toBe(2);
  const doc = JSON.parse(r.stdout) as Report;
  expect(doc.targets).toHaveLength(4);
  return doc;
}

describe('mailcheck audit killed with SIGKILL', () => {
  it('leaves a sound history: earlier run complete, killed run incomplete, next run diffs against the complete one', async () => {
    const db = path.join(lab.dir, 'killed.db');
    await completeRun(db);
    const [run1] = await listRuns(db);
    expect(run1).toMatchObject({ status: 'complete', targetCount: 4 });

    // Run 2: the tarpit keeps it going (10 s step timeout); killed once a target is committed.
    child = spawnMailcheck(['audit', inventory, ...lab.args, '--history', db, '--format', 'jsonl']);
    await waitFor(
      'a target line on stdout',
      () => child!.stdout.includes('"type":"target"') || child!.child.exitCode !== null,
      15_000,
    );
    const committed = newestRunTargets(db);
    expect(committed?.runId).toBeGreaterThan(run1!.id);
    expect(committed?.targets).toBeGreaterThanOrEqual(1);
    expect(child.stdout, 'the tarpit was still pending').not.toContain(`"input":"${tarpitInput}"`);
    expect(child.stdout).not.toContain('"type":"end"');
    child.child.kill('SIGKILL');
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');

    // The file as the killed process left it (WAL and all).
    const raw = new Database(db);
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(raw.pragma('foreign_key_check')).toEqual([]);
    } finally {
      raw.close();
    }
    const afterKill = await listRuns(db);
    expect(afterKill.map((r) => [r.id, r.state])).toEqual([
      [committed!.runId, 'incomplete'],
      [run1!.id, 'complete'],
    ]);
    expect(afterKill[0]!.stateLabel).toBe('incomplete (killed)');
    expect(afterKill[0]!.targetCount).toBeGreaterThanOrEqual(committed!.targets);
    expect(afterKill[0]!.targetCount).toBeLessThan(4);
    expect(afterKill[1]!.targetCount).toBe(4);

    // Run 3 works and compares with run 1, the last COMPLETE run, not the killed one.
    const doc3 = await completeRun(db);
    expect(doc3.changes?.previous.id).toBe(run1!.id);
    expect(doc3.changes?.added).toEqual([]);
    expect(doc3.changes?.removed).toEqual([]);
    expect(doc3.changes?.newFailures).toEqual([]);
    expect(doc3.changes?.newlyUnreachable).toEqual([]);
    const final = await listRuns(db);
    expect(final.map((r) => r.state)).toEqual(['complete', 'incomplete', 'complete']);
  }, 60_000);
});

describe('mailcheck audit stopped with Ctrl-C (SIGINT)', () => {
  it('exits 130 at once, writes the finished targets and marks the history run interrupted', async () => {
    const db = path.join(lab.dir, 'interrupted.db');
    const out = path.join(lab.dir, 'interrupted.json');
    child = spawnMailcheck([
      'audit',
      inventory,
      ...lab.args,
      ...['--history', db, '--format', 'json', '--output', out],
    ]);
    // The first finished target is committed to the history before the report gets it.
    await waitFor('a finished target in the history', () => {
      if (child!.child.exitCode !== null) throw new Error(`the audit ended early: ${child!.stderr}`);
      return (newestRunTargets(db)?.targets ?? 0) >= 1;
    });
    const sent = performance.now();
    child.child.kill('SIGINT');
    const exit = await child.exited;
    expect(exit.code, child.stderr).toBe(130);
    // The tarpit's 10 s greeting timeout is not waited for.
    expect(exit.at - sent).toBeLessThan(2500);
    expect(child.stderr).toMatch(/interrupted/);

    const doc = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(schemaErrors(doc)).toEqual([]);
    expect(doc.interrupted).toBe(true);
    expect(doc.targets.length).toBeGreaterThanOrEqual(1);
    expect(doc.targets.length).toBeLessThan(4);
    expect(doc.targets.map((t) => t.input)).not.toContain(tarpitInput);

    const [run] = await listRuns(db);
    expect(run).toMatchObject({
      status: 'interrupted',
      state: 'interrupted',
      targetCount: doc.targets.length,
    });
  }, 30_000);
});
