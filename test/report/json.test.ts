/**
 * The JSON reporter and the shipped JSON Schema: the document validates, transcripts only on
 * request, certificate PEMs kept, the input left alone, and the schema strict enough to catch drift.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EndpointFacts, HostFacts } from '../../src/model/artifacts.js';
import type { AddressFacts } from '../../src/model/dns-artifacts.js';
import type {
  DomainReportFacts,
  Report,
  RenderOptions,
  Status,
  TargetReport,
} from '../../src/model/results.js';
import { STATUSES, isDomainFacts } from '../../src/model/results.js';
import { SCHEMA_ID, SCHEMA_VERSION, renderJson } from '../../src/report/json.js';
import { reportSchema, schemaErrors as errorsOf } from '../helpers/schema.js';

const SAMPLE = new URL('../fixtures/reports/sample-report.json', import.meta.url);
const PLAIN: RenderOptions = { color: false, transcript: false, verbose: false, quiet: false };

function loadSample(): Report {
  return JSON.parse(readFileSync(SAMPLE, 'utf8')) as Report;
}

/** Every host's facts in a report: host targets and the MX hosts of domain targets. */
function hosts(doc: Report): HostFacts[] {
  return doc.targets.flatMap((t) => (isDomainFacts(t.facts) ? t.facts.mxHosts : [t.facts]));
}

function endpoints(doc: Report): EndpointFacts[] {
  return hosts(doc).flatMap((h) => h.endpoints);
}

function hostFacts(t: TargetReport): HostFacts {
  if (isDomainFacts(t.facts)) throw new Error(`${t.name} is a domain target`);
  return t.facts;
}

function domainTarget(doc: Report): TargetReport & { facts: DomainReportFacts } {
  const t = doc.targets.find((x) => x.kind === 'domain');
  if (!t || !isDomainFacts(t.facts)) throw new Error('the sample has no domain target');
  return t as TargetReport & { facts: DomainReportFacts };
}

let schema: Record<string, unknown>;

beforeAll(() => {
  schema = reportSchema();
});

describe('renderJson', () => {
  it('writes pretty JSON with a final newline that parses back to the report', () => {
    const text = renderJson(loadSample(), { ...PLAIN, transcript: true });
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain(`\n  "schemaVersion": "${SCHEMA_VERSION}",\n`);
    expect(JSON.parse(text)).toEqual(loadSample());
  });

  it('produces a document that validates against the shipped schema, with and without transcripts', () => {
    for (const transcript of [false, true]) {
      expect(errorsOf(JSON.parse(renderJson(loadSample(), { ...PLAIN, transcript })))).toEqual([]);
    }
  });

  it('leaves transcripts out unless asked for, keeping everything else', () => {
    const report = loadSample();
    expect(endpoints(report).some((ep) => ep.transcript.length > 0)).toBe(true);
    // The MX hosts of a domain target have transcripts too, and lose them the same way.
    expect(domainTarget(report).facts.mxHosts.flatMap((h) => h.endpoints).length).toBeGreaterThan(0);

    const without = JSON.parse(renderJson(report, PLAIN)) as Report;
    for (const ep of endpoints(without)) expect(Object.keys(ep)).not.toContain('transcript');
    expect(renderJson(report, PLAIN)).not.toContain('"transcript"');

    const withT = JSON.parse(renderJson(report, { ...PLAIN, transcript: true })) as Report;
    expect(endpoints(withT).map((ep) => ep.transcript)).toEqual(endpoints(report).map((ep) => ep.transcript));
    // Nothing but the transcripts differs.
    for (const ep of endpoints(withT)) delete (ep as Partial<typeof ep>).transcript;
    expect(withT).toEqual(without);
  });

  it('does not change the report it is given', () => {
    const report = loadSample();
    renderJson(report, PLAIN);
    expect(report).toEqual(loadSample());
  });

  it('keeps certificate PEMs (DANE matching needs them)', () => {
    const doc = JSON.parse(renderJson(loadSample(), PLAIN)) as Report;
    const pems = endpoints(doc).flatMap((ep) => ep.tls?.handshake?.chain.map((c) => c.pem) ?? []);
    expect(pems.length).toBeGreaterThan(0);
    for (const pem of pems)
      expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
  });

  it('keeps hostile server text inert: control characters are escaped by JSON', () => {
    const report = loadSample();
    report.targets[0].checks[0].evidence = ['220 \u001b[2J\u001b]0;owned\u0007 ESMTP'];
    const text = renderJson(report, PLAIN);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/); // eslint-disable-line no-control-regex
    expect(text).toContain('\\u001b[2J');
    expect(errorsOf(JSON.parse(text))).toEqual([]);
  });
});

