/**
 * Keeps schema/report.schema.json in step with the TypeScript model. Each `Shape<T>` below must list
 * every property of T as 'required' or 'optional' exactly as the type declares it — the compiler
 * rejects a missing, extra or mis-marked key — and the test compares that with the schema's
 * `properties` and `required`. So a field added to the model fails typecheck here until the schema
 * (and this list) follow, and a schema edit that drifts from the model fails the test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  AuthAttempt,
  Capabilities,
  CertificateFacts,
  DataFacts,
  EndpointFacts,
  EnumerationProbe,
  HostFacts,
  MailBeforeTlsProbe,
  ProbeErrorCode,
  ProbeFailure,
  RelayAttempt,
  RelayBattery,
  RelayFacts,
  RelayFormKind,
  SmtpExchange,
  SmtpReply,
  Stage,
  StepTiming,
  TlsFacts,
  TlsHandshakeFacts,
  TlsVersion,
  TlsVersionProbe,
  TranscriptEntry,
  WeakCipherProbe,
} from '../../src/model/artifacts.js';
import type {
  AddressFacts,
  DkimSelectorFacts,
  DnsLookup,
  DnsStatus,
  DomainFacts,
  MtaStsFacts,
  MxFacts,
  MxHostFacts,
  MxRecord,
  SpfFacts,
  SpfNode,
  TlsaRecord,
} from '../../src/model/dns-artifacts.js';
import type {
  CheckResult,
  DomainReportFacts,
  MtaName,
  Remediation,
  Report,
  TargetReport,
} from '../../src/model/results.js';
import { STATUSES } from '../../src/model/results.js';
import type { CheckChange, ExpiringCertificate, RunChanges, TargetChange } from '../../src/model/changes.js';

type Shape<T> = { [K in keyof T]-?: Pick<T, K> extends Required<Pick<T, K>> ? 'required' : 'optional' };
type Members<U extends string | number> = Record<U, true>;
type Item<T> = T extends readonly (infer I)[] ? I : never;

interface JsonSchema {
  $ref?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  [k: string]: unknown;
}

const schema = JSON.parse(
  readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8'),
) as JsonSchema & { $defs: Record<string, JsonSchema> };

/** The node at a JSON pointer such as "#/$defs/EndpointFacts/properties/ehlo", as written. */
function raw(pointer: string): JsonSchema {
  let node: JsonSchema = schema;
  for (const part of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = node[part] as JsonSchema;
    if (node === undefined) throw new Error(`no ${part} in ${pointer}`);
  }
  return node;
}

/** The node at a JSON pointer, following its $ref. */
function at(pointer: string): JsonSchema {
  const node = raw(pointer);
  return node.$ref ? at(node.$ref) : node;
}

/** Model deviations the JSON document makes on purpose. */
const OPTIONAL_IN_JSON: Record<string, string[]> = {
  // Left out unless --transcript (src/report/json.ts).
  '#/$defs/EndpointFacts': ['transcript'],
};

function expectShape(pointer: string, shape: Record<string, 'required' | 'optional'>): void {
  const node = at(pointer);
  expect(node.additionalProperties, `${pointer} should reject unknown properties`).toBe(false);
  expect(Object.keys(node.properties ?? {}).sort(), `${pointer} properties`).toEqual(
    Object.keys(shape).sort(),
  );
  const relaxed = OPTIONAL_IN_JSON[pointer] ?? [];
  const required = Object.entries(shape)
    .filter(([k, v]) => v === 'required' && !relaxed.includes(k))
    .map(([k]) => k);
  expect([...(node.required ?? [])].sort(), `${pointer} required`).toEqual(required.sort());
}

