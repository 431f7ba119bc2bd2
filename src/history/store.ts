/**
 * Run history: every audit run with its targets and check results (evidence and data included,
 * facts left out: they are large and the report already carries them), in an embedded SQLite
 * database, so a nightly audit can say what changed since the night before.
 *
 * Durability model. The audit writes a `running` run row first, then ONE transaction per finished
 * target (the target row, all its results and the run's running counts together), then marks the
 * run `complete` or `interrupted`. A process killed at any point (SIGKILL, OOM, power cut) loses at
 * most the target being written: SQLite rolls back the unfinished transaction when the database is
 * next opened, earlier runs are untouched, and the killed run stays `running` with no finish time,
 * which {@link runState} reports as "incomplete (killed)". An incomplete or interrupted run is
 * never used as the baseline of a diff.
 *
 * Journal: WAL with `synchronous = NORMAL`. In WAL mode NORMAL never corrupts the database and
 * never loses a commit when only the process dies (the commit is in the WAL file as soon as the
 * transaction ends); only an operating-system crash or power cut can roll back the last few
 * commits, which for this data means a run shows as incomplete. FULL would add an fsync per target
 * — thousands per nightly audit — for no gain that matters here. WAL needs shared memory, so the
 * file should be on a local file system (not NFS).
 *
 * Secrets never get here: results are redacted before they are judged, facts (transcripts) are
 * not stored, and the run options are stored exactly as the report publishes them.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunChanges } from '../model/changes.js';
import type {
  CheckResult,
  Remediation,
  Severity,
  Status,
  StatusCounts,
  TargetReport,
  TargetState,
} from '../model/results.js';
import type { RunFooter, RunHeader } from '../report/sink.js';
import { computeChanges, type ChangeOptions } from './diff.js';
import { DEFAULT_LIST_LIMIT, RUN_REF_HELP } from './refs.js';

/** Marks the file as a mailcheck history (`PRAGMA application_id`): ASCII "mlck". */
export const APPLICATION_ID = 0x6d6c636b;

/** The schema this version writes (`PRAGMA user_version`); {@link MIGRATIONS} reach it. */
export const SCHEMA_VERSION = 1;

/** How long a writer waits for another process holding the write lock before giving up. */
export const BUSY_TIMEOUT_MS = 5000;

/** A problem with the history file or a request to it. */
export class HistoryError extends Error {
  override name = 'HistoryError';
  constructor(
    message: string,
    /** `missing`: no such file; `not-history`, `newer`: refused file; `unknown-run`; `state`: misuse; `io`. */
    readonly code: 'missing' | 'not-history' | 'newer' | 'unknown-run' | 'state' | 'io',
  ) {
    super(message);
  }
}

export type RunStatus = 'running' | 'complete' | 'interrupted';

/** One stored run, as `history list` and `show` present it. */
export interface RunRow {
  id: number;
  status: RunStatus;
  startedAt: string;
  /** When the run was marked complete or interrupted; absent while running or after a kill. */
  finishedAt?: string;
  durationMs?: number;
  tool: { name: 'mailcheck'; version: string };
  /** The report schema version of the run (Report.schemaVersion). */
  schemaVersion: string;
  policy: { name: string; source: 'built-in' | 'file' };
  /** The report's published options, as given. */
  options: Record<string, unknown>;
  inventory?: string;
  plannedTargets: number;
  /** Targets stored so far (all of them once complete). */
  targetCount: number;
  /** Check status counts over the stored targets. */
  summary: StatusCounts;
  /** The writing process, to tell a run still in progress from one that was killed. */
  pid?: number;
  hostname?: string;
}

/** One stored target of a run, without its results. */
export interface TargetRow {
  kind: 'host' | 'domain';
  input: string;
  /** Order in which the run recorded it (finishing order), from 1. */
  seq: number;
  name: string;
  displayName: string;
  roles: string[];
  state: TargetState;
  error?: { code: string; message: string };
  startedAt: string;
  durationMs: number;
  summary: StatusCounts;
}

/** Whether a run finished, was interrupted, is still being written, or was killed. */
export interface RunState {
  state: 'complete' | 'interrupted' | 'running' | 'incomplete';
  /** "complete", "interrupted", "running (pid 4242)", "incomplete (killed)". */
  label: string;
}

// --- schema ---------------------------------------------------------------------------------------

