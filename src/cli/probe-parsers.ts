/**
 * Parsers for option values whose rules live in probe modules: a DNS server (`--resolver`, the
 * resolver, which brings dns2) and a mail address (`--from`, `--to`, the DATA phase, which brings
 * the SMTP session). `--help`, `--version` and most runs never need those modules, so they are
 * loaded only when such a value is given.
 *
 * Commander calls parsers synchronously. A parser that finds the rules not loaded yet throws
 * {@link ProbeRulesNeeded}; run() then loads them ({@link loadProbeRules}) and parses again from
 * a new program. Nothing has been written or done at that point: commander parses option values
 * before it prints help, reports unknown options or missing arguments, or runs an action.
 */
import { InvalidArgumentError } from 'commander';
import type { ResolverServer } from '../probe/dns/resolver.js';

interface ProbeRules {
  parseResolver(spec: string): ResolverServer;
  validateAddress(input: string): string;
}

let rules: ProbeRules | undefined;

/** Thrown by a parser of this module before {@link loadProbeRules}; run() loads them and parses again. */
export class ProbeRulesNeeded extends Error {
  override name = 'ProbeRulesNeeded';
}

/** Loads the probe modules the parsers below need. */
export async function loadProbeRules(): Promise<void> {
  const [resolver, data] = await Promise.all([
    import('../probe/dns/resolver.js'),
    import('../probe/smtp/data.js'),
  ]);
  rules = { parseResolver: resolver.parseResolver, validateAddress: data.validateAddress };
}

/** A commander parser applying a probe rule; the rule's error becomes an invalid-argument error. */
function ruleParser<T>(apply: (r: ProbeRules, value: string) => T): (value: string) => T {
  return (value) => {
    if (!rules) throw new ProbeRulesNeeded('option parsers need the probe rules loaded');
    try {
      return apply(rules, value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** A DNS server: IP, IP:PORT or [IPv6]:PORT. */
export const parseResolverArg = ruleParser((r, v) => r.parseResolver(v));

/** A mail address for --from/--to; CR, LF and other controls are refused, not stripped. */
export const parseAddressArg = ruleParser((r, v) => r.validateAddress(v));
