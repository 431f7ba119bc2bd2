/**
 * Validation of the `checks` part of a policy file (top level and per role): check ids,
 * severities, and parameters against each check's defaults and the rules in params.ts.
 */
import type { Node, Pair } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import { REGISTRY, findCheck } from '../checks/index.js';
import type { AnyCheck } from '../checks/types.js';
import type { Severity } from '../model/results.js';
import { SEVERITIES, describeSpec, paramSpecs, scalarProblem, shown, type ParamSpec } from './params.js';
import { didYouMean } from './suggest.js';
import type { PolicyReader } from './yaml-reader.js';

/** The keys of a check entry written as a mapping. */
export const ENTRY_KEYS = ['severity', 'params'] as const;

/** What a check entry in the file sets; either part may be absent. */
export interface EntryOverride {
  severity?: Severity;
  params?: Record<string, unknown>;
}

const CHECK_IDS = (): string[] => REGISTRY.map((c) => c.id);

/** The severity in a node, or undefined after reporting why it is not one. */
function readSeverity(
  v: PolicyReader,
  node: Node | null,
  fallback: Node | null,
  key: string,
): Severity | undefined {
  const n = v.deref(node);
  const value = v.value(n);
  if (typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value))
    return value as Severity;
  const list = SEVERITIES.join(', ');
  const message =
    typeof value === 'string'
      ? `"${value}" is not a severity (${list})${didYouMean(value, SEVERITIES)}`
      : `expected a severity (${list}), got ${shown(value)}`;
  v.issue(node, fallback, key, message);
  return undefined;
}

/** One parameter value, checked against its spec; undefined after reporting a problem. */
function readParam(
  v: PolicyReader,
  spec: ParamSpec,
  node: Node | null,
  fallback: Node | null,
  key: string,
): { value: unknown } | undefined {
  const n = v.deref(node);
  const value = v.value(n);
  if (spec.kind === 'string[]' || spec.kind === 'number[]') {
    if (!isSeq(n)) {
      v.issue(node, fallback, key, `expected ${describeSpec(spec)}, got ${shown(value)}`);
      return undefined;
    }
    let ok = true;
    n.items.forEach((item, i) => {
      const el = v.deref(item);
      const problem = isScalar(el)
        ? scalarProblem(spec, el.value)
        : `expected ${spec.kind === 'string[]' ? 'a string' : 'a number'}, got ${shown(v.value(el))}`;
      if (problem) {
        v.issue(item as Node, node, `${key}[${i}]`, problem);
        ok = false;
      }
    });
    if (ok && spec.minItems !== undefined && n.items.length < spec.minItems) {
      v.issue(node, fallback, key, `expected at least ${spec.minItems} value(s)`);
      ok = false;
    }
    return ok ? { value } : undefined;
  }
  if (spec.kind === 'object') {
    if (isMap(n)) return { value };
    v.issue(node, fallback, key, `expected a mapping, got ${shown(value)}`);
    return undefined;
  }
  const problem = isScalar(n)
    ? scalarProblem(spec, n.value)
    : `expected ${describeSpec(spec)}, got ${shown(value)}`;
  if (problem) {
    v.issue(node, fallback, key, problem);
    return undefined;
  }
  return { value };
}

function readParams(
  v: PolicyReader,
  check: AnyCheck,
  node: Node | null,
  keyNode: Node | null,
  key: string,
): Record<string, unknown> | undefined {
  const pairs = v.pairs(node, key, 'a mapping of parameter names to values', keyNode);
  if (!pairs) return undefined;
  const specs = paramSpecs(check);
  const names = Object.keys(specs);
  const out: Record<string, unknown> = {};
  let ok = true;
  for (const pair of pairs) {
    const name = v.keyOf(pair, key);
    if (name === undefined) {
      ok = false;
      continue;
    }
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    const pkey = `${key}.${name}`;
    if (!spec) {
      const known =
        names.length === 0
          ? `${check.id} takes no parameters`
          : `parameters of ${check.id}: ${names.join(', ')}`;
      v.issue(
        pair.key as Node,
        null,
        pkey,
        `unknown parameter "${name}" (${known})${didYouMean(name, names)}`,
      );
      ok = false;
      continue;
    }
    const read = readParam(v, spec, pair.value as Node | null, pair.key as Node, pkey);
    if (read) out[name] = read.value;
    else ok = false;
  }
  return ok ? out : undefined;
}

/** One check entry: a severity, or a mapping with severity and/or params. */
function readEntry(
  v: PolicyReader,
  check: AnyCheck,
  node: Node | null,
  keyNode: Node | null,
  key: string,
): EntryOverride | undefined {
  const n = v.deref(node);
  if (isScalar(n) && typeof n.value === 'string') {
    const severity = readSeverity(v, node, keyNode, key);
    return severity === undefined ? undefined : { severity };
  }
  if (!isMap(n)) {
    v.issue(
      node,
      keyNode,
      key,
      `expected a severity (${SEVERITIES.join(', ')}) or a mapping with severity and/or params, got ${shown(v.value(n))}`,
    );
    return undefined;
  }
  const out: EntryOverride = {};
  let ok = true;
  for (const pair of n.items as Pair[]) {
    const name = v.keyOf(pair, key);
    if (name === undefined) {
      ok = false;
      continue;
    }
    const value = pair.value as Node | null;
    if (name === 'severity') {
      const s = readSeverity(v, value, pair.key as Node, `${key}.severity`);
      if (s === undefined) ok = false;
      else out.severity = s;
    } else if (name === 'params') {
      const p = readParams(v, check, value, pair.key as Node, `${key}.params`);
      if (p === undefined) ok = false;
      else out.params = p;
    } else {
      v.issue(
        pair.key as Node,
        null,
        `${key}.${name}`,
        `unknown key "${name}" (expected ${ENTRY_KEYS.join(', ')})${didYouMean(name, ENTRY_KEYS)}`,
      );
      ok = false;
    }
  }
  return ok ? out : undefined;
}

/** A `checks` mapping (top level or under a role): check id -> entry. */
export function readChecks(
  v: PolicyReader,
  node: Node | null,
  keyNode: Node | null,
  key: string,
): Map<string, EntryOverride> {
  const out = new Map<string, EntryOverride>();
  const pairs = v.pairs(node, key, 'a mapping of check ids to severities or { severity, params }', keyNode);
  for (const pair of pairs ?? []) {
    const id = v.keyOf(pair, key);
    if (id === undefined) continue;
    const check = findCheck(id);
    const ekey = `${key}.${id}`;
    if (!check) {
      v.issue(pair.key as Node, null, ekey, `unknown check id "${id}"${didYouMean(id, CHECK_IDS())}`);
      continue;
    }
    const entry = readEntry(v, check, pair.value as Node | null, pair.key as Node, ekey);
    if (entry) out.set(id, entry);
  }
  return out;
}

/** A string value (`name`, `description`, `extends`), or undefined after reporting why not. */
export function readString(v: PolicyReader, pair: Pair, key: string, nonEmpty: boolean): string | undefined {
  const node = v.deref(pair.value);
  const value = v.value(node);
  if (typeof value === 'string' && (!nonEmpty || value.trim() !== '')) return value;
  v.issue(
    pair.value as Node | null,
    pair.key as Node,
    key,
    `expected ${nonEmpty ? 'a non-empty' : 'a'} string, got ${shown(value)}`,
  );
  return undefined;
}
