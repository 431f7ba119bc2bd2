/**
 * What YAML and CSV inventories share: the checks of each value (host, port, role, policy,
 * credential reference, ...) and the assembly of entries (defaults applied, duplicates found).
 * A value check takes what was written and where to report a problem with it, and returns the
 * value, or undefined after reporting why not.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseDomainName, parseHostSpec, type HostSpec } from '../cli/options.js';
import { BUILTIN_POLICIES, POLICY_ROLES, type PolicyRole } from '../policy/builtin.js';
import type { EntryOverride } from '../policy/entries.js';
import { shown } from '../policy/params.js';
import { didYouMean } from '../policy/suggest.js';
import type {
  CredentialRef,
  InventoryChecks,
  InventoryDomain,
  InventoryEntry,
  InventoryHost,
  InventoryIssue,
  SourcePosition,
} from './types.js';

/** The scanner's ports when an entry names none (src/cli/host.ts), for spotting overlaps. */
const SCANNER_DEFAULT_PORTS = [25, 587, 465] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// A DKIM selector is one or more DNS labels (RFC 6376 §3.1); underscores occur in practice.
const SELECTOR = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const PASSWORD_ADVICE =
  'inline secrets are not allowed in an inventory (it is read by cron jobs and committed to git): use password_env: VARIABLE or password_file: PATH';
const TOKEN_ADVICE =
  'inline secrets are not allowed in an inventory (it is read by cron jobs and committed to git): use token_env: VARIABLE or token_file: PATH';

/** The refusal for a key that would hold a secret, or undefined for an ordinary key. */
export function inlineSecretMessage(key: string): string | undefined {
  const k = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-\s]/g, '_');
  if (/(?:^|_)(?:token|bearer|access_token|oauth_token)$/.test(k)) return TOKEN_ADVICE;
  if (/(?:^|_)(?:password|passwd|pass|pwd|passphrase|secret|api_?key|secret_?key|private_?key)$/.test(k))
    return PASSWORD_ADVICE;
  return undefined;
}

/** How a value is described without repeating it (for values that may be a misplaced secret). */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return 'a string';
  return shown(value);
}

/** Reports a problem with the value it was made for. */
export type Report = (message: string) => void;

/** One element of a list value, with where to report a problem with it. */
export interface Item {
  value: unknown;
  report: Report;
}

function textOf(value: unknown, report: Report, what: string): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  report(`expected ${what}, got ${shown(value)}`);
  return undefined;
}

export function hostOf(value: unknown, report: Report): HostSpec | undefined {
  const s = textOf(value, report, 'a host name (HOST, HOST:PORT, an IP address or [IPv6]:PORT)');
  if (s === undefined) return undefined;
  try {
    return parseHostSpec(s);
  } catch (err) {
    report((err as Error).message);
    return undefined;
  }
}

export function domainOf(
  value: unknown,
  report: Report,
): { input: string; domain: string; displayName: string } | undefined {
  const s = textOf(value, report, 'a domain name');
  if (s === undefined) return undefined;
  try {
    return { input: s, ...parseDomainName(s) };
  } catch (err) {
    // A valid host spec that is not a domain has a port or is an address literal.
    let hostSpec = false;
    try {
      parseHostSpec(s);
      hostSpec = true;
    } catch {
      hostSpec = false;
    }
    const message = (err as Error).message;
    report(
      hostSpec
        ? `${message} (a domain has no port and is not an address; list mail hosts under hosts)`
        : message,
    );
    return undefined;
  }
}

function portOf(value: unknown, report: Report): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value >= 1 && value <= 65535) return value;
    report(`port ${value} is out of range (1-65535)`);
    return undefined;
  }
  const list = typeof value === 'string' && /^\d+(?:[\s,;]+\d+)+$/.test(value.trim());
  report(`expected a port number (1-65535), got ${shown(value)}${list ? '; write a list: [25, 587]' : ''}`);
  return undefined;
}

