/**
 * What `mailcheck explain` does (its options are defined in explain.ts): the list of checks, or
 * one check's explanation. Loaded only when the command runs.
 */
import { REGISTRY, findCheck } from '../checks/index.js';
import { renderExplanation } from '../explain/explain.js';
import type { MtaName } from '../model/results.js';
import { AREA_TITLES, checksByArea } from '../policy/render.js';
import { didYouMean } from '../policy/suggest.js';
import { UsageError, type Io } from './io.js';

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

/** Runs `mailcheck explain [CHECK_ID]`; returns the exit code. */
export function explainAction(id: string | undefined, o: { mta?: MtaName }, io: Io): number {
  if (id === undefined) {
    io.stdout.write(checkList());
    return 0;
  }
  const check = findCheck(id);
  if (!check) {
    const ids = REGISTRY.map((c) => c.id);
    throw new UsageError(
      `unknown check id "${id}"${didYouMean(id, ids)} (run \`mailcheck explain\` for the list)`,
    );
  }
  io.stdout.write(renderExplanation(check, o.mta ? { mta: o.mta } : {}));
  return 0;
}
