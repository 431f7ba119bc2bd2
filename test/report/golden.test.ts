/**
 * Golden reports protect the output contract: a hand-built sample Report (a host target with three
 * endpoints mixing every status; a domain target with its DNS facts, an SPF include, DKIM, DMARC,
 * MTA-STS, TLS-RPT, TLSA and two MX probes, one refused; an unreachable IDN host) is rendered in
 * each format and compared byte for byte with files in the repository.
 *
 * After an intended change, regenerate and review the diff:
 *   UPDATE_GOLDEN=1 npx vitest run test/report/golden.test.ts && git diff test/fixtures/reports
 */
import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { renderTable } from '../../src/report/table.js';
import { PLAIN, loadSample, expectGolden } from '../helpers/golden.js';

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
