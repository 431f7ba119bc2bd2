/**
 * `mailcheck lab`: runs the built-in lab in the foreground and writes an inventory of it, so the
 * audit, its formats and its history can be tried on a real (loopback) fleet without a network.
 * The options and help are defined here; what the command does is in lab-action.ts, loaded when
 * it runs.
 */
import { Command } from 'commander';
import type { Io } from './io.js';

export function labCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('lab')
    .description(
      'run the built-in lab on loopback until Ctrl-C and write an inventory of it for `mailcheck audit`',
    )
    .option('--inventory <file>', 'where to write the lab inventory', 'mailcheck-lab.yaml');
  cmd.addHelpText(
    'after',
    `
The lab's servers listen on 127.0.0.x with ports chosen at start; the inventory and the audit
command printed at start fit this run only. Send SIGUSR1 (kill -USR1 PID) to toggle a regression
(the compliant MX starts relaying for anyone), then audit again with --history to see it reported.`,
  );
  cmd.action(async (o: { inventory: string }) => {
    const { labAction } = await import('./lab-action.js');
    setExit(await labAction(o, io));
  });
  return cmd;
}
