/**
 * Policy files: YAML that extends a built-in policy and overrides checks' severities and
 * parameters, globally and per role. Every problem is collected with the file, line, column and
 * key it concerns ("physics.yaml:7:3: checks.tls.protocol: unknown check id ..."), so one run of
 * `mailcheck policy validate` shows everything to fix. Reading the YAML with positions is in
 * yaml-reader.ts, validating check entries in entries.ts; this file assembles the policy.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Node } from 'yaml';
import type { AnyCheck } from '../checks/types.js';
import {
  BUILTIN_POLICIES,
  DEFAULT_POLICY,
  POLICY_ROLES,
  type CheckPolicy,
  type Policy,
  type PolicyRole,
} from './builtin.js';
import { readChecks, readString, type EntryOverride } from './entries.js';
import { didYouMean } from './suggest.js';
import { PolicyReader, formatIssue, type PolicyIssue } from './yaml-reader.js';

export { formatIssue, type PolicyIssue } from './yaml-reader.js';
export { ENTRY_KEYS } from './entries.js';

/** The keys a policy file may have at its top level. */
export const TOP_LEVEL_KEYS = ['extends', 'name', 'description', 'checks', 'roles'] as const;

/** A policy that cannot be used: an unreadable or invalid file, or an unknown built-in name. */
export class PolicyError extends Error {
  override name = 'PolicyError';
  readonly issues: readonly PolicyIssue[];
  constructor(message: string, issues: readonly PolicyIssue[] = []) {
    super(message);
    this.issues = issues;
  }
}

/** A policy ready to judge with, and what it was made from. */
export interface LoadedPolicy {
  policy: Policy;
  /** The built-in it extends (a built-in policy names itself). */
  extends: string;
  /** How many checks the file sets (0 for a built-in). */
  overridden: number;
  /** The roles the file has overrides for. */
  roles: PolicyRole[];
  /** The file it came from (absent for a built-in). */
  file?: string;
}

export type PolicyParseResult = { ok: true; loaded: LoadedPolicy } | { ok: false; issues: PolicyIssue[] };

function merge(base: CheckPolicy | undefined, o: EntryOverride): CheckPolicy {
  const params = { ...base?.params, ...o.params };
  return {
    severity: o.severity ?? base?.severity ?? 'fail',
    ...(Object.keys(params).length > 0 ? { params } : {}),
  };
}

/** A built-in policy by name (own names only: "toString" is not a policy). */
export function builtinPolicy(name: string): Policy | undefined {
  return Object.hasOwn(BUILTIN_POLICIES, name) ? BUILTIN_POLICIES[name] : undefined;
}

/** The default policy name of a file: its base name without .yaml/.yml. */
export function policyNameOf(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/i, '');
}

/**
 * Parses and validates a policy file's text. `file` is used in messages and for the default name.
 * Never throws for bad input: problems come back as issues, in file order.
 */
export function parsePolicy(text: string, file: string): PolicyParseResult {
  const v = new PolicyReader(file, text);
  if (v.syntaxIssues()) return { ok: false, issues: v.issues };
  const rootPairs = v.topLevelPairs('policy', TOP_LEVEL_KEYS);
  if (rootPairs === undefined) return { ok: false, issues: v.issues };

  let base = DEFAULT_POLICY;
  let name: string | undefined;
  let description: string | undefined;
  let checks = new Map<string, EntryOverride>();
  const roles = new Map<PolicyRole, Map<string, EntryOverride>>();
  for (const pair of rootPairs) {
    const key = v.keyOf(pair, '');
    if (key === undefined) continue;
    const valueNode = pair.value as Node | null;
    const keyNode = pair.key as Node;
    switch (key) {
      case 'extends': {
        const s = readString(v, pair, key, true);
        if (s === undefined) break;
        if (builtinPolicy(s)) base = s;
        else {
          const builtins = Object.keys(BUILTIN_POLICIES);
          v.issue(
            valueNode,
            keyNode,
            key,
            `unknown built-in policy "${s}" (built-in: ${builtins.join(', ')})${didYouMean(s, builtins)}`,
          );
        }
        break;
      }
      case 'name':
        name = readString(v, pair, key, true);
        break;
      case 'description':
        description = readString(v, pair, key, false);
        break;
      case 'checks':
        checks = readChecks(v, valueNode, keyNode, 'checks');
        break;
      case 'roles': {
        for (const rp of v.pairs(
          valueNode,
          'roles',
          `a mapping of roles (${POLICY_ROLES.join(', ')})`,
          keyNode,
        ) ?? []) {
          const role = v.keyOf(rp, 'roles');
          if (role === undefined) continue;
          if (!(POLICY_ROLES as readonly string[]).includes(role)) {
            v.issue(
              rp.key as Node,
              null,
              `roles.${role}`,
              `unknown role "${role}" (roles: ${POLICY_ROLES.join(', ')})${didYouMean(role, POLICY_ROLES)}`,
            );
            continue;
          }
          roles.set(
            role as PolicyRole,
            readChecks(v, rp.value as Node | null, rp.key as Node, `roles.${role}`),
          );
        }
        break;
      }
      default:
        v.issue(
          keyNode,
          null,
          key,
          `unknown key "${key}" (expected ${TOP_LEVEL_KEYS.join(', ')})${didYouMean(key, TOP_LEVEL_KEYS)}`,
        );
    }
  }
  if (v.issues.length > 0) return { ok: false, issues: v.issues };

  const builtin = builtinPolicy(base)!;
  const merged: Record<string, CheckPolicy> = { ...builtin.checks };
  for (const [id, o] of checks) merged[id] = merge(builtin.checks[id], o);
  const policyName = name ?? policyNameOf(file);
  const policy: Policy = {
    name: policyName,
    description: description ?? `${policyName}: ${base} with local changes`,
    source: 'file',
    checks: merged,
  };
  const withRoles = [...roles].filter(([, overrides]) => overrides.size > 0);
  if (withRoles.length > 0) {
    policy.roles = {};
    for (const [role, overrides] of withRoles) {
      const resolved: Record<string, CheckPolicy> = {};
      for (const [id, o] of overrides) resolved[id] = merge(merged[id], o);
      policy.roles[role] = resolved;
    }
  }
  return {
    ok: true,
    loaded: { policy, extends: base, overridden: checks.size, roles: withRoles.map(([r]) => r), file },
  };
}

