/**
 * tls_rpt.record — exactly one TLS-RPT record at `_smtp._tls.<domain>` (RFC 8460 §3), with
 * `rua=` naming where senders send their daily TLS reports: mailto: or https: URIs.
 */
import { defineDomainCheck, type Finding } from '../types.js';
import { cannotJudge } from '../util.js';
import { parseFieldList } from '../common/field-list.js';

const UNANSWERED = new Set(['SERVFAIL', 'REFUSED', 'TIMEOUT']);

/** RFC 8460 §3: a record counts only if it starts with `v=TLSRPTv1`. */
function isTlsRptRecord(text: string): boolean {
  return /^v=TLSRPTv1(?:[;\s]|$)/.test(text);
}

/** What is wrong with one rua URI (RFC 8460 §3: tlsrpt-uri is mailto: or https:), if anything. */
function uriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not a URI`;
  }
  if (url.protocol === 'mailto:') {
    return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(url.pathname.replace(/%40/gi, '@'))
      ? undefined
      : `"${uri}" has no mail address`;
  }
  if (url.protocol === 'https:') return url.hostname ? undefined : `"${uri}" has no host`;
  return `"${uri}" is neither mailto: nor https:`;
}

/** The rua URIs of a record and the problems found in it. */
function parseRecord(text: string): { rua: string[]; problems: string[] } {
  const { fields, problems } = parseFieldList(text);
  const value = fields.get('rua');
  if (value === undefined || value === '')
    return { rua: [], problems: [...problems, 'no rua= (where reports go)'] };
  const rua = value.split(',').map((u) => u.trim());
  for (const uri of rua) {
    const p = uriProblem(uri);
    if (p) problems.push(p);
  }
  return { rua, problems };
}

export default defineDomainCheck({
  id: 'tls_rpt.record',
  area: 'tls_rpt',
  title: 'TLS reporting (TLS-RPT) record',
  scope: 'domain',
  reference: 'RFC 8460 §3',
  requires: ['tls-rpt'],
  defaultParams: {},
  messages: {
    ok: 'TLS reports go to {rua}',
    missing: 'No TLS-RPT record at {name} ({dnsStatus}); senders cannot report TLS failures to you',
    multiple: '{count} TLS-RPT records at {name}; senders ignore TLS-RPT unless there is exactly one',
    invalid: 'The TLS-RPT record at {name} is not valid: {problems}',
  },
  remediation: {
    generic:
      'Publish TXT _smtp._tls.{domain} "v=TLSRPTv1; rua=mailto:tls-reports@{domain}" (one record; https: URIs also work)',
    postfix:
      'DNS only: publish the _smtp._tls.{domain} TXT record; make sure the rua mailbox accepts mail (e.g. an alias in /etc/aliases)',
    exim: 'DNS only: publish the _smtp._tls.{domain} TXT record; make sure the rua mailbox accepts mail',
    sendmail: 'DNS only: publish the _smtp._tls.{domain} TXT record; make sure the rua mailbox accepts mail',
    exchange: 'DNS only: publish the _smtp._tls.{domain} TXT record; Exchange Online needs no setting for it',
    opensmtpd: 'DNS only: publish the _smtp._tls.{domain} TXT record; make sure the rua mailbox accepts mail',
  },
  run({ domain }): Finding {
    const lookup = domain.tlsRpt;
    if (!lookup) return cannotJudge('TLS-RPT was not looked up');
    const evidence =
      lookup.records.length > 0
        ? lookup.records.map((r) => `${lookup.name} TXT "${r}"`)
        : [`${lookup.name} TXT: ${lookup.status}`];
    if (UNANSWERED.has(lookup.status)) return cannotJudge(`TXT ${lookup.name}: ${lookup.status}`, evidence);
    const base = { domain: domain.domain, name: lookup.name, dnsStatus: lookup.status };
    const records = lookup.records.filter(isTlsRptRecord);
    if (records.length === 0) return { status: 'fail', messageId: 'missing', data: base, evidence };
    if (records.length > 1) {
      return { status: 'fail', messageId: 'multiple', data: { ...base, count: records.length }, evidence };
    }
    const { rua, problems } = parseRecord(records[0]!);
    if (problems.length > 0)
      return { status: 'fail', messageId: 'invalid', data: { ...base, rua, problems }, evidence };
    return { status: 'pass', messageId: 'ok', data: { ...base, rua }, evidence };
  },
});
