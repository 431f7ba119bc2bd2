/**
 * Start-up cost: `--version` and help load the command definitions only, not the scanner, the
 * renderers or their dependencies; a scan loads the renderer of its own format and, with a
 * built-in policy, no policy-file reader (yaml). Runs the built executable (npm test builds
 * before vitest) with a module hook that writes down every file loaded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../dist/bin/mailcheck.js', import.meta.url);

// Logs the URL of every module the ES module loader loads (our files, and the entry file of every
// package imported from them), synchronously in the hooks thread so nothing is lost at exit; at
// exit, the CommonJS files too (packages load their own files with require).
const HOOKS = `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) { appendFileSync(log, url + '\\n'); return next(url, context); }`;
const PRELOAD = `import { createRequire, register } from 'node:module';
import { appendFileSync } from 'node:fs';
const log = process.env.MAILCHECK_TEST_LOAD_LOG;
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { log } });
const cache = createRequire(process.argv[1]).cache;
process.on('exit', () => appendFileSync(log, Object.keys(cache).map((f) => 'file://' + f + '\\n').join('')));`;

const dir = mkdtempSync(path.join(tmpdir(), 'mailcheck-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the built CLI; returns what it loaded: packages by name, our files below dist/, every file. */
function loaded(args: string[]): {
  code: number | null;
  packages: string[];
  ours: string[];
  files: string[];
} {
  const log = path.join(dir, `${args.join('_').replace(/\W/g, '')}.log`);
  const r = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(PRELOAD)}`, BIN.pathname, ...args],
    {
      env: { ...process.env, MAILCHECK_TEST_LOAD_LOG: log, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  const files = readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file://'));
  const packages = new Set<string>();
  const ours = new Set<string>();
  for (const url of files) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (pkg) packages.add(pkg);
    else if (url.includes('/dist/')) ours.add(url.slice(url.lastIndexOf('/dist/') + '/dist/'.length));
  }
  return { code: r.status, packages: [...packages].sort(), ours: [...ours].sort(), files };
}

/** Our modules that only running a command may need. */
const RUNTIME =
  /^src\/(runner|checks|lab|inventory|readiness)\/|^src\/probe\/(host|domain|dns|tls)|^src\/report\/(table|json|html|csv|junit|nagios|prometheus)\.js|^src\/policy\/loader\.js|^src\/history\/(render|store)\.js|^src\/cli\/[a-z-]+-action\.js/;

describe('start-up of dist/bin/mailcheck.js', () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error('dist/bin/mailcheck.js is missing: run `npm run build` first');
  });

  for (const args of [['--version'], ['--help'], ['host', '--help'], ['history', 'list', '--help']]) {
    it(`mailcheck ${args.join(' ')} loads the command definitions only`, () => {
      const r = loaded(args);
      expect(r.code).toBe(0);
      // Not better-sqlite3: the history help texts live in history/refs.ts, apart from the store.
      expect(r.packages).toEqual(['commander']);
      expect(r.ours.filter((f) => RUNTIME.test(f))).toEqual([]);
      expect(r.ours).toContain('src/cli/host.js');
    });
  }

  it('a value checked by a probe rule (--resolver) loads that rule, and still no scanner', () => {
    const r = loaded(['host', '--resolver', 'not-an-address', 'mail.example']);
    expect(r.code).toBe(2);
    expect(r.ours).toContain('src/probe/dns/resolver.js');
    expect(r.ours).not.toContain('src/cli/host-action.js');
  });

  it('a demo scan in json loads neither the table renderer nor the policy-file reader', () => {
    const r = loaded(['demo', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.ours).toContain('src/cli/demo-action.js');
    expect(r.ours).toContain('src/report/json.js');
    expect(r.ours).not.toContain('src/report/table.js');
    expect(r.ours).not.toContain('src/policy/loader.js');
    expect(r.packages).not.toContain('yaml');
    expect(r.packages).not.toContain('cli-table3');
    expect(r.packages).not.toContain('chalk');
    // dns2's codec alone (src/probe/dns/packet.ts), not its index with the servers and DoH client.
    const dns2 = r.files.filter((f) => f.includes('/node_modules/dns2/'));
    expect(dns2.some((f) => f.endsWith('/node_modules/dns2/packet.js'))).toBe(true);
    expect(dns2.filter((f) => /\/dns2\/(index\.m?js|server\/|client\/)/.test(f))).toEqual([]);
  }, 60_000);
});
