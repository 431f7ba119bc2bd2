/**
 * The table reporter's behaviour beyond the golden file: colour only when asked, transcripts only
 * when asked, quiet and verbose, one line for an endpoint that never connected, and server text
 * that cannot drive the terminal.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EndpointFacts, HostFacts } from '../../src/model/artifacts.js';
import type { AddressFacts, DnsStatus } from '../../src/model/dns-artifacts.js';
import type {
  CheckResult,
  DomainReportFacts,
  RenderOptions,
  Report,
  TargetReport,
} from '../../src/model/results.js';
import { isDomainFacts } from '../../src/model/results.js';
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

function hostFacts(t: TargetReport): HostFacts {
  if (isDomainFacts(t.facts)) throw new Error(`${t.name} is a domain target`);
  return t.facts;
}

function domainFacts(t: TargetReport): DomainReportFacts {
  if (!isDomainFacts(t.facts)) throw new Error(`${t.name} is a host target`);
  return t.facts;
}

/** The sample's domain target, alone in the report. */
function domainReport(): { report: Report; t: TargetReport; facts: DomainReportFacts } {
  const report = loadSample();
  const t = report.targets.find((x) => x.kind === 'domain');
  if (!t) throw new Error('the sample has no domain target');
  report.targets = [t];
  return { report, t, facts: domainFacts(t) };
}