function roleOf(value: unknown, report: Report): PolicyRole | undefined {
  const list = POLICY_ROLES.join(', ');
  if (typeof value === 'string' && (POLICY_ROLES as readonly string[]).includes(value))
    return value as PolicyRole;
  report(
    typeof value === 'string'
      ? `unknown role "${value}" (roles: ${list})${didYouMean(value, POLICY_ROLES)}`
      : `expected a role (${list}), got ${shown(value)}`,
  );
  return undefined;
}

export function portsOf(items: Item[], report: Report): number[] | undefined {
  if (items.length === 0) {
    report('expected at least one port (leave ports out for the defaults 25, 587 and 465)');
    return undefined;
  }
  const out: number[] = [];
  let ok = true;
  for (const it of items) {
    const p = portOf(it.value, it.report);
    if (p === undefined) ok = false;
    else if (out.includes(p)) {
      it.report(`port ${p} is listed twice`);
      ok = false;
    } else out.push(p);
  }
  return ok ? out : undefined;
}

export function rolesOf(items: Item[]): PolicyRole[] | undefined {
  const out: PolicyRole[] = [];
  let ok = true;
  for (const it of items) {
    const r = roleOf(it.value, it.report);
    if (r === undefined) ok = false;
    else if (!out.includes(r)) out.push(r);
  }
  return ok ? out : undefined;
}

export function selectorsOf(items: Item[]): string[] | undefined {
  const out: string[] = [];
  let ok = true;
  for (const it of items) {
    const s = typeof it.value === 'number' ? String(it.value) : it.value;
    if (typeof s === 'string' && SELECTOR.test(s)) {
      if (!out.includes(s)) out.push(s);
    } else {
      it.report(`expected a DKIM selector (letters, digits, -, _ and dots), got ${shown(it.value)}`);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

export function policyOf(value: unknown, dir: string, report: Report): string | undefined {
  const s = textOf(value, report, 'a built-in policy name or a policy file path');
  if (s === undefined) return undefined;
  if (Object.hasOwn(BUILTIN_POLICIES, s)) return s;
  const abs = path.resolve(dir, s);
  let kind: 'file' | 'directory' | undefined;
  try {
    const st = statSync(abs);
    kind = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : undefined;
  } catch {
    kind = undefined;
  }
  if (kind === 'file') return abs;
  const builtins = Object.keys(BUILTIN_POLICIES);
  if (/\.ya?ml$/i.test(s) || s.includes('/') || s.includes(path.sep) || kind === 'directory') {
    report(
      kind === 'directory'
        ? `policy file "${s}" is a directory (${abs})`
        : `policy file "${s}" not found (looked for ${abs}; a relative path is taken from the inventory file's directory)`,
    );
  } else {
    report(
      `unknown policy "${s}" (built-in: ${builtins.join(', ')}; a policy file is a path ending in .yaml or .yml)${didYouMean(s, builtins)}`,
    );
  }
  return undefined;
}

export function noteOf(value: unknown, report: Report): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  report(`expected a note (text), got ${shown(value)}`);
  return undefined;
}

export function boolOf(value: unknown, report: Report): boolean | undefined {
  if (typeof value === 'boolean') return value;
  report(`expected true or false, got ${shown(value)}`);
  return undefined;
}

export function envNameOf(value: unknown, report: Report): string | undefined {
  if (typeof value === 'string' && ENV_NAME.test(value)) return value;
  // Never repeat the value: a secret pasted here must not reach a log.
  report(
    `expected the name of an environment variable (letters, digits and _, not starting with a digit), got ${typeof value === 'string' ? 'a string that is not one' : shown(value)}; write the variable's name here, never the secret itself`,
  );
  return undefined;
}

export function fileRefOf(value: unknown, report: Report): string | undefined {
  if (typeof value === 'string' && value.trim() !== '' && !CONTROL.test(value)) return value.trim();
  report(`expected a file path, got ${kindOf(value)}`);
  return undefined;
}

export function userOf(value: unknown, report: Report): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && value.trim() !== '' && !CONTROL.test(value)) return value.trim();
  report(
    typeof value === 'string' && value.trim() !== ''
      ? 'the user name must not contain control characters (CR, LF, tab, ...)'
      : `expected a user name, got ${kindOf(value)}`,
  );
  return undefined;
}

