/**
 * `mailcheck history list|show|diff|prune`: read the run history an audit wrote with `--history
 * FILE`. The options and help are defined here; what the subcommands do is in history-action.ts,
 * loaded when one runs.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LIST_LIMIT, RUN_REF_HELP } from '../history/refs.js';
import type { Io } from './io.js';
import { throughIo } from './options.js';

/** The environment variable that names the history file when `--history` is not given. */
export const HISTORY_ENV = 'MAILCHECK_HISTORY';

export interface CommonOptions {
  history?: string;
  format: 'table' | 'json';
  color?: boolean;
}

export type DiffOptions = CommonOptions & { expiringWithin?: number };
export type PruneOptions = CommonOptions & { keep: number; vacuum: boolean };

function parseCount(what: string, min: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < min) {
      throw new InvalidArgumentError(`${what} must be a whole number of at least ${min}, not "${v}"`);
    }
    return Number(v);
  };
}

function withCommonOptions(cmd: Command, io: Io): Command {
  return cmd
    .addOption(
      new Option(
        '--history <file>',
        `the history database an audit wrote (default: $${HISTORY_ENV})`,
      ).default(io.env[HISTORY_ENV] || undefined),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--no-color', 'never colour the output (also NO_COLOR)');
}

function listCommand(io: Io, setExit: (code: number) => void): Command {
  return withCommonOptions(
    new Command('list').description('list the stored runs, newest first, with what changed in each'),
    io,
  )
    .option('--limit <n>', 'how many runs to list', parseCount('--limit', 1), DEFAULT_LIST_LIMIT)
    .action(async (o: CommonOptions & { limit: number }) => {
      const { listAction } = await import('./history-action.js');
      setExit(listAction(o, io));
    });
}

function showCommand(io: Io, setExit: (code: number) => void): Command {
  return withCommonOptions(
    new Command('show')
      .description(
        'show one run: its settings, per-target counts and every failing, erroring or warning check',
      )
      .argument('[run]', RUN_REF_HELP, 'latest'),
    io,
  ).action(async (ref: string, o: CommonOptions) => {
    const { showAction } = await import('./history-action.js');
    setExit(showAction(ref, o, io));
  });
}

function diffCommand(io: Io, setExit: (code: number) => void): Command {
  return withCommonOptions(
    new Command('diff')
      .description(
        'what changed between two runs: new failures, fixed checks, targets unreachable or reachable again, ' +
          'targets added or removed, certificates expiring; with one run, against its previous complete run',
      )
      .argument(
        '[earlier]',
        `the earlier run: ${RUN_REF_HELP}; given alone, the run to compare with its previous complete run (default: latest)`,
      )
      .argument('[later]', 'the later run')
      .option(
        '--expiring-within <days>',
        'list certificates with at most this many days left (default: those the policy warns about)',
        parseCount('--expiring-within', 0),
      ),
    io,
  ).action(async (a: string | undefined, b: string | undefined, o: DiffOptions) => {
    const { diffAction } = await import('./history-action.js');
    setExit(diffAction(a, b, o, io));
  });
}

function pruneCommand(io: Io, setExit: (code: number) => void): Command {
  return withCommonOptions(
    new Command('prune').description(
      'delete old runs, keeping the newest N complete ones (and whatever is newer than them)',
    ),
    io,
  )
    .requiredOption('--keep <n>', 'complete runs to keep', parseCount('--keep', 1))
    .option('--no-vacuum', 'do not rebuild the file afterwards (it then keeps its size until reused)')
    .action(async (o: PruneOptions) => {
      const { pruneAction } = await import('./history-action.js');
      setExit(pruneAction(o, io));
    });
}

/** `mailcheck history`: the commander command with its four subcommands. */
export function historyCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('history').description(
    'list the runs an audit recorded with --history, show one, compare two, or prune old ones',
  );
  for (const sub of [
    listCommand(io, setExit),
    showCommand(io, setExit),
    diffCommand(io, setExit),
    pruneCommand(io, setExit),
  ])
    cmd.addCommand(throughIo(sub, io));
  cmd.addHelpText(
    'after',
    `
Runs are named by id (as history list shows them), "latest", or "latest~N" (N runs before the
latest, whatever their status). A run marked "incomplete (killed)" was stopped before it finished
(its finished targets are kept); it and interrupted runs are never used as the baseline of a diff.

Exit codes: 0 shown, 2 usage error (no history file, not a history, unknown run).

Examples:
  mailcheck audit campus.yaml --history /var/lib/mailcheck/history.db --fail-on new
  mailcheck history list --history /var/lib/mailcheck/history.db
  mailcheck history show latest --history /var/lib/mailcheck/history.db
  mailcheck history diff latest~1 latest --history /var/lib/mailcheck/history.db
  MAILCHECK_HISTORY=history.db mailcheck history diff --format json
  mailcheck history prune --keep 90 --history /var/lib/mailcheck/history.db   # e.g. weekly from cron`,
  );
  return cmd;
}
