/**
 * Policies written out as YAML: the effective policy (`mailcheck policy show`), which is itself a
 * valid policy file, and the commented starter (`mailcheck policy init`).
 */
import { Document, isMap, visit } from 'yaml';
import type { Node, Scalar } from 'yaml';
import { REGISTRY } from '../checks/index.js';
import type { AnyCheck, CheckArea } from '../checks/types.js';
import { POLICY_ROLES, type CheckPolicy } from './builtin.js';
import { builtinPolicy, effectiveEntry, type LoadedPolicy } from './loader.js';

/** Area headings, in the order an administrator reads a policy. */
export const AREA_TITLES: Readonly<Record<CheckArea, string>> = {
  smtp: 'SMTP dialogue',
  tls: 'TLS and certificates',
  auth: 'AUTH',
  relay: 'Relay',
  data: 'DATA test',
  dns: 'DNS: MX and reverse DNS',
  spf: 'SPF',
  dkim: 'DKIM',
  dmarc: 'DMARC',
  mta_sts: 'MTA-STS',
  tls_rpt: 'TLS-RPT',
  dnsbl: 'DNS blocklists',
};

/** Registered checks grouped by area (areas in AREA_TITLES order, checks in registry order). */
export function checksByArea(registry: readonly AnyCheck[] = REGISTRY): [CheckArea, AnyCheck[]][] {
  const areas = Object.keys(AREA_TITLES) as CheckArea[];
  const groups = new Map<CheckArea, AnyCheck[]>();
  for (const area of areas) groups.set(area, []);
  for (const c of registry) {
    if (!groups.has(c.area)) groups.set(c.area, []);
    groups.get(c.area)!.push(c);
  }
  return [...groups].filter(([, checks]) => checks.length > 0);
}

/** A check entry as written in a file: just the severity when the check has no parameters. */
function entryValue(check: AnyCheck | undefined, entry: CheckPolicy): unknown {
  const params = { ...(check?.defaultParams as Record<string, unknown> | undefined), ...entry.params };
  return Object.keys(params).length === 0 ? entry.severity : { severity: entry.severity, params };
}

/** One value in YAML flow style on one line, e.g. `{ severity: fail, params: { max: 10 } }`. */
export function flowYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Map: (_, node) => void (node.flow = true),
    Seq: (_, node) => void (node.flow = true),
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true }).trimEnd();
}

function titleOf(id: string): string | undefined {
  return REGISTRY.find((c) => c.id === id)?.title;
}

/** Ids in the order the rendered files use: by area, then any the registry does not know. */
function orderedIds(ids: Iterable<string>): string[] {
  const wanted = new Set(ids);
  const out: string[] = [];
  for (const [, checks] of checksByArea()) for (const c of checks) if (wanted.has(c.id)) out.push(c.id);
  for (const id of wanted) if (!out.includes(id)) out.push(id);
  return out;
}

/** Adds per-check title comments (and an area heading before each area's first check). */
function annotate(map: unknown, headings: boolean): void {
  if (!isMap(map)) return;
  let area = '';
  for (const pair of map.items) {
    const key = pair.key as Scalar;
    const id = String(key.value);
    const check = REGISTRY.find((c) => c.id === id);
    const heading =
      headings && check && check.area !== area ? `--- ${AREA_TITLES[check.area] ?? check.area} ---\n` : '';
    if (check) area = check.area;
    const title = titleOf(id);
    if (heading || title) key.commentBefore = ` ${heading}${title ?? ''}`.replace(/\n/g, '\n ');
    const value = pair.value as Node | null;
    // One line per check: `id: severity` or `id: { severity: ..., params: { ... } }`.
    if (isMap(value)) {
      value.flow = true;
      for (const inner of value.items) if (isMap(inner.value)) inner.value.flow = true;
    }
  }
}

/**
 * The effective policy as a policy file: every registered check with its severity and its full
 * parameters (defaults included), a comment with each check's title, and the role overrides.
 * Loading the output gives a policy that judges exactly as the input does.
 */