/** Credential fields as written; each is absent, a value, or `null` when written but invalid. */
export interface CredentialParts {
  user?: string | null;
  passwordEnv?: string | null;
  passwordFile?: string | null;
  tokenEnv?: string | null;
  tokenFile?: string | null;
}

/**
 * Checks how the credential fields combine: a user, at most one password source and one token
 * source, at least one of them. `reportAt(field)` reports at a field (or at the whole block).
 * `refused` says an inline secret was already refused here, which says all about the missing
 * reference.
 */
export function credentialsOf(
  parts: CredentialParts,
  at: SourcePosition,
  userKey: string,
  reportAt: (field: keyof CredentialParts | 'block') => Report,
  refused: boolean,
): CredentialRef | undefined {
  let ok = true;
  if (parts.user === undefined) {
    reportAt('block')(`credentials need a user (${userKey})`);
    ok = false;
  }
  const refs = [parts.passwordEnv, parts.passwordFile, parts.tokenEnv, parts.tokenFile];
  if (refs.every((r) => r === undefined)) {
    if (!refused)
      reportAt('block')(
        'credentials need a password or token by reference: password_env, password_file, token_env or token_file',
      );
    ok = false;
  }
  if (parts.passwordEnv !== undefined && parts.passwordFile !== undefined) {
    reportAt('passwordFile')('give either password_env or password_file, not both');
    ok = false;
  }
  if (parts.tokenEnv !== undefined && parts.tokenFile !== undefined) {
    reportAt('tokenFile')('give either token_env or token_file, not both');
    ok = false;
  }
  if (!ok || Object.values(parts).some((p) => p === null)) return undefined;
  return {
    user: parts.user!,
    ...(parts.passwordEnv ? { passwordEnv: parts.passwordEnv } : {}),
    ...(parts.passwordFile ? { passwordFile: parts.passwordFile } : {}),
    ...(parts.tokenEnv ? { tokenEnv: parts.tokenEnv } : {}),
    ...(parts.tokenFile ? { tokenFile: parts.tokenFile } : {}),
    at,
  };
}

export interface Defaults {
  policy?: string;
  roles?: PolicyRole[];
  ports?: number[];
  checks?: InventoryChecks;
  credentials?: CredentialRef;
}

export interface HostDraft {
  kind: 'host';
  spec: HostSpec;
  ports?: number[];
  /** Where `ports` was written, if it was: for the host:port-and-ports conflict. */
  portsReport?: Report;
  roles?: PolicyRole[];
  policy?: string;
  checks?: InventoryChecks;
  credentials?: CredentialRef;
  note?: string;
  line: number;
  /** Where to report the entry as a duplicate. */
  report: Report;
}

export interface DomainDraft {
  kind: 'domain';
  name: { input: string; domain: string; displayName: string };
  roles?: PolicyRole[];
  policy?: string;
  checks?: InventoryChecks;
  dkimSelectors?: string[];
  dnsOnly?: boolean;
  note?: string;
  line: number;
  report: Report;
}

export type Draft = HostDraft | DomainDraft;

/** Per-check overrides of the defaults, then of the entry: severity replaced, params merged. */
export function mergeChecks(base?: InventoryChecks, own?: InventoryChecks): InventoryChecks | undefined {
  const out = new Map<string, EntryOverride>(base ?? []);
  for (const [id, o] of own ?? []) {
    const b = out.get(id);
    const params = { ...b?.params, ...o.params };
    const severity = o.severity ?? b?.severity;
    out.set(id, {
      ...(severity !== undefined ? { severity } : {}),
      ...(Object.keys(params).length > 0 ? { params } : {}),
    });
  }
  return out.size > 0 ? out : undefined;
}

