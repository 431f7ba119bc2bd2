/**
 * Golden reports protect the output contract: a hand-built sample Report (a host target with three
 * endpoints mixing every status; a domain target with its DNS facts, an SPF include, DKIM, DMARC,
 * MTA-STS, TLS-RPT, TLSA and two MX probes, one refused; an unreachable IDN host) is rendered in
 * each format and compared byte for byte with files in the repository.
 *
 * After an intended change, regenerate and review the diff:
 *   UPDATE_GOLDEN=1 npx vitest run test/report/golden.test.ts && git diff test/fixtures/reports
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RenderOptions, Report } from '../../src/model/results.js';
import { renderJson } from '../../src/report/json.js';
import { renderTable } from '../../src/report/table.js';

const FIXTURES = new URL('../fixtures/reports/', import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const PLAIN: RenderOptions = { color: false, transcript: false, verbose: false, quiet: false };

function loadSample(): Report {
  return JSON.parse(readFileSync(new URL('sample-report.json', FIXTURES), 'utf8')) as Report;
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
    'If the change is intended: UPDATE_GOLDEN=1 npx vitest run test/report/golden.test.ts, then review git diff.',
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

describe('golden reports', () => {
  it('renders the sample report as JSON exactly as saved', () => {
    expectGolden(renderJson(loadSample(), PLAIN), 'sample.json.golden');
  });

  it('renders the sample report as a plain table exactly as saved', () => {
    expectGolden(renderTable(loadSample(), PLAIN), 'sample.table.golden');
  });

  it('keeps every line of the plain table within 120 columns', () => {
    const long = renderTable(loadSample(), PLAIN)
      .split('\n')
      .filter((l) => [...l].length > 120);
    expect(long).toEqual([]);
  });
});
