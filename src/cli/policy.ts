/**
 * `mailcheck policy show [NAME|FILE]`, `policy validate FILE...` and `policy init`: print the
 * effective policy, validate policy files with exact error locations, write a commented starter.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { BUILTIN_POLICIES, DEFAULT_POLICY } from '../policy/builtin.js';
import {
  PolicyError,
  builtinPolicy,
  formatIssue,
  loadPolicyFile,
  policyNameOf,
  resolvePolicy,
  type LoadedPolicy,
} from '../policy/loader.js';
import { renderPolicyYaml, renderStarter } from '../policy/render.js';
import { didYouMean } from '../policy/suggest.js';
import { VERSION } from '../version.js';
import { UsageError, type Io } from './io.js';

const BUILTIN_NAMES = Object.keys(BUILTIN_POLICIES);

/** The outcome line(s) of validating one file, and whether it is valid. */
export function validateFile(file: string): { ok: boolean; lines: string[] } {
  let loaded: LoadedPolicy;
  try {
    loaded = loadPolicyFile(file);
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    return { ok: false, lines: err.issues.length > 0 ? err.issues.map(formatIssue) : [err.message] };
  }
  const { overridden, roles } = loaded;
  const parts = [`${overridden} check${overridden === 1 ? '' : 's'} overridden`, `extends ${loaded.extends}`];
  if (roles.length > 0) parts.push(`role overrides for ${roles.join(', ')}`);
  return { ok: true, lines: [`${file}: ok (${parts.join(', ')})`] };
}

function showCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('show')
    .description('print the effective policy (a built-in or a policy file) as YAML')
    .argument('[policy]', `built-in name (${BUILTIN_NAMES.join(', ')}) or policy file`, DEFAULT_POLICY)
    .action((nameOrFile: string) => {
      try {
        io.stdout.write(renderPolicyYaml(resolvePolicy(nameOrFile)));
      } catch (err) {
        if (err instanceof PolicyError) throw new UsageError(err.message);
        throw err;
      }
      setExit(0);
    });
}

function validateCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('validate')
    .description('validate policy files; every problem is shown as FILE:LINE:COLUMN: KEY: MESSAGE')
    .argument('<file...>', 'policy files (YAML)')
    .action((files: string[]) => {
      let ok = true;
      for (const file of files) {
        const r = validateFile(file);
        ok &&= r.ok;
        io.stdout.write(r.lines.map((l) => `${l}\n`).join(''));
      }
      setExit(ok ? 0 : 2);
    });
}

interface InitOptions {
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
    .action((o: InitOptions) => {
      if (!builtinPolicy(o.extends)) {
        throw new UsageError(
          `--extends: unknown built-in policy "${o.extends}" (built-in: ${BUILTIN_NAMES.join(', ')})${didYouMean(o.extends, BUILTIN_NAMES)}`,
        );
      }
      const name = o.name ?? (o.output ? policyNameOf(o.output) : 'local-policy');
      if (name.trim() === '') throw new UsageError('--name must not be empty');
      const text = renderStarter(o.extends, name, VERSION);
      if (!o.output) {
        io.stdout.write(text);
        setExit(0);
        return;
      }
      try {
        // 'wx' fails when the file exists, without a window between checking and writing.
        writeFileSync(o.output, text, { flag: o.force ? 'w' : 'wx' });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EEXIST')
          throw new UsageError(`${o.output} already exists; use --force to overwrite it`);
        throw new UsageError(`--output ${o.output}: ${e.message}`);
      }
      io.stderr.write(
        `wrote ${o.output} (extends ${o.extends}); check it with: mailcheck policy validate ${o.output}\n`,
      );
      setExit(0);
    });
}

export function policyCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('policy').description(
    'show a policy, validate policy files, or write a starter policy file',
  );
  for (const sub of [showCommand(io, setExit), validateCommand(io, setExit), initCommand(io, setExit)]) {
    sub
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    cmd.addCommand(sub);
  }
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
