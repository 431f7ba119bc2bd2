/**
 * The JSON Schema of policy files (schema/policy.schema.json), built from the same sources the
 * loader validates with — the check registry, each check's defaults and the parameter rules — so
 * that editors and `mailcheck policy validate` agree. test/policy/schema.test.ts keeps the shipped
 * file equal to what this builds.
 */
import { REGISTRY } from '../checks/index.js';
import type { AnyCheck } from '../checks/types.js';
import { BUILTIN_POLICIES, DEFAULT_POLICY, POLICY_ROLES } from './builtin.js';
import { SEVERITIES, paramSpecs, type ParamSpec } from './params.js';

type Json = Record<string, unknown>;

function scalarSchema(spec: ParamSpec, element: boolean): Json {
  const kind = element ? (spec.kind === 'number[]' ? 'number' : 'string') : spec.kind;
  const out: Json = {};
  if (kind === 'integer' || kind === 'number') {
    out.type = kind;
    if (spec.minimum !== undefined) out.minimum = spec.minimum;
  } else if (kind === 'boolean') {
    out.type = 'boolean';
  } else {
    out.type = 'string';
    if (spec.enum) out.enum = [...spec.enum];
    if (spec.pattern) out.pattern = spec.pattern;
  }
  return out;
}

function paramSchema(spec: ParamSpec, defaultValue: unknown): Json {
  let out: Json;
  if (spec.kind === 'string[]' || spec.kind === 'number[]') {
    out = { type: 'array', items: scalarSchema(spec, true) };
    if (spec.minItems !== undefined) out.minItems = spec.minItems;
  } else if (spec.kind === 'object') {
    out = { type: 'object' };
  } else {
    out = scalarSchema(spec, false);
  }
  return { ...(spec.description ? { description: spec.description } : {}), ...out, default: defaultValue };
}

function entrySchema(check: AnyCheck): Json {
  const specs = paramSpecs(check);
  const defaults = check.defaultParams as Record<string, unknown>;
  const params: Json = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, paramSchema(spec, defaults[name])]),
  );
  return {
    description: `${check.title} (${check.reference}). Run \`mailcheck explain ${check.id}\` for details.`,
    anyOf: [
      { $ref: '#/$defs/severity' },
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          severity: { $ref: '#/$defs/severity' },
          params: {
            anyOf: [{ type: 'object', additionalProperties: false, properties: params }, { type: 'null' }],
          },
        },
      },
    ],
  };
}

/** The policy file schema (JSON Schema draft 2020-12). */
export function buildPolicySchema(registry: readonly AnyCheck[] = REGISTRY): Json {
  const checks = Object.fromEntries([...registry].map((c) => [c.id, entrySchema(c)]));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://mailcheck.dev/schema/policy-1.json',
    title: 'mailcheck policy file',
    description:
      'A mailcheck policy (YAML): extends a built-in policy and overrides the severity and parameters of checks, for every host or per role. Check a file with `mailcheck policy validate FILE`.',
    $comment:
      'Generated from the check registry by src/policy/schema.ts; test/policy/schema.test.ts keeps it current. The $id is an identifier, not a download location.',
    type: 'object',
    additionalProperties: false,
    properties: {
      extends: {
        description: `The built-in policy this file changes (default ${DEFAULT_POLICY}).`,
        enum: Object.keys(BUILTIN_POLICIES),
      },
      name: {
        description: 'Policy name shown in reports (default: the file name).',
        type: 'string',
        minLength: 1,
      },
      description: { description: 'One line saying what the policy is for.', type: 'string' },
      checks: {
        description: 'Per-check overrides for every host.',
        $ref: '#/$defs/checks',
      },
      roles: {
        description:
          'Overrides applied on top of `checks` to hosts the inventory gives a role (relay, mx, submission).',
        anyOf: [
          {
            type: 'object',
            additionalProperties: false,
            properties: Object.fromEntries(
              POLICY_ROLES.map((r) => [
                r,
                { description: `Overrides for ${r} hosts.`, $ref: '#/$defs/checks' },
              ]),
            ),
          },
          { type: 'null' },
        ],
      },
    },
    $defs: {
      severity: {
        description: 'What a failing check counts as; off means the check is not run.',
        enum: [...SEVERITIES],
      },
      checks: {
        description: 'Check id to a severity, or to { severity, params } (either part optional).',
        anyOf: [{ type: 'object', additionalProperties: false, properties: checks }, { type: 'null' }],
      },
    },
  };
}
