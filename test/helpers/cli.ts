/** Runs the CLI in-process with captured output, as bin/mailcheck.ts would. */
import { run } from '../../src/cli/program.js';
import { isDomainFacts, type Report } from '../../src/model/results.js';
import type { HostFacts } from '../../src/model/artifacts.js';
import { schemaErrors } from './schema.js';
import { testResolver } from '../setup/lab-dns.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  // Scans use the test file's lab DNS server unless the test chose a resolver itself.
  if (
    (args[0] === 'host' || args[0] === 'domain') &&
    !args.includes('--resolver') &&
    !args.includes('--help')
  ) {
    args = [...args, '--resolver', testResolver()];
  }
  let stdout = '';
  let stderr = '';
  const start = Date.now();
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: { NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
  });
  return { code, stdout, stderr, ms: Date.now() - start };
}

/**
 * Runs a scan with --format json and parses the report. Every report a test sees is first
 * validated against the shipped JSON Schema, so real scans (lab, hostile servers, Postfix) keep
 * the schema honest, not only the hand-made sample.
 */
export async function scanJson(args: string[], env: Record<string, string | undefined> = {}) {
  const r = await runCli([...args, '--format', 'json'], env);
  if (!r.stdout.startsWith('{')) throw new Error(`no JSON report (exit ${r.code}): ${r.stderr}${r.stdout}`);
  const report = JSON.parse(r.stdout) as unknown;
  const errors = schemaErrors(report);
  if (errors.length > 0)
    throw new Error(`report does not match schema/report.schema.json:\n${errors.join('\n')}`);
  return { ...r, report: report as Report };
}

/** The status of one check on the first target (one endpoint scans only). */
export function statusOf(report: Report, id: string, target = 0): string | undefined {
  return report.targets[target]?.checks.find((c) => c.id === id)?.status;
}

/** The host facts of a target of a `host` scan (throws for a domain target). */
export function hostFactsOf(report: Report, target = 0): HostFacts {
  const f = report.targets[target]?.facts;
  if (!f || isDomainFacts(f)) throw new Error(`target ${target} is not a host target`);
  return f;
}
