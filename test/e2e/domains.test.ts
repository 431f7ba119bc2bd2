/**
 * Acceptance: `mailcheck domain <lab domain> --resolver <lab DNS> --format json` gives the right
 * status for every DNS check on each lab domain, and a scan of a two-MX domain asks each distinct
 * (name, type) exactly once, counted at the lab's DNS server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { REGISTRY } from '../../src/checks/index.js';
import { isDomainFacts } from '../../src/model/results.js';
import { scanJson } from '../helpers/cli.js';

const DOMAINS = [
  'good.example',
  'weak.example',
  'broken.example',
  'nullmx.example',
  'openspf.example',
  'badsyntax.example',
];

/** Domain-level verdicts (campus-baseline, sending address 127.0.0.1, DNSBL dnsbl.lab.example). */
// prettier-ignore
const EXPECTED: Record<string, string[]> = {
  //                  good    weak    broken  nullmx  openspf badsyntax
  'dns.mx':           ['pass', 'fail', 'pass', 'pass', 'fail', 'fail'],
  'dns.ptr':          ['pass', 'fail', 'pass', 'skip', 'skip', 'skip'],
  'dns.fcrdns':       ['pass', 'fail', 'pass', 'skip', 'skip', 'skip'],
  'dns.ipv6':         ['info', 'info', 'info', 'skip', 'skip', 'skip'],
  'spf.record':       ['pass', 'pass', 'fail', 'pass', 'pass', 'fail'],
  'spf.lookups':      ['pass', 'fail', 'skip', 'pass', 'pass', 'pass'],
  'spf.void_lookups': ['pass', 'warn', 'skip', 'pass', 'pass', 'pass'],
  'spf.all':          ['pass', 'warn', 'skip', 'pass', 'fail', 'pass'],
  'spf.ptr':          ['pass', 'warn', 'skip', 'pass', 'pass', 'pass'],
  'spf.authorizes':   ['pass', 'fail', 'fail', 'fail', 'pass', 'fail'],
  'dkim.selector':    ['pass', 'pass', 'fail', 'skip', 'fail', 'fail'],
  'dkim.key':         ['pass', 'warn', 'skip', 'skip', 'skip', 'skip'],
  'dkim.testing':     ['pass', 'warn', 'skip', 'skip', 'skip', 'skip'],
  'dmarc.record':     ['pass', 'pass', 'fail', 'pass', 'fail', 'fail'],
  'dmarc.policy':     ['pass', 'warn', 'warn', 'pass', 'skip', 'skip'],
  'dmarc.pct':        ['pass', 'skip', 'skip', 'pass', 'skip', 'skip'],
  'dmarc.rua':        ['pass', 'warn', 'warn', 'warn', 'skip', 'skip'],
  'mta_sts.policy':   ['pass', 'info', 'info', 'info', 'info', 'info'],
  'tls_rpt.record':   ['pass', 'info', 'info', 'info', 'info', 'info'],
  'tls.dane':         ['pass', 'fail', 'info', 'skip', 'skip', 'skip'],
  'dnsbl.listed':     ['pass', 'fail', 'pass', 'skip', 'skip', 'skip'],
};

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});

function labArgs(): string[] {
  return [
    ...['--resolver', `${lab.dns.host}:${lab.dns.port}`, '--mx-port', String(lab.mxPort)],
    ...['--mta-sts-port', String(lab.mtaSts.port), '--ca-file', lab.caFile],
    ...['--dnsbl', 'dnsbl.lab.example', '--sending-ip', '127.0.0.1'],
  ];
}

