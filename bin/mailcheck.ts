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

// Ctrl-C (or systemd's SIGTERM) once: stop starting new work and write what finished (an audit
// then exits 130). Twice: quit at once.
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
  });
}

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: stop.signal,
  onUsr1: (handler) => void process.on('SIGUSR1', handler),
  pid: process.pid,
}).then(
  (code) => {
    process.exitCode = code;
    // Probes abandoned by an interrupt may still hold sockets until their deadline: do not wait.
    if (stop.signal.aborted) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(
      `mailcheck: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 70;
  },
);