const report: Shape<Report> = {
  schemaVersion: 'required',
  tool: 'required',
  policy: 'required',
  startedAt: 'required',
  durationMs: 'required',
  options: 'required',
  targets: 'required',
  summary: 'required',
  interrupted: 'optional',
  changes: 'optional',
};
const runChanges: Shape<RunChanges> = {
  previous: 'required',
  current: 'optional',
  newFailures: 'required',
  fixed: 'required',
  otherChanges: 'required',
  newlyUnreachable: 'required',
  recovered: 'required',
  added: 'required',
  removed: 'required',
  expiringCertificates: 'required',
};
const checkChange: Shape<CheckChange> = {
  targetKind: 'required',
  target: 'required',
  displayName: 'required',
  check: 'required',
  endpoint: 'optional',
  before: 'required',
  after: 'required',
  message: 'required',
};
const targetChange: Shape<TargetChange> = {
  targetKind: 'required',
  target: 'required',
  displayName: 'required',
  reason: 'optional',
};
const expiring: Shape<ExpiringCertificate> = {
  targetKind: 'required',
  target: 'required',
  displayName: 'required',
  endpoint: 'optional',
  days: 'required',
  validTo: 'optional',
};
const runRef: Shape<NonNullable<RunChanges['current']>> = { id: 'required', startedAt: 'required' };
const target: Shape<TargetReport> = {
  kind: 'required',
  name: 'required',
  displayName: 'required',
  input: 'required',
  roles: 'required',
  state: 'required',
  error: 'optional',
  checks: 'required',
  summary: 'required',
  facts: 'required',
  startedAt: 'required',
  durationMs: 'required',
};
const check: Shape<CheckResult> = {
  id: 'required',
  status: 'required',
  severity: 'required',
  endpoint: 'optional',
  messageId: 'required',
  message: 'required',
  evidence: 'required',
  remediation: 'optional',
  data: 'optional',
};
const remediation: Shape<Remediation> = { summary: 'required', mta: 'optional' };
const host: Shape<HostFacts> = {
  host: 'required',
  displayName: 'required',
  addresses: 'required',
  resolution: 'optional',
  endpoints: 'required',
  reverse: 'optional',
};
const endpoint: Shape<EndpointFacts> = {
  host: 'required',
  address: 'required',
  family: 'required',
  port: 'required',
  profile: 'required',
  explicit: 'required',
  connect: 'required',
  greeting: 'optional',
  ehlo: 'optional',
  starttls: 'optional',
  ehloTls: 'optional',
  mailBeforeTls: 'optional',
  tls: 'optional',
  vrfy: 'optional',
  expn: 'optional',
  auth: 'optional',
  relay: 'optional',
  data: 'optional',
  failure: 'optional',
  timings: 'required',
  transcript: 'required',
  ms: 'required',
};
const connect: Shape<EndpointFacts['connect']> = { ok: 'required', ms: 'optional', failure: 'optional' };
const greeting: Shape<NonNullable<EndpointFacts['greeting']>> = { reply: 'required', ms: 'required' };
const ehlo: Shape<NonNullable<EndpointFacts['ehlo']>> = {
  command: 'required',
  reply: 'required',
  ehloRejected: 'optional',
  capabilities: 'required',
};
const starttls: Shape<NonNullable<EndpointFacts['starttls']>> = {
  offered: 'required',
  attempted: 'required',
  reply: 'optional',
  failure: 'optional',
};
const ehloTls: Shape<NonNullable<EndpointFacts['ehloTls']>> = { reply: 'required', capabilities: 'required' };
const failure: Shape<ProbeFailure> = {
  code: 'required',
  message: 'required',
  stage: 'required',
  address: 'optional',
  port: 'optional',
  waitedFor: 'optional',
  lastReply: 'optional',
  timeoutMs: 'optional',
};
const smtpReply: Shape<SmtpReply> = { code: 'required', enhanced: 'optional', lines: 'required' };
const transcriptEntry: Shape<TranscriptEntry> = { t: 'required', dir: 'required', text: 'required' };
const stepTiming: Shape<StepTiming> = { stage: 'required', label: 'required', ms: 'required' };
const capabilities: Shape<Capabilities> = {
  raw: 'required',
  size: 'optional',
  pipelining: 'required',
  eightBitMime: 'required',
  smtpUtf8: 'required',
  chunking: 'required',
  dsn: 'required',
  enhancedStatusCodes: 'required',
  requireTls: 'required',
  starttls: 'required',
  auth: 'required',
  vrfy: 'required',
  etrn: 'required',
};
const certificate: Shape<CertificateFacts> = {
  subject: 'required',
  commonName: 'optional',
  issuer: 'required',
  subjectAltNames: 'required',
  serialNumber: 'required',
  validFrom: 'required',
  validTo: 'required',
  fingerprint256: 'required',
  keyType: 'required',
  keyBits: 'optional',
  curve: 'optional',
  signatureAlgorithm: 'required',
  selfSigned: 'required',
  isCA: 'required',
  trustAnchor: 'required',
  pem: 'required',
};
const handshake: Shape<TlsHandshakeFacts> = {
  ok: 'required',
  failure: 'optional',
  protocol: 'optional',
  cipher: 'optional',
  ephemeralKey: 'optional',
  chain: 'required',
  validation: 'optional',
  hostname: 'optional',
  discardedBytes: 'optional',
  ms: 'optional',
};
const cipher: Shape<NonNullable<TlsHandshakeFacts['cipher']>> = {
  name: 'required',
  standardName: 'optional',
  version: 'optional',
};
const ephemeralKey: Shape<NonNullable<TlsHandshakeFacts['ephemeralKey']>> = {
  type: 'required',
  name: 'optional',
  size: 'optional',
};
const validation: Shape<NonNullable<TlsHandshakeFacts['validation']>> = {
  authorized: 'required',
  error: 'optional',
  caSources: 'required',
};
const hostname: Shape<NonNullable<TlsHandshakeFacts['hostname']>> = {
  name: 'required',
  matches: 'required',
  error: 'optional',
};
const versionProbe: Shape<TlsVersionProbe> = {
  version: 'required',
  result: 'required',
  cipher: 'optional',
  reason: 'optional',
  fromMainSession: 'optional',
};
const weakCipher: Shape<WeakCipherProbe> = {
  name: 'required',
  result: 'required',
  cipher: 'optional',
  reason: 'optional',
};
const tls: Shape<TlsFacts> = { handshake: 'optional', versions: 'required', weakCiphers: 'required' };
const enumeration: Shape<EnumerationProbe> = {
  command: 'required',
  overTls: 'required',
  known: 'required',
  unknown: 'required',
};
const enumerationQuery: Shape<EnumerationProbe['known']> = { argument: 'required', reply: 'required' };
const mailBeforeTls: Shape<MailBeforeTlsProbe> = { command: 'required', reply: 'required' };
const auth: Shape<AuthAttempt> = {
  mechanism: 'required',
  overTls: 'required',
  success: 'required',
  reply: 'optional',
  failure: 'optional',
  refused: 'optional',
};
const smtpExchange: Shape<SmtpExchange> = { command: 'required', reply: 'required' };
const relayAttempt: Shape<RelayAttempt> = {
  form: 'required',
  kind: 'required',
  mail: 'required',
  rcpt: 'optional',
  rset: 'optional',
  overTls: 'required',
  pipelined: 'required',
};
const relayBattery: Shape<RelayBattery> = {
  authenticated: 'required',
  forms: 'required',
  attempts: 'required',
  tlsRequired: 'optional',
  stopped: 'optional',
  sessions: 'required',
  reconnects: 'required',
  failure: 'optional',
};
const relayStopped: Shape<NonNullable<RelayBattery['stopped']>> = {
  reason: 'required',
  form: 'required',
  exchange: 'required',
};
const relay: Shape<RelayFacts> = {
  relayDomain: 'required',
  serverName: 'required',
  localDomain: 'required',
  ipLiteral: 'required',
  pipelining: 'required',
  unauthenticated: 'required',
  catchAll: 'optional',
  auth: 'optional',
  authenticated: 'optional',
  authSkipped: 'optional',
  ms: 'required',
};
const data: Shape<DataFacts> = {
  from: 'required',
  to: 'required',
  mailcheckId: 'required',
  messageId: 'required',
  overTls: 'required',
  auth: 'optional',
  steps: 'required',
  final: 'optional',
  queueId: 'optional',
  finalMs: 'optional',
  size: 'optional',
  failure: 'optional',
  ms: 'required',
};
const address: Shape<Item<HostFacts['addresses']>> = { address: 'required', family: 'required' };
const resolution: Shape<NonNullable<HostFacts['resolution']>> = { failure: 'optional', ms: 'required' };
const targetError: Shape<NonNullable<TargetReport['error']>> = { code: 'required', message: 'required' };
const tool: Shape<Report['tool']> = { name: 'required', version: 'required' };
const policy: Shape<Report['policy']> = { name: 'required', source: 'required' };
const mta: Shape<NonNullable<Remediation['mta']>> = { name: 'required', text: 'required' };

