/**
 * The JSON reporter: the whole report as one document, validated by schema/report.schema.json.
 *
 * The document is the report model as it is, so other tools can use everything we saw; the only
 * change is that SMTP transcripts are left out unless asked for (`--transcript`), because they are
 * long and mostly repeat the facts. Certificate PEMs are kept: DANE/TLSA matching needs them.
 */
import type { EndpointFacts } from '../model/artifacts.js';
import type { RenderOptions, Report, TargetReport } from '../model/results.js';

/**
 * Version of the JSON document's shape (semver). The major version is pinned by the schema
 * (`^1\.`); add optional fields in a minor version, anything else needs a new major and schema.
 */
export const SCHEMA_VERSION = '1.0.0';

/** The identifier (`$id`) of the JSON Schema shipped in schema/report.schema.json. */
export const SCHEMA_ID = 'https://mailcheck.dev/schema/report-1.json';

/** Renders the report as pretty-printed JSON with a final newline. */
export function renderJson(report: Report, opts: RenderOptions): string {
  const doc = opts.transcript ? report : withoutTranscripts(report);
  return JSON.stringify(doc, null, 2) + '\n';
}

/** A copy of the report with every endpoint's `transcript` key removed; the input is not changed. */
function withoutTranscripts(report: Report): Report {
  return { ...report, targets: report.targets.map(targetWithoutTranscripts) };
}

function targetWithoutTranscripts(target: TargetReport): TargetReport {
  const endpoints = target.facts.endpoints.map((ep) => {
    const { transcript: _omitted, ...rest } = ep;
    // The model declares `transcript` required; in JSON it is optional (see the schema).
    return rest as EndpointFacts;
  });
  return { ...target, facts: { ...target.facts, endpoints } };
}
