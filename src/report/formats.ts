/**
 * Every output format by name (`--format`), as a streaming sink. Whole-report commands render
 * with {@link renderReport}; audits stream through {@link sinkFor}.
 */
import type { RenderOptions, Report } from '../model/results.js';
import { csvSink } from './csv.js';
import { htmlSink } from './html.js';
import { jsonSink, jsonlSink, renderJson } from './json.js';
import { junitSink } from './junit.js';
import { nagiosSink, type NagiosSink } from './nagios.js';
import { prometheusSink } from './prometheus.js';
import { renderWith, type ReportSink, type ReportWriter, type SinkFactory } from './sink.js';
import { renderTable, tableSink } from './table.js';

export const FORMATS = ['table', 'json', 'jsonl', 'csv', 'junit', 'nagios', 'prometheus', 'html'] as const;
export type Format = (typeof FORMATS)[number];

const SINKS: Readonly<Record<Format, SinkFactory>> = {
  table: tableSink,
  json: jsonSink,
  jsonl: jsonlSink,
  csv: csvSink,
  junit: junitSink,
  nagios: nagiosSink,
  prometheus: prometheusSink,
  html: htmlSink,
};

/** A streaming sink for the format. */
export function sinkFor(format: Format, out: ReportWriter, opts: RenderOptions): ReportSink {
  return SINKS[format](out, opts);
}

/** The nagios sink's monitoring exit code, for a sink made by {@link sinkFor} with format nagios. */
export function monitoringExitCode(sink: ReportSink): number | undefined {
  return 'exitCode' in sink ? (sink as NagiosSink).exitCode() : undefined;
}

/**
 * A finished report as text. Table and json keep their single-report layouts (a section per
 * target; the model's key order); the others render through their sinks. For nagios the exit
 * code the monitoring convention asks for is returned too.
 */
export function renderReport(
  report: Report,
  format: Format,
  opts: RenderOptions,
): { text: string; exitCode?: number } {
  if (format === 'table') return { text: renderTable(report, opts) };
  if (format === 'json') return { text: renderJson(report, opts) };
  if (format === 'nagios') {
    let sink: NagiosSink | undefined;
    const text = renderWith((out, o) => (sink = nagiosSink(out, o)), report, opts);
    return { text, exitCode: sink!.exitCode() };
  }
  return { text: renderWith(SINKS[format], report, opts) };
}
