import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseInventory } from '../../src/inventory/loader.js';
import type { InventoryFormat, InventoryParseResult } from '../../src/inventory/types.js';

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/inventories');
const campusYaml = readFileSync(path.join(FIXTURES, 'campus.yaml'), 'utf8');
const campusCsv = readFileSync(path.join(FIXTURES, 'campus.csv'), 'utf8');

/** Parses and checks the result is well-formed: entries, or issues with real positions. */
function wellFormed(text: string, format: InventoryFormat): InventoryParseResult {
  const file = path.join(FIXTURES, format === 'csv' ? 'fuzz.csv' : 'fuzz.yaml');
  const r = parseInventory(text, file, format);
  if (r.ok) {
    expect(r.inventory.entries.length).toBeGreaterThan(0);
    for (const e of r.inventory.entries) expect(e.line).toBeGreaterThanOrEqual(1);
  } else {
    expect(r.issues.length).toBeGreaterThan(0);
    for (const i of r.issues) {
      expect(i.file).toBe(file);
      expect(Number.isInteger(i.line) && i.line >= 1).toBe(true);
      expect(Number.isInteger(i.column) && i.column >= 1).toBe(true);
      expect(typeof i.key).toBe('string');
      expect(i.message.length).toBeGreaterThan(0);
    }
  }
  return r;
}

/** Text with a random piece cut out and another put in, so most of the structure survives. */
const mutated = (text: string, alphabet: string[]) =>
  fc
    .tuple(
      fc.nat({ max: text.length }),
      fc.nat({ max: 40 }),
      fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 20 }),
    )
    .map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(Math.min(text.length, at + cut)));

const KEYS = [
  'defaults',
  'hosts',
  'domains',
  'host',
  'domain',
  'ports',
  'roles',
  'policy',
  'checks',
  'credentials',
  'note',
  'user',
  'password_env',
  'password_file',
  'token_env',
  'token_file',
  'dkim_selectors',
  'dns_only',
  'password',
  'smtp.vrfy',
  'tls.cert_expiry',
  'severity',
  'params',
  'warnDays',
  'toString',
  '__proto__',
];
const scalar = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'relay',
    'mx',
    'a.example',
    'smtp.bücher.example',
    '[::1]:25',
    'a.example:99999',
    'campus-baseline',
    'physics-policy.yaml',
    '../../../etc/passwd',
    'off',
    'RELAY_PW',
    '25',
  ),
);
const { node } = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 4 }),
  ),
}));

describe('no input crashes the loader: every problem comes back as an issue', () => {
  it('arbitrary text, as YAML and as CSV', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        wellFormed(text, 'yaml');
        wellFormed(text, 'csv');
      }),
      { numRuns: 200 },
    );
  });

  it('YAML documents built from inventory keys', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...KEYS), node, { maxKeys: 4 }), (doc) => {
        wellFormed(stringify(doc), 'yaml');
      }),
      { numRuns: 300 },
    );
  });

  it('a valid inventory with a piece cut out or pasted in', () => {
    const yamlChars = [...' :-[]{},"\'#&*!|>\n\tabcé5', '\r\n'];
    fc.assert(
      fc.property(mutated(campusYaml, yamlChars), (text) => {
        wellFormed(text, 'yaml');
      }),
      { numRuns: 200 },
    );
    const csvChars = [...',";# \nab5é\t', '\r\n'];
    fc.assert(
      fc.property(mutated(campusCsv, csvChars), (text) => {
        wellFormed(text, 'csv');
      }),
      { numRuns: 200 },
    );
  });

  it('the unmutated fixtures are valid (so the properties above start from a real inventory)', () => {
    expect(wellFormed(campusYaml, 'yaml').ok).toBe(true);
    expect(wellFormed(campusCsv, 'csv').ok).toBe(true);
  });
});
