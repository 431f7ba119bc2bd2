/**
 * Acceptance of `mailcheck audit --history` (issue 5): the nightly-cron story on the lab. Run 1
 * records a baseline; the compliant MX then starts relaying for anyone (toggleLabRegression, as
 * `mailcheck lab` does on SIGUSR1); run 2 with --fail-on new exits 1 and reports exactly those
 * relay.open failures as new; run 3, unchanged, exits 0 with --fail-on new although failures
 * remain (1 with --fail-on any); once the relay is closed again run 4 lists them as fixed. The
 * `history` command then shows the four runs and the diff.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toggleLabRegression } from '../../src/lab/inventory.js';
import type { CheckChange, RunChanges } from '../../src/model/changes.js';
import type { Report } from '../../src/model/results.js';
import { labServer, mailcheck, startAuditLab, type AuditLab, type CliRun } from '../helpers/audit.js';
import { schemaErrors } from '../helpers/schema.js';

let lab: AuditLab;
let regression = false;

beforeAll(async () => {
  lab = await startAuditLab();
});
afterAll(async () => {
  // Leave the lab as found whatever failed (the regression lives in the server's options).
  if (regression) regression = toggleLabRegression(lab.lab);
  await lab?.close();
});

function setRegression(on: boolean): void {
  if (regression !== on) regression = toggleLabRegression(lab.lab);
  expect(regression).toBe(on);
}

function report(r: CliRun): Report {
  if (!r.stdout.startsWith('{')) throw new Error(`no JSON report (exit ${r.code}): ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as Report;
  expect(schemaErrors(doc)).toEqual([]);
  return doc;
}

/** The identity of a changed result: target input, check and endpoint. */
const key = (c: Pick<CheckChange, 'target' | 'check' | 'endpoint'>) =>
  `${c.target} ${c.check} ${c.endpoint ?? ''}`;

interface RunListJson {
  runs: {
    id: number;
    status: string;
    state: string;
    targetCount: number;
    changes: null | { previous: number; newFailures: number; fixed: number; regressions: number };
  }[];
}

describe('mailcheck audit --history with --fail-on new', () => {
  it('reports the regression as new once, then as fixed, and exits accordingly', async () => {
    const db = path.join(lab.dir, 'history.db');
    const audit = (failOn: 'any' | 'new', history = db) =>
      mailcheck([
        'audit',
        lab.inventory,
        ...lab.args,
        ...['--history', history, '--fail-on', failOn, '--format', 'json'],
      ]);
    // The compliant MX is audited twice: as mail.lab.example:PORT and within the multi-port
    // entry listing its address. Its relay.open result is what the regression changes.
    const mx = labServer(lab.lab, 'compliant-mx');
    const relayResults = [
      key({ target: `mail.lab.example:${mx.port}`, check: 'relay.open', endpoint: `${mx.host}:${mx.port}` }),
      key({ target: mx.host, check: 'relay.open', endpoint: `${mx.host}:${mx.port}` }),
    ].sort();
    const nothingElse = (c: RunChanges) => {
      expect(c.newlyUnreachable).toEqual([]);
      expect(c.recovered).toEqual([]);
      expect(c.added).toEqual([]);
      expect(c.removed).toEqual([]);
      expect(c.otherChanges).toEqual([]);
    };

    try {
      // Run 1: the baseline. Nothing to compare with: --fail-on new behaves as any (the lab fails).
      const r1 = await audit('new');
      const doc1 = report(r1);
      expect(doc1.targets).toHaveLength(20);
      expect(doc1.changes).toBeUndefined();
      expect(r1.code).toBe(1);
      expect(
        doc1.targets.find((t) => t.input === mx.host)?.checks.find((c) => c.id === 'relay.open')?.status,
      ).toBe('pass');

      // Run 2: the compliant MX relays for anyone.
      setRegression(true);
      const r2 = await audit('new');
      const c2 = report(r2).changes!;
      expect(c2, 'run 2 has changes').toBeDefined();
      expect(c2.newFailures.map(key).sort()).toEqual(relayResults);
      expect(c2.newFailures.every((f) => f.before === 'pass' && f.after === 'fail')).toBe(true);
      expect(c2.fixed).toEqual([]);
      nothingElse(c2);
      expect(r2.code).toBe(1);

      // Run 3: nothing changed. Failures remain, none is new: 0 with --fail-on new ...
      const snapshot = path.join(lab.dir, 'history-after-run2.db');
      const copy = new Database(db, { readonly: true });
      await copy.backup(snapshot);
      copy.close();
      const r3 = await audit('new');
      const doc3 = report(r3);
      expect(doc3.summary.fail).toBeGreaterThan(0);
      expect(doc3.changes?.newFailures).toEqual([]);
      expect(doc3.changes?.fixed).toEqual([]);
      nothingElse(doc3.changes!);
      expect(r3.code).toBe(0);
      // ... and 1 with --fail-on any (the same run against the same history, on a copy).
      const r3any = await audit('any', snapshot);
      expect(report(r3any).changes?.newFailures).toEqual([]);
      expect(r3any.code).toBe(1);

      // Run 4: the relay is closed again.
      setRegression(false);
      const r4 = await audit('new');
      const c4 = report(r4).changes!;
      expect(c4.fixed.map(key).sort()).toEqual(relayResults);
      expect(c4.fixed.every((f) => f.before === 'fail' && f.after === 'pass')).toBe(true);
      expect(c4.newFailures).toEqual([]);
      nothingElse(c4);
      expect(r4.code).toBe(0);
    } finally {
      setRegression(false);
    }

    // history list: four complete runs, newest first, each compared with the one before.
    const list = await mailcheck(['history', 'list', '--history', db, '--format', 'json']);
    expect(list.code).toBe(0);
    const runs = (JSON.parse(list.stdout) as RunListJson).runs;
    expect(runs.map((r) => r.status)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(runs.map((r) => r.targetCount)).toEqual([20, 20, 20, 20]);
    const [run4, run3, run2, run1] = runs;
    expect(run1!.changes).toBeNull();
    expect(run2!.changes).toMatchObject({ previous: run1!.id, newFailures: 2, fixed: 0, regressions: 2 });
    expect(run3!.changes).toMatchObject({ previous: run2!.id, newFailures: 0, fixed: 0, regressions: 0 });
    expect(run4!.changes).toMatchObject({ previous: run3!.id, newFailures: 0, fixed: 2 });
    const table = await mailcheck(['history', 'list', '--history', db]);
    expect(table.code).toBe(0);
    expect(table.stdout.match(/│ complete │/g)).toHaveLength(4);

    // history diff of runs 1 and 2: the two relay.open failures.
    const diff = await mailcheck(['history', 'diff', String(run1!.id), String(run2!.id), '--history', db]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/New failures \(2\)/);
    expect(diff.stdout.match(/relay\.open .*pass → fail/g)).toHaveLength(2);
    const diffJson = await mailcheck([
      'history',
      'diff',
      String(run1!.id),
      String(run2!.id),
      '--history',
      db,
      '--format',
      'json',
    ]);
    const changes = JSON.parse(diffJson.stdout) as RunChanges;
    expect(changes.newFailures.map(key).sort()).toEqual(relayResults);
    expect(changes.fixed).toEqual([]);
  }, 90_000);
});
