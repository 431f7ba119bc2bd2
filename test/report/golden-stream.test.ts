/**
 * Golden files for the streaming formats (CSV, JUnit, Nagios, Prometheus): the sample report (and,
 * for the formats that show what changed, the sample RunChanges) rendered through each sink and
 * compared byte for byte with files in the repository.
 *
 * After an intended change, regenerate and review the diff:
 *   UPDATE_GOLDEN=1 npx vitest run test/report/golden-stream.test.ts && git diff test/fixtures/reports
 */
import { describe, expect, it } from 'vitest';
import { csvSink } from '../../src/report/csv.js';
import { junitSink } from '../../src/report/junit.js';
import { nagiosSink } from '../../src/report/nagios.js';
import { prometheusSink } from '../../src/report/prometheus.js';
import type { SinkFactory } from '../../src/report/sink.js';
import { renderWith } from '../../src/report/sink.js';
import { PLAIN, loadSample, loadChanges, expectGolden } from '../helpers/golden.js';

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
