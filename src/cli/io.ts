/**
 * What commands may touch of the outside world. bin/mailcheck.ts passes the real process; tests
 * pass buffers. Only bin touches `process`.
 */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C (bin/mailcheck.ts): long runs stop starting work and write what finished. */
  signal?: AbortSignal;
  /** SIGUSR1 (bin/mailcheck.ts): `mailcheck lab` toggles its regression on it. */
  onUsr1?: (handler: () => void) => void;
  /** This process's id, for messages that tell the user how to signal it. */
  pid?: number;
}

/** A usage or configuration error: message to stderr, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Colour decision, in the order the NO_COLOR (no-color.org) and FORCE_COLOR conventions give:
 * --no-color and NO_COLOR win, FORCE_COLOR forces, otherwise colour only on a terminal.
 */
export function useColor(io: Io, flag: boolean | undefined, toFile: boolean): boolean {
  if (flag === false || toFile) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return io.stdout.isTTY === true;
}
