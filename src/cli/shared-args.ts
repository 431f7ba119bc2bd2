/**
 * Argument parsers and small helpers shared by host, domain and readiness: DKIM selectors, the
 * opt-in test message, and merging two scans of one run into one report (mail addresses:
 * probe-parsers.ts).
 */
import { InvalidArgumentError } from 'commander';
import { isDomainFacts, type Report } from '../model/results.js';
import { UsageError } from './io.js';

const SELECTOR = /^(?!-)[A-Za-z0-9_-]{1,63}(?:\.(?!-)[A-Za-z0-9_-]{1,63})*$/;

/** A DKIM selector: one or more DNS labels (RFC 6376 §3.1). */
export function parseSelector(v: string): string {
  if (!SELECTOR.test(v))
    throw new InvalidArgumentError(`DKIM selector "${v}" is not a valid DNS label sequence`);
  return v.toLowerCase();
}

/** --send-test is opt-in and needs both addresses; the addresses alone do nothing. */
export function sendTestOf(o: {
  sendTest?: boolean;
  from?: string;
  to?: string;
}): { from: string; to: string } | undefined {
  if (!o.sendTest) {
    if (o.from || o.to) throw new UsageError('--from and --to are only used with --send-test');
    return undefined;
  }
  if (!o.from || !o.to) throw new UsageError('--send-test needs both --from and --to');
  return { from: o.from, to: o.to };
}

/** Every address the host targets of a report resolved to. */
export function hostAddresses(report: Report): string[] {
  return [
    ...new Set(
      report.targets.flatMap((t) => (isDomainFacts(t.facts) ? [] : t.facts.addresses.map((a) => a.address))),
    ),
  ];
}

/** One report from two scans of the same run: targets in order, counts added up. */
export function mergeReports(a: Report, b: Report): Report {
  const summary = { ...a.summary };
  for (const k of Object.keys(summary) as (keyof typeof summary)[]) summary[k] += b.summary[k];
  return { ...a, targets: [...a.targets, ...b.targets], summary, durationMs: a.durationMs + b.durationMs };
}
