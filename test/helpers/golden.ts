/**
 * Golden files for reporters: the sample report and changes in test/fixtures/reports/, and a
 * byte-for-byte comparison that points at the first differing line. After an intended change,
 * regenerate with `UPDATE_GOLDEN=1 npx vitest run <test file>` and review `git diff`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { RunChanges } from '../../src/model/changes.js';
import type { RenderOptions, Report } from '../../src/model/results.js';

export const FIXTURES = new URL('../fixtures/reports/', import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === '1';

export const PLAIN: RenderOptions = { color: false, transcript: false, verbose: false, quiet: false };

export function loadSample(): Report {
  return JSON.parse(readFileSync(new URL('sample-report.json', FIXTURES), 'utf8')) as Report;
}

export function loadChanges(): RunChanges {
  return JSON.parse(readFileSync(new URL('sample-changes.json', FIXTURES), 'utf8')) as RunChanges;
}

/** The first differing line with a little context on both sides, whitespace made visible. */
export function describeDiff(expected: string, actual: string): string {
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
  lines.push('If the change is intended: rerun the test with UPDATE_GOLDEN=1, then review git diff.');
  return lines.join('\n');
}

/** Compares with test/fixtures/reports/<name> (or writes it, with UPDATE_GOLDEN=1). */
export function expectGolden(actual: string, name: string): void {
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
