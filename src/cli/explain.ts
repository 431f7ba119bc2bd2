/**
 * `mailcheck explain [CHECK_ID]`: what a check verifies, why it matters and how to fix it per MTA;
 * without an id, the list of checks.
 */
import { Command, Option } from 'commander';
import { REGISTRY, findCheck } from '../checks/index.js';
import { MTA_HEADINGS } from '../explain/docs.js';
import { renderExplanation } from '../explain/explain.js';
import type { MtaName } from '../model/results.js';
import { AREA_TITLES, checksByArea } from '../policy/render.js';
import { didYouMean } from '../policy/suggest.js';
import { UsageError, type Io } from './io.js';

const MTAS = Object.keys(MTA_HEADINGS) as MtaName[];

/** Every check id with its title, grouped by area. */
export function checkList(): string {
  const width = Math.max(...REGISTRY.map((c) => c.id.length));
  const out: string[] = [];
  for (const [area, checks] of checksByArea()) {
    out.push(AREA_TITLES[area] ?? area);
    for (const c of checks) out.push(`  ${c.id.padEnd(width)}  ${c.title}`);
    out.push('');
  }
  out.push('Run `mailcheck explain CHECK_ID` for one check.');
  return `${out.join('\n')}\n`;
}

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
  cmd.action((id: string | undefined, o: { mta?: MtaName }) => {
    if (id === undefined) {
      io.stdout.write(checkList());
      setExit(0);
      return;
    }
    const check = findCheck(id);
    if (!check) {
      const ids = REGISTRY.map((c) => c.id);
      throw new UsageError(
        `unknown check id "${id}"${didYouMean(id, ids)} (run \`mailcheck explain\` for the list)`,
      );
    }
    io.stdout.write(renderExplanation(check, o.mta ? { mta: o.mta } : {}));
    setExit(0);
  });
  return cmd;
}