/** Reads and validates a policy file; throws PolicyError with every issue. */
export function loadPolicyFile(file: string): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : (e.code ?? e.message);
    throw new PolicyError(`policy file ${file}: cannot read it (${why})`);
  }
  const r = parsePolicy(text, file);
  if (r.ok) return r.loaded;
  const n = r.issues.length;
  throw new PolicyError(
    `invalid policy file ${file} (${n} problem${n === 1 ? '' : 's'}):\n${r.issues.map(formatIssue).join('\n')}`,
    r.issues,
  );
}

/** Whether a --policy value names a file: a .yaml/.yml name, a path, or an existing file. */
export function looksLikePolicyFile(value: string): boolean {
  if (/\.ya?ml$/i.test(value) || value.includes('/') || value.includes(path.sep)) return true;
  try {
    return statSync(value).isFile();
  } catch {
    return false;
  }
}

/** A built-in policy by name, or a policy file by path. Throws PolicyError. */
export function resolvePolicy(nameOrFile: string): LoadedPolicy {
  // A built-in name wins over a file of the same name in the working directory.
  const builtin = builtinPolicy(nameOrFile);
  if (builtin) {
    return { policy: builtin, extends: nameOrFile, overridden: 0, roles: [] };
  }
  if (looksLikePolicyFile(nameOrFile)) return loadPolicyFile(nameOrFile);
  const builtins = Object.keys(BUILTIN_POLICIES);
  throw new PolicyError(
    `unknown policy "${nameOrFile}" (built-in: ${builtins.join(', ')}; a policy file is a path ending in .yaml or .yml)${didYouMean(nameOrFile, builtins)}`,
  );
}

/** A check's effective entry in a policy: what it sets, or `fail` with the check's defaults. */
export function effectiveEntry(policy: Policy, check: AnyCheck): Required<CheckPolicy> {
  const p = policy.checks[check.id];
  return {
    severity: p?.severity ?? 'fail',
    params: { ...(check.defaultParams as Record<string, unknown>), ...p?.params },
  };
}

/**
 * A policy with an inventory entry's own check overrides on top: they win over the policy's
 * entries and over its role entries for that check, so "smtp.vrfy: off" on one host means off for
 * that host whatever its roles.
 */
export function withOverrides(policy: Policy, overrides: ReadonlyMap<string, EntryOverride>): Policy {
  if (overrides.size === 0) return policy;
  const checks = { ...policy.checks };
  for (const [id, o] of overrides) checks[id] = merge(policy.checks[id], o);
  const out: Policy = { ...policy, checks };
  if (policy.roles) {
    out.roles = {};
    for (const [role, entries] of Object.entries(policy.roles) as [
      PolicyRole,
      Record<string, CheckPolicy>,
    ][]) {
      const resolved = { ...entries };
      for (const [id, o] of overrides) if (resolved[id]) resolved[id] = merge(resolved[id], o);
      out.roles[role] = resolved;
    }
  }
  return out;
}
