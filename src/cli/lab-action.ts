/**
 * What `mailcheck lab` does (its options are defined in lab.ts): start the lab, write its
 * inventory, say how to audit it, toggle the regression on SIGUSR1 and stop on Ctrl-C. Loaded
 * only when the command runs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startLab } from '../lab/lab.js';
import { LAB_PASSWORD_ENV, labAuditArgs, labInventoryYaml, toggleLabRegression } from '../lab/inventory.js';
import { UsageError, type Io } from './io.js';

/** Runs `mailcheck lab` until io.signal aborts; returns the exit code. */
export async function labAction(o: { inventory: string }, io: Io): Promise<number> {
  const lab = await startLab();
  try {
    try {
      writeFileSync(o.inventory, labInventoryYaml(lab));
    } catch (err) {
      throw new UsageError(`--inventory ${o.inventory}: ${(err as Error).message}`);
    }
    const file = path.resolve(o.inventory);
    io.stdout.write(
      [
        `mailcheck lab running${io.pid ? ` (pid ${io.pid})` : ''}; Ctrl-C stops it.`,
        `  DNS ${lab.dns.host}:${lab.dns.port} · CA ${lab.caFile} · inventory ${file}`,
        '  Audit it with:',
        `    export ${LAB_PASSWORD_ENV}=${lab.credentials.password}`,
        `    mailcheck audit ${file} ${labAuditArgs(lab).join(' ')}`,
        `  kill -USR1 ${io.pid ?? '<pid>'} toggles a regression (the compliant MX becomes an open relay).`,
        '',
      ].join('\n'),
    );
    io.onUsr1?.(() => {
      const on = toggleLabRegression(lab);
      io.stdout.write(
        `lab: regression ${on ? 'ON: compliant-mx relays for anyone' : 'OFF: compliant-mx closed again'}\n`,
      );
    });
    await new Promise<void>((resolve) => {
      if (!io.signal || io.signal.aborted) return resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return 0;
  } finally {
    await lab.close();
  }
}