// Domain targets (schema 1.1).
const domainReport: Shape<DomainReportFacts> = { domain: 'required', mxHosts: 'required' };
const domain: Shape<DomainFacts> = {
  domain: 'required',
  displayName: 'required',
  mx: 'optional',
  spf: 'optional',
  dmarc: 'optional',
  dkim: 'optional',
  mtaSts: 'optional',
  tlsRpt: 'optional',
  tlsa: 'optional',
  addresses: 'optional',
  dnsQueries: 'optional',
};
const dnsQueries: Shape<NonNullable<DomainFacts['dnsQueries']>> = { asked: 'required', distinct: 'required' };
// DnsLookup<T> is generic; the schema spells it out once per record type, all with this shape.
const lookupShape = <T>(): Shape<DnsLookup<T>> => ({
  name: 'required',
  type: 'required',
  status: 'required',
  records: 'required',
  authenticated: 'optional',
  cname: 'optional',
});
const mxRecord: Shape<MxRecord> = { priority: 'required', exchange: 'required' };
const tlsaRecord: Shape<TlsaRecord> = {
  usage: 'required',
  selector: 'required',
  matchingType: 'required',
  data: 'required',
};
const mxFacts: Shape<MxFacts> = { lookup: 'required', nullMx: 'required', hosts: 'required' };
const mxHost: Shape<MxHostFacts> = {
  name: 'required',
  priority: 'required',
  ipLiteral: 'required',
  cname: 'optional',
  a: 'required',
  aaaa: 'required',
};
const addressFacts: Shape<AddressFacts> = {
  address: 'required',
  family: 'required',
  usedBy: 'required',
  ptr: 'required',
  forward: 'required',
  dnsbl: 'optional',
  dnsblTxt: 'optional',
};
const spfNode: Shape<SpfNode> = {
  domain: 'required',
  via: 'required',
  lookup: 'required',
  spfRecords: 'required',
  rawStrings: 'required',
  lookupTerms: 'required',
  voidLookups: 'required',
  children: 'required',
};
const spf: Shape<SpfFacts> = { tree: 'optional', error: 'optional', evaluations: 'optional' };
const spfEvaluation: Shape<Item<NonNullable<SpfFacts['evaluations']>>> = {
  address: 'required',
  result: 'required',
  explanation: 'optional',
};
const dkim: Shape<DkimSelectorFacts> = { selector: 'required', configured: 'required', lookup: 'required' };
const mtaSts: Shape<MtaStsFacts> = { txt: 'required', fetch: 'optional', policy: 'optional' };
const mtaStsFetch: Shape<NonNullable<MtaStsFacts['fetch']>> = {
  url: 'required',
  status: 'optional',
  contentType: 'optional',
  body: 'optional',
  redirected: 'optional',
  error: 'optional',
  addressLookup: 'optional',
  certificate: 'optional',
};
const mtaStsCertificate: Shape<NonNullable<NonNullable<MtaStsFacts['fetch']>['certificate']>> = {
  subject: 'required',
  issuer: 'required',
  validTo: 'required',
  authorized: 'required',
  authorizationError: 'optional',
};
const mtaStsPolicy: Shape<NonNullable<MtaStsFacts['policy']>> = {
  mode: 'optional',
  maxAge: 'optional',
  mx: 'required',
  errors: 'required',
};