describe('the sample report fixture', () => {
  it('is current: its schemaVersion is SCHEMA_VERSION and its counts add up', () => {
    const report = loadSample();
    expect(report.schemaVersion).toBe(SCHEMA_VERSION);
    const count = (statuses: Status[]) =>
      Object.fromEntries(STATUSES.map((s) => [s, statuses.filter((x) => x === s).length]));
    for (const t of report.targets) expect(t.summary).toEqual(count(t.checks.map((c) => c.status)));
    expect(report.summary).toEqual(count(report.targets.flatMap((t) => t.checks.map((c) => c.status))));
  });

  it('has a domain target with an SPF include, DKIM, DMARC, MTA-STS, TLSA, reverse DNS and MX probes', () => {
    const { facts, checks } = domainTarget(loadSample());
    const d = facts.domain;
    expect(d.mx?.hosts.map((h) => h.name)).toEqual(['mail.lab.example', 'mx2.lab.example']);
    expect(d.spf?.tree?.children.map((c) => c.via)).toEqual(['include:_spf.lab.example']);
    expect(d.dkim?.some((s) => s.lookup.status === 'ok')).toBe(true);
    expect(d.dmarc?.records).toHaveLength(1);
    expect(d.mtaSts?.policy?.mode).toBe('enforce');
    expect(Object.values(d.tlsa ?? {}).some((l) => l.records.length > 0 && l.authenticated)).toBe(true);
    expect(d.addresses?.length).toBeGreaterThan(0);
    expect(facts.mxHosts.map((h) => h.host)).toEqual(['mail.lab.example', 'mx2.lab.example']);
    // Domain checks are target-level; the MX probes' checks name their endpoint.
    const targetLevel = checks.filter((c) => c.endpoint === undefined).map((c) => c.id.split('.')[0]);
    expect(new Set(targetLevel)).toEqual(
      new Set(['dns', 'spf', 'dkim', 'dmarc', 'mta_sts', 'tls_rpt', 'tls', 'dnsbl']),
    );
    const probed = new Set(facts.mxHosts.flatMap((h) => h.endpoints.map((e) => `${e.address}:${e.port}`)));
    for (const c of checks.filter((x) => x.endpoint !== undefined)) expect(probed).toContain(c.endpoint);
  });

  it('uses every status, and names an unreachable IDN target', () => {
    const report = loadSample();
    const seen = new Set(report.targets.flatMap((t) => t.checks.map((c) => c.status)));
    expect([...seen].sort()).toEqual([...STATUSES].sort());
    const idn = report.targets.find((t) => t.displayName !== t.name);
    expect(idn).toMatchObject({ name: 'smtp.xn--bcher-kva.example', displayName: 'smtp.bücher.example' });
    expect(idn?.state).toBe('unreachable');
  });
});

