/**
 * Inventory files for `mailcheck audit`: YAML (or a simple CSV form) listing hosts and domains
 * with roles, ports, per-entry policy and check overrides, and credentials by reference. Like
 * policy files, every problem is collected in one pass with its file, line, column and key
 * ("fleet.yaml:12:5: hosts[3].ports[1]: port 70000 is out of range (1-65535)"), and inline
 * secrets are refused: an inventory is read by cron jobs and committed to git.
 *
 * YAML is read here with the policy file machinery (positions, syntax errors, `checks:`
 * entries); CSV is read by csv.ts. Both go through the value checks and entry assembly of
 * values.ts. Credential references are resolved here too, at scan time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node, Pair } from 'yaml';
import { POLICY_ROLES, type PolicyRole } from '../policy/builtin.js';
import { readChecks } from '../policy/entries.js';
import { shown } from '../policy/params.js';
import { didYouMean } from '../policy/suggest.js';
import { PolicyReader, formatIssue } from '../policy/yaml-reader.js';
import type { Credentials } from '../probe/smtp/auth.js';
import { csvInventory } from './csv.js';
import type {
  CredentialRef,
  Inventory,
  InventoryChecks,
  InventoryFormat,
  InventoryIssue,
  InventoryParseResult,
  SourcePosition,
} from './types.js';
import {
  EMPTY_INVENTORY,
  boolOf,
  credentialsOf,
  domainOf,
  envNameOf,
  fileRefOf,
  finish,
  hostOf,
  inlineSecretMessage,
  kindOf,
  noteOf,
  policyOf,
  portsOf,
  rolesOf,
  selectorsOf,
  sorted,
  userOf,
  type CredentialParts,
  type Defaults,
  type DomainDraft,
  type Draft,
  type HostDraft,
  type Item,
  type Report,
} from './values.js';

export { formatIssue } from '../policy/yaml-reader.js';

/** The keys an inventory may have at its top level. */
export const INVENTORY_KEYS = ['defaults', 'hosts', 'domains'] as const;
/** The keys of `defaults:` (ports and credentials apply to hosts only, roles to hosts only). */
export const DEFAULTS_KEYS = ['policy', 'roles', 'ports', 'checks', 'credentials'] as const;
/** The keys of a host entry. */
export const HOST_KEYS = ['host', 'ports', 'roles', 'policy', 'checks', 'credentials', 'note'] as const;
/** The keys of a domain entry. */
export const DOMAIN_KEYS = [
  'domain',
  'roles',
  'policy',
  'checks',
  'dkim_selectors',
  'dns_only',
  'note',
] as const;
/** The keys of a `credentials:` mapping. */
export const CREDENTIAL_KEYS = ['user', 'password_env', 'password_file', 'token_env', 'token_file'] as const;
export { CSV_COLUMNS } from './csv.js';
export { inlineSecretMessage } from './values.js';

/** Environment variables, as `process.env` or a test's record. */
export type InventoryEnv = Readonly<Record<string, string | undefined>>;

/**
 * An inventory that cannot be used, or a credential reference that cannot be resolved. `issues`
 * holds every problem; the message is the issues as `file:line:column: key: message`, one per
 * line (or, for an unreadable file, why it cannot be read).
 */
