/**
 * What an inventory file (`mailcheck audit INVENTORY`) describes once it has been read and
 * validated: the hosts and domains to scan, each with its roles, policy, per-entry check
 * overrides and credential references. Secrets are never part of an inventory; a credential is a
 * reference (an environment variable or a file name) that is resolved at scan time.
 */
import type { PolicyRole } from '../policy/builtin.js';
import type { EntryOverride } from '../policy/entries.js';
import type { PolicyIssue } from '../policy/yaml-reader.js';

/** One problem in an inventory file: `file:line:column: key: message`, as for policy files. */
export type InventoryIssue = PolicyIssue;

/** Where something was written in an inventory, so later errors can point back at it. */
export interface SourcePosition {
  /** The inventory file as it was named. */
  file: string;
  line: number;
  column: number;
  /**
   * Dotted key prefix (YAML: `hosts[2].credentials`), to which a problem adds its own key
   * (`.password_env`). Empty for CSV, where problems are keyed by the column name alone.
   */
  key: string;
}

/**
 * Credentials by reference. The password (or XOAUTH2 token) comes from an environment variable or
 * the first line of a file, never from the inventory itself. At most one password source and one
 * token source; at least one of them.
 */
export interface CredentialRef {
  user: string;
  /** Environment variable holding the password. */
  passwordEnv?: string;
  /** File whose first line is the password; relative to the inventory's directory. */
  passwordFile?: string;
  /** Environment variable holding an OAuth 2.0 bearer token (XOAUTH2). */
  tokenEnv?: string;
  /** File whose first line is the token; relative to the inventory's directory. */
  tokenFile?: string;
  /** Where the credentials were written (the entry's, or the defaults' credentials). */
  at: SourcePosition;
}

/** A per-entry check override, with the syntax of a policy file's `checks:` entries. */
export type InventoryChecks = Map<string, EntryOverride>;

export interface InventoryHost {
  kind: 'host';
  /** The host as written (`smtp.bücher.example`, `mx1.example.edu:2525`, `[2001:db8::25]`). */
  input: string;
  /** Lower-case ASCII (punycode) name, or the IP literal. */
  host: string;
  /** Unicode form for display. */
  displayName: string;
  /** Ports to probe; absent means the scanner's defaults (25, 587 and 465). */
  ports?: number[];
  roles: PolicyRole[];
  /** A built-in policy name, or the absolute path of a policy file (not yet loaded). */
  policy?: string;
  checks?: InventoryChecks;
  credentials?: CredentialRef;
  note?: string;
  /** Line of the entry in the inventory file. */
  line: number;
}

export interface InventoryDomain {
  kind: 'domain';
  /** The domain as written. */
  input: string;
  /** Lower-case ASCII (punycode) domain. */
  domain: string;
  /** Unicode form for display. */
  displayName: string;
  /** Roles applied to the probes of the domain's MX hosts (default: mx). */
  roles: PolicyRole[];
  /** A built-in policy name, or the absolute path of a policy file (not yet loaded). */
  policy?: string;
  checks?: InventoryChecks;
  /** DKIM selectors to look up in addition to the common ones. */
  dkimSelectors: string[];
  /** Judge DNS only; do not probe the MX hosts. */
  dnsOnly: boolean;
  note?: string;
  /** Line of the entry in the inventory file. */
  line: number;
}

export type InventoryEntry = InventoryHost | InventoryDomain;

export interface Inventory {
  /** The inventory file as it was named. */
  file: string;
  /** Absolute directory of the file: relative policy and credential files are taken from here. */
  dir: string;
  /** Hosts and domains in file order. */
  entries: InventoryEntry[];
}

export type InventoryFormat = 'yaml' | 'csv';

export type InventoryParseResult =
  { ok: true; inventory: Inventory } | { ok: false; issues: InventoryIssue[] };
