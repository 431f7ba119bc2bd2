import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InventoryError,
  checkCredentialRefs,
  formatIssue,
  loadInventory,
  resolveCredentials,
} from '../../src/inventory/loader.js';
import type { CredentialRef, InventoryHost } from '../../src/inventory/types.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailcheck-inventory-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const at = { file: 'fleet.yaml', line: 7, column: 18, key: 'hosts[1].credentials' };

/** The formatted issues resolveCredentials throws. */
function failure(ref: CredentialRef, env: Record<string, string | undefined>): string[] {
  try {
    resolveCredentials(ref, env, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(InventoryError);
    const e = err as InventoryError;
    expect(e.message).toBe(e.issues.map(formatIssue).join('\n'));
    return e.issues.map(formatIssue);
  }
  throw new Error('resolved without an error');
}

describe('resolveCredentials', () => {
  it('reads the password from the environment variable', () => {
    const ref: CredentialRef = { user: 'probe', passwordEnv: 'RELAY_PW', at };
    expect(resolveCredentials(ref, { RELAY_PW: 's3cret' }, dir)).toEqual({
      user: 'probe',
      password: 's3cret',
    });
  });

  it('reads the first line of a file relative to the inventory directory, and a token', () => {
    mkdirSync(path.join(dir, 'secrets'));
    writeFileSync(path.join(dir, 'secrets', 'relay.pw'), 'pa ss:word\r\nsecond line\n');
    writeFileSync(path.join(dir, 'relay.token'), 'ya29.token\n');
    const ref: CredentialRef = {
      user: 'probe@example.edu',
      passwordFile: 'secrets/relay.pw',
      tokenFile: path.join(dir, 'relay.token'), // absolute paths are taken as they are
      at,
    };
    expect(resolveCredentials(ref, {}, dir)).toEqual({
      user: 'probe@example.edu',
      password: 'pa ss:word',
      oauthToken: 'ya29.token',
    });
    expect(resolveCredentials({ user: 'u', tokenEnv: 'TOKEN', at }, { TOKEN: 't0k' }, dir)).toEqual({
      user: 'u',
      oauthToken: 't0k',
    });
  });

  it('names the inventory file and line when a variable is unset or empty', () => {
    const ref: CredentialRef = { user: 'probe', passwordEnv: 'RELAY_PW', tokenEnv: 'RELAY_TOKEN', at };
    expect(failure(ref, { RELAY_PW: '' })).toEqual([
      'fleet.yaml:7:18: hosts[1].credentials.password_env: environment variable RELAY_PW (the password of probe) is not set or is empty',
      'fleet.yaml:7:18: hosts[1].credentials.token_env: environment variable RELAY_TOKEN (the token of probe) is not set or is empty',
    ]);
    // Names on Object.prototype are not variables.
    expect(failure({ user: 'probe', passwordEnv: 'constructor', at }, {})).toHaveLength(1);
  });

  it('names the file when it cannot be read or its first line is empty, never the secret', () => {
    writeFileSync(path.join(dir, 'empty.pw'), '\nsecond-line-secret\n');
    expect(failure({ user: 'u', passwordFile: 'missing.pw', at }, {})).toEqual([
      `fleet.yaml:7:18: hosts[1].credentials.password_file: password file of u: cannot read ${path.join(dir, 'missing.pw')} (no such file)`,
    ]);
    const empty = failure({ user: 'u', passwordFile: 'empty.pw', at }, {});
    expect(empty).toEqual([
      `fleet.yaml:7:18: hosts[1].credentials.password_file: password file of u: the first line of ${path.join(dir, 'empty.pw')} is empty`,
    ]);
    expect(empty.join('\n')).not.toContain('second-line-secret');
    expect(failure({ user: 'u', tokenFile: '.', at }, {})[0]).toMatch(
      /token file of u: cannot read .* \(is a directory\)$/,
    );
  });

  it('uses the CSV column as the key when the reference came from a CSV row', () => {
    const csvAt = { file: 'fleet.csv', line: 4, column: 31, key: '' };
    expect(failure({ user: 'u', passwordEnv: 'NOPE', at: csvAt }, {})).toEqual([
      'fleet.csv:4:31: password_env: environment variable NOPE (the password of u) is not set or is empty',
    ]);
  });
});

describe('loadInventory with an environment checks every reference up front', () => {
  it('reports each missing variable or file once, at the line it was written', () => {
    const file = path.join(dir, 'fleet.yaml');
    writeFileSync(
      file,
      [
        'defaults:',
        '  credentials: { user: probe, password_env: SHARED_PW }',
        'hosts:',
        '  - a.example',
        '  - b.example',
        '  - host: c.example',
        '    credentials: { user: c, password_file: c.pw }',
        '  - host: d.example',
        '    credentials: { user: d, password_file: d.pw }',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'd.pw'), 'd-password\n');
    // Without an environment nothing is resolved: references are only checked for their form.
    const inv = loadInventory(file);
    expect((inv.entries[0] as InventoryHost).credentials).toEqual({
      user: 'probe',
      passwordEnv: 'SHARED_PW',
      at: { file, line: 2, column: 16, key: 'defaults.credentials' },
    });
    expect(() => loadInventory(file, {})).toThrow(InventoryError);
    try {
      loadInventory(file, {});
    } catch (err) {
      expect((err as InventoryError).issues.map(formatIssue)).toEqual([
        `${file}:2:16: defaults.credentials.password_env: environment variable SHARED_PW (the password of probe) is not set or is empty`,
        `${file}:7:18: hosts[2].credentials.password_file: password file of c: cannot read ${path.join(dir, 'c.pw')} (no such file)`,
      ]);
    }
    writeFileSync(path.join(dir, 'c.pw'), 'c-password\n');
    expect(loadInventory(file, { SHARED_PW: 'x' }).entries).toHaveLength(4);
    expect(checkCredentialRefs(inv, { SHARED_PW: 'x' })).toEqual([]);
    const resolved = (inv.entries as InventoryHost[]).map((h) =>
      resolveCredentials(h.credentials!, { SHARED_PW: 'x' }, inv.dir),
    );
    expect(resolved.map((c) => c.password)).toEqual(['x', 'x', 'c-password', 'd-password']);
  });
});
