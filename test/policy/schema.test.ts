/**
 * schema/policy.schema.json ships in the package for editors. It is generated from the check
 * registry (src/policy/schema.ts); this test keeps the shipped file current — after adding a check
 * or a parameter, regenerate it with
 *   UPDATE_POLICY_SCHEMA=1 npx vitest run test/policy/schema.test.ts
 * — and proves that the schema and the loader agree on every fixture.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as prettier from 'prettier';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildPolicySchema } from '../../src/policy/schema.js';
import { parsePolicy, resolvePolicy } from '../../src/policy/loader.js';
import { renderPolicyYaml, renderStarter } from '../../src/policy/render.js';
import { BUILTIN_POLICIES } from '../../src/policy/builtin.js';

const SCHEMA_FILE = new URL('../../schema/policy.schema.json', import.meta.url);
const FIXTURES = new URL('../fixtures/policies/', import.meta.url);

if (process.env.UPDATE_POLICY_SCHEMA === '1') {
  const config = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  const text = await prettier.format(JSON.stringify(buildPolicySchema()), { ...config, parser: 'json' });
  writeFileSync(SCHEMA_FILE, text);
}

const shipped = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(shipped);

function schemaErrors(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));
const read = (f: string) => readFileSync(new URL(f, FIXTURES), 'utf8');

describe('schema/policy.schema.json', () => {
  it('is what src/policy/schema.ts builds from the registry (regenerate with UPDATE_POLICY_SCHEMA=1)', () => {
    expect(shipped).toEqual(buildPolicySchema());
  });

  it('is a draft 2020-12 schema', () => {
    expect(shipped.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('has fixtures of both kinds to judge', () => {
    const valid = fixtures.filter((f) => parsePolicy(read(f), f).ok);
    expect(valid.length).toBeGreaterThanOrEqual(3);
    expect(fixtures.length - valid.length).toBeGreaterThanOrEqual(5);
  });

  it.each(fixtures)('agrees with the loader on %s', (f) => {
    const text = read(f);
    const loaded = parsePolicy(text, f);
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      // Not YAML at all: nothing for a schema to judge, and the loader must refuse it too.
      expect(loaded.ok).toBe(false);
      return;
    }
    const errors = schemaErrors(doc);
    if (loaded.ok) expect(errors).toEqual([]);
    else expect(errors.length, `schema accepts ${f}`).toBeGreaterThan(0);
  });

  it.each(Object.keys(BUILTIN_POLICIES))('accepts the starter and the shown policy for %s', (name) => {
    expect(schemaErrors(parse(renderStarter(name, 'x', '0.0.0')))).toEqual([]);
    expect(schemaErrors(parse(renderPolicyYaml(resolvePolicy(name))))).toEqual([]);
  });

  it('rejects what the loader rejects: unknown ids, severities, params, roles', () => {
    for (const doc of [
      { checks: { 'tls.protocol': 'warn' } },
      { checks: { 'smtp.vrfy': 'warning' } },
      { checks: { 'tls.cert_expiry': { params: { warnDay: 3 } } } },
      { checks: { 'tls.cert_expiry': { params: { warnDays: 'three' } } } },
      { checks: { 'tls.protocols': { params: { minVersion: 'TLSv1.4' } } } },
      { roles: { gateway: {} } },
      { extends: 'campus' },
      { chekcs: {} },
    ]) {
      expect(schemaErrors(doc), JSON.stringify(doc)).not.toEqual([]);
    }
  });
});
