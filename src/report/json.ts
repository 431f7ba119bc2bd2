/**
 * The JSON reporter: the whole report as one document, validated by schema/report.schema.json.
 *
 * The document is the report model as it is, so other tools can use everything we saw; the only
 * change is that SMTP transcripts are left out unless asked for (`--transcript`), because they are
 * long and mostly repeat the facts (on host targets and on the MX hosts of domain targets alike).
 * Certificate PEMs are kept: DANE/TLSA matching needs them.
 */
import type { EndpointFacts, HostFacts } from '../model/artifacts.js';
import type { RenderOptions, Report, TargetReport } from '../model/results.js';
import { isDomainFacts } from '../model/results.js';
import type { ReportSink, ReportWriter, RunFooter, RunHeader, SinkFactory } from './sink.js';

/**
 * Version of the JSON document's shape (semver). The major version is pinned by the schema
 * (`^1\.`); add optional fields in a minor version, anything else needs a new major and schema.
 * 1.1.0 added domain targets (`facts.domain`, `facts.mxHosts`) and `reverse` on host facts.
 * 1.2.0 added `interrupted` and `changes` (audits with history), and the jsonl line format.
 */
export const SCHEMA_VERSION = '1.2.0';

/** The identifier (`$id`) of the JSON Schema shipped in schema/report.schema.json. */
export const SCHEMA_ID = 'https://mailcheck.dev/schema/report-1.json';

/** The identifier (`$id`) of the JSON Schema of one jsonl line (schema/report-line.schema.json). */
export const LINE_SCHEMA_ID = 'https://mailcheck.dev/schema/report-line-1.json';

/** Renders the report as pretty-printed JSON with a final newline. */
export function renderJson(report: Report, opts: RenderOptions): string {
  const doc = opts.transcript ? report : { ...report, targets: report.targets.map(targetWithoutTranscripts) };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The end-of-run keys, in document order; `changes` and `interrupted` only when they say something. */
function footerFields(f: RunFooter): Pick<Report, 'durationMs' | 'summary' | 'interrupted' | 'changes'> {
  return {
    durationMs: f.durationMs,
    summary: f.summary,
    ...(f.interrupted ? { interrupted: true } : {}),
    ...(f.changes ? { changes: f.changes } : {}),
  };
}

/** `JSON.stringify(value, null, 2)` indented by `depth` levels, for splicing into a document. */
function indented(value: unknown, depth: number): string {
  const pad = '  '.repeat(depth);
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${pad}`);
}

/**
 * The json format, streamed: the document opens with the run's header, each target is written
 * into the `targets` array as it finishes, and the end-of-run keys close it. The result is one
 * JSON document valid against schema/report.schema.json (key order differs from renderJson).
 */
export const jsonSink: SinkFactory = (out: ReportWriter, opts: RenderOptions): ReportSink => {
  let first = true;
  return {
    begin(header: RunHeader) {
      const head = JSON.stringify(header, null, 2);
      out.write(`${head.slice(0, head.lastIndexOf('\n}'))},\n  "targets": [`);
    },
    target(t: TargetReport) {
      const doc = opts.transcript ? t : targetWithoutTranscripts(t);
      out.write(`${first ? '' : ','}\n    ${indented(doc, 2)}`);
      first = false;
    },
    end(footer: RunFooter) {
      const tail = indented(footerFields(footer), 0);
      out.write(`${first ? '' : '\n  '}],\n${tail.slice(2)}\n`);
    },
  };
};

/**
 * The jsonl format: one compact JSON object per line, written the moment it is known, so `tail -f`
 * and `jq` see targets as they finish. Three kinds of line, told apart by `type`:
 * `{"type":"run", …header}` first, `{"type":"target","target":{…}}` per target,
 * `{"type":"end", …footer}` last (absent when the run was killed). Each line is valid against
 * schema/report-line.schema.json.
 */
export const jsonlSink: SinkFactory = (out: ReportWriter, opts: RenderOptions): ReportSink => ({
  begin(header: RunHeader) {
    out.write(JSON.stringify({ type: 'run', ...header }) + '\n');
  },
  target(t: TargetReport) {
    out.write(
      JSON.stringify({ type: 'target', target: opts.transcript ? t : targetWithoutTranscripts(t) }) + '\n',
    );
  },
  end(footer: RunFooter) {
    out.write(
      JSON.stringify({
        type: 'end',
        ...footerFields(footer),
        targets: footer.targetCount,
        plannedTargets: footer.plannedCount,
      }) + '\n',
    );
  },
});

function targetWithoutTranscripts(target: TargetReport): TargetReport {
  const facts = target.facts;
  if (isDomainFacts(facts))
    return { ...target, facts: { ...facts, mxHosts: facts.mxHosts.map(hostWithoutTranscripts) } };
  return { ...target, facts: hostWithoutTranscripts(facts) };
}

function hostWithoutTranscripts(host: HostFacts): HostFacts {
  const endpoints = host.endpoints.map((ep) => {
    const { transcript: _omitted, ...rest } = ep;
    // The model declares `transcript` required; in JSON it is optional (see the schema).
    return rest as EndpointFacts;
  });
  return { ...host, endpoints };
}