export function renderPolicyYaml(loaded: LoadedPolicy): string {
  const { policy } = loaded;
  const checks: Record<string, unknown> = {};
  for (const id of orderedIds([...REGISTRY.map((c) => c.id), ...Object.keys(policy.checks)])) {
    const check = REGISTRY.find((c) => c.id === id);
    const entry = check ? effectiveEntry(policy, check) : policy.checks[id]!;
    checks[id] = entryValue(check, entry);
  }
  const body: Record<string, unknown> = {
    extends: loaded.extends,
    name: policy.name,
    description: policy.description,
    checks,
  };
  const roles = policy.roles ?? {};
  const roleNames = POLICY_ROLES.filter((r) => roles[r] && Object.keys(roles[r]).length > 0);
  if (roleNames.length > 0) {
    const out: Record<string, Record<string, unknown>> = {};
    for (const r of roleNames) {
      const entries = roles[r]!;
      out[r] = {};
      for (const id of orderedIds(Object.keys(entries))) {
        out[r][id] = entryValue(
          REGISTRY.find((c) => c.id === id),
          entries[id]!,
        );
      }
    }
    body.roles = out;
  }
  const doc = new Document(body);
  const source = loaded.file ? `from ${loaded.file}` : `built-in`;
  doc.commentBefore = [
    ` ${policy.name}: ${policy.description}`,
    ` Effective policy (${source}, extends ${loaded.extends}): every check with its severity`,
    ' (fail, warn, info, off) and all of its parameters. This output is itself a valid policy file.',
  ].join('\n');
  annotate(doc.get('checks', true), true);
  const rolesNode = doc.get('roles', true);
  if (isMap(rolesNode)) for (const rp of rolesNode.items) annotate(rp.value, false);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}

/** Column at which the starter's title comments begin. */
const COMMENT_COLUMN = 58;

/**
 * The commented starter policy: every check listed, commented out, with the severity and
 * parameters the extended built-in gives it, grouped by area. It validates as written, and
 * every check line validates once uncommented.
 */
export function renderStarter(base: string, name: string, version: string): string {
  const builtin = builtinPolicy(base);
  if (!builtin) throw new Error(`unknown built-in policy ${base}`);
  const out: string[] = [
    `# mailcheck policy, written by \`mailcheck policy init\` (mailcheck ${version})`,
    '#',
    `# It extends the built-in ${base} and changes only what you uncomment below. A check takes`,
    '# a severity (fail, warn, info, or off: not run) or { severity: ..., params: { ... } }, either',
    `# part optional. The commented lines show what ${base} sets today.`,
    '#',
    '#   mailcheck policy validate FILE     check this file (errors give line and column)',
    '#   mailcheck policy show FILE         the effective policy after your changes',
    '#   mailcheck explain CHECK_ID         what a check verifies and how to fix it',
    '#   mailcheck host HOST --policy FILE  scan with it',
    '#',
    '# Editors can validate it with the JSON Schema schema/policy.schema.json in the mailcheck package.',
    '',
    `extends: ${base}`,
    `name: ${flowYaml(name)}`,
    `description: ${flowYaml(`${name}: ${base} with local changes`)}`,
    '',
    'checks:',
  ];
  for (const [area, checks] of checksByArea()) {
    out.push(`  # --- ${AREA_TITLES[area] ?? area} ---`);
    for (const check of checks) {
      const line = `  # ${check.id}: ${flowYaml(entryValue(check, effectiveEntry(builtin, check)))}`;
      out.push(`${line.padEnd(COMMENT_COLUMN)}  # ${check.title}`);
    }
  }
  out.push(
    '',
    `# Per-role overrides, applied to hosts the inventory gives that role (${POLICY_ROLES.join(', ')});`,
    '# they change the entries above for those hosts only.',
    'roles:',
    '  # relay:',
    '  #   tls.required: { params: { profiles: [smtp, submission] } }',
    '  # mx:',
    '  #   dns.ipv6: warn',
    '  # submission:',
    '  #   auth.mechanisms: fail',
    '',
  );
  return out.join('\n');
}
