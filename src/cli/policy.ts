/**
 * `mailcheck policy show [NAME|FILE]`, `policy validate FILE...` and `policy init`: print the
 * effective policy, validate policy files with exact error locations, write a commented starter.
 * The options and help are defined here; what the subcommands do is in policy-action.ts, loaded
 * when one runs.
 */
import { Command } from 'commander';
import { BUILTIN_POLICIES, DEFAULT_POLICY } from '../policy/builtin.js';
import type { Io } from './io.js';
import { throughIo } from './options.js';

export const BUILTIN_NAMES = Object.keys(BUILTIN_POLICIES);

function showCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('show')
    .description('print the effective policy (a built-in or a policy file) as YAML')
    .argument('[policy]', `built-in name (${BUILTIN_NAMES.join(', ')}) or policy file`, DEFAULT_POLICY)
    .action(async (nameOrFile: string) => {
      const { showAction } = await import('./policy-action.js');
      setExit(showAction(nameOrFile, io));
    });
}

function validateCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('validate')
    .description('validate policy files; every problem is shown as FILE:LINE:COLUMN: KEY: MESSAGE')
    .argument('<file...>', 'policy files (YAML)')
    .action(async (files: string[]) => {
      const { validateAction } = await import('./policy-action.js');
      setExit(validateAction(files, io));
    });
}

export interface InitOptions {
  extends: string;
  output?: string;
  force?: boolean;
  name?: string;
}

function initCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('init')
    .description('write a commented starter policy (standard output, or --output FILE)')
    .option('--extends <name>', `built-in policy to start from (${BUILTIN_NAMES.join(', ')})`, DEFAULT_POLICY)
    .option('--output <file>', 'write the starter to this file (refuses to overwrite without --force)')
    .option('--name <name>', 'policy name (default: the output file name, or "local-policy")')
    .option('--force', 'overwrite an existing --output file')
    .action(async (o: InitOptions) => {
      const { initAction } = await import('./policy-action.js');
      setExit(initAction(o, io));
    });
}

export function policyCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('policy').description(
    'show a policy, validate policy files, or write a starter policy file',
  );
  for (const sub of [showCommand(io, setExit), validateCommand(io, setExit), initCommand(io, setExit)])
    cmd.addCommand(throughIo(sub, io));
  cmd.addHelpText(
    'after',
    `
Exit codes: 0 valid, 2 a file is invalid or cannot be read (validate), or a usage error.

Examples:
  mailcheck policy show campus-strict
  mailcheck policy init --extends campus-baseline --output physics.yaml
  mailcheck policy validate physics.yaml
  mailcheck host smtp.example.edu --policy physics.yaml`,
  );
  return cmd;
}
