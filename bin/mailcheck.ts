#!/usr/bin/env node
/** The only file that touches `process`: argv in, exit code out. */
import { run } from '../src/cli/program.js';

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
