/**
 * `mailcheck explain [CHECK_ID]`: what a check verifies, why it matters and how to fix it per MTA;
 * without an id, the list of checks. The options and help are defined here; what the command
 * does is in explain-action.ts, loaded when it runs.
 */
import { Command, Option } from 'commander';
import { MTA_HEADINGS } from '../explain/docs.js';
import type { MtaName } from '../model/results.js';
import type { Io } from './io.js';

const MTAS = Object.keys(MTA_HEADINGS) as MtaName[];

export function explainCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('explain')
    .description('what a check verifies, why it matters, and how to fix it for each MTA')
    .argument('[check]', 'check id, e.g. tls.protocols (without it: list every check)')
    .addOption(new Option('--mta <mta>', "show only this MTA's fix").choices(MTAS));
  cmd.addHelpText(
    'after',
    `
Examples:
  mailcheck explain tls.protocols
  mailcheck explain auth.before_tls --mta postfix
  mailcheck explain`,
  );
  cmd.action(async (id: string | undefined, o: { mta?: MtaName }) => {
    const { explainAction } = await import('./explain-action.js');
    setExit(explainAction(id, o, io));
  });
  return cmd;
}
