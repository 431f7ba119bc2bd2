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

/**
 * Version of the JSON document's shape (semver). The major version is pinned by the schema
 * (`^1\.`); add optional fields in a minor version, anything else needs a new major and schema.
 * 1.1.0 added domain targets (`facts.domain`, `facts.mxHosts`) and `reverse` on host facts.
 */
export const SCHEMA_VERSION = '1.1.0';

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
