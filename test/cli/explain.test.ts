/**
 * `mailcheck explain`: every registered check has an explanation — what, why, how to fix for all
 * five MTAs — and the command renders it for a terminal.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/checks/index.js';
import {
  MTA_HEADINGS,
  docsDir,
  parseCheckDoc,
  readCheckDoc,
  renderMarkdownLines,
} from '../../src/explain/docs.js';
import { renderExplanation } from '../../src/explain/explain.js';
import { BUILTIN_POLICIES } from '../../src/policy/builtin.js';
import { runCli } from '../helpers/cli.js';

const MTA_SECTIONS = Object.values(MTA_HEADINGS);

describe('every check has an explanation', () => {
  it('finds the shipped docs next to the code', () => {
    expect(docsDir()).toBe(
      path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../docs/checks'),
    );
  });

  it('knows the five MTAs the docs cover', () => {
    expect(MTA_SECTIONS).toEqual(['Postfix', 'Exim', 'Sendmail', 'Microsoft Exchange', 'OpenSMTPD']);
  });

  it.each(REGISTRY.map((c) => [c.id, c] as const))('%s', (id, check) => {
    const markdown = readCheckDoc(id);
    expect(markdown, `docs/checks/${id}.md`).toBeDefined();
    const doc = parseCheckDoc(markdown!);
    expect(doc.title).not.toBe('');
    const headings = doc.sections.map((s) => s.heading);
    expect(headings).toEqual(expect.arrayContaining(['What it checks', 'Why it matters', 'How to fix']));
    for (const s of doc.sections.filter((x) => x.heading !== 'How to fix')) {
      expect(s.lines.join('').trim(), `${id}: ${s.heading}`).not.toBe('');
    }
    const fix = doc.sections.find((s) => s.heading === 'How to fix')!;
    expect(fix.subsections.map((s) => s.heading)).toEqual(expect.arrayContaining(MTA_SECTIONS));
    for (const sub of fix.subsections) {
      expect(sub.lines.join('').trim(), `${id}: How to fix / ${sub.heading}`).not.toBe('');
    }

    const text = renderExplanation(check);
    expect(text.startsWith(`${id} — ${doc.title}\nreference: ${check.reference} · `)).toBe(true);
    for (const h of [
      'WHAT IT CHECKS',
      'WHY IT MATTERS',
      'HOW TO FIX',
      'SEVERITY IN THE BUILT-IN POLICIES',
      'PARAMETERS',
    ])
      expect(text, `${id}: ${h}`).toContain(`\n${h}\n`);
    for (const mta of MTA_SECTIONS) expect(text, `${id}: ${mta}`).toContain(`\n  ${mta}\n`);
    for (const name of Object.keys(BUILTIN_POLICIES))
      expect(text).toMatch(new RegExp(`\\n  ${name} +(fail|warn|info|off)`));
    expect(text).not.toMatch(/^#|^```|\*\*/m);
  });
});

describe('mailcheck explain', () => {
  it('explains a check: doc, severities per built-in policy, parameters', async () => {
    const r = await runCli(['explain', 'tls.protocols']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^tls\.protocols — Only current TLS versions accepted\nreference: RFC 8996 §5 · area: tls · judged per host and port\n/,
    );
    // Code blocks keep their text, without fences, indented under their section.
    expect(r.stdout).toContain('\n  Postfix\n        smtpd_tls_protocols = >=TLSv1.2\n');
    expect(r.stdout).toMatch(/\n {2}campus-baseline +fail {2}\{ minVersion: TLSv1\.2 \}\n/);
    expect(r.stdout).toContain('  minVersion (default TLSv1.2): one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3\n');
    expect(r.stdout).toContain('tls.protocols: { params: { minVersion: TLSv1.2 } }');
  });

  it('says when a check has no parameters', async () => {
    const r = await runCli(['explain', 'smtp.vrfy']);
    expect(r.stdout).toMatch(/\nPARAMETERS\n {2}none\n$/);
    expect(r.stdout).toMatch(/\n {2}campus-strict +fail\n/);
    expect(r.stdout).toMatch(/\n {2}migration-readiness +off\n/);
  });

  it.each(Object.entries(MTA_HEADINGS))('--mta %s shows only that MTA’s fix', async (mta, heading) => {
    const r = await runCli(['explain', 'tls.protocols', '--mta', mta]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`\nHOW TO FIX (${heading})\n`);
    for (const other of MTA_SECTIONS.filter((h) => h !== heading))
      expect(r.stdout).not.toContain(`(${other})`);
    expect(r.stdout).not.toContain('WHAT IT CHECKS');
    expect(r.stdout).not.toContain('SEVERITY IN THE BUILT-IN POLICIES');
  });

  it('--mta keeps the general part of the fix and the exact MTA text', async () => {
    const r = await runCli(['explain', 'dmarc.policy', '--mta', 'exim']);
    expect(r.stdout).toContain('then tighten in steps:');
    expect(r.stdout).toContain('sign outgoing mail in the `smtp` transport');
    expect(r.stdout).not.toContain('OpenDKIM milter');
  });

  it('lists every check without an id', async () => {
    const r = await runCli(['explain']);
    expect(r.code).toBe(0);
    for (const c of REGISTRY)
      expect(r.stdout).toMatch(
        new RegExp(`\\n  ${c.id.replace('.', '\\.')} +${c.title.replace(/[()]/g, '\\$&')}\\n`),
      );
  });

  it.each([
    [['explain', 'tls.protocol'], /unknown check id "tls\.protocol"; did you mean "tls\.protocols"\?/],
    [['explain', 'vrfy'], /unknown check id "vrfy"; did you mean "smtp\.vrfy"\?/],
    [['explain', '../../package'], /unknown check id "\.\.\/\.\.\/package"/],
    [
      ['explain', 'tls.protocols', '--mta', 'qmail'],
      /Allowed choices are postfix, exim, sendmail, exchange, opensmtpd/,
    ],
  ])('%j exits 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('markdown for the terminal', () => {
  it('drops fences, bold and link syntax, keeps inline code and collapses blank lines', () => {
    const lines = [
      '',
      '- **pass** — see [RFC 8314](https://www.rfc-editor.org/rfc/rfc8314)',
      '',
      '',
      '```',
      'smtpd_tls_security_level = may',
      '',
      '  indented = yes',
      '```',
      "Sendmail quotes with m4: `define(`confX', `1')`",
      '',
    ];
    expect(renderMarkdownLines(lines, '  ')).toEqual([
      '  - pass — see RFC 8314 (https://www.rfc-editor.org/rfc/rfc8314)',
      '',
      '      smtpd_tls_security_level = may',
      '',
      '        indented = yes',
      "  Sendmail quotes with m4: `define(`confX', `1')`",
    ]);
  });

  it('does not take headings inside code blocks for sections', () => {
    const doc = parseCheckDoc(
      '# a.b — T\n\n## How to fix\n\n```\n## not a heading\n```\n\n### Postfix\n\nx\n',
    );
    expect(doc.title).toBe('T');
    expect(doc.sections.map((s) => s.heading)).toEqual(['How to fix']);
    expect(doc.sections[0]!.lines).toContain('## not a heading');
    expect(doc.sections[0]!.subsections).toEqual([{ heading: 'Postfix', lines: ['', 'x', ''] }]);
  });
});