const SHAPES: [string, Record<string, 'required' | 'optional'>][] = [
  ['#/$defs/RunChanges', runChanges],
  ['#/$defs/CheckChange', checkChange],
  ['#/$defs/TargetChange', targetChange],
  ['#/$defs/ExpiringCertificate', expiring],
  ['#/$defs/RunRef', runRef],
  ['#', report],
  ['#/properties/tool', tool],
  ['#/properties/policy', policy],
  ['#/$defs/TargetReport', target],
  ['#/$defs/TargetReport/properties/error', targetError],
  ['#/$defs/CheckResult', check],
  ['#/$defs/Remediation', remediation],
  ['#/$defs/Remediation/properties/mta', mta],
  ['#/$defs/HostFacts', host],
  ['#/$defs/HostFacts/properties/addresses/items', address],
  ['#/$defs/HostFacts/properties/resolution', resolution],
  ['#/$defs/EndpointFacts', endpoint],
  ['#/$defs/EndpointFacts/properties/connect', connect],
  ['#/$defs/EndpointFacts/properties/greeting', greeting],
  ['#/$defs/EndpointFacts/properties/ehlo', ehlo],
  ['#/$defs/EndpointFacts/properties/starttls', starttls],
  ['#/$defs/EndpointFacts/properties/ehloTls', ehloTls],
  ['#/$defs/ProbeFailure', failure],
  ['#/$defs/SmtpReply', smtpReply],
  ['#/$defs/TranscriptEntry', transcriptEntry],
  ['#/$defs/StepTiming', stepTiming],
  ['#/$defs/Capabilities', capabilities],
  ['#/$defs/CertificateFacts', certificate],
  ['#/$defs/TlsHandshakeFacts', handshake],
  ['#/$defs/TlsHandshakeFacts/properties/cipher', cipher],
  ['#/$defs/TlsHandshakeFacts/properties/ephemeralKey', ephemeralKey],
  ['#/$defs/TlsHandshakeFacts/properties/validation', validation],
  ['#/$defs/TlsHandshakeFacts/properties/hostname', hostname],
  ['#/$defs/TlsVersionProbe', versionProbe],
  ['#/$defs/WeakCipherProbe', weakCipher],
  ['#/$defs/TlsFacts', tls],
  ['#/$defs/EnumerationProbe', enumeration],
  ['#/$defs/EnumerationQuery', enumerationQuery],
  ['#/$defs/MailBeforeTlsProbe', mailBeforeTls],
  ['#/$defs/AuthAttempt', auth],
  ['#/$defs/SmtpExchange', smtpExchange],
  ['#/$defs/RelayAttempt', relayAttempt],
  ['#/$defs/RelayBattery', relayBattery],
  ['#/$defs/RelayBattery/properties/stopped', relayStopped],
  ['#/$defs/RelayFacts', relay],
  ['#/$defs/DataFacts', data],
  ['#/$defs/DomainReportFacts', domainReport],
  ['#/$defs/DomainFacts', domain],
  ['#/$defs/DomainFacts/properties/dnsQueries', dnsQueries],
  ['#/$defs/DnsLookupString', lookupShape<string>()],
  ['#/$defs/DnsLookupTxt', lookupShape<string>()],
  ['#/$defs/DnsLookupMx', lookupShape<MxRecord>()],
  ['#/$defs/DnsLookupTlsa', lookupShape<TlsaRecord>()],
  ['#/$defs/DnsLookupTxtStrings', lookupShape<string[]>()],
  ['#/$defs/MxRecord', mxRecord],
  ['#/$defs/TlsaRecord', tlsaRecord],
  ['#/$defs/MxFacts', mxFacts],
  ['#/$defs/MxHostFacts', mxHost],
  ['#/$defs/AddressFacts', addressFacts],
  ['#/$defs/SpfNode', spfNode],
  ['#/$defs/SpfFacts', spf],
  ['#/$defs/SpfFacts/properties/evaluations/items', spfEvaluation],
  ['#/$defs/DkimSelectorFacts', dkim],
  ['#/$defs/MtaStsFacts', mtaSts],
  ['#/$defs/MtaStsFacts/properties/fetch', mtaStsFetch],
  ['#/$defs/MtaStsFacts/properties/fetch/properties/certificate', mtaStsCertificate],
  ['#/$defs/MtaStsFacts/properties/policy', mtaStsPolicy],
];