const COUNT_COLUMNS =
  'pass INTEGER NOT NULL DEFAULT 0, fail INTEGER NOT NULL DEFAULT 0, warn INTEGER NOT NULL DEFAULT 0, info INTEGER NOT NULL DEFAULT 0, skip INTEGER NOT NULL DEFAULT 0, error INTEGER NOT NULL DEFAULT 0';

/**
 * Version 1. Targets are keyed by (kind, input), what the inventory named, so runs can be matched;
 * results by (check id, endpoint, n), where n numbers repeats of the same check on the same
 * endpoint within one target (a domain whose two MX names share an address). Targets are small
 * rows and always read by key, so they are WITHOUT ROWID; results carry evidence that can run to
 * kilobytes, which SQLite advises against in a WITHOUT ROWID table, so they keep a rowid and
 * a unique index serves the diff's lookups. A target's `fingerprint` digests its results' keys and
 * statuses, so a diff compares result by result only the targets whose fingerprint changed: a
 * nightly diff of a large fleet where little changed reads little more than the targets table.
 */
const SCHEMA_V1 = `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),
  tool_version TEXT NOT NULL,
  report_schema TEXT NOT NULL,
  policy_name TEXT NOT NULL,
  policy_source TEXT NOT NULL,
  options_json TEXT NOT NULL,
  inventory TEXT,
  planned_targets INTEGER NOT NULL,
  target_count INTEGER NOT NULL DEFAULT 0,
  ${COUNT_COLUMNS},
  duration_ms INTEGER,
  pid INTEGER,
  hostname TEXT
);
CREATE INDEX runs_by_status ON runs (status, id);
CREATE TABLE targets (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('host', 'domain')),
  input TEXT NOT NULL,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  roles_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('scanned', 'partial', 'unreachable')),
  error_code TEXT,
  error_message TEXT,
  started_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  ${COUNT_COLUMNS},
  fingerprint TEXT NOT NULL,
  PRIMARY KEY (run_id, kind, input)
) WITHOUT ROWID;
CREATE TABLE results (
  run_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  input TEXT NOT NULL,
  check_id TEXT NOT NULL,
  endpoint TEXT NOT NULL DEFAULT '',
  n INTEGER NOT NULL DEFAULT 0,
  pos INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'warn', 'info', 'skip', 'error')),
  severity TEXT NOT NULL,
  message_id TEXT NOT NULL,
  message TEXT NOT NULL,
  evidence_json TEXT NOT NULL,
  remediation_json TEXT,
  data_json TEXT,
  UNIQUE (run_id, kind, input, check_id, endpoint, n),
  FOREIGN KEY (run_id, kind, input) REFERENCES targets (run_id, kind, input) ON DELETE CASCADE
);
CREATE INDEX results_cert_expiry ON results (run_id) WHERE check_id = 'tls.cert_expiry';
`;

type Db = Database.Database;

/**
 * `MIGRATIONS[v]` takes a database from schema version v to v + 1, inside one transaction that also
 * sets `user_version`. Append, never edit: a history written by an older mailcheck is upgraded step
 * by step when it is opened.
 */
export const MIGRATIONS: ReadonlyArray<(db: Db) => void> = [
  (db) => {
    db.exec(SCHEMA_V1);
    db.pragma(`application_id = ${APPLICATION_ID}`);
  },
];

// --- rows -----------------------------------------------------------------------------------------

interface Counts {
  pass: number;
  fail: number;
  warn: number;
  info: number;
  skip: number;
  error: number;
}

interface RunDbRow extends Counts {
  id: number;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  tool_version: string;
  report_schema: string;
  policy_name: string;
  policy_source: string;
  options_json: string;
  inventory: string | null;
  planned_targets: number;
  target_count: number;
  duration_ms: number | null;
  pid: number | null;
  hostname: string | null;
}

interface TargetDbRow extends Counts {
  kind: 'host' | 'domain';
  input: string;
  seq: number;
  name: string;
  display_name: string;
  roles_json: string;
  state: TargetState;
  error_code: string | null;
  error_message: string | null;
  started_at: string;
  duration_ms: number;
}

interface ResultDbRow {
  check_id: string;
  endpoint: string;
  status: Status;
  severity: Severity;
  message_id: string;
  message: string;
  evidence_json: string;
  remediation_json: string | null;
  data_json: string | null;
}

function countsOf(r: Counts): StatusCounts {
  return { pass: r.pass, fail: r.fail, warn: r.warn, info: r.info, skip: r.skip, error: r.error };
}

