/** Runs the CLI in-process with captured output, as bin/mailcheck.ts would. */
import { run } from '../../src/cli/program.js';
import type { Report } from '../../src/model/results.js';

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

/** Runs a scan with --format json and parses the report. */
export async function scanJson(args: string[], env: Record<string, string | undefined> = {}) {
  const r = await runCli([...args, '--format', 'json'], env);
  if (!r.stdout.startsWith('{')) throw new Error(`no JSON report (exit ${r.code}): ${r.stderr}${r.stdout}`);
  return { ...r, report: JSON.parse(r.stdout) as Report };
}

/** The status of one check on the first target (one endpoint scans only). */
export function statusOf(report: Report, id: string, target = 0): string | undefined {
  return report.targets[target]?.checks.find((c) => c.id === id)?.status;
}
