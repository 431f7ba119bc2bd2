/**
 * The built executable (npm test builds before vitest): a reader that closes the pipe early,
 * as `mailcheck demo --transcript | head` does, ends the program quietly instead of crashing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../dist/bin/mailcheck.js', import.meta.url);

describe.skipIf(!existsSync(BIN) && process.env.CI !== 'true')('dist/bin/mailcheck.js', () => {
  it('exits quietly when stdout is closed early (EPIPE)', async () => {
    const child = spawn(process.execPath, [BIN.pathname, 'demo', '--transcript', '--no-color'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/Unhandled|EPIPE/);
    expect(code).toBe(0);
  }, 30_000);
});