function runOf(r: RunDbRow): RunRow {
  return {
    id: r.id,
    status: r.status,
    startedAt: r.started_at,
    ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
    ...(r.duration_ms !== null ? { durationMs: r.duration_ms } : {}),
    tool: { name: 'mailcheck', version: r.tool_version },
    schemaVersion: r.report_schema,
    policy: { name: r.policy_name, source: r.policy_source === 'file' ? 'file' : 'built-in' },
    options: JSON.parse(r.options_json) as Record<string, unknown>,
    ...(r.inventory !== null ? { inventory: r.inventory } : {}),
    plannedTargets: r.planned_targets,
    targetCount: r.target_count,
    summary: countsOf(r),
    ...(r.pid !== null ? { pid: r.pid } : {}),
    ...(r.hostname !== null ? { hostname: r.hostname } : {}),
  };
}

function targetOf(r: TargetDbRow): TargetRow {
  return {
    kind: r.kind,
    input: r.input,
    seq: r.seq,
    name: r.name,
    displayName: r.display_name,
    roles: JSON.parse(r.roles_json) as string[],
    state: r.state,
    ...(r.error_code !== null ? { error: { code: r.error_code, message: r.error_message ?? '' } } : {}),
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    summary: countsOf(r),
  };
}

function resultOf(r: ResultDbRow): CheckResult {
  return {
    id: r.check_id,
    status: r.status,
    severity: r.severity,
    ...(r.endpoint !== '' ? { endpoint: r.endpoint } : {}),
    messageId: r.message_id,
    message: r.message,
    evidence: JSON.parse(r.evidence_json) as string[],
    ...(r.remediation_json !== null ? { remediation: JSON.parse(r.remediation_json) as Remediation } : {}),
    ...(r.data_json !== null ? { data: JSON.parse(r.data_json) as Record<string, unknown> } : {}),
  };
}

/** A result with the key the diff matches it by: (check id, endpoint, n). */
interface KeyedResult {
  r: CheckResult;
  endpoint: string;
  /** Repeats of the same check on the same endpoint within the target, numbered from 0. */
  n: number;
}

