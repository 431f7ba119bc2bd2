/**
 * What `mailcheck policy show|validate|init` do (their options are defined in policy.ts). Loaded
 * only when one of them runs.
 */
import { writeFileSync } from 'node:fs';
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
import { BUILTIN_NAMES, type InitOptions } from './policy.js';

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

/** `policy show [NAME|FILE]`; returns the exit code. */
export function showAction(nameOrFile: string, io: Io): number {
  try {
    io.stdout.write(renderPolicyYaml(resolvePolicy(nameOrFile)));
  } catch (err) {
    if (err instanceof PolicyError) throw new UsageError(err.message);
    throw err;
  }
  return 0;
}

/** `policy validate FILE...`; returns the exit code (2 when a file is invalid). */
export function validateAction(files: string[], io: Io): number {
  let ok = true;
  for (const file of files) {
    const r = validateFile(file);
    ok &&= r.ok;
    io.stdout.write(r.lines.map((l) => `${l}\n`).join(''));
  }
  return ok ? 0 : 2;
}

/** `policy init`; returns the exit code. */
export function initAction(o: InitOptions, io: Io): number {
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
    return 0;
  }
  try {
    // 'wx' fails when the file exists, without a window between checking and writing.
    writeFileSync(o.output, text, { flag: o.force ? 'w' : 'wx' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') throw new UsageError(`${o.output} already exists; use --force to overwrite it`);
    throw new UsageError(`--output ${o.output}: ${e.message}`);
  }
  io.stderr.write(
    `wrote ${o.output} (extends ${o.extends}); check it with: mailcheck policy validate ${o.output}\n`,
  );
  return 0;
}