/**
 * Where the model uses a DnsLookup<T> (or a map or list of them), the schema definition that
 * spells out that T: TXT answers are joined strings, A/AAAA/PTR answers plain strings.
 */
const LOOKUPS: [pointer: string, def: string][] = [
  ['#/$defs/MxFacts/properties/lookup', 'DnsLookupMx'],
  ['#/$defs/MxHostFacts/properties/a', 'DnsLookupString'],
  ['#/$defs/MxHostFacts/properties/aaaa', 'DnsLookupString'],
  ['#/$defs/AddressFacts/properties/ptr', 'DnsLookupString'],
  ['#/$defs/AddressFacts/properties/forward/items', 'DnsLookupString'],
  ['#/$defs/AddressFacts/properties/dnsbl/additionalProperties', 'DnsLookupString'],
  ['#/$defs/AddressFacts/properties/dnsblTxt/additionalProperties', 'DnsLookupTxtStrings'],
  ['#/$defs/SpfNode/properties/lookup', 'DnsLookupTxt'],
  ['#/$defs/DkimSelectorFacts/properties/lookup', 'DnsLookupTxt'],
  ['#/$defs/MtaStsFacts/properties/txt', 'DnsLookupTxt'],
  ['#/$defs/DomainFacts/properties/dmarc', 'DnsLookupTxt'],
  ['#/$defs/DomainFacts/properties/tlsRpt', 'DnsLookupTxt'],
  ['#/$defs/DomainFacts/properties/tlsa/additionalProperties', 'DnsLookupTlsa'],
];
const RECORD_ITEMS: [def: string, items: JsonSchema][] = [
  ['DnsLookupString', { type: 'string' }],
  ['DnsLookupTxt', { type: 'string' }],
  ['DnsLookupMx', { $ref: '#/$defs/MxRecord' }],
  ['DnsLookupTlsa', { $ref: '#/$defs/TlsaRecord' }],
  ['DnsLookupTxtStrings', { type: 'array', items: { type: 'string' } }],
];

