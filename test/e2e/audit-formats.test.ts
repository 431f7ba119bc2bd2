/**
 * Acceptance of `mailcheck audit` (issue 5), formats: the lab's own inventory (20 targets: host
 * servers by name and port, submission with credentials by reference, a multi-port entry, the MX
 * hosts, a name that no longer resolves, a closed port, 5 domains) audited once per format with
 * --output FILE; each output is checked for its structure, its exit code and the absence of the
 * lab password in any form. Also: jsonl lines reach the file while the run is still going, and
 * inventory errors are usage errors naming the file, line and column.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../../src/lab/scripted-server.js';
import { FORMATS, type Format } from '../../src/report/formats.js';
import type { Report } from '../../src/model/results.js';
import {
  LAB_SECRETS,
  labServer,
  mailcheck,
  startAuditLab,
  waitFor,
  type AuditLab,
  type CliRun,
} from '../helpers/audit.js';
import { lineSchemaErrors, schemaErrors } from '../helpers/schema.js';

const TARGETS = 20;

let lab: AuditLab;
beforeAll(async () => {
  lab = await startAuditLab();
});
afterAll(async () => {
  await lab?.close();
});

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || record.length > 0) throw new Error('CSV does not end with CRLF');
  return records;
}

describe('mailcheck audit: every format on the lab inventory', () => {
  const runs = new Map<Format, CliRun & { text: string }>();

  beforeAll(async () => {
    // One audit per format. The json run goes first and records the DNS answers it got
    // (--dns-cache); the other seven then run at once replaying them. Eight audits starting at
    // once overflow the UDP receive buffer of the lab DNS server (it runs in this process), and
    // the resolver does not retransmit a lost query, so live DNS would give random DNS_TIMEOUTs.
    // --transcript puts the AUTH exchanges into the formats that show dialogue: redaction is
    // tested too.
    const cache = path.join(lab.dir, 'dns-cache.json');
    const audit = async (format: Format) => {
      const file = path.join(lab.dir, `report.${format}`);
      const r = await mailcheck([
        'audit',
        lab.inventory,
        ...lab.args,
        ...['--format', format, '--output', file, '--transcript', '--dns-cache', cache],
      ]);
      runs.set(format, { ...r, text: existsSync(file) ? readFileSync(file, 'utf8') : '' });
    };
    await audit('json');
    await Promise.all(FORMATS.filter((f) => f !== 'json').map(audit));
  }, 60_000);

  const get = (format: Format) => {
    const r = runs.get(format);
    if (!r) throw new Error(`no ${format} run`);
    if (r.text === '')
      throw new Error(`audit --format ${format} wrote nothing (exit ${r.code}): ${r.stderr}`);
    return r;
  };
  const json = () => JSON.parse(get('json').text) as Report;

  it('json: one document valid against the schema, with all 20 targets; exit 1', () => {
    const r = get('json');
    const doc = JSON.parse(r.text) as Report;
    expect(schemaErrors(doc)).toEqual([]);
    expect(doc.targets).toHaveLength(TARGETS);
    expect(new Set(doc.targets.map((t) => t.input)).size).toBe(TARGETS);
    expect(doc.interrupted).toBeUndefined();
    // The inventory's mix: unreachable by name (NXDOMAIN) and by port, domains, hosts.
    const byInput = new Map(doc.targets.map((t) => [t.input, t]));
    expect(byInput.get(`retired-relay.lab.example:${lab.lab.mxPort}`)?.error?.code).toBe('DNS_NXDOMAIN');
    expect(byInput.get(`${labServer(lab.lab, 'compliant-mx').host}:1`)?.state).toBe('unreachable');
    expect(doc.targets.filter((t) => t.kind === 'domain')).toHaveLength(5);
    // Credentials by reference were resolved: the submission servers logged in.
    const submission = byInput.get(`mail.lab.example:${labServer(lab.lab, 'compliant-submission').port}`);
    expect(submission?.checks.find((c) => c.id === 'auth.login')?.status).toBe('pass');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('--dnsbl reaches the dnsbl.listed check of the domains, as with `mailcheck domain`', () => {
    // labAuditArgs passes --dnsbl dnsbl.lab.example, which lists weak.example's relay (see
    // test/e2e/domains.test.ts: good pass, weak fail, broken pass).
    const dnsbl = (domain: string) =>
      json()
        .targets.find((t) => t.input === domain)
        ?.checks.find((c) => c.id === 'dnsbl.listed');
    expect(dnsbl('weak.example')?.status, dnsbl('weak.example')?.message).toBe('fail');
    expect(dnsbl('good.example')?.status, dnsbl('good.example')?.message).toBe('pass');
    expect(dnsbl('broken.example')?.status, dnsbl('broken.example')?.message).toBe('pass');
  });

  it('jsonl: a run line, 20 target lines, an end line, each valid against the line schema; exit 1', () => {
    const r = get('jsonl');
    expect(r.text.endsWith('\n')).toBe(true);
    const lines = r.text.trimEnd().split('\n');
    expect(lines).toHaveLength(TARGETS + 2);
    const docs = lines.map((l) => JSON.parse(l) as { type: string; target?: { input: string } });
    docs.forEach((d, i) => expect(lineSchemaErrors(d), `line ${i + 1}`).toEqual([]));
    expect(docs[0]!.type).toBe('run');
    expect(docs.at(-1)!.type).toBe('end');
    expect(docs.slice(1, -1).every((d) => d.type === 'target')).toBe(true);
    expect(new Set(docs.slice(1, -1).map((d) => d.target!.input))).toEqual(
      new Set(json().targets.map((t) => t.input)),
    );
    expect(docs.at(-1)).toMatchObject({ targets: TARGETS, plannedTargets: TARGETS });
    expect(r.code).toBe(1);
  });

  it('csv: a header and one row per check (one row for a target without checks); exit 1', () => {
    const r = get('csv');
    const records = csvRecords(r.text);
    const [header, ...rows] = records;
    expect(header).toEqual([
      'target',
      'target_name',
      'kind',
      'input',
      'roles',
      'state',
      'endpoint',
      'check',
      'status',
      'severity',
      'message',
      'evidence',
      'remediation',
      'duration_ms',
    ]);
    expect(rows.every((row) => row.length === header!.length)).toBe(true);
    // Check counts per target come from the json run of the same lab: same inventory, same servers.
    const expected = new Map(json().targets.map((t) => [t.input, Math.max(1, t.checks.length)]));
    const seen = new Map<string, number>();
    for (const row of rows) seen.set(row[3]!, (seen.get(row[3]!) ?? 0) + 1);
    expect(seen).toEqual(expected);
    expect(rows).toHaveLength([...expected.values()].reduce((a, b) => a + b, 0));
    // The unresolvable name has no checks: one row saying unreachable.
    const retired = rows.filter((row) => row[3] === `retired-relay.lab.example:${lab.lab.mxPort}`);
    expect(retired).toHaveLength(1);
    expect(retired[0]![8]).toBe('unreachable');
    expect(r.code).toBe(1);
  });

  it('junit: 20 testsuites; exit 1', () => {
    const r = get('junit');
    expect(r.text).toMatch(/^<\?xml /);
    expect(r.text.match(/<testsuites[\s>]/g)).toHaveLength(1);
    expect(r.text.match(/<testsuite[\s>]/g)).toHaveLength(TARGETS);
    expect(r.text.match(/<\/testsuite>/g)).toHaveLength(TARGETS);
    expect(r.code).toBe(1);
  });

  it('nagios: CRITICAL first line with performance data; exit 2 (monitoring convention)', () => {
    const r = get('nagios');
    const first = r.text.split('\n')[0]!;
    expect(first).toMatch(/^MAILCHECK CRITICAL/);
    expect(first).toContain(`targets=${TARGETS};`);
    expect(first).toMatch(/unreachable=2;/);
    expect(r.code).toBe(2);
  });

  it('prometheus: a mailcheck_target_up sample per target, 0 for the 2 unreachable; exit 1', () => {
    const r = get('prometheus');
    const up = r.text.split('\n').filter((l) => l.startsWith('mailcheck_target_up{'));
    expect(up).toHaveLength(TARGETS);
    expect(up.filter((l) => l.endsWith(' 0'))).toHaveLength(2);
    expect(r.text).toContain('# TYPE mailcheck_target_up gauge');
    expect(r.code).toBe(1);
  });

  it('html: one self-contained page whose fleet table has 20 rows; exit 1', () => {
    const r = get('html');
    expect(r.text).toMatch(/^<!DOCTYPE html>/i);
    const fleet = /<table class="fleet"[^>]*>([\s\S]*?)<\/table>/.exec(r.text)?.[1];
    expect(fleet, 'fleet table').toBeDefined();
    const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(fleet!)?.[1] ?? '';
    expect(body.match(/<tr[\s>]/g)).toHaveLength(TARGETS);
    // Self-contained: nothing loaded from elsewhere.
    expect(r.text).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//);
    expect(r.code).toBe(1);
  });

  it('table: a section per target and the summary; exit 1', () => {
    const r = get('table');
    expect(r.text).toMatch(new RegExp(`${TARGETS} targets \\(2 unreachable\\)`));
    expect(r.text).not.toContain('\x1b['); // no colour in a file
    expect(r.code).toBe(1);
  });

  it('no output of any format (nor stdout/stderr) holds the lab password in any form', () => {
    expect(runs.size).toBe(FORMATS.length);
    for (const [format, r] of runs) {
      const all = r.text + r.stdout + r.stderr;
      expect(all.length, format).toBeGreaterThan(0);
      for (const secret of LAB_SECRETS) expect(all.includes(secret), `${format} holds ${secret}`).toBe(false);
    }
    // The transcript shows that AUTH happened, redacted.
    expect(get('json').text).toMatch(/AUTH (PLAIN|LOGIN)/);
  });
});

describe('mailcheck audit --format jsonl streams', () => {
  let slow: ScriptedServer | undefined;
  afterAll(async () => {
    await slow?.close();
  });

  it('writes target lines to the file while a slow target is still being scanned', async () => {
    // A host that greets only after 2.5 s, next to two fast lab hosts.
    slow = await startScriptedServer({ hostname: 'slow.lab.example', greetingDelayMs: 2500 });
    const fast = ['no-starttls', 'compliant-mx'].map((n) => labServer(lab.lab, n));
    const inventory = lab.write(
      'stream.yaml',
      [
        'hosts:',
        ...fast.map((s) => `  - host: ${s.host}:${s.port}\n    roles: [relay]`),
        `  - host: 127.0.0.1:${slow.port}\n    roles: [relay]`,
      ].join('\n') + '\n',
    );
    const out = path.join(lab.dir, 'stream.jsonl');
    let finished = false;
    const audit = mailcheck(['audit', inventory, ...lab.args, '--format', 'jsonl', '--output', out]).finally(
      () => (finished = true),
    );
    const read = () => {
      try {
        return readFileSync(out, 'utf8');
      } catch {
        return '';
      }
    };
    const early = await waitFor('a target line in the jsonl file', () => {
      if (finished) return 'finished';
      const text = read();
      return text.includes('"type":"target"') ? text : undefined;
    });
    expect(early, 'the run finished before any target line reached the file').not.toBe('finished');
    // At that moment the slow target had not finished: its line was not there yet.
    expect(early).not.toContain(`"input":"127.0.0.1:${slow.port}"`);
    expect(early.split('\n')[0]).toMatch(/^\{"type":"run"/);
    const r = await audit;
    expect(r.stderr).toBe('');
    const lines = read().trimEnd().split('\n');
    expect(lines).toHaveLength(3 + 2);
    expect(lines.at(-2)).toContain(`"input":"127.0.0.1:${slow.port}"`);
    expect(lines.at(-1)).toMatch(/^\{"type":"end"/);
  });
});

describe('mailcheck audit: inventory errors are usage errors (exit 2)', () => {
  it('an inline password names file:line:col and never echoes the secret', async () => {
    const file = lab.write(
      'inline.yaml',
      'hosts:\n  - host: 127.0.0.1:25\n    credentials: { user: probe, password: hunter2-inline }\n',
    );
    const r = await mailcheck(['audit', file, ...lab.args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:3:`);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: .*password`));
    expect(r.stderr).not.toContain('hunter2-inline');
    expect(r.stdout).toBe('');
  });

  it('credentials naming an unset environment variable name the line and the variable', async () => {
    const file = lab.write(
      'unset.yaml',
      'hosts:\n  - host: 127.0.0.1:25\n  - host: 127.0.0.1:587\n    credentials: { user: probe, password_env: MAILCHECK_TEST_UNSET_PW }\n',
    );
    const r = await mailcheck(['audit', file, ...lab.args], { env: { MAILCHECK_TEST_UNSET_PW: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`unset\\.yaml:4:\\d+: .*MAILCHECK_TEST_UNSET_PW`));
    expect(r.stdout).toBe('');
  });

  it('an unknown key suggests the right one', async () => {
    const file = lab.write('typo.yaml', 'hosts:\n  - host: 127.0.0.1:25\n    prots: [25, 587]\n');
    const r = await mailcheck(['audit', file, ...lab.args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/typo\.yaml:3:5: .*prots.*did you mean "ports"\?/);
  });

  it('a missing inventory file', async () => {
    const file = path.join(lab.dir, 'no-such-inventory.yaml');
    const r = await mailcheck(['audit', file, ...lab.args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-inventory.yaml');
    expect(r.stdout).toBe('');
  });
});
