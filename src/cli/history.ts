/**
 * `mailcheck history list|show|diff`: read the run history an audit wrote with `--history FILE`.
 * Reading never creates the file; a missing file, a file that is not a history and an unknown run
 * are usage errors (exit 2).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_LIST_LIMIT,
  HistoryError,
  HistoryStore,
  RUN_REF_HELP,
  runState,
  type RunRow,
} from '../history/store.js';
import {
  RunShowJson,
  diffJson,
  renderDiff,
  renderRunHeader,
  renderRunList,
  renderTargetProblems,
  renderTargetTable,
  runListJson,
  type RunListEntry,
} from '../history/render.js';
import { UsageError, useColor, type Io } from './io.js';

/** The environment variable that names the history file when `--history` is not given. */
export const HISTORY_ENV = 'MAILCHECK_HISTORY';

interface CommonOptions {
  history?: string;
  format: 'table' | 'json';
  color?: boolean;
}

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

/** Opens the history for reading, turning every problem into a usage error. */
function openHistory(o: CommonOptions): HistoryStore {
  if (!o.history) {
    throw new UsageError(`--history FILE is required (or set ${HISTORY_ENV})`);
  }
  try {
    return HistoryStore.open(o.history, { create: false });
  } catch (err) {
    if (err instanceof HistoryError && err.code === 'missing') {
      throw new UsageError(
        `no history at ${o.history} — run \`mailcheck audit INVENTORY --history ${o.history}\` first`,
      );
    }
    throw asUsage(err);
  }
}

function asUsage(err: unknown): unknown {
  return err instanceof HistoryError ? new UsageError(err.message) : err;
}

/** Runs `body` with the store open, closing it whatever happens. */
function withStore<T>(o: CommonOptions, body: (store: HistoryStore) => T): T {
  const store = openHistory(o);
  try {
    return body(store);
  } catch (err) {
    throw asUsage(err);
  } finally {
    store.close();
  }
}

function listCommand(io: Io, setExit: (code: number) => void): Command {
  return withCommonOptions(
    new Command('list').description('list the stored runs, newest first, with what changed in each'),
    io,
  )
    .option('--limit <n>', 'how many runs to list', parseCount('--limit', 1), DEFAULT_LIST_LIMIT)
    .action((o: CommonOptions & { limit: number }) => {
      withStore(o, (store) => {
        const entries: RunListEntry[] = store.listRuns(o.limit).map((run) => {
          const changes = store.changesSincePrevious(run.id);
          return { run, state: runState(run), ...(changes ? { changes } : {}) };
        });
        const color = useColor(io, o.color, false);
        io.stdout.write(
          o.format === 'json' ? runListJson(entries) : renderRunList(entries, store.file, { color }),
        );
      });
      setExit(0);
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
  ).action((ref: string, o: CommonOptions) => {
    withStore(o, (store) => {
      const run = store.getRun(ref);
      const state = runState(run);
      const targets = store.targets(run.id);
      const write = (s: string) => void io.stdout.write(s);
      if (o.format === 'json') {
        const json = new RunShowJson(write);
        json.begin(run, state);
        for (const t of targets) json.target(t, store.results(run.id, t.kind, t.input));
        json.end();
        return;
      }
      const opts = { color: useColor(io, o.color, false) };
      write(`${renderRunHeader(run, state, opts).join('\n')}\n`);
      if (targets.length === 0) {
        write('\nno targets recorded\n');
        return;
      }
      write(`\n${renderTargetTable(targets, opts).join('\n')}\n`);
      for (const t of targets) {
        const lines = renderTargetProblems(t, store.results(run.id, t.kind, t.input), opts);
        if (lines.length > 0) write(`\n${lines.join('\n')}\n`);
      }
    });
    setExit(0);
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
  ).action((a: string | undefined, b: string | undefined, o: CommonOptions & { expiringWithin?: number }) => {
    withStore(o, (store) => {
      const opts = o.expiringWithin !== undefined ? { expiryWarnDays: o.expiringWithin } : {};
      let previous: RunRow;
      let current: RunRow;
      if (b === undefined) {
        current = store.getRun(a ?? 'latest');
        const base = store.previousComplete(current.id);
        if (!base) {
          throw new UsageError(
            `run ${current.id} has no complete run before it to compare with; name two runs: mailcheck history diff A B`,
          );
        }
        previous = base;
      } else {
        previous = store.getRun(a ?? 'latest');
        current = store.getRun(b);
      }
      const changes = store.changes(previous.id, current.id, opts);
      const color = useColor(io, o.color, false);
      io.stdout.write(o.format === 'json' ? diffJson(changes) : renderDiff(changes, { color }));
    });
    setExit(0);
  });
}

/** `mailcheck history`: the commander command with its three subcommands. */
function pruneCommand(io: Io, setExit: (code: number) => void): Command {
  return withCommonOptions(
    new Command('prune').description(
      'delete old runs, keeping the newest N complete ones (and whatever is newer than them)',
    ),
    io,
  )
    .requiredOption('--keep <n>', 'complete runs to keep', parseCount('--keep', 1))
    .option('--no-vacuum', 'do not rebuild the file afterwards (it then keeps its size until reused)')
    .action((o: CommonOptions & { keep: number; vacuum: boolean }) => {
      withStore(o, (store) => {
        const deleted = store.prune(o.keep);
        if (deleted.length > 0 && o.vacuum) store.vacuum();
        io.stdout.write(
          o.format === 'json'
            ? `${JSON.stringify({ deleted })}\n`
            : deleted.length === 0
              ? `nothing to prune: at most ${o.keep} complete runs are stored\n`
              : `deleted ${deleted.length} run${deleted.length === 1 ? '' : 's'} (${deleted.at(-1)}–${deleted[0]})\n`,
        );
      });
      setExit(0);
    });
}

export function historyCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('history').description(
    'list the runs an audit recorded with --history, show one, compare two, or prune old ones',
  );
  for (const sub of [
    listCommand(io, setExit),
    showCommand(io, setExit),
    diffCommand(io, setExit),
    pruneCommand(io, setExit),
  ]) {
    sub
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    cmd.addCommand(sub);
  }
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