// Exhaustive lists of the model's unions; the compiler rejects a missing or unknown member.
const stages: Members<Stage> = {
  DNS: true,
  CONNECT: true,
  GREETING: true,
  EHLO: true,
  HELO: true,
  MAIL: true,
  RCPT: true,
  RSET: true,
  VRFY: true,
  EXPN: true,
  STARTTLS: true,
  TLS: true,
  AUTH: true,
  DATA: true,
  QUIT: true,
};
const codes: Members<ProbeErrorCode> = {
  ECONNREFUSED: true,
  ECONNRESET: true,
  EHOSTUNREACH: true,
  CONNECT_TIMEOUT: true,
  REPLY_TIMEOUT: true,
  DEADLINE: true,
  CLOSED: true,
  LINE_TOO_LONG: true,
  REPLY_TOO_LONG: true,
  MALFORMED_REPLY: true,
  SERVICE_UNAVAILABLE: true,
  UNEXPECTED_REPLY: true,
  TLS_HANDSHAKE: true,
  TLS_TIMEOUT: true,
  PLAINTEXT_INJECTION: true,
  DNS_NXDOMAIN: true,
  DNS_NODATA: true,
  DNS_SERVFAIL: true,
  DNS_REFUSED: true,
  DNS_TIMEOUT: true,
  INTERNAL: true,
};
const versions: Members<TlsVersion> = {
  SSLv3: true,
  TLSv1: true,
  'TLSv1.1': true,
  'TLSv1.2': true,
  'TLSv1.3': true,
};
const mtas: Members<MtaName> = { postfix: true, exim: true, sendmail: true, exchange: true, opensmtpd: true };
const severities: Members<CheckResult['severity']> = { fail: true, warn: true, info: true, off: true };
const profiles: Members<EndpointFacts['profile']> = { smtp: true, submission: true, smtps: true };
const states: Members<TargetReport['state']> = { scanned: true, partial: true, unreachable: true };
const kinds: Members<TargetReport['kind']> = { host: true, domain: true };
const probeResults: Members<TlsVersionProbe['result']> = {
  accepted: true,
  rejected: true,
  untestable: true,
  error: true,
};
const dirs: Members<TranscriptEntry['dir']> = { C: true, S: true, '*': true };
const dnsStatuses: Members<DnsStatus> = {
  ok: true,
  NXDOMAIN: true,
  NODATA: true,
  SERVFAIL: true,
  REFUSED: true,
  TIMEOUT: true,
};

