/**
 * The schema against real DNS facts: the lab's mail domains (a good one, weak and broken ones, a
 * null MX, SPF +all and SPF syntax errors) are probed through the lab DNS server and MTA-STS
 * server on loopback with every DNS probe on, and the report that carries them must validate
 * against schema/report.schema.json, with and without transcripts, and render as a table. The
 * hand-made sample cannot catch a probe that publishes a field the schema does not know.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Requirement } from '../../src/checks/types.js';
import { labCertPath } from '../../src/lab/lab.js';
import { startDnsServer, type LabDnsServer } from '../../src/lab/dns-server.js';
import { startMtaStsServer, type LabMtaStsServer } from '../../src/lab/mta-sts-server.js';
import { LAB_DNSBL_ZONE, LAB_DOMAINS, labMtaStsPolicies, labZones } from '../../src/lab/zones.js';
import { emptyCounts, type DomainReportFacts, type Report } from '../../src/model/results.js';
import { probeDomain } from '../../src/probe/domain.js';
import { Resolver } from '../../src/probe/dns/resolver.js';
import { ConnectionLimiter } from '../../src/probe/limiter.js';
import { loadTrustStore } from '../../src/probe/tls/trust.js';
import { SCHEMA_VERSION, renderJson } from '../../src/report/json.js';
import { renderTable } from '../../src/report/table.js';
import { schemaErrors } from '../helpers/schema.js';

// Every DNS probe; no SMTP (the MX probes' HostFacts are covered by the host scans of test/e2e).
const DNS_NEEDS: ReadonlySet<Requirement> = new Set<Requirement>([
  'dns-mx',
  'dns-reverse',
  'spf',
  'spf-eval',
  'dkim',
  'dmarc',
  'mta-sts',
  'tls-rpt',
  'tlsa',
  'dnsbl',
]);

let dns: LabDnsServer;
let sts: LabMtaStsServer;

beforeAll(async () => {
  dns = await startDnsServer({ zones: labZones() });
  sts = await startMtaStsServer({ policies: labMtaStsPolicies() });
});

afterAll(async () => {
  await dns?.close();
  await sts?.close();
});

async function probeLab(): Promise<Report> {
  const now = new Date('2026-11-21T12:00:00.000Z');
  const settings = {
    ehloName: 'mailcheck.invalid',
    stepTimeoutMs: 2000,
    deadlineMs: 10_000,
    trust: loadTrustStore(labCertPath('ca.pem')),
    allowPlaintextAuth: false,
    limiter: new ConnectionLimiter(2),
    resolver: new Resolver({
      servers: [{ address: dns.host, port: dns.port }],
      timeoutMs: 2000,
      dnssec: true,
    }),
    needs: DNS_NEEDS,
    dkimSelectors: ['s1'],
    dnsblZones: [LAB_DNSBL_ZONE],
    spfAddresses: ['127.0.0.1'],
    dnsOnly: true,
    mtaSts: { port: sts.port },
    now,
  };
  const targets = await Promise.all(
    LAB_DOMAINS.map(async (domain) => ({
      kind: 'domain' as const,
      name: domain,
      displayName: domain,
      input: domain,
      roles: [],
      state: 'scanned' as const,
      checks: [],
      summary: emptyCounts(),
      facts: await probeDomain({ domain, displayName: domain }, settings),
      startedAt: now.toISOString(),
      durationMs: 1,
    })),
  );
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mailcheck', version: '0.0.0-test' },
    policy: { name: 'campus-baseline', source: 'built-in' },
    startedAt: now.toISOString(),
    durationMs: 1,
    options: {},
    targets,
    summary: emptyCounts(),
  };
}

describe('the schema and real DNS facts', () => {
  it('validates the facts of every lab domain, and the table renders them', async () => {
    const report = await probeLab();
    const facts = report.targets.map((t) => t.facts as DomainReportFacts);
    // The probes really gathered something of every kind, or this test would prove little.
    const all = facts.map((f) => f.domain);
    expect(all.some((d) => d.mx?.hosts.some((h) => h.a.records.length > 0))).toBe(true);
    expect(all.some((d) => d.spf?.tree?.children.length)).toBe(true);
    expect(all.some((d) => d.dkim?.some((s) => s.lookup.records.length > 0))).toBe(true);
    expect(all.some((d) => d.dmarc?.records.length)).toBe(true);
    expect(all.some((d) => d.mtaSts?.policy?.mode)).toBe(true);
    expect(all.some((d) => Object.values(d.tlsa ?? {}).some((l) => l.records.length > 0))).toBe(true);
    expect(
      all.some((d) => d.addresses?.some((a) => Object.values(a.dnsbl ?? {}).some((l) => l.records.length))),
    ).toBe(true);

    for (const transcript of [false, true]) {
      const doc = JSON.parse(
        renderJson(report, { color: false, transcript, verbose: false, quiet: false }),
      ) as unknown;
      expect(schemaErrors(doc)).toEqual([]);
    }
    const text = renderTable(report, { color: false, transcript: false, verbose: false, quiet: false });
    for (const domain of LAB_DOMAINS) expect(text).toContain(`${domain} — scanned in 1 ms\n  MX `);
    expect(text.split('\n').filter((l) => [...l].length > 120)).toEqual([]);
  }, 30_000);
});