describe('schema/report.schema.json', () => {
  it('identifies itself and pins the major version of SCHEMA_VERSION', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(SCHEMA_ID);
    const doc = loadSample();
    expect(errorsOf({ ...doc, schemaVersion: SCHEMA_VERSION })).toEqual([]);
    expect(errorsOf({ ...doc, schemaVersion: '1.4.2' })).toEqual([]);
    expect(errorsOf({ ...doc, schemaVersion: '2.0.0' })).not.toEqual([]);
  });

  // Each mutation models a drift between code and schema, or a broken writer; all must be caught.
  const mutations: [string, (r: Report) => void][] = [
    [
      'an unknown property on an endpoint',
      (r) => Object.assign(hostFacts(r.targets[0]).endpoints[0], { relay: [] }),
    ],
    [
      'an unknown property on a certificate',
      (r) => Object.assign(hostFacts(r.targets[0]).endpoints[0].tls!.handshake!.chain[0], { der: '' }),
    ],
    ['an unknown top-level property', (r) => Object.assign(r, { extra: 1 })],
    ['an unknown status', (r) => Object.assign(r.targets[0].checks[0], { status: 'ok' })],
    ['an unknown severity', (r) => Object.assign(r.targets[0].checks[0], { severity: 'critical' })],
    [
      'a check without evidence',
      (r) => delete (r.targets[0].checks[0] as Partial<Report['targets'][0]['checks'][0]>).evidence,
    ],
    ['a target without facts', (r) => delete (r.targets[0] as Partial<Report['targets'][0]>).facts],
    ['an unknown target kind', (r) => Object.assign(r.targets[0], { kind: 'network' })],
    ['a bad check id', (r) => Object.assign(r.targets[0].checks[0], { id: 'Connect' })],
    [
      'an IPv6 endpoint without brackets',
      (r) => Object.assign(r.targets[0].checks[2], { endpoint: '2001:db8::1:25' }),
    ],
    [
      'an unknown probe error code',
      (r) => Object.assign(hostFacts(r.targets[0]).endpoints[2].connect.failure!, { code: 'EFOO' }),
    ],
    ['a summary missing a status', (r) => delete (r.summary as Partial<Report['summary']>).skip],
    ['a start time that is not a date-time', (r) => Object.assign(r, { startedAt: 'yesterday' })],
    [
      'a capability that is not a boolean',
      (r) => Object.assign(hostFacts(r.targets[0]).endpoints[0].ehlo!.capabilities, { pipelining: 'yes' }),
    ],
    ['domain facts on a host target', (r) => Object.assign(r.targets[0], { facts: domainTarget(r).facts })],
    [
      'host facts on a domain target',
      (r) => Object.assign(domainTarget(r), { facts: domainTarget(r).facts.mxHosts[0] }),
    ],
    [
      'a domain target without mxHosts',
      (r) => delete (domainTarget(r).facts as Partial<DomainReportFacts>).mxHosts,
    ],
    ['an unknown property on domain facts', (r) => Object.assign(domainTarget(r).facts.domain, { bimi: {} })],
    [
      'an unknown DNS status',
      (r) => Object.assign(domainTarget(r).facts.domain.dmarc!, { status: 'NOERROR' }),
    ],
    [
      'an unknown property deep in the SPF tree',
      (r) => Object.assign(domainTarget(r).facts.domain.spf!.tree!.children[0]!, { qualifier: '-' }),
    ],
    [
      'an SPF child without its own children list',
      (r) => delete (domainTarget(r).facts.domain.spf!.tree!.children[0] as { children?: unknown }).children,
    ],
    [
      'an MX record without a priority',
      (r) =>
        Object.assign(domainTarget(r).facts.domain.mx!.lookup, { records: [{ exchange: 'mx.example' }] }),
    ],
    [
      'TLSA data that is not lower-case hex',
      (r) =>
        Object.assign(domainTarget(r).facts.domain.tlsa!['mail.lab.example']!.records[0]!, { data: 'AB:CD' }),
    ],
    [
      'a TXT record that is not joined into one string',
      (r) => Object.assign(domainTarget(r).facts.domain.tlsRpt!, { records: [['v=TLSRPTv1;', 'rua=x']] }),
    ],
    [
      'a DNSBL answer with an unknown property',
      (r) =>
        Object.assign(domainTarget(r).facts.domain.addresses![0]!.dnsbl!['dnsbl.lab.example']!, {
          listed: true,
        }),
    ],
    [
      'a reverse entry without its PTR lookup',
      (r) => delete (hostFacts(r.targets[0]).reverse![0] as Partial<AddressFacts>).ptr,
    ],
    [
      'an MTA-STS policy without its mx list',
      (r) => delete (domainTarget(r).facts.domain.mtaSts!.policy as { mx?: string[] }).mx,
    ],
  ];
  it.each(mutations)('rejects %s', (_name, mutate) => {
    const doc = loadSample();
    mutate(doc);
    expect(errorsOf(doc)).not.toEqual([]);
  });

  it('accepts a domain scanned with --dns-only, and domain facts with only what the selected checks needed', () => {
    const doc = loadSample();
    const t = domainTarget(doc);
    t.facts.mxHosts = [];
    t.checks = t.checks.filter((c) => c.endpoint === undefined);
    expect(errorsOf(doc)).toEqual([]);
    t.facts.domain = { domain: 'lab.example', displayName: 'lab.example' };
    expect(errorsOf(doc)).toEqual([]);
  });

  it('still accepts a 1.0.0 document: host targets without reverse DNS', () => {
    const doc = loadSample();
    doc.schemaVersion = '1.0.0';
    doc.targets = doc.targets.filter((t) => t.kind === 'host');
    for (const t of doc.targets) delete hostFacts(t).reverse;
    expect(errorsOf(doc)).toEqual([]);
  });

  it('accepts free-form check data and options, and an IPv6 endpoint in brackets', () => {
    const doc = loadSample();
    doc.targets[0].checks[0].data = { nested: { anything: [1, 'two', null] } };
    doc.options = { resolvers: ['[::1]:53'], whatever: { x: true } };
    doc.targets[0].checks[2].endpoint = '[2001:db8::25]:25';
    expect(errorsOf(doc)).toEqual([]);
  });
});