export class InventoryError extends Error {
  override name = 'InventoryError';
  readonly issues: readonly InventoryIssue[];
  constructor(issues: readonly InventoryIssue[], message?: string) {
    super(message ?? issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

/** Offsets of line starts, to turn a node's offset into a line and column like the parser does. */
function lineIndex(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

class YamlInventory {
  readonly v: PolicyReader;
  private readonly pos: (offset: number) => { line: number; column: number };

  constructor(
    text: string,
    readonly file: string,
    readonly dir: string,
  ) {
    this.v = new PolicyReader(file, text);
    this.pos = lineIndex(text);
  }

  private at(node: unknown, key: string): SourcePosition {
    const offset = (node as Node | null)?.range?.[0] ?? 0;
    return { file: this.file, ...this.pos(offset), key };
  }

  private reporter(node: unknown, fallback: unknown, key: string): Report {
    return (m) => this.v.issue(node as Node | null, fallback as Node | null, key, m);
  }

  /** The value of a pair and where to report a problem with it. */
  private item(pair: Pair, key: string): Item {
    return {
      value: this.v.value(this.v.deref(pair.value)),
      report: this.reporter(pair.value, pair.key, key),
    };
  }

  /** The elements of a list value; a single scalar is a list of one, nothing an empty list. */
  private items(pair: Pair, key: string, what: string): Item[] | undefined {
    const node = this.v.deref(pair.value);
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (isSeq(node)) {
      return node.items.map((it, i) => ({
        value: this.v.value(this.v.deref(it)),
        report: this.reporter(it, pair.value, `${key}[${i}]`),
      }));
    }
    if (isScalar(node)) return [this.item(pair, key)];
    this.reporter(pair.value, pair.key, key)(`expected ${what}, got ${shown(this.v.value(node))}`);
    return undefined;
  }

  /**
   * The known keys of a mapping, by name; unknown keys and keys that would hold a secret are
   * reported. `hint` adds advice for a particular unknown key.
   */
  private fields(
    pairs: Pair[],
    prefix: string,
    known: readonly string[],
    hint?: (name: string) => string | undefined,
  ): Map<string, { pair: Pair; key: string }> {
    const out = new Map<string, { pair: Pair; key: string }>();
    for (const pair of pairs) {
      const name = this.v.keyOf(pair, prefix);
      if (name === undefined) continue;
      const key = prefix ? `${prefix}.${name}` : name;
      if (known.includes(name)) {
        out.set(name, { pair, key });
        continue;
      }
      const secret = inlineSecretMessage(name);
      this.v.issue(
        pair.key as Node,
        null,
        key,
        secret ??
          `unknown key "${name}" (expected ${known.join(', ')})${hint?.(name) ?? didYouMean(name, known)}`,
      );
    }
    return out;
  }

  private credentials(pair: Pair, key: string): CredentialRef | undefined {
    const pairs = this.pairsOrKind(
      pair,
      key,
      'a mapping with user and password_env, password_file, token_env or token_file',
    );
    if (pairs === undefined) return undefined;
    const f = this.fields(pairs, key, CREDENTIAL_KEYS);
    const refused = pairs.some(
      (p) => isScalar(p.key) && inlineSecretMessage(String(p.key.value)) !== undefined,
    );
    const parts: CredentialParts = {};
    const read = <T>(
      name: string,
      fn: (value: unknown, report: Report) => T | undefined,
    ): T | null | undefined => {
      const field = f.get(name);
      if (!field) return undefined;
      const it = this.item(field.pair, field.key);
      return fn(it.value, it.report) ?? null;
    };
    parts.user = read('user', userOf);
    parts.passwordEnv = read('password_env', envNameOf);
    parts.passwordFile = read('password_file', fileRefOf);
    parts.tokenEnv = read('token_env', envNameOf);
    parts.tokenFile = read('token_file', fileRefOf);
    const names: Record<keyof CredentialParts, string> = {
      user: 'user',
      passwordEnv: 'password_env',
      passwordFile: 'password_file',
      tokenEnv: 'token_env',
      tokenFile: 'token_file',
    };
    return credentialsOf(
      parts,
      this.at(pair.value, key),
      'user',
      (field) => {
        const target = field === 'block' ? undefined : f.get(names[field]);
        return target
          ? this.reporter(target.pair.key, null, target.key)
          : this.reporter(pair.value, pair.key, key);
      },
      refused,
    );
  }

  /** A mapping's pairs; anything else is reported without repeating the value. */
  private pairsOrKind(pair: Pair, key: string, what: string): Pair[] | undefined {
    const node = this.v.deref(pair.value);
    if (isMap(node)) return node.items as Pair[];
    if (node === null || (isScalar(node) && node.value === null)) return [];
    this.reporter(pair.value, pair.key, key)(`expected ${what}, got ${kindOf(this.v.value(node))}`);
    return undefined;
  }

  /** The fields entries and defaults share: roles, policy, checks and note. */
  private common(
    f: Map<string, { pair: Pair; key: string }>,
    into: { roles?: PolicyRole[]; policy?: string; checks?: InventoryChecks; note?: string },
  ): void {
    const roles = f.get('roles');
    if (roles) {
      const items = this.items(roles.pair, roles.key, `a list of roles (${POLICY_ROLES.join(', ')})`);
      const r = items && rolesOf(items);
      if (r) into.roles = r;
    }
    const policy = f.get('policy');
    if (policy) {
      const it = this.item(policy.pair, policy.key);
      const p = policyOf(it.value, this.dir, it.report);
      if (p !== undefined) into.policy = p;
    }
    const checks = f.get('checks');
    if (checks) {
      const c = readChecks(this.v, checks.pair.value as Node | null, checks.pair.key as Node, checks.key);
      if (c.size > 0) into.checks = c;
    }
    const note = f.get('note');
    if (note) {
      const it = this.item(note.pair, note.key);
      const n = noteOf(it.value, it.report);
      if (n !== undefined) into.note = n;
    }
  }

  private ports(f: Map<string, { pair: Pair; key: string }>): { ports?: number[]; portsReport?: Report } {
    const field = f.get('ports');
    if (!field) return {};
    const report = this.reporter(field.pair.value, field.pair.key, field.key);
    const items = this.items(field.pair, field.key, 'a list of port numbers');
    const ports = items && portsOf(items, report);
    return { ...(ports ? { ports } : {}), portsReport: report };
  }

  defaults(pair: Pair): Defaults {
    const out: Defaults = {};
    const pairs = this.v.pairs(
      pair.value as Node | null,
      'defaults',
      `a mapping with the keys ${DEFAULTS_KEYS.join(', ')}`,
      pair.key as Node,
    );
    if (pairs === undefined) return out;
    const f = this.fields(pairs, 'defaults', DEFAULTS_KEYS);
    this.common(f, out);
    const { ports } = this.ports(f);
    if (ports) out.ports = ports;
    const cred = f.get('credentials');
    if (cred) {
      const c = this.credentials(cred.pair, cred.key);
      if (c) out.credentials = c;
    }
    return out;
  }

  /** A list of entries under `hosts` or `domains`. */
  list(pair: Pair, key: 'hosts' | 'domains'): { drafts: Draft[]; count: number; invalid: boolean } {
    const node = this.v.deref(pair.value);
    if (node === null || (isScalar(node) && node.value === null))
      return { drafts: [], count: 0, invalid: false };
    if (!isSeq(node)) {
      const what = key === 'hosts' ? 'a list of hosts' : 'a list of domains';
      this.reporter(pair.value, pair.key, key)(`expected ${what}, got ${shown(this.v.value(node))}`);
      return { drafts: [], count: 0, invalid: true };
    }
    const drafts: Draft[] = [];
    node.items.forEach((item, i) => {
      const d = key === 'hosts' ? this.host(item, `hosts[${i}]`) : this.domain(item, `domains[${i}]`);
      if (d) drafts.push(d);
    });
    return { drafts, count: node.items.length, invalid: false };
  }

  /** Why a list item is not an entry; a one-element flow list is likely an unquoted [IPv6]. */
  private notAnEntry(item: unknown, key: string, expected: string): void {
    const node = this.v.deref(item);
    const value = this.v.value(node);
    // The one item as text, from its scalar: String() of an arbitrary value can throw (a mapping
    // with a `toString` key).
    const only = isSeq(node) && node.items.length === 1 ? this.v.deref(node.items[0]) : null;
    const text = isScalar(only) ? String(only.value) : undefined;
    const ipv6 = text?.includes(':') ? `; quote an IPv6 address in brackets: "[${text}]"` : '';
    this.reporter(item, null, key)(`expected ${expected}, got ${shown(value)}${ipv6}`);
  }

  private host(item: unknown, key: string): HostDraft | undefined {
    const node = this.v.deref(item);
    const { line } = this.at(item, key);
    const expected = 'a host name or a mapping with host, ports, roles, ...';
    if (isScalar(node) && node.value !== null && typeof node.value !== 'object') {
      const report = this.reporter(item, null, key);
      const spec = hostOf(node.value, report);
      return spec && { kind: 'host', spec, line, report };
    }
    if (!isMap(node)) {
      this.notAnEntry(item, key, expected);
      return undefined;
    }
    const f = this.fields(node.items as Pair[], key, HOST_KEYS, (name) =>
      name === 'name'
        ? '; did you mean "host"?'
        : name === 'domain' || name === 'dkim_selectors' || name === 'dns_only'
          ? '; domains are listed under domains'
          : name.includes('.') || name.includes(':')
            ? `; to give a host options, write "- host: ${name}" with the options under it`
            : undefined,
    );
    const hostField = f.get('host');
    if (!hostField) {
      this.reporter(item, null, key)('a host entry needs host: NAME (or HOST:PORT)');
    }
    const it = hostField && this.item(hostField.pair, hostField.key);
    const spec = it && hostOf(it.value, it.report);
    const draft: Omit<HostDraft, 'spec'> = {
      kind: 'host',
      line,
      report: hostField ? this.reporter(hostField.pair.value, hostField.pair.key, hostField.key) : () => {},
      ...this.ports(f),
    };
    this.common(f, draft);
    const cred = f.get('credentials');
    if (cred) {
      const c = this.credentials(cred.pair, cred.key);
      if (c) draft.credentials = c;
    }
    return spec && { ...draft, spec };
  }

  private domain(item: unknown, key: string): DomainDraft | undefined {
    const node = this.v.deref(item);
    const { line } = this.at(item, key);
    if (isScalar(node) && node.value !== null && typeof node.value !== 'object') {
      const report = this.reporter(item, null, key);
      const name = domainOf(node.value, report);
      return name && { kind: 'domain', name, line, report };
    }
    if (!isMap(node)) {
      this.notAnEntry(item, key, 'a domain name or a mapping with domain, dkim_selectors, ...');
      return undefined;
    }
    const f = this.fields(node.items as Pair[], key, DOMAIN_KEYS, (name) =>
      name === 'name'
        ? '; did you mean "domain"?'
        : name === 'host' || name === 'ports' || name === 'credentials'
          ? '; hosts (with ports and credentials) are listed under hosts'
          : name.includes('.')
            ? `; to give a domain options, write "- domain: ${name}" with the options under it`
            : undefined,
    );
    const domainField = f.get('domain');
    if (!domainField) this.reporter(item, null, key)('a domain entry needs domain: NAME');
    const it = domainField && this.item(domainField.pair, domainField.key);
    const name = it && domainOf(it.value, it.report);
    const draft: Omit<DomainDraft, 'name'> = {
      kind: 'domain',
      line,
      report: domainField
        ? this.reporter(domainField.pair.value, domainField.pair.key, domainField.key)
        : () => {},
    };
    this.common(f, draft);
    const sel = f.get('dkim_selectors');
    if (sel) {
      const items = this.items(sel.pair, sel.key, 'a list of DKIM selectors');
      const s = items && selectorsOf(items);
      if (s) draft.dkimSelectors = s;
    }
    const dnsOnly = f.get('dns_only');
    if (dnsOnly) {
      const d = this.item(dnsOnly.pair, dnsOnly.key);
      const b = boolOf(d.value, d.report);
      if (b !== undefined) draft.dnsOnly = b;
    }
    return name && { ...draft, name };
  }

  parse(): InventoryParseResult {
    const v = this.v;
    if (v.syntaxIssues()) return { ok: false, issues: sorted(v.issues) };
    const rootPairs = v.topLevelPairs('inventory', INVENTORY_KEYS);
    if (rootPairs === undefined) return { ok: false, issues: v.issues };
    const f = this.fields(rootPairs, '', INVENTORY_KEYS, (name) =>
      name === 'host' || name === 'domain' ? `; did you mean "${name}s"?` : undefined,
    );
    const defaultsField = f.get('defaults');
    const defaults = defaultsField ? this.defaults(defaultsField.pair) : {};
    const drafts: Draft[] = [];
    let count = 0;
    let invalid = rootPairs.length > f.size; // an unknown key may be the misspelt list
    for (const key of ['hosts', 'domains'] as const) {
      const field = f.get(key);
      if (!field) continue;
      const r = this.list(field.pair, key);
      drafts.push(...r.drafts);
      count += r.count;
      invalid ||= r.invalid;
    }
    if (count === 0 && !invalid) {
      v.issue(
        v.doc.contents as Node | null,
        null,
        '(top level)',
        `${EMPTY_INVENTORY}; add entries under hosts or domains`,
      );
    }
    const entries = finish(drafts, defaults);
    if (v.issues.length > 0) return { ok: false, issues: sorted(v.issues) };
    return { ok: true, inventory: { file: this.file, dir: this.dir, entries } };
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

/** The format of an inventory file by its name: `.csv` is CSV, anything else YAML. */
export function inventoryFormatOf(file: string): InventoryFormat {
  return /\.csv$/i.test(file) ? 'csv' : 'yaml';
}

/**
 * Parses and validates an inventory's text. `file` is used in messages, and its directory is
 * where relative policy files are looked for (they must exist; they are not loaded). Never
 * throws for bad input: every problem comes back as an issue, in file order.
 */
export function parseInventory(text: string, file: string, format: InventoryFormat): InventoryParseResult {
  const dir = path.dirname(path.resolve(file));
  return format === 'csv' ? csvInventory(text, file, dir) : new YamlInventory(text, file, dir).parse();
}

/**
 * Reads and validates an inventory file (CSV for a `.csv` name, else YAML). With `env`, every
 * credential reference is also checked now (variable set, file readable), so a nightly run
 * reports all of them before it starts scanning. Throws InventoryError.
 */
export function loadInventory(file: string, env?: InventoryEnv): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : (e.code ?? e.message);
    throw new InventoryError([], `inventory file ${file}: cannot read it (${why})`);
  }
  const r = parseInventory(text, file, inventoryFormatOf(file));
  if (!r.ok) throw new InventoryError(r.issues);
  if (env !== undefined) {
    const issues = checkCredentialRefs(r.inventory, env);
    if (issues.length > 0) throw new InventoryError(issues);
  }
  return r.inventory;
}

/** The first line of a secret file, or why it cannot be used. */
function firstLine(abs: string): { value: string } | { problem: string } {
  try {
    const line = readFileSync(abs, 'utf8').split(/\r?\n/)[0] ?? '';
    return line === '' ? { problem: `the first line of ${abs} is empty` } : { value: line };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EISDIR'
          ? 'is a directory'
          : e.code === 'EACCES'
            ? 'permission denied'
            : (e.code ?? 'unreadable');
    return { problem: `cannot read ${abs} (${why})` };
  }
}

/** A password or token from its reference; problems are added to `issues`, never the secret. */
function secretOf(
  ref: CredentialRef,
  what: 'password' | 'token',
  env: InventoryEnv,
  baseDir: string,
  issues: InventoryIssue[],
): string | undefined {
  const envName = what === 'password' ? ref.passwordEnv : ref.tokenEnv;
  const fileName = what === 'password' ? ref.passwordFile : ref.tokenFile;
  const problem = (key: string, message: string): undefined => {
    issues.push({ ...ref.at, key: ref.at.key === '' ? key : `${ref.at.key}.${key}`, message });
    return undefined;
  };
  if (envName !== undefined) {
    const value = Object.hasOwn(env, envName) ? env[envName] : undefined;
    if (value === undefined || value === '')
      return problem(
        `${what}_env`,
        `environment variable ${envName} (the ${what} of ${ref.user}) is not set or is empty`,
      );
    return value;
  }
  if (fileName !== undefined) {
    const r = firstLine(path.resolve(baseDir, fileName));
    if ('problem' in r) return problem(`${what}_file`, `${what} file of ${ref.user}: ${r.problem}`);
    return r.value;
  }
  return undefined;
}

/**
 * The credentials a reference stands for: the password and/or token from the environment
 * variable or the first line of the file (relative to `baseDir`, the inventory's directory).
 * Throws InventoryError naming the inventory file and line when a variable is unset or empty or
 * a file cannot be read. The secret never appears in the error.
 */
export function resolveCredentials(ref: CredentialRef, env: InventoryEnv, baseDir: string): Credentials {
  const issues: InventoryIssue[] = [];
  const password = secretOf(ref, 'password', env, baseDir, issues);
  const token = secretOf(ref, 'token', env, baseDir, issues);
  if (issues.length > 0) throw new InventoryError(issues);
  return {
    user: ref.user,
    ...(password !== undefined ? { password } : {}),
    ...(token !== undefined ? { oauthToken: token } : {}),
  };
}

/**
 * Every credential reference of an inventory that cannot be resolved now, once per place it was
 * written (hosts sharing the defaults' credentials are reported once).
 */
export function checkCredentialRefs(inventory: Inventory, env: InventoryEnv): InventoryIssue[] {
  const seen = new Set<string>();
  const out: InventoryIssue[] = [];
  for (const e of inventory.entries) {
    if (e.kind !== 'host' || !e.credentials) continue;
    const issues: InventoryIssue[] = [];
    secretOf(e.credentials, 'password', env, inventory.dir, issues);
    secretOf(e.credentials, 'token', env, inventory.dir, issues);
    for (const i of issues) {
      const text = formatIssue(i);
      if (seen.has(text)) continue;
      seen.add(text);
      out.push(i);
    }
  }
  return sorted(out);
}