/** The sample's first target, with its checks replaced, and alone in the report. */
function withChecks(checks: CheckResult[], endpoints?: EndpointFacts[]): Report {
  const report = loadSample();
  const t = report.targets[0];
  t.checks = checks;
  if (endpoints) hostFacts(t).endpoints = endpoints;
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
    report.targets = report.targets.filter((t) => t.state === 'unreachable');
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
      '100 checks: 52 passed, 9 failed, 5 warnings, 5 info, 6 skipped, 23 errors in 0.42 s',
      '3 targets (2 partial, 1 unreachable) · policy campus-baseline (built-in) · mailcheck 0.1.0',
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
    const block = text.slice(text.indexOf('127.0.0.1:465 (smtps'), text.indexOf('\nlab.example — '));
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
    hostFacts(report.targets[0]).endpoints[0].greeting!.reply.lines = [hostile];
    hostFacts(report.targets[0]).endpoints[0].transcript.push({ t: 40, dir: 'S', text: `220 ${hostile}` });
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

describe('renderTable domain targets', () => {
  it('heads a domain target with its DNS facts: MX, SPF tree, DMARC, DKIM, MTA-STS, TLS-RPT, TLSA', () => {
    const { report } = domainReport();
    const body = lines(renderTable(report, PLAIN));
    const start = body.indexOf('lab.example — partial scan in 236 ms');
    expect(start).toBeGreaterThanOrEqual(0);
    expect(body.slice(start + 1, start + 12)).toEqual([
      '  MX         10 mail.lab.example → 127.0.0.1',
      '             20 mx2.lab.example → 127.0.0.6',
      '  SPF        v=spf1 mx include:_spf.lab.example -all',
      '             ↳ include:_spf.lab.example: v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:25::/48 -all',
      '  DMARC      v=DMARC1; p=reject; rua=mailto:dmarc-reports@lab.example; pct=100',
      '  DKIM       s1 (1 of 8 selectors tried)',
      '  MTA-STS    enforce · max_age 604800 · mx mail.lab.example, mx2.lab.example',
      '  TLS-RPT    v=TLSRPTv1; rua=mailto:tls-reports@lab.example',
      '  TLSA       mail.lab.example: 3 1 1 (DNSSEC-validated, AD)',
      '             mx2.lab.example: none (NXDOMAIN)',
      '  error      ECONNREFUSED: Connection refused (attempted address: 127.0.0.6:25, stage: CONNECT)',
    ]);
  });

  it('shows the Unicode form of an IDN domain with the punycode in parentheses', () => {
    const { report, t } = domainReport();
    t.name = 'xn--bcher-kva.example';
    t.displayName = 'bücher.example';
    const text = renderTable(report, PLAIN);
    expect(text).toContain('bücher.example (xn--bcher-kva.example) — partial scan in 236 ms\n');
    expect(text).toContain('bücher.example (xn--bcher-kva.example) › MX 10 mail.lab.example\n');
  });

  it('groups the domain checks by area, with TLS-RPT under MTA-STS and the domain DANE check under DANE', () => {
    const { report } = domainReport();
    const body = lines(renderTable(report, PLAIN));
    const domain = body.indexOf('  Domain');
    const firstMx = body.findIndex((l) => l.startsWith('lab.example › MX'));
    expect(domain).toBeGreaterThan(0);
    expect(firstMx).toBeGreaterThan(domain);
    const section = body.slice(domain, firstMx);
    const headings = section.filter((l) => /^ {4}\S/.test(l)).map((l) => l.trim());
    expect(headings).toEqual(['DNS', 'SPF', 'DKIM', 'DMARC', 'MTA-STS / TLS-RPT', 'DANE', 'DNSBL']);
    const at = (id: string) => section.findIndex((l) => l.includes(` ${id} `));
    expect(at('tls_rpt.record')).toBe(at('mta_sts.policy') + 1);
    expect(at('tls.dane')).toBe(section.indexOf('    DANE') + 1);
    expect(at('dnsbl.listed')).toBe(section.indexOf('    DNSBL') + 1);
    // No endpoint check is listed with the domain's own.
    expect(section.join('\n')).not.toMatch(/smtp\.|relay\./);
  });

  it('keeps tls.dane under TLS on an endpoint of a host target', () => {
    const body = lines(renderTable(loadSample(), PLAIN));
    const dane = body.findIndex((l) => l.includes(' tls.dane '));
    const heading = body
      .slice(0, dane)
      .reverse()
      .find((l) => /^ {4}\S/.test(l));
    expect(heading).toBe('    TLS');
  });

  it("renders each MX host's port-25 probe as a host target's endpoint, checks matched by endpoint", () => {
    const { report } = domainReport();
    const text = renderTable(report, PLAIN);
    const mx1 = text.slice(
      text.indexOf('lab.example › MX 10 mail.lab.example\n'),
      text.indexOf('lab.example › MX 20'),
    );
    expect(mx1).toContain('  addresses  127.0.0.1 → mail.lab.example ✔ FCrDNS\n');
    expect(mx1).toContain('  127.0.0.1:25 (smtp, STARTTLS) · 212 ms\n');
    expect(mx1).toContain('    greeting   220 mail.lab.example ESMTP Postfix (Debian/GNU) · 14 ms\n');
    expect(mx1).toContain(
      '✔ PASS   smtp.helo_name       greeting name mail.lab.example is the PTR name of 127.0.0.1',
    );
    expect(mx1).not.toContain('127.0.0.6');
    const mx2 = text.slice(text.indexOf('lab.example › MX 20 mx2.lab.example\n'));
    expect(mx2).toContain('  127.0.0.6:25 (smtp)\n');
    expect(mx2).toContain('✖ FAIL   smtp.connect');
    expect(mx2).toContain('9 checks could not be judged (all listed in --format json)');
  });

  it('takes the reverse DNS of an MX address from the domain facts when the host has none of its own', () => {
    const { report, facts } = domainReport();
    facts.domain.addresses![0]!.forward = [
      { name: 'mail.lab.example', type: 'A', status: 'ok', records: ['127.0.0.9'] },
    ];
    expect(renderTable(report, PLAIN)).toContain('  addresses  127.0.0.1 → mail.lab.example ✖ no FCrDNS\n');
    facts.mxHosts[0]!.reverse = [];
    expect(renderTable(report, PLAIN)).toContain('  addresses  127.0.0.1\n');
  });

  it('lists the checks of an endpoint once when two MX hosts share an address', () => {
    const { report, facts } = domainReport();
    const shared = structuredClone(facts.mxHosts[0]!);
    shared.host = shared.displayName = 'mx3.lab.example';
    facts.mxHosts.push(shared);
    const text = renderTable(report, PLAIN);
    expect(text).toContain('lab.example › MX mx3.lab.example\n');
    expect(text.match(/ smtp\.vrfy /g)).toHaveLength(1);
  });

  it('shows no MX section when the MX hosts were not probed (--dns-only)', () => {
    const { report, t, facts } = domainReport();
    facts.mxHosts = [];
    t.checks = t.checks.filter((r) => r.endpoint === undefined);
    const text = renderTable(report, PLAIN);
    expect(text).not.toContain('› MX');
    expect(text).toContain('  MX         10 mail.lab.example → 127.0.0.1\n');
    expect(text).toContain('✔ PASS   dnsbl.listed');
  });

  it('shows when quiet only the problems: no DNS facts, no clean MX host', () => {
    const { report, t, facts } = domainReport();
    // Make mail.lab.example's probe clean; mx2 still fails.
    t.checks = t.checks.filter((r) => r.endpoint !== '127.0.0.1:25' || r.status === 'pass');
    const text = renderTable(report, { ...PLAIN, quiet: true });
    expect(text).not.toContain('  MX  ');
    expect(text).not.toContain('MX 10 mail.lab.example');
    expect(text).toContain('lab.example › MX 20 mx2.lab.example\n\n  127.0.0.6:25 (smtp)\n');
    expect(text).not.toMatch(/PASS|INFO|SKIP/);
    expect(facts.mxHosts).toHaveLength(2);
  });

  it('describes missing and broken records instead of leaving a blank', () => {
    const { report, facts } = domainReport();
    const d = facts.domain;
    d.mx = {
      lookup: { name: 'lab.example', type: 'MX', status: 'ok', records: [{ priority: 0, exchange: '.' }] },
      nullMx: true,
      hosts: [],
    };
    d.spf = { tree: { ...d.spf!.tree!, spfRecords: ['v=spf1 -all', 'v=spf1 mx -all'], children: [] } };
    d.dmarc = { name: '_dmarc.lab.example', type: 'TXT', status: 'NXDOMAIN', records: [] };
    d.dkim = d.dkim!.map((s) =>
      s.selector === 's1'
        ? { ...s, lookup: { ...s.lookup, records: ['v=DKIM1; k=rsa; p='] } }
        : { ...s, lookup: { ...s.lookup, status: 'TIMEOUT' as const } },
    );
    d.mtaSts = {
      ...d.mtaSts!,
      fetch: { url: 'https://mta-sts.lab.example/.well-known/mta-sts.txt', error: 'certificate has expired' },
    };
    delete d.mtaSts.policy;
    d.tlsRpt = { name: '_smtp._tls.lab.example', type: 'TXT', status: 'SERVFAIL', records: [] };
    d.tlsa = {};
    const text = renderTable(report, PLAIN);
    expect(text).toContain('  MX         null MX "0 ." (RFC 7505): the domain accepts no mail\n');
    expect(text).toContain(
      '  SPF        record 1 of 2: v=spf1 -all\n             record 2 of 2: v=spf1 mx -all\n',
    );
    expect(text).toContain('  DMARC      none (NXDOMAIN)\n');
    expect(text).toContain(
      '  DKIM       s1 (revoked) (1 of 8 selectors tried) · 7 lookups failed (TIMEOUT)\n',
    );
    expect(text).toContain('  MTA-STS    TXT published, policy fetch failed: certificate has expired\n');
    expect(text).toContain('  TLS-RPT    lookup failed (SERVFAIL)\n');
    expect(text).toContain('  TLSA       no MX host to look up\n');
  });

  it('notes MX aliases, IP literals, hosts without an address and failed address lookups', () => {
    const { report, facts } = domainReport();
    const lookup = (name: string, type: string, status: DnsStatus, records: string[] = []) => ({
      name,
      type,
      status,
      records,
    });
    facts.domain.mx!.hosts = [
      {
        name: 'mail.lab.example',
        priority: 10,
        ipLiteral: false,
        cname: 'relay.lab.example',
        a: lookup('relay.lab.example', 'A', 'ok', ['127.0.0.3']),
        aaaa: lookup('relay.lab.example', 'AAAA', 'TIMEOUT'),
      },
      {
        name: '192.0.2.1',
        priority: 20,
        ipLiteral: true,
        a: lookup('192.0.2.1', 'A', 'NODATA'),
        aaaa: lookup('192.0.2.1', 'AAAA', 'NODATA'),
      },
      {
        name: 'gone.lab.example',
        priority: 30,
        ipLiteral: false,
        a: lookup('gone.lab.example', 'A', 'NXDOMAIN'),
        aaaa: lookup('gone.lab.example', 'AAAA', 'NXDOMAIN'),
      },
    ];
    expect(renderTable(report, PLAIN)).toContain(
      '  MX         10 mail.lab.example (alias of relay.lab.example) → 127.0.0.3 (AAAA TIMEOUT)\n' +
        '             20 192.0.2.1 (an IP literal, not a name)\n' +
        '             30 gone.lab.example → no address (A NXDOMAIN, AAAA NXDOMAIN)\n',
    );
  });

  it('escapes control characters in published DNS records', () => {
    const { report, facts } = domainReport();
    facts.domain.dmarc!.records = ['v=DMARC1; p=reject; rua=mailto:\u001b[2Jx@lab.example'];
    facts.domain.spf!.tree!.spfRecords = ['v=spf1 \u202e-all'];
    const text = renderTable(report, PLAIN);
    expect(text).toContain('  DMARC      v=DMARC1; p=reject; rua=mailto:\\x1b[2Jx@lab.example\n');
    expect(text).toContain('  SPF        v=spf1 \\u202e-all\n');
    expect(text).not.toMatch(/[\u001b\u202e]/); // eslint-disable-line no-control-regex
  });

  it('cuts a long include chain unless verbose', () => {
    const { report, facts } = domainReport();
    const tree = facts.domain.spf!.tree!;
    let node = tree;
    for (let i = 1; i <= 9; i++) {
      const child = {
        ...tree,
        domain: `inc${i}.lab.example`,
        via: `include:inc${i}.lab.example`,
        children: [],
      };
      child.spfRecords = [`v=spf1 include:inc${i + 1}.lab.example -all`];
      node.children = [child];
      node = child;
    }
    const short = renderTable(report, PLAIN);
    expect(lines(short).filter((l) => l.includes('↳ include:inc'))).toHaveLength(5);
    expect(short).toContain('             … 4 more records (--verbose shows all)\n');
    expect(lines(short).filter((l) => [...l].length > 120)).toEqual([]);
    const long = renderTable(report, { ...PLAIN, verbose: true });
    expect(lines(long).filter((l) => l.includes('↳ include:inc'))).toHaveLength(9);
    expect(long).toContain('  queries    34 asked, 29 distinct (name, type)\n');
  });
});

describe('renderTable reverse DNS of host addresses', () => {
  /** The sample's first host target alone, its reverse DNS replaced. */
  function withReverse(reverse: HostFacts['reverse'], addresses?: HostFacts['addresses']): Report {
    const report = loadSample();
    const t = report.targets[0]!;
    const facts = hostFacts(t);
    facts.reverse = reverse;
    if (addresses) facts.addresses = addresses;
    report.targets = [t];
    return report;
  }
  const fcrdns = (address: string, family: 4 | 6, name: string, back: string[]): AddressFacts => ({
    address,
    family,
    usedBy: ['mail.lab.example'],
    ptr: { name: `${address}.rev`, type: 'PTR', status: 'ok', records: [name] },
    forward: [{ name, type: family === 4 ? 'A' : 'AAAA', status: 'ok', records: back }],
  });

  it('shows the PTR name and forward confirmation of each address', () => {
    const report = withReverse([fcrdns('127.0.0.1', 4, 'mail.lab.example', ['127.0.0.1'])]);
    expect(renderTable(report, PLAIN)).toContain('  addresses  127.0.0.1 → mail.lab.example ✔ FCrDNS\n');
    expect(renderTable(report, { ...PLAIN, color: true })).toMatch(/\u001b\[32m✔ FCrDNS\u001b\[39m/); // eslint-disable-line no-control-regex
  });

  it('says when the PTR name does not resolve back, when there is no PTR, and when the lookup failed', () => {
    const addresses: HostFacts['addresses'] = [
      { address: '127.0.0.1', family: 4 },
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.3', family: 4 },
      { address: '127.0.0.4', family: 4 },
    ];
    const noPtr = fcrdns('127.0.0.2', 4, 'x', []);
    noPtr.ptr = { ...noPtr.ptr, status: 'NXDOMAIN', records: [] };
    noPtr.forward = [];
    const servfail: AddressFacts = {
      ...noPtr,
      address: '127.0.0.3',
      ptr: { ...noPtr.ptr, status: 'SERVFAIL' },
    };
    const fwdTimeout = fcrdns('127.0.0.4', 4, 'mx.lab.example', []);
    fwdTimeout.forward[0] = { ...fwdTimeout.forward[0]!, status: 'TIMEOUT' };
    const report = withReverse(
      [fcrdns('127.0.0.1', 4, 'other.example', ['127.0.0.9']), noPtr, servfail, fwdTimeout],
      addresses,
    );
    expect(renderTable(report, PLAIN)).toContain(
      '  addresses  127.0.0.1 → other.example ✖ no FCrDNS, 127.0.0.2 ✖ no PTR, 127.0.0.3 ‼ PTR lookup SERVFAIL,\n' +
        '             127.0.0.4 → mx.lab.example ‼ FCrDNS unknown (TIMEOUT)\n',
    );
  });

  it('matches IPv6 addresses however they are written, and keeps lines within 120 columns', () => {
    const addresses: HostFacts['addresses'] = [
      { address: '2001:db8::25', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ];
    const report = withReverse(
      [
        fcrdns(
          '2001:DB8:0:0:0:0:0:25',
          6,
          'mail-with-a-rather-long-name.faculty-of-engineering.lab.example',
          ['2001:db8:0::25'],
        ),
        fcrdns('127.0.0.1', 4, 'mail-with-a-rather-long-name.faculty-of-engineering.lab.example', [
          '127.0.0.1',
        ]),
      ],
      addresses,
    );
    const body = lines(renderTable(report, PLAIN));
    const at = body.findIndex((l) => l.startsWith('  addresses  2001:db8::25 → '));
    expect(body[at]).toMatch(/✔ FCrDNS,$/);
    expect(body[at + 1]).toBe(
      '             127.0.0.1 → mail-with-a-rather-long-name.faculty-of-engineering.lab.example ✔ FCrDNS',
    );
    expect(body.filter((l) => [...l].length > 120)).toEqual([]);
  });

  it('shows plain addresses when reverse DNS was not looked up', () => {
    expect(renderTable(withReverse(undefined), PLAIN)).toContain('  addresses  127.0.0.1\n  roles');
  });
});
