/**
 * Golden files for the streaming formats (CSV, JUnit, Nagios, Prometheus): the sample report (and,
 * for the formats that show what changed, the sample RunChanges) rendered through each sink and
 * compared byte for byte with files in the repository.
 *
 * After an intended change, regenerate and review the diff:
 *   UPDATE_GOLDEN=1 npx vitest run test/report/golden-stream.test.ts && git diff test/fixtures/reports
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunChanges } from '../../src/model/changes.js';
import type { RenderOptions, Report } from '../../src/model/results.js';
import { csvSink } from '../../src/report/csv.js';
import { junitSink } from '../../src/report/junit.js';
import { nagiosSink } from '../../src/report/nagios.js';
import { prometheusSink } from '../../src/report/prometheus.js';
import type { SinkFactory } from '../../src/report/sink.js';
import { renderWith } from '../../src/report/sink.js';

const FIXTURES = new URL('../fixtures/reports/', import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const PLAIN: RenderOptions = { color: false, transcript: false, verbose: false, quiet: false };

function loadSample(): Report {
  return JSON.parse(readFileSync(new URL('sample-report.json', FIXTURES), 'utf8')) as Report;
}

function loadChanges(): RunChanges {
  return JSON.parse(readFileSync(new URL('sample-changes.json', FIXTURES), 'utf8')) as RunChanges;
}

/** The first differing line with a little context on both sides, whitespace made visible. */
function describeDiff(expected: string, actual: string): string {
  const exp = expected.split('\n');
  const act = actual.split('\n');
  let i = 0;
  while (i < exp.length && i < act.length && exp[i] === act[i]) i++;
  const show = (s: string | undefined) => (s === undefined ? '<end of file>' : JSON.stringify(s));
  const lines = [`first difference at line ${i + 1} (expected ${exp.length} lines, got ${act.length}):`];
  for (let j = Math.max(0, i - 2); j < i; j++) lines.push(`    ${show(exp[j])}`);
  for (let j = i; j < i + 3 && (j < exp.length || j < act.length); j++) {
    if (exp[j] === act[j]) lines.push(`    ${show(exp[j])}`);
    else lines.push(`  - ${show(exp[j])}`, `  + ${show(act[j])}`);
  }
  lines.push(
    'If the change is intended: UPDATE_GOLDEN=1 npx vitest run test/report/golden-stream.test.ts, then review git diff.',
  );
  return lines.join('\n');
}

function expectGolden(actual: string, name: string): void {
  const file = fileURLToPath(new URL(name, FIXTURES));
  if (UPDATE) {
    writeFileSync(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`golden file ${name} is missing; create it with UPDATE_GOLDEN=1`);
  }
  if (actual !== expected) expect(actual, describeDiff(expected, actual)).toBe(expected);
}

const FORMATS: ReadonlyArray<{ name: string; factory: SinkFactory; file: string; showsChanges: boolean }> = [
  { name: 'CSV', factory: csvSink, file: 'csv', showsChanges: false },
  { name: 'JUnit XML', factory: junitSink, file: 'junit.xml', showsChanges: false },
  { name: 'Nagios', factory: nagiosSink, file: 'nagios', showsChanges: true },
  { name: 'Prometheus', factory: prometheusSink, file: 'prom', showsChanges: true },
];

describe('golden reports (streaming formats)', () => {
  for (const f of FORMATS) {
    it(`renders the sample report as ${f.name} exactly as saved`, () => {
      expectGolden(renderWith(f.factory, loadSample(), PLAIN), `sample.${f.file}.golden`);
    });
    if (f.showsChanges) {
      it(`renders the sample report with changes as ${f.name} exactly as saved`, () => {
        expectGolden(
          renderWith(f.factory, loadSample(), PLAIN, loadChanges()),
          `sample-changes.${f.file}.golden`,
        );
      });
    } else {
      it(`renders the same ${f.name} with or without changes (the format does not show them)`, () => {
        expect(renderWith(f.factory, loadSample(), PLAIN, loadChanges())).toBe(
          renderWith(f.factory, loadSample(), PLAIN),
        );
      });
    }
  }

  it('ignores colour: the output is the same with color on', () => {
    for (const f of FORMATS) {
      expect(renderWith(f.factory, loadSample(), { ...PLAIN, color: true })).toBe(
        renderWith(f.factory, loadSample(), PLAIN),
      );
    }
  });
});
