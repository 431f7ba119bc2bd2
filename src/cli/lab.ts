/**
 * `mailcheck lab`: runs the built-in lab in the foreground and writes an inventory of it, so the
 * audit, its formats and its history can be tried on a real (loopback) fleet without a network.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { startLab } from '../lab/lab.js';
import { LAB_PASSWORD_ENV, labAuditArgs, labInventoryYaml, toggleLabRegression } from '../lab/inventory.js';
import { UsageError, type Io } from './io.js';

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
      setExit(0);
    } finally {
      await lab.close();
    }
  });
  return cmd;
}
