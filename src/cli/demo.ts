/**
 * `mailcheck demo`: starts the built-in lab (fixture SMTP servers on loopback, no network) and
 * scans it, so a newcomer sees a full report — good, legacy and broken servers side by side. The
 * options and help are defined here; what the command does is in demo-action.ts, loaded when it
 * runs.
 */
import { Command } from 'commander';
import type { Io } from './io.js';
import { addScanOptions } from './scan-flags.js';
import type { ScanOptions } from './scan-options.js';

export function demoCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('demo').description(
    'start the built-in lab on loopback and audit it (no network needed)',
  );
  addScanOptions(cmd);
  cmd.addHelpText(
    'after',
    `
The lab runs inside this process on 127.0.0.1 and random ports, and stops when the report is printed.
It scans with the lab's test CA trusted and logs in with the lab's test account.
Exit code 0 means the lab ran and was scanned (its legacy servers are meant to fail).`,
  );
  cmd.action(async (o: ScanOptions) => {
    const { demoAction } = await import('./demo-action.js');
    setExit(await demoAction(o, io));
  });
  return cmd;
}
