/**
 * The catalogue stays honest: every registered check has a unique id of the form area.name that
 * matches its file, a doc with the expected sections, a unit test file, a reference, message
 * templates and a remediation with per-MTA lines.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/checks/index.js';

const root = new URL('../../', import.meta.url);
const read = (rel: string) => readFileSync(new URL(rel, root), 'utf8');

/** The check ids SPEC §2 names (the product's catalogue); CI has shared/ beside the clone. */
const SPEC_FILE = '../shared/SPEC.md';
const SPEC_IDS = [
  ...(existsSync(new URL(SPEC_FILE, root)) ? read(SPEC_FILE) : '').matchAll(
    /`((?:smtp|tls|auth|relay|data|dns|spf|dkim|dmarc|mta_sts|tls_rpt|dnsbl)\.[a-z0-9_]+)`/g,
  ),
].map((m) => m[1]!);

describe('check catalogue', () => {
  it('has unique ids', () => {
    const ids = REGISTRY.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(REGISTRY.map((c) => [c.id, c] as const))('%s is complete', (id, check) => {
    const [area, name] = id.split('.') as [string, string];
    expect(check.area).toBe(area);
    expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    if (SPEC_IDS.length > 0) expect(SPEC_IDS, `${id} is not in SPEC §2`).toContain(id);
    expect(existsSync(new URL(`src/checks/${area}/${name}.ts`, root)), 'source file').toBe(true);
    expect(existsSync(new URL(`test/checks/${area}/${name}.test.ts`, root)), 'unit test file').toBe(true);
    const doc = read(`docs/checks/${id}.md`);
    expect(doc.startsWith(`# ${id}`)).toBe(true);
    for (const heading of ['## What it checks', '## Why it matters', '## How to fix'])
      expect(doc).toContain(heading);
    expect(check.reference.trim()).not.toBe('');
    expect(check.title.trim()).not.toBe('');
    expect(Object.keys(check.messages).length).toBeGreaterThan(0);
    expect(check.remediation.generic.trim()).not.toBe('');
    expect(check.requires.length).toBeGreaterThan(0);
  });

  it('documents no check that is not registered', () => {
    const documented = readdirSync(new URL('docs/checks/', root)).map((f) => f.replace(/\.md$/, ''));
    expect(documented.sort()).toEqual(REGISTRY.map((c) => c.id).sort());
  });
});
