import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InventoryError, formatIssue, loadInventory, parseInventory } from '../../src/inventory/loader.js';

const ROOT = path.join(path.dirname(new URL(import.meta.url).pathname), '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/inventories');
const doc = readFileSync(path.join(ROOT, 'docs/inventory.md'), 'utf8');

/** The fenced blocks of a language ('' for plain blocks) in the document, in order. */
function blocks(lang: string): string[] {
  const out: string[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of doc.split('\n')) {
    const fence = /^```(\w*)$/.exec(line);
    if (fence && !open) open = { lang: fence[1]!, lines: [] };
    else if (fence && open) {
      if (open.lang === lang) out.push(open.lines.join('\n') + '\n');
      open = undefined;
    } else open?.lines.push(line);
  }
  return out;
}
/** Lines of the document's plain ``` blocks (the error examples). */
const documentedLines = blocks('').flatMap((b) => b.trim().split('\n'));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailcheck-inventory-doc-'));
  mkdirSync(path.join(dir, 'policies'));
  writeFileSync(path.join(dir, 'policies', 'physics.yaml'), 'extends: campus-baseline\n');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/inventory.md', () => {
  it('its complete YAML example and its CSV example are valid inventories', () => {
    const [full] = blocks('yaml');
    const yamlFile = path.join(dir, 'campus.yaml');
    writeFileSync(yamlFile, full!);
    const inv = loadInventory(yamlFile);
    expect(inv.entries.map((e) => e.displayName)).toEqual([
      'smtp.physics.example.edu',
      'submit.example.edu',
      'mx1.example.edu',
      'smtp.bücher.example',
      '2001:db8::25',
      'physics.example.edu',
      'example.edu',
    ]);
    const [csv] = blocks('csv');
    const csvFile = path.join(dir, 'campus.csv');
    writeFileSync(csvFile, csv!);
    expect(loadInventory(csvFile).entries).toHaveLength(6);
    // The smaller YAML examples are valid too, as the checks of an entry or a host list.
    const duplicates = blocks('yaml').find((b) => b.includes('mail.example.edu'))!;
    expect(parseInventory(duplicates, path.join(dir, 'd.yaml'), 'yaml').ok).toBe(true);
  });

  it('shows the messages mailcheck really gives', () => {
    const [full] = blocks('yaml');
    const yamlFile = path.join(dir, 'campus.yaml');
    writeFileSync(yamlFile, full!);
    try {
      loadInventory(yamlFile, { SUBMIT_OAUTH_TOKEN: 't' });
      throw new Error('no error for the unset variable');
    } catch (err) {
      expect(err).toBeInstanceOf(InventoryError);
      const first = formatIssue((err as InventoryError).issues[0]!).replace(`${dir}/`, '');
      expect(documentedLines).toContain(first);
    }
    const shown = (fixture: string, as: string): string[] => {
      const text = readFileSync(path.join(FIXTURES, fixture), 'utf8');
      const r = parseInventory(text, as, as.endsWith('.csv') ? 'csv' : 'yaml');
      return r.ok ? [] : r.issues.map(formatIssue);
    };
    const errors = shown('many-problems.yaml', 'fleet.yaml');
    expect(documentedLines.filter((l) => l.startsWith('fleet.yaml:'))).toHaveLength(5);
    for (const line of documentedLines.filter((l) => l.startsWith('fleet.yaml:') && !l.includes('password:')))
      expect(errors).toContain(line);
    expect(documentedLines).toContain(shown('inline-password.yaml', 'fleet.yaml')[1]);
    expect(documentedLines).toContain(shown('many-problems.csv', 'fleet.csv')[0]);
  });
});
