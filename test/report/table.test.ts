/**
 * The table reporter's behaviour beyond the golden file: colour only when asked, transcripts only
 * when asked, quiet and verbose, one line for an endpoint that never connected, and server text
 * that cannot drive the terminal.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EndpointFacts } from '../../src/model/artifacts.js';
import type { CheckResult, RenderOptions, Report } from '../../src/model/results.js';
import { MAX_EVIDENCE_LINES, renderTable } from '../../src/report/table.js';

const SAMPLE = new URL('../fixtures/reports/sample-report.json', import.meta.url);
const PLAIN: RenderOptions = { color: false, transcript: false, verbose: false, quiet: false };
// ESC and the single-byte CSI; either would start an escape sequence.
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const ANSI = /[\u001b\u009b]/;

function loadSample(): Report {
  return JSON.parse(readFileSync(SAMPLE, 'utf8')) as Report;
}

function lines(text: string): string[] {
  return text.split('\n');
}

/** The sample's first target, with its checks replaced, and alone in the report. */
function withChecks(checks: CheckResult[], endpoints?: EndpointFacts[]): Report {
  const report = loadSample();
  const t = report.targets[0];
  t.checks = checks;
  if (endpoints) t.facts.endpoints = endpoints;
  report.targets = [t];
  return report;
}

function check(over: Partial<CheckResult>): CheckResult {
  return {
    id: 'smtp.greeting',
    status: 'pass',
    severity: 'fail',
    endpoint: '127.0.0.1:25',
    messageId: 'ok',
    message: 'greeting names mail.lab.example',
    evidence: [],
    ...over,
  };
}

describe('renderTable colour', () => {
  it('uses ANSI colour codes when color is on, and none at all when it is off', () => {
    expect(renderTable(loadSample(), { ...PLAIN, color: true })).toMatch(ANSI);
    for (const opts of [
      PLAIN,
      { ...PLAIN, verbose: true },
      { ...PLAIN, quiet: true },
      { ...PLAIN, transcript: true, verbose: true },
    ]) {
      expect(renderTable(loadSample(), opts)).not.toMatch(ANSI);
    }
  });

  it('says the same words with and without colour', () => {
    const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex
    expect(strip(renderTable(loadSample(), { ...PLAIN, color: true }))).toBe(
      renderTable(loadSample(), PLAIN),
    );
  });

  it('labels every status with a symbol and a readable word', () => {
    const text = renderTable(loadSample(), PLAIN);
    for (const label of ['✔ PASS', '✖ FAIL', '▲ WARN', 'ℹ INFO', '– SKIP', '‼ ERROR'])
      expect(text).toContain(label);
  });
});

