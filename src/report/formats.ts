/**
 * Every output format by name (`--format`), as a streaming sink. Whole-report commands render
 * with {@link renderReport}; audits stream through {@link sinkFor}.
 *
 * A format's module is loaded only when a report is written in that format (the table brings
 * chalk and cli-table3 with it, html its style sheet and script), so naming the formats costs
 * nothing at start-up. {@link loadFormat} comes first; a scan starts it while its first round
 * trips are in flight and awaits it before rendering.
 */
import type { RenderOptions, Report } from '../model/results.js';
import type { NagiosSink } from './nagios.js';
import { renderWith, type ReportSink, type ReportWriter, type SinkFactory } from './sink.js';

export const FORMATS = ['table', 'json', 'jsonl', 'csv', 'junit', 'nagios', 'prometheus', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/** What a format's module provides. */
interface FormatModule {
  sink: SinkFactory;
  /** A single-report layout of its own (table: a section per target; json: the model's key order). */
  render?: (report: Report, opts: RenderOptions) => string;
}

const MODULES: Readonly<Record<Format, () => Promise<FormatModule>>> = {
  table: async () => {
    const m = await import('./table.js');
    return { sink: m.tableSink, render: m.renderTable };
  },
  json: async () => {
    const m = await import('./json.js');
    return { sink: m.jsonSink, render: m.renderJson };
  },
  jsonl: async () => ({ sink: (await import('./json.js')).jsonlSink }),
  csv: async () => ({ sink: (await import('./csv.js')).csvSink }),
  junit: async () => ({ sink: (await import('./junit.js')).junitSink }),
  nagios: async () => ({ sink: (await import('./nagios.js')).nagiosSink }),
  prometheus: async () => ({ sink: (await import('./prometheus.js')).prometheusSink }),
  html: async () => ({ sink: (await import('./html.js')).htmlSink }),
};

const loaded = new Map<Format, FormatModule>();
const loading = new Map<Format, Promise<void>>();

/** Loads the module of a format; {@link sinkFor} and {@link renderReport} need it. Calling it again is free. */
export function loadFormat(format: Format): Promise<void> {
  let p = loading.get(format);
  if (!p) {
    p = MODULES[format]().then((m) => void loaded.set(format, m));
    loading.set(format, p);
  }
  return p;
}

/**
 * Starts loading a format's module without waiting for it (a scan calls this before its first
 * round trip); a failure surfaces where the format is used, through {@link loadFormat}.
 */
export function prefetchFormat(format: Format): void {
  loadFormat(format).catch(() => undefined);
}

function moduleOf(format: Format): FormatModule {
  const m = loaded.get(format);
  if (!m) throw new Error(`internal error: format "${format}" used before loadFormat("${format}")`);
  return m;
}

/** A streaming sink for the format (loaded with {@link loadFormat}). */
export function sinkFor(format: Format, out: ReportWriter, opts: RenderOptions): ReportSink {
  return moduleOf(format).sink(out, opts);
}

/** The nagios sink's monitoring exit code, for a sink made by {@link sinkFor} with format nagios. */
export function monitoringExitCode(sink: ReportSink): number | undefined {
  return 'exitCode' in sink ? (sink as NagiosSink).exitCode() : undefined;
}

/**
 * A finished report as text (the format loaded with {@link loadFormat}). Table and json keep their
 * single-report layouts; the others render through their sinks. For nagios the exit code the
 * monitoring convention asks for is returned too.
 */
export function renderReport(
  report: Report,
  format: Format,
  opts: RenderOptions,
): { text: string; exitCode?: number } {
  const m = moduleOf(format);
  if (m.render) return { text: m.render(report, opts) };
  let sink: ReportSink | undefined;
  const text = renderWith((out, o) => (sink = m.sink(out, o)), report, opts);
  const exitCode = monitoringExitCode(sink!);
  return exitCode === undefined ? { text } : { text, exitCode };
}