describe('mailcheck domain on the lab domains', () => {
  it('expects a verdict for every domain check', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(
      REGISTRY.filter((c) => c.scope === 'domain')
        .map((c) => c.id)
        .sort(),
    );
  });

  it('gives the right status for every domain check on each lab domain', async () => {
    const { report, code } = await scanJson(['domain', ...DOMAINS, ...labArgs()]);
    expect(report.targets.map((t) => `${t.kind}:${t.name}`)).toEqual(DOMAINS.map((d) => `domain:${d}`));
    DOMAINS.forEach((d, i) => {
      const got = Object.fromEntries(
        report.targets[i]!.checks.filter((c) => c.endpoint === undefined).map((c) => [c.id, c.status]),
      );
      const want = Object.fromEntries(Object.entries(EXPECTED).map(([id, col]) => [id, col[i]]));
      expect(got, d).toEqual(want);
    });
    expect(code).toBe(1);
    // Failures say what was seen and how to fix it.
    for (const t of report.targets) {
      for (const c of t.checks.filter((x) => x.status === 'fail' && !x.endpoint)) {
        expect(c.evidence.length, `${t.name} ${c.id}`).toBeGreaterThan(0);
        expect(c.remediation?.summary, `${t.name} ${c.id}`).toBeTruthy();
      }
    }
  });

  it('probes every MX on port 25 (here the lab MX port) and judges those sessions too', async () => {
    const { report } = await scanJson(['domain', 'good.example', ...labArgs()]);
    const t = report.targets[0]!;
    if (!isDomainFacts(t.facts)) throw new Error('not a domain target');
    expect(t.facts.mxHosts.map((h) => h.host)).toEqual(['mx1.good.example', 'mx2.good.example']);
    const endpoints = [...new Set(t.checks.filter((c) => c.endpoint).map((c) => c.endpoint))];
    expect(endpoints.sort()).toEqual(
      [`127.0.0.1:${lab.mxPort}`, `127.0.0.6:${lab.mxPort}`, `[::1]:${lab.mxPort}`].sort(),
    );
    expect(t.checks.filter((c) => c.endpoint && c.status === 'fail')).toEqual([]);
    expect(t.state).toBe('scanned');
  });

  it('a DNSBL zone that does not list its RFC 5782 test entry is reported as not working, not as "clean"', async () => {
    const args = labArgs().map((a) => (a === 'dnsbl.lab.example' ? 'nolist.example' : a));
    const { report } = await scanJson(['domain', 'good.example', '--dns-only', ...args]);
    const listed = report.targets[0]!.checks.find((c) => c.id === 'dnsbl.listed');
    expect(listed?.status).toBe('error');
    expect(listed?.message).toMatch(/nolist\.example/);
  });

  it('--dns-only opens no SMTP connection', async () => {
    const before = lab.mxServers.reduce((n, s) => n + s.server.stats.connections, 0);
    const { report } = await scanJson(['domain', 'good.example', '--dns-only', ...labArgs()]);
    expect(lab.mxServers.reduce((n, s) => n + s.server.stats.connections, 0)).toBe(before);
    expect(report.targets[0]!.checks.every((c) => c.endpoint === undefined)).toBe(true);
    expect(report.targets[0]!.checks.find((c) => c.id === 'tls.dane')?.status).toBe('error');
  });

  it("host --domain judges the host's addresses against the domain's SPF", async () => {
    const mx1 = lab.mxServers.find((m) => m.name === 'mx1.good.example' && !m.address.includes(':'))!;
    const resolver = ['--resolver', `${lab.dns.host}:${lab.dns.port}`];
    const ok = await scanJson([
      'host',
      `${mx1.address}:${lab.mxPort}`,
      '--domain',
      'good.example',
      ...resolver,
    ]);
    expect(ok.report.targets.map((t) => `${t.kind}:${t.name}`)).toEqual([
      `host:${mx1.address}`,
      'domain:good.example',
    ]);
    const spf = ok.report.targets[1]!.checks;
    expect(spf.map((c) => c.id).every((id) => id.startsWith('spf.'))).toBe(true);
    expect(spf.find((c) => c.id === 'spf.authorizes')?.status).toBe('pass');
    // nullmx.example authorises nobody ("v=spf1 -all").
    const no = await scanJson([
      'host',
      `${mx1.address}:${lab.mxPort}`,
      '--domain',
      'nullmx.example',
      ...resolver,
    ]);
    expect(no.report.targets[1]!.checks.find((c) => c.id === 'spf.authorizes')).toMatchObject({
      status: 'fail',
      evidence: expect.arrayContaining([expect.stringContaining('127.0.0.1')]),
    });
    expect(no.code).toBe(1);
  });

  it('asks each distinct (name, type) exactly once for a domain with two MX hosts', async () => {
    // A resolver of its own so nothing is cached from the other tests; count at the lab DNS server.
    const dns = lab.dns;
    const start = (await import('../../src/lab/dns-server.js')).startDnsServer;
    const { labZones, LAB_SIGNED_ZONES } = await import('../../src/lab/zones.js');
    const counting = await start({ zones: labZones(), signedZones: [...LAB_SIGNED_ZONES] });
    try {
      const args = labArgs().map((a) =>
        a === `${dns.host}:${dns.port}` ? `${counting.host}:${counting.port}` : a,
      );
      const { report } = await scanJson(['domain', 'good.example', ...args]);
      const udp = counting.queries.filter((q) => q.transport === 'udp');
      const perKey = new Map<string, number>();
      for (const q of udp) perKey.set(`${q.name}|${q.type}`, (perKey.get(`${q.name}|${q.type}`) ?? 0) + 1);
      const repeated = [...perKey].filter(([, n]) => n > 1);
      expect(repeated).toEqual([]);
      const t = report.targets[0]!;
      if (!isDomainFacts(t.facts)) throw new Error('not a domain target');
      expect(t.facts.domain.dnsQueries?.distinct).toBe(perKey.size);
      expect(perKey.size).toBeGreaterThan(20);
    } finally {
      await counting.close();
    }
  });
});