describe('renderTable layout', () => {
  it('heads an IDN target with its Unicode name and the punycode in parentheses', () => {
    const text = renderTable(loadSample(), PLAIN);
    expect(text).toContain('smtp.bücher.example (smtp.xn--bcher-kva.example) — UNREACHABLE');
  });

  it('shows only the error for an unreachable target', () => {
    const report = loadSample();
    report.targets = [report.targets[1]];
    const body = lines(renderTable(report, PLAIN));
    const start = body.findIndex((l) => l.startsWith('smtp.bücher.example'));
    expect(body.slice(start, start + 3)).toEqual([
      'smtp.bücher.example (smtp.xn--bcher-kva.example) — UNREACHABLE',
      '  error      DNS_NXDOMAIN: smtp.xn--bcher-kva.example does not exist (NXDOMAIN from 127.0.0.1:5353, stage: DNS)',
      '',
    ]);
  });

  it('labels endpoints with address, port, profile and TLS mode, and prints their facts', () => {
    const text = renderTable(loadSample(), PLAIN);
    expect(text).toContain('  127.0.0.1:25 (smtp, STARTTLS) · 212 ms\n');
    expect(text).toContain('  127.0.0.1:587 (submission, STARTTLS) · 198 ms\n');
    expect(text).toContain('  127.0.0.1:465 (smtps, implicit TLS)\n');
    expect(text).toContain('    TLS        TLSv1.3 · TLS_AES_256_GCM_SHA384 · X25519\n');
    // Days left are counted from the scan's start, so the output is reproducible.
    expect(text).toContain(
      '    cert       CN=mail.lab.example · RSA 2048 · expires 2026-12-03 (in 12 days)\n',
    );
    expect(text).toContain('    AUTH       before TLS: PLAIN LOGIN · after TLS: PLAIN LOGIN\n');
  });

  it('groups checks by area in specification order', () => {
    const report = withChecks([
      check({ id: 'relay.open', message: 'relay refused' }),
      check({ id: 'tls.starttls', message: 'upgrade ok' }),
      check({ id: 'smtp.ehlo', message: 'EHLO ok' }),
      check({ id: 'auth.before_tls', message: 'no AUTH before TLS' }),
    ]);
    const body = lines(renderTable(report, PLAIN));
    const headings = ['SMTP dialogue', 'TLS', 'AUTH', 'Relay'];
    const ids = ['smtp.ehlo', 'tls.starttls', 'auth.before_tls', 'relay.open'];
    const positions = headings.flatMap((h, i) => [
      body.indexOf(`    ${h}`),
      body.findIndex((l) => l.startsWith(`      ✔ PASS   ${ids[i]} `)),
    ]);
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Each heading directly precedes its check.
    for (let i = 0; i < positions.length; i += 2) expect(positions[i + 1]).toBe(positions[i] + 1);
  });

  it('ends with the counts, the duration and the policy', () => {
    const body = lines(renderTable(loadSample(), PLAIN).trimEnd());
    expect(body.slice(-2)).toEqual([
      '50 checks: 21 passed, 6 failed, 3 warnings, 2 info, 4 skipped, 14 errors in 0.42 s',
      '2 targets (1 partial, 1 unreachable) · policy campus-baseline (built-in) · mailcheck 0.1.0',
    ]);
  });
});

describe('renderTable failures', () => {
  it('shows evidence and the MTA-specific fix for a failure, but not for a pass', () => {
    const report = withChecks([
      check({
        id: 'smtp.vrfy',
        status: 'fail',
        message: 'VRFY reveals users',
        evidence: ['VRFY postmaster → 252 2.0.0 postmaster'],
        remediation: {
          summary: 'Disable VRFY',
          mta: { name: 'postfix', text: 'set disable_vrfy_command = yes' },
        },
      }),
      check({
        id: 'smtp.expn',
        status: 'pass',
        message: 'EXPN disabled',
        evidence: ['502 5.5.2 nope'],
        remediation: { summary: 'x' },
      }),
    ]);
    const text = renderTable(report, PLAIN);
    expect(text).toContain('│ VRFY postmaster → 252 2.0.0 postmaster\n');
    expect(text).toContain('fix: Postfix: set disable_vrfy_command = yes\n');
    expect(text).not.toContain('Disable VRFY');
    expect(text).not.toContain('502 5.5.2 nope');
  });

  it('falls back to the generic fix when the MTA is not known', () => {
    const report = withChecks([
      check({
        status: 'warn',
        message: 'odd greeting',
        remediation: { summary: 'Name the host in the greeting' },
      }),
    ]);
    expect(renderTable(report, PLAIN)).toContain('fix: Name the host in the greeting\n');
  });

  it(`cuts evidence after ${MAX_EVIDENCE_LINES} lines unless verbose`, () => {
    const evidence = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);
    const report = withChecks([check({ status: 'fail', message: 'many', evidence })]);
    const short = renderTable(report, PLAIN);
    expect(lines(short).filter((l) => l.includes('│ line '))).toHaveLength(MAX_EVIDENCE_LINES - 1);
    expect(short).toContain('│ … 5 more lines (--verbose shows all)');
    const long = renderTable(report, { ...PLAIN, verbose: true });
    expect(lines(long).filter((l) => l.includes('│ line '))).toHaveLength(10);
    expect(long).not.toContain('more lines');
  });

  it('keeps long messages and evidence within 120 columns unless verbose', () => {
    const report = withChecks([
      check({ status: 'fail', message: 'word '.repeat(60).trim(), evidence: ['x'.repeat(300)] }),
    ]);
    const text = renderTable(report, PLAIN);
    expect(lines(text).filter((l) => [...l].length > 120)).toEqual([]);
    expect(text).toContain('…');
    expect(renderTable(report, { ...PLAIN, verbose: true })).toContain('x'.repeat(300));
  });

  it('shows one line with the reason for an endpoint that never connected, not one per check', () => {
    const text = renderTable(loadSample(), PLAIN);
    const block = text.slice(text.indexOf('127.0.0.1:465 (smtps'), text.indexOf('smtp.bücher.example ('));
    expect(block).toContain('✖ FAIL   smtp.connect');
    expect(block).toContain(
      '‼ ERROR  not connected: Connection refused (attempted address: 127.0.0.1:465, stage: CONNECT)',
    );
    expect(block).toContain('11 checks could not be judged and 1 was skipped (all listed in --format json)');
    expect(block.match(/ERROR/g)).toHaveLength(1);
    expect(block).not.toContain('tls.cert_chain');
  });

  it('says why a port that was not judged did not answer', () => {
    const report = loadSample();
    const t = report.targets[0];
    t.checks = t.checks.filter((r) => r.endpoint !== '127.0.0.1:465');
    report.targets = [t];
    const text = renderTable(report, PLAIN);
    expect(text).toContain(
      '  127.0.0.1:465 (smtps, implicit TLS)\n    connect    Connection refused (attempted address: 127.0.0.1:465, stage: CONNECT)\n',
    );
  });
});

