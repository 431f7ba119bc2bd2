/**
 * What a policy may set for a check's parameters. The shape comes from the check's own
 * `defaultParams` (a parameter is a number, string, boolean or list because its default is);
 * the table below adds what a default cannot say — the allowed values of an enum, a pattern, a
 * description for editors. The loader and schema/policy.schema.json both read from here.
 */
import type { AnyCheck } from '../checks/types.js';
import type { Severity } from '../model/results.js';
import { didYouMean } from './suggest.js';

export const SEVERITIES: readonly Severity[] = ['fail', 'warn', 'info', 'off'];

export type ParamKind = 'number' | 'integer' | 'string' | 'boolean' | 'string[]' | 'number[]' | 'object';

export interface ParamSpec {
  kind: ParamKind;
  /** Allowed values (of the string, or of each list element). */
  enum?: readonly string[];
  /** A regular expression each string (or list element) must match. */
  pattern?: string;
  /** What the pattern means, for messages. */
  patternName?: string;
  /** Smallest allowed number. */
  minimum?: number;
  /** Fewest list elements. */
  minItems?: number;
  description?: string;
}

type ParamRule = Omit<ParamSpec, 'kind'>;

/** A DNS name of at least two labels (RFC 1035 §2.3.1 letters, digits, hyphens; 253 octets). */
const DNS_NAME =
  '^(?=.{1,253}\\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\\.?$';

/** Hand-written rules per `checkId.param`; anything not listed is judged by its default's type. */
const PARAM_RULES: Readonly<Record<string, ParamRule>> = {
  // RFC 8996 deprecates TLS 1.0 and 1.1; SSLv3 cannot be a minimum worth stating (RFC 7568).
  'tls.protocols.minVersion': {
    enum: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
    description: 'the oldest TLS version the server may accept',
  },
  // The port profiles mailcheck knows: 25 (smtp), 587 (submission), 465 (smtps).
  'tls.required.profiles': {
    enum: ['smtp', 'submission', 'smtps'],
    description: 'port profiles on which cleartext MAIL FROM must be refused',
  },
  'tls.cert_expiry.warnDays': { description: 'warn when the certificate expires within this many days' },
  'tls.cert_key.minRsaBits': { minimum: 1, description: 'smallest acceptable RSA key, in bits' },
  'tls.cert_key.minEcBits': { minimum: 1, description: 'smallest acceptable EC key, in bits' },
  'tls.dane.required': { description: 'fail (instead of info) when no TLSA records are published' },
  // RFC 7489 §6.3 p= values.
  'dmarc.policy.allowed': {
    enum: ['none', 'quarantine', 'reject'],
    minItems: 1,
    description: 'DMARC p= (and sp=) values that pass',
  },
  'smtp.mta.versionDisclosure': {
    enum: ['info', 'warn'],
    description: 'what a version number in the banner counts as',
  },
  'smtp.greeting_delay.warnMs': { description: 'warn when the 220 greeting takes longer (milliseconds)' },
  'spf.all.softfail': { enum: ['warn', 'fail'], description: 'what a final ~all counts as' },
  // RFC 7208 §4.6.4 sets 10; a stricter site may want headroom.
  'spf.lookups.max': { description: 'most DNS-querying SPF terms allowed' },
  'spf.void_lookups.max': { description: 'most SPF lookups answering NXDOMAIN or no data allowed' },
  'dkim.key.minRsaBits': { minimum: 1, description: 'RSA keys shorter than this fail or warn' },
  'dkim.key.weakRsaBits': { minimum: 1, description: 'RSA keys at or below this size fail' },
  // RFC 4422 §3.1: mechanism names are upper-case letters, digits, hyphens and underscores.
  'auth.mechanisms.forbidden': {
    pattern: '^[A-Z0-9_-]{1,20}$',
    patternName: 'an upper-case SASL mechanism name',
    description: 'SASL mechanisms that must not be offered',
  },
  'mta_sts.policy.minMaxAge': { description: 'warn when the policy max_age is shorter (seconds)' },
  'dnsbl.listed.zones': {
    pattern: DNS_NAME,
    patternName: 'a DNS zone name',
    description: 'DNS blocklist zones to query (e.g. zen.spamhaus.org)',
  },
  // Relay probes address recipients here; a reserved example domain unless the site names its own.
  'relay.open.relayDomain': {
    pattern: DNS_NAME,
    patternName: 'a domain name',
    description: 'external domain the relay probes address recipients in',
  },
};

