/**
 * The commander program. `run` parses argv, runs one command and returns the exit code; it never
 * calls process.exit (bin/mailcheck.ts does). Usage and configuration errors exit 2.
 *
 * Start-up: the command files imported here define options and help text only; each command
 * loads what it does (its *-action.ts, and with it the scanner, the renderers, the history...)
 * when it runs, so `--version`, `--help` and every command load only what they need.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { auditCommand } from './audit.js';
import { demoCommand } from './demo.js';
import { historyCommand } from './history.js';
import { labCommand } from './lab.js';
import { domainCommand } from './domain.js';
import { explainCommand } from './explain.js';
import { hostCommand } from './host.js';
import { policyCommand } from './policy.js';
import { ProbeRulesNeeded, loadProbeRules } from './probe-parsers.js';
import { readinessCommand } from './readiness.js';
import { UsageError, type Io } from './io.js';
import { throughIo } from './options.js';

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = throughIo(
    new Command('mailcheck')
      .description('SMTP relay diagnostics and compliance scanner for campus mail administrators')
      .version(VERSION, '-V, --version')
      .showSuggestionAfterError(),
    io,
  );
  for (const cmd of [
    hostCommand(io, setExit),
    domainCommand(io, setExit),
    auditCommand(io, setExit),
    historyCommand(io, setExit),
    readinessCommand(io, setExit),
    demoCommand(io, setExit),
    labCommand(io, setExit),
    policyCommand(io, setExit),
    explainCommand(io, setExit),
  ])
    program.addCommand(throughIo(cmd, io));
  return program;
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    return await parseAndRun(argv, io);
  } catch (err) {
    if (!(err instanceof ProbeRulesNeeded)) throw err;
  }
  // A value (--resolver, --from, --to) needs a rule from the probe modules: load them and parse
  // again. The first parse stopped before anything was printed or done (see probe-parsers.ts).
  await loadProbeRules();
  return parseAndRun(argv, io);
}

async function parseAndRun(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0. Commander has already printed its own
      // parse errors ("error: ..."); errors our parsers throw from inside an action it has not.
      if (err.exitCode === 0) return 0;
      if (err.code === 'commander.invalidArgument' && !err.message.startsWith('error:')) {
        io.stderr.write(`mailcheck: ${err.message}\n`);
      }
      return 2;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`mailcheck: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