describe('renderTable options', () => {
  it('prints transcripts only with the transcript option', () => {
    const without = renderTable(loadSample(), PLAIN);
    expect(without).not.toContain('C: EHLO mailcheck.invalid');
    expect(without).not.toContain('transcript');
    const withT = renderTable(loadSample(), { ...PLAIN, transcript: true });
    expect(withT).toContain('\n       14ms C: EHLO mailcheck.invalid\n');
    expect(withT).toContain('\n       16ms S: 220 2.0.0 Ready to start TLS\n');
    expect(withT).toContain('\n        0ms *  connecting to 127.0.0.1:465\n');
  });

  it('prints only failures, warnings, errors and the summary when quiet', () => {
    const text = renderTable(loadSample(), { ...PLAIN, quiet: true });
    expect(text).not.toMatch(/PASS|SKIP|INFO/);
    expect(text).not.toContain('greeting   220');
    expect(text).toContain('✖ FAIL   auth.before_tls');
    expect(text).toContain('▲ WARN   tls.cert_expiry');
    expect(text).toContain('‼ ERROR  smtp.helo_name');
    expect(text).toContain('smtp.bücher.example (smtp.xn--bcher-kva.example) — UNREACHABLE');
    expect(text.trimEnd()).toMatch(/in 0\.42 s\n.*policy campus-baseline/);
  });

  it('prints nothing but the summary for a clean target when quiet', () => {
    const report = withChecks([check({})]);
    report.targets[0].state = 'scanned';
    delete report.targets[0].error;
    report.summary = { pass: 1, fail: 0, warn: 0, info: 0, skip: 0, error: 0 };
    report.targets[0].summary = report.summary;
    const text = renderTable(report, { ...PLAIN, quiet: true });
    expect(text).toBe(
      '1 check: 1 passed, 0 failed in 0.42 s\n1 target · policy campus-baseline (built-in) · mailcheck 0.1.0\n',
    );
  });
});

describe('renderTable safety', () => {
  it('escapes control characters a hostile server sends, so they cannot drive the terminal', () => {
    const hostile = 'mail.evil.example ESMTP \u001b[2J\u001b]0;pwned\u0007\r\u009b31m \u202egnp.exe';
    const report = withChecks([
      check({ status: 'fail', message: `bad greeting: ${hostile}`, evidence: [`220 ${hostile}`] }),
    ]);
    report.targets[0].facts.endpoints[0].greeting!.reply.lines = [hostile];
    report.targets[0].facts.endpoints[0].transcript.push({ t: 40, dir: 'S', text: `220 ${hostile}` });
    for (const opts of [PLAIN, { ...PLAIN, transcript: true, verbose: true }]) {
      const text = renderTable(report, opts);
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/); // eslint-disable-line no-control-regex
      expect(text).toContain('\\x1b[2J\\x1b]0;pwned\\x07\\x0d\\x9b31m \\u202egnp.exe');
    }
  });

  it('does not change the report it is given', () => {
    const report = loadSample();
    renderTable(report, { ...PLAIN, transcript: true, verbose: true });
    expect(report).toEqual(loadSample());
  });
});
