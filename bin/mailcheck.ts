#!/usr/bin/env node
/** The only file that touches `process`: argv in, exit code out. */
import { run } from '../src/cli/program.js';

// `mailcheck … | head` closes the pipe early: stop quietly, as Unix tools do, instead of crashing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`mailcheck: internal error (unhandled rejection): ${String(reason)}\n`);
  process.exitCode = 70;
});

run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `mailcheck: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 70;
  },
);
