/** Validation against the shipped JSON Schema of the report (schema/report.schema.json). */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives either as the plugin or wrapped.
type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  addFormatsPlugin) as unknown as FormatsPlugin;

export const SCHEMA_FILE = new URL('../../schema/report.schema.json', import.meta.url);

let validate: ValidateFunction | undefined;

export function reportSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
}

/** The schema violations of a document, one "path message" line each; empty when valid. */
export function schemaErrors(doc: unknown): string[] {
  if (!validate) {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(reportSchema());
  }
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

export const LINE_SCHEMA_FILE = new URL('../../schema/report-line.schema.json', import.meta.url);

let validateLine: ValidateFunction | undefined;

/** The schema violations of one `--format jsonl` line (schema/report-line.schema.json). */
export function lineSchemaErrors(line: unknown): string[] {
  if (!validateLine) {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(reportSchema());
    validateLine = ajv.compile(JSON.parse(readFileSync(LINE_SCHEMA_FILE, 'utf8')) as Record<string, unknown>);
  }
  return validateLine(line)
    ? []
    : (validateLine.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
