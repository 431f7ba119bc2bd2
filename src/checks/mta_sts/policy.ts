/**
 * mta_sts.policy — the domain publishes an MTA-STS policy (RFC 8461) that senders can use: one
 * valid `_mta-sts` TXT record, a policy fetched with HTTP 200 and text/plain over a certificate
 * valid for mta-sts.<domain>, mode enforce, a max_age of at least a day, and an `mx:` pattern
 * for every MX host.
 */
import type { MxFacts } from '../../model/dns-artifacts.js';
import { defineDomainCheck, type Finding } from '../types.js';
import { cannotJudge } from '../util.js';
import { fetchEvidence, fetchProblem, isStsRecord, mxMatches, parseStsRecord } from './common.js';

const UNANSWERED = new Set(['SERVFAIL', 'REFUSED', 'TIMEOUT']);
/** Body lines shown in evidence, and their width: a policy is a handful of short lines. */
const MAX_BODY_LINES = 20;
const MAX_LINE = 200;

/** MX coverage: evidence lines and the MX names no pattern matches, or why it cannot be told. */
function coverage(
  mx: MxFacts | undefined,
  patterns: string[],
): { lines: string[]; uncovered: string[] } | string {
  if (!mx) return 'the MX records were not looked up, so the mx: patterns cannot be compared';
  if (UNANSWERED.has(mx.lookup.status)) return `MX ${mx.lookup.name}: ${mx.lookup.status}`;
  const hosts = mx.hosts.filter((h) => !h.ipLiteral).map((h) => h.name);
  if (mx.nullMx || hosts.length === 0)
    return { lines: [`MX: none to cover (${mx.nullMx ? 'null MX' : mx.lookup.status})`], uncovered: [] };
  const lines: string[] = [];
  const uncovered: string[] = [];
  for (const host of hosts) {
    const match = patterns.find((p) => mxMatches(p, host));
    lines.push(`MX ${host}: ${match ? `matches mx: ${match}` : 'matches no mx: pattern'}`);
    if (!match) uncovered.push(host);
  }
  return { lines, uncovered };
}