const relayKinds: Members<RelayFormKind> = { foreign: true, routed: true };
const relayStops: Members<NonNullable<RelayBattery['stopped']>['reason']> = {
  'auth-required': true,
  'tls-required': true,
};

const ENUMS: [string, string[]][] = [
  ['#/$defs/RelayFormKind', Object.keys(relayKinds)],
  ['#/$defs/RelayBattery/properties/stopped/properties/reason', Object.keys(relayStops)],
  ['#/$defs/Stage', Object.keys(stages)],
  ['#/$defs/ProbeErrorCode', Object.keys(codes)],
  ['#/$defs/TlsVersion', Object.keys(versions)],
  ['#/$defs/Remediation/properties/mta/properties/name', Object.keys(mtas)],
  ['#/$defs/Status', [...STATUSES]],
  ['#/$defs/Severity', Object.keys(severities)],
  ['#/$defs/EndpointFacts/properties/profile', Object.keys(profiles)],
  ['#/$defs/TargetReport/properties/state', Object.keys(states)],
  ['#/$defs/TargetReport/properties/kind', Object.keys(kinds)],
  ['#/$defs/ProbeResult', Object.keys(probeResults)],
  ['#/$defs/TranscriptEntry/properties/dir', Object.keys(dirs)],
  ['#/$defs/DnsStatus', Object.keys(dnsStatuses)],
];

describe('the JSON Schema mirrors the model', () => {
  it.each(SHAPES)('%s has exactly the properties and required keys of its type', (pointer, shape) => {
    expectShape(pointer, shape);
  });

  it.each(ENUMS)('%s lists exactly the members of its union', (pointer, members) => {
    expect([...(at(pointer).enum ?? [])].sort()).toEqual([...members].sort());
  });

  it.each(LOOKUPS)('%s is the %s spelling of DnsLookup<T>', (pointer, def) => {
    expect(raw(pointer).$ref).toBe(`#/$defs/${def}`);
  });

  it.each(RECORD_ITEMS)('%s holds records of its type', (def, items) => {
    expect(at(`#/$defs/${def}/properties/records`).items).toEqual(items);
    expect(at(`#/$defs/${def}/properties/status`)).toBe(at('#/$defs/DnsStatus'));
  });

  it('lists host reverse DNS as AddressFacts, and the SPF tree recursively', () => {
    expect(raw('#/$defs/HostFacts/properties/reverse/items').$ref).toBe('#/$defs/AddressFacts');
    expect(raw('#/$defs/SpfNode/properties/children/items').$ref).toBe('#/$defs/SpfNode');
    expect(raw('#/$defs/SpfFacts/properties/tree').$ref).toBe('#/$defs/SpfNode');
    expect(raw('#/$defs/DomainReportFacts/properties/mxHosts/items').$ref).toBe('#/$defs/HostFacts');
  });

  it('offers host facts or domain facts, tied to the target kind', () => {
    const facts = at('#/$defs/TargetReport/properties/facts');
    expect(facts.oneOf?.map((s) => s.$ref)).toEqual(['#/$defs/HostFacts', '#/$defs/DomainReportFacts']);
    const target = at('#/$defs/TargetReport');
    expect(target.if).toEqual({ properties: { kind: { const: 'domain' } }, required: ['kind'] });
    expect(target.then).toEqual({ properties: { facts: { $ref: '#/$defs/DomainReportFacts' } } });
    expect(target.else).toEqual({ properties: { facts: { $ref: '#/$defs/HostFacts' } } });
    // The kinds: everything but "domain" takes the else branch, so there must be exactly two.
    expect(Object.keys(kinds).sort()).toEqual(['domain', 'host']);
  });

  it('keeps host and domain facts mutually exclusive through their required keys', () => {
    const host = at('#/$defs/HostFacts');
    const dom = at('#/$defs/DomainReportFacts');
    for (const [a, b] of [
      [host, dom],
      [dom, host],
    ]) {
      expect(a.additionalProperties).toBe(false);
      expect(a.required?.some((k) => !Object.keys(b.properties ?? {}).includes(k))).toBe(true);
    }
  });
});