function kindOf(value: unknown): ParamKind {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return value.length > 0 && typeof value[0] === 'number' ? 'number[]' : 'string[]';
  return 'object';
}

/** The parameters a check accepts, by name, in the order of its defaults. */
export function paramSpecs(check: AnyCheck): Record<string, ParamSpec> {
  const out: Record<string, ParamSpec> = {};
  for (const [name, value] of Object.entries(check.defaultParams as Record<string, unknown>)) {
    const kind = kindOf(value);
    const rule = PARAM_RULES[`${check.id}.${name}`] ?? {};
    const numeric = kind === 'number' || kind === 'integer' || kind === 'number[]';
    out[name] = { kind, ...(numeric ? { minimum: 0 } : {}), ...rule };
  }
  return out;
}

/** "a whole number >= 0", "one of TLSv1, TLSv1.2", "a list of strings" — for messages and docs. */
export function describeSpec(spec: ParamSpec): string {
  const min = spec.minimum === undefined ? '' : ` >= ${spec.minimum}`;
  const oneOf = spec.enum ? `one of ${spec.enum.join(', ')}` : undefined;
  switch (spec.kind) {
    case 'integer':
      return `a whole number${min}`;
    case 'number':
      return `a number${min}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      return oneOf ?? spec.patternName ?? 'a string';
    case 'string[]':
      return `a list of ${spec.enum ? `values (${oneOf})` : spec.patternName ? `${spec.patternName.replace(/^an? /, '')}s` : 'strings'}`;
    case 'number[]':
      return `a list of numbers${min}`;
    case 'object':
      return 'a mapping';
  }
}

/**
 * Why a scalar value does not fit the spec (for a string, number or boolean spec, or one element
 * of a list spec), or undefined when it does.
 */
export function scalarProblem(spec: ParamSpec, value: unknown): string | undefined {
  const elementKind = spec.kind === 'string[]' ? 'string' : spec.kind === 'number[]' ? 'number' : spec.kind;
  if (elementKind === 'number' || elementKind === 'integer') {
    if (typeof value !== 'number' || !Number.isFinite(value))
      return `expected ${describeSpec(spec)}, got ${shown(value)}`;
    if (elementKind === 'integer' && !Number.isInteger(value))
      return `expected ${describeSpec(spec)}, got ${shown(value)}`;
    if (spec.minimum !== undefined && value < spec.minimum)
      return `expected ${describeSpec(spec)}, got ${shown(value)}`;
    return undefined;
  }
  if (elementKind === 'boolean') {
    return typeof value === 'boolean' ? undefined : `expected true or false, got ${shown(value)}`;
  }
  if (elementKind === 'string') {
    if (typeof value !== 'string') {
      const want = spec.enum ? `one of ${spec.enum.join(', ')}` : 'a string';
      return `expected ${want}, got ${shown(value)}`;
    }
    if (spec.enum && !spec.enum.includes(value))
      return `"${value}" is not one of ${spec.enum.join(', ')}${didYouMean(value, spec.enum)}`;
    if (spec.pattern && !new RegExp(spec.pattern).test(value))
      return `"${value}" is not ${spec.patternName ?? `matching ${spec.pattern}`}`;
    return undefined;
  }
  return undefined;
}

/** "the string "x"", "the number 3", "a list", "nothing" — how a value is named in messages. */
export function shown(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `the string "${value}"`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}