export default defineDomainCheck({
  id: 'mta_sts.policy',
  area: 'mta_sts',
  title: 'MTA-STS policy published and enforced',
  scope: 'domain',
  reference: 'RFC 8461 §3',
  requires: ['mta-sts', 'dns-mx'],
  defaultParams: { minMaxAge: 86400 },
  messages: {
    ok: 'MTA-STS policy {id} enforces TLS for every MX (max_age {maxAge} s)',
    noRecord: 'No MTA-STS record at {name} ({dnsStatus})',
    multipleRecords: '{count} MTA-STS records at {name}; senders ignore MTA-STS unless there is exactly one',
    badRecord: 'The MTA-STS record at {name} is not valid: {problems}',
    fetchFailed: 'The MTA-STS policy at {url} cannot be used: {reason}',
    problems: 'MTA-STS policy problems: {problems}',
    weak: 'MTA-STS policy weaknesses: {problems}',
  },
  remediation: {
    generic:
      'Publish TXT _mta-sts.{domain} "v=STSv1; id=<new id>" and serve https://mta-sts.{domain}/.well-known/mta-sts.txt (HTTP 200, text/plain, a publicly trusted certificate for mta-sts.{domain}) with lines "version: STSv1", "mode: enforce", one "mx: <host>" per MX and "max_age: 604800"; change id whenever the policy changes',
    postfix:
      'Senders verify your MX certificates under MTA-STS: give each MX a publicly trusted certificate for its MX name (smtpd_tls_chain_files) before moving mode to enforce',
    exim: 'Give each MX a publicly trusted certificate for its MX name (tls_certificate / tls_privatekey) before moving mode to enforce',
    sendmail:
      "Give each MX a publicly trusted certificate for its MX name (define(`confSERVER_CERT') / define(`confSERVER_KEY')) before moving mode to enforce",
    exchange:
      'Exchange Online hosts no policy for you: serve mta-sts.txt from a web host (e.g. Azure Static Web Apps) with "mx: *.mail.protection.outlook.com"',
    opensmtpd:
      'Give each MX a publicly trusted certificate for its MX name (pki <name> cert / key) before moving mode to enforce',
  },
  run({ domain, params }): Finding {
    const sts = domain.mtaSts;
    if (!sts) return cannotJudge('MTA-STS was not looked up');
    const { txt } = sts;
    const base = { domain: domain.domain, name: txt.name, dnsStatus: txt.status };
    const evidence =
      txt.records.length > 0
        ? txt.records.map((r) => `${txt.name} TXT "${r}"`)
        : [`${txt.name} TXT: ${txt.status}`];
    if (UNANSWERED.has(txt.status)) return cannotJudge(`TXT ${txt.name}: ${txt.status}`, evidence);
    const records = txt.records.filter(isStsRecord);
    if (records.length === 0) return { status: 'fail', messageId: 'noRecord', data: base, evidence };
    if (records.length > 1) {
      return {
        status: 'fail',
        messageId: 'multipleRecords',
        data: { ...base, count: records.length },
        evidence,
      };
    }
    const record = parseStsRecord(records[0]!);
    if (record.id === undefined) {
      return { status: 'fail', messageId: 'badRecord', data: { ...base, problems: record.errors }, evidence };
    }
    const { fetch, policy } = sts;
    if (!fetch) return cannotJudge('the MTA-STS policy was not fetched', evidence);
    evidence.push(...fetchEvidence(fetch));
    const lookups = fetch.addressLookup;
    const unanswered =
      lookups &&
      [lookups.a, lookups.aaaa].some((st) => st === 'TIMEOUT' || st === 'SERVFAIL' || st === 'REFUSED');
    if (unanswered && fetch.error) {
      // The policy host's address lookup went unanswered: that says nothing about the policy.
      return cannotJudge(`the policy host could not be resolved: ${fetch.error}`, evidence);
    }
    const reason = fetchProblem(fetch);
    if (reason !== undefined) {
      return {
        status: 'fail',
        messageId: 'fetchFailed',
        data: { ...base, url: fetch.url, reason },
        evidence,
      };
    }
    if (!policy) return cannotJudge('the MTA-STS policy was fetched but not parsed', evidence);
    const lines = (fetch.body ?? '').split(/\r?\n/).filter((l) => l.trim() !== '');
    evidence.push(...lines.slice(0, MAX_BODY_LINES).map((l) => `policy: ${l.slice(0, MAX_LINE)}`));
    if (lines.length > MAX_BODY_LINES) evidence.push(`policy: … ${lines.length - MAX_BODY_LINES} more lines`);

    const fails = [...policy.errors];
    const warns: string[] = [];
    if (policy.mode === 'none') fails.push('mode none (policy being withdrawn; senders do not require TLS)');
    if (policy.mode === 'testing') warns.push('mode testing (failures are only reported, not enforced)');
    if (policy.maxAge !== undefined && policy.maxAge < params.minMaxAge) {
      warns.push(`max_age ${policy.maxAge} s is under ${params.minMaxAge} s (RFC 8461 §3.2 suggests weeks)`);
    }
    if (policy.mode === 'enforce' || policy.mode === 'testing') {
      const cov = coverage(domain.mx, policy.mx);
      if (typeof cov === 'string') return cannotJudge(cov, evidence);
      evidence.push(...cov.lines);
      if (cov.uncovered.length > 0)
        fails.push(`MX not covered by any mx: pattern: ${cov.uncovered.join(', ')}`);
    }
    const data = { ...base, id: record.id, maxAge: policy.maxAge, mode: policy.mode, url: fetch.url };
    if (fails.length > 0)
      return {
        status: 'fail',
        messageId: 'problems',
        data: { ...data, problems: [...fails, ...warns] },
        evidence,
      };
    if (warns.length > 0)
      return { status: 'warn', messageId: 'weak', data: { ...data, problems: warns }, evidence };
    return { status: 'pass', messageId: 'ok', data, evidence };
  },
});