function keyedResults(checks: readonly CheckResult[]): KeyedResult[] {
  const seen = new Map<string, number>();
  return checks.map((r) => {
    const endpoint = r.endpoint ?? '';
    const key = `${r.id}\u0000${endpoint}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return { r, endpoint, n };
  });
}

/** Digest of what the diff compares: every result's key, status and severity, in order. */
function fingerprint(rows: readonly KeyedResult[]): string {
  const digest = createHash('sha256');
  for (const { r, endpoint, n } of rows) {
    digest.update(`${r.id}\u0000${endpoint}\u0000${n}\u0000${r.status}\u0000${r.severity}\n`);
  }
  return digest.digest('base64');
}

/** Whether a process with this id exists on this machine (EPERM: it exists, owned by someone else). */
function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a run finished, and for one without a finish time, whether its writer still runs: a
 * `running` row whose process is alive on this host is in progress; otherwise it was killed. A run
 * written on another host cannot be checked, which the label says. (A recycled pid can make a
 * killed run look alive until that process ends.)
 */
export function runState(run: RunRow, host: string = osHostname()): RunState {
  if (run.status !== 'running') return { state: run.status, label: run.status };
  if (run.pid !== undefined && run.hostname !== undefined && run.hostname !== host) {
    return { state: 'incomplete', label: `incomplete (pid ${run.pid} on ${run.hostname})` };
  }
  if (run.pid !== undefined && pidAlive(run.pid)) {
    return { state: 'running', label: `running (pid ${run.pid})` };
  }
  return { state: 'incomplete', label: 'incomplete (killed)' };
}

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

// --- the store ------------------------------------------------------------------------------------

export interface OpenOptions {
  /** Create the file when it does not exist (default true; `history` commands pass false). */
  create?: boolean;
  /** The clock for finish times (tests). */
  now?: () => Date;
}

/** The history database of one file. Not safe to share between threads; one per process. */
export class HistoryStore {
  private readonly statements = new Map<string, Database.Statement<unknown[], unknown>>();
  private readonly recordTx: (runId: number, t: TargetReport) => void;

  private constructor(
    private readonly db: Db,
    /** The file as given, for messages. */
    readonly file: string,
    private readonly now: () => Date,
  ) {
    this.recordTx = db.transaction((runId: number, t: TargetReport) => this.writeTarget(runId, t)).immediate;
  }

  /**
   * Opens (or creates) the history at `file`. The parent directory must exist. Refuses, with a
   * {@link HistoryError}, a file that is not a mailcheck history (a text file, another program's
   * SQLite database) and one written by a newer mailcheck; upgrades one written by an older one.
   */
  static open(file: string, opts: OpenOptions = {}): HistoryStore {
    const create = opts.create ?? true;
    if (!existsSync(file)) {
      if (!create) throw new HistoryError(`no history at ${file}`, 'missing');
      const dir = path.dirname(path.resolve(file));
      if (!existsSync(dir)) {
        throw new HistoryError(`history ${file}: directory ${dir} does not exist`, 'io');
      }
    } else if (statSync(file).isDirectory()) {
      throw new HistoryError(`history ${file}: is a directory, not a history file`, 'io');
    }
    let db: Db;
    try {
      db = new Database(file, { fileMustExist: !create, timeout: BUSY_TIMEOUT_MS });
    } catch (err) {
      throw new HistoryError(`history ${file}: cannot open it (${(err as Error).message})`, 'io');
    }
    try {
      // Connection settings first: they change nothing in the file.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('foreign_keys = ON');
      HistoryStore.identify(db, file);
      // WAL is a property of the file: set only once we know the file is ours.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      HistoryStore.migrate(db);
    } catch (err) {
      db.close();
      if (err instanceof HistoryError) throw err;
      if (sqliteCode(err) === 'SQLITE_NOTADB') {
        throw new HistoryError(
          `${file} is not a mailcheck history (not an SQLite database); give another --history file`,
          'not-history',
        );
      }
      throw new HistoryError(`history ${file}: ${(err as Error).message}`, 'io');
    }
    return new HistoryStore(db, file, opts.now ?? (() => new Date()));
  }

  /** Refuses files that are not ours, and histories from a newer schema. */
  private static identify(db: Db, file: string): void {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (appId !== APPLICATION_ID) {
      const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
      // An empty database (a new or zero-length file) becomes a history; anything else is not ours.
      if (appId !== 0 || version !== 0 || objects > 0) {
        throw new HistoryError(
          `${file} is an SQLite database but not a mailcheck history; give another --history file`,
          'not-history',
        );
      }
    }
    if (version > SCHEMA_VERSION) {
      throw new HistoryError(
        `${file} was written by a newer mailcheck (history schema ${version}; this version reads up to ${SCHEMA_VERSION}); upgrade mailcheck`,
        'newer',
      );
    }
  }

  private static migrate(db: Db): void {
    let version = db.pragma('user_version', { simple: true }) as number;
    while (version < SCHEMA_VERSION) {
      const step = MIGRATIONS[version];
      if (!step) throw new HistoryError(`no migration from history schema ${version}`, 'io');
      const from = version;
      db.transaction(() => {
        // Another process may have migrated while we waited for the lock.
        if ((db.pragma('user_version', { simple: true }) as number) !== from) return;
        step(db);
        db.pragma(`user_version = ${from + 1}`);
      }).immediate();
      version = db.pragma('user_version', { simple: true }) as number;
    }
  }

  /** A prepared statement, prepared once per store. */
  private stmt<R>(sql: string): Database.Statement<unknown[], R> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s as Database.Statement<unknown[], R>;
  }

  /** Records the start of a run (status `running`) and returns its id. */
  beginRun(header: RunHeader, meta: { plannedTargets: number; inventory?: string }): number {
    const info = this.stmt(
      `INSERT INTO runs (started_at, status, tool_version, report_schema, policy_name, policy_source,
         options_json, inventory, planned_targets, pid, hostname)
       VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      header.startedAt,
      header.tool.version,
      header.schemaVersion,
      header.policy.name,
      header.policy.source,
      JSON.stringify(header.options),
      meta.inventory ?? null,
      meta.plannedTargets,
      process.pid,
      osHostname(),
    );
    return Number(info.lastInsertRowid);
  }

  /**
   * Stores one finished target and all its results in one transaction: after a crash a target is
   * either entirely there or not at all. Recording the same target (kind, input) twice in a run
   * replaces the first record.
   */
  recordTarget(runId: number, t: TargetReport): void {
    this.recordTx(runId, t);
  }

  private writeTarget(runId: number, t: TargetReport): void {
    const run = this.stmt<{ status: RunStatus; target_count: number }>(
      'SELECT status, target_count FROM runs WHERE id = ?',
    ).get(runId);
    if (!run) throw new HistoryError(`run ${runId} does not exist in ${this.file}`, 'unknown-run');
    if (run.status !== 'running') {
      throw new HistoryError(`run ${runId} is ${run.status}; targets can no longer be recorded`, 'state');
    }
    const old = this.stmt<Counts & { seq: number }>(
      'SELECT seq, pass, fail, warn, info, skip, error FROM targets WHERE run_id = ? AND kind = ? AND input = ?',
    ).get(runId, t.kind, t.input);
    if (old) {
      this.stmt('DELETE FROM results WHERE run_id = ? AND kind = ? AND input = ?').run(
        runId,
        t.kind,
        t.input,
      );
      this.stmt('DELETE FROM targets WHERE run_id = ? AND kind = ? AND input = ?').run(
        runId,
        t.kind,
        t.input,
      );
    }
    const rows = keyedResults(t.checks);
    const s = t.summary;
    this.stmt(
      `INSERT INTO targets (run_id, kind, input, seq, name, display_name, roles_json, state, error_code,
         error_message, started_at, duration_ms, pass, fail, warn, info, skip, error, fingerprint)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      runId,
      t.kind,
      t.input,
      old ? old.seq : run.target_count + 1,
      t.name,
      t.displayName,
      JSON.stringify(t.roles),
      t.state,
      t.error?.code ?? null,
      t.error?.message ?? null,
      t.startedAt,
      Math.round(t.durationMs),
      s.pass,
      s.fail,
      s.warn,
      s.info,
      s.skip,
      s.error,
      fingerprint(rows),
    );
    const insert = this.stmt(
      `INSERT INTO results (run_id, kind, input, check_id, endpoint, n, pos, status, severity, message_id,
         message, evidence_json, remediation_json, data_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    rows.forEach(({ r, endpoint, n }, pos) => {
      insert.run(
        runId,
        t.kind,
        t.input,
        r.id,
        endpoint,
        n,
        pos,
        r.status,
        r.severity,
        r.messageId,
        r.message,
        JSON.stringify(r.evidence ?? []),
        r.remediation ? JSON.stringify(r.remediation) : null,
        r.data !== undefined ? JSON.stringify(r.data) : null,
      );
    });
    const d = old ?? { pass: 0, fail: 0, warn: 0, info: 0, skip: 0, error: 0 };
    this.stmt(
      `UPDATE runs SET target_count = target_count + ?, pass = pass + ?, fail = fail + ?, warn = warn + ?,
         info = info + ?, skip = skip + ?, error = error + ? WHERE id = ?`,
    ).run(
      old ? 0 : 1,
      s.pass - d.pass,
      s.fail - d.fail,
      s.warn - d.warn,
      s.info - d.info,
      s.skip - d.skip,
      s.error - d.error,
      runId,
    );
  }

  /**
   * Marks a run `complete`, or `interrupted` when the footer says so. The counts stay those of the
   * stored targets; the footer's duration and planned count are kept.
   */
  finishRun(runId: number, footer: RunFooter): void {
    const info = this.stmt(
      `UPDATE runs SET status = ?, finished_at = ?, duration_ms = ?, planned_targets = ?
       WHERE id = ? AND status = 'running'`,
    ).run(
      footer.interrupted ? 'interrupted' : 'complete',
      this.now().toISOString(),
      Math.round(footer.durationMs),
      footer.plannedCount,
      runId,
    );
    if (info.changes !== 1) {
      const run = this.findRun(runId);
      if (!run) throw new HistoryError(`run ${runId} does not exist in ${this.file}`, 'unknown-run');
      throw new HistoryError(`run ${runId} is already ${run.status}`, 'state');
    }
  }

  /** The run with this id, if any. */
  findRun(id: number): RunRow | undefined {
    const r = this.stmt<RunDbRow>('SELECT * FROM runs WHERE id = ?').get(id);
    return r ? runOf(r) : undefined;
  }

  /**
   * The latest `complete` run before `beforeRunId`: the baseline of a diff. Interrupted runs, and
   * runs left `running` by a killed (or still running) process, are skipped.
   */
  previousComplete(beforeRunId: number): RunRow | undefined {
    const r = this.stmt<RunDbRow>(
      `SELECT * FROM runs WHERE status = 'complete' AND id < ? ORDER BY id DESC LIMIT 1`,
    ).get(beforeRunId);
    return r ? runOf(r) : undefined;
  }

  /** The most recent runs first, whatever their status. */
  listRuns(limit: number = DEFAULT_LIST_LIMIT): RunRow[] {
    return this.stmt<RunDbRow>('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit).map(runOf);
  }

  /** Number of runs stored. */
  runCount(): number {
    return this.stmt<{ n: number }>('SELECT count(*) AS n FROM runs').get()?.n ?? 0;
  }

  /**
   * A run by reference: its id, `latest` (the most recent run, whatever its status) or `latest~N`
   * (N runs before it). Throws {@link HistoryError} `unknown-run` when there is no such run.
   */
  getRun(ref: string | number): RunRow {
    const text = String(ref).trim();
    let row: RunDbRow | undefined;
    const offset = /^latest(?:~(\d+))?$/i.exec(text);
    if (/^\d+$/.test(text)) {
      row = this.stmt<RunDbRow>('SELECT * FROM runs WHERE id = ?').get(Number(text));
    } else if (offset) {
      row = this.stmt<RunDbRow>('SELECT * FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?').get(
        Number(offset[1] ?? 0),
      );
    } else {
      throw new HistoryError(`"${text}" is not a run reference: use ${RUN_REF_HELP}`, 'unknown-run');
    }
    if (!row) {
      const count = this.runCount();
      throw new HistoryError(
        count === 0
          ? `no run ${text} in ${this.file}: the history has no runs yet`
          : `no run ${text} in ${this.file} (mailcheck history list shows the ${count === 1 ? 'one run' : `${count} runs`})`,
        'unknown-run',
      );
    }
    return runOf(row);
  }

  /** The targets of a run in the order they were recorded. */
  targets(runId: number): TargetRow[] {
    return this.stmt<TargetDbRow>('SELECT * FROM targets WHERE run_id = ? ORDER BY seq')
      .all(runId)
      .map(targetOf);
  }

  /** The results of one target of a run, in report order. */
  results(runId: number, kind: 'host' | 'domain', input: string): CheckResult[] {
    return this.stmt<ResultDbRow>(
      `SELECT check_id, endpoint, status, severity, message_id, message, evidence_json, remediation_json,
         data_json FROM results WHERE run_id = ? AND kind = ? AND input = ? ORDER BY pos`,
    )
      .all(runId, kind, input)
      .map(resultOf);
  }

  /** What changed from run `previousId` to run `currentId` (see diff.ts for the rules). */
  changes(previousId: number, currentId: number, opts: ChangeOptions = {}): RunChanges {
    const previous = this.getRun(previousId);
    const current = this.getRun(currentId);
    return computeChanges((sql) => this.stmt(sql), previous, current, opts);
  }

  /** What changed since the run's baseline ({@link previousComplete}); undefined when it has none. */
  changesSincePrevious(currentId: number, opts: ChangeOptions = {}): RunChanges | undefined {
    const previous = this.previousComplete(currentId);
    return previous ? this.changes(previous.id, currentId, opts) : undefined;
  }

  /**
   * Deletes every run but the newest `keep` complete ones, and every interrupted or killed run
   * older than the oldest kept (they are never a baseline). Runs still being written are left
   * alone. One transaction; returns the ids deleted (newest first). The file shrinks only after
   * `vacuum()`.
   */
  prune(keep: number): number[] {
    const kept = this.stmt<{ id: number }>(
      `SELECT id FROM runs WHERE status = 'complete' ORDER BY id DESC LIMIT ?`,
    ).all(keep);
    if (kept.length < keep) return [];
    const oldest = kept.at(-1)!.id;
    const doomed = this.stmt<RunDbRow>('SELECT * FROM runs WHERE id < ? ORDER BY id DESC')
      .all(oldest)
      .map(runOf)
      .filter((r) => runState(r).state !== 'running')
      .map((r) => r.id);
    const del = this.stmt<never>('DELETE FROM runs WHERE id = ?');
    this.db.transaction(() => {
      for (const id of doomed) del.run(id);
    })();
    return doomed;
  }

  /** Rebuilds the file without the space deleted runs left (after {@link prune}). */
  vacuum(): void {
    this.db.exec('VACUUM');
  }

  /** `PRAGMA integrity_check` lines: ["ok"] for a sound file. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}
