/**
 * What `mailcheck history list|show|diff|prune` do (their options are defined in history.ts).
 * Reading never creates the file; a missing file, a file that is not a history and an unknown run
 * are usage errors (exit 2). Loaded only when one of them runs.
 */
import { HistoryError, HistoryStore, runState, type RunRow } from '../history/store.js';
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
import { HISTORY_ENV, type CommonOptions, type DiffOptions, type PruneOptions } from './history.js';
import { UsageError, useColor, type Io } from './io.js';

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

/** `history list`; returns the exit code. */
export function listAction(o: CommonOptions & { limit: number }, io: Io): number {
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
  return 0;
}

/** `history show [RUN]`; returns the exit code. */
export function showAction(ref: string, o: CommonOptions, io: Io): number {
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
  return 0;
}

/** `history diff [EARLIER] [LATER]`; returns the exit code. */
export function diffAction(a: string | undefined, b: string | undefined, o: DiffOptions, io: Io): number {
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
  return 0;
}

/** `history prune --keep N`; returns the exit code. */
export function pruneAction(o: PruneOptions, io: Io): number {
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
  return 0;
}