function portList(ports: readonly number[]): string {
  return ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.join(', ')}`;
}

/** Applies the defaults and finds duplicate entries; returns the entries in file order. */
export function finish(drafts: Draft[], defaults: Defaults): InventoryEntry[] {
  const entries: InventoryEntry[] = [];
  const hostsSeen = new Map<string, { ports: readonly number[]; line: number }[]>();
  const domainsSeen = new Map<string, number>();
  for (const d of drafts) {
    if (d.kind === 'host') {
      if (d.spec.port !== undefined && d.portsReport !== undefined) {
        (d.portsReport ?? d.report)(
          `"${d.spec.input}" already names port ${d.spec.port}; give the port in the host or in ports, not both`,
        );
      }
      const ports = d.spec.port !== undefined ? [d.spec.port] : (d.ports ?? defaults.ports);
      const policy = d.policy ?? defaults.policy;
      const checks = mergeChecks(defaults.checks, d.checks);
      const credentials = d.credentials ?? defaults.credentials;
      const host: InventoryHost = {
        kind: 'host',
        input: d.spec.input,
        host: d.spec.host,
        displayName: d.spec.displayName,
        ...(ports ? { ports: [...ports] } : {}),
        roles: [...(d.roles ?? defaults.roles ?? [])],
        ...(policy !== undefined ? { policy } : {}),
        ...(checks ? { checks } : {}),
        ...(credentials ? { credentials: { ...credentials, at: { ...credentials.at } } } : {}),
        ...(d.note !== undefined ? { note: d.note } : {}),
        line: d.line,
      };
      // Ports that were written but are invalid are reported already; no guessing at overlaps.
      if (d.portsReport !== undefined && d.ports === undefined) {
        entries.push(host);
        continue;
      }
      const effective = ports ?? SCANNER_DEFAULT_PORTS;
      const seen = hostsSeen.get(host.host) ?? [];
      for (const s of seen) {
        const shared = effective.filter((p) => s.ports.includes(p));
        if (shared.length === 0) continue;
        const same = shared.length === effective.length && shared.length === s.ports.length;
        d.report(
          same
            ? `duplicate entry: ${host.displayName} (${portList(effective)}) is already listed at line ${s.line}`
            : `${host.displayName} ${portList(shared)} already listed at line ${s.line}; list each host and port once`,
        );
        break;
      }
      seen.push({ ports: effective, line: d.line });
      hostsSeen.set(host.host, seen);
      entries.push(host);
    } else {
      const policy = d.policy ?? defaults.policy;
      const checks = mergeChecks(defaults.checks, d.checks);
      const domain: InventoryDomain = {
        kind: 'domain',
        input: d.name.input,
        domain: d.name.domain,
        displayName: d.name.displayName,
        roles: [...(d.roles ?? ['mx'])],
        ...(policy !== undefined ? { policy } : {}),
        ...(checks ? { checks } : {}),
        dkimSelectors: d.dkimSelectors ?? [],
        dnsOnly: d.dnsOnly ?? false,
        ...(d.note !== undefined ? { note: d.note } : {}),
        line: d.line,
      };
      const first = domainsSeen.get(domain.domain);
      if (first !== undefined)
        d.report(`duplicate entry: domain ${domain.displayName} is already listed at line ${first}`);
      else domainsSeen.set(domain.domain, d.line);
      entries.push(domain);
    }
  }
  return entries;
}

export const EMPTY_INVENTORY = 'the inventory lists no hosts and no domains';

/** Issues in file order (stable: issues at one position keep the order they were found in). */
export function sorted(issues: InventoryIssue[]): InventoryIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}
