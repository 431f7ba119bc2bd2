/**
 * What the `history` command's help needs of the store, in a module of its own: importing the
 * store loads better-sqlite3, which every command's start-up would otherwise pay for.
 */

/** Runs listed by `history list` unless `--limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 20;

/** Accepted spellings of a run reference, for help texts and errors. */
export const RUN_REF_HELP = 'a run id (42), "latest", or "latest~N" (N runs before the latest)';
