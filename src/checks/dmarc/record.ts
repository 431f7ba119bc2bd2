/**
 * dmarc.record: exactly one DMARC record at _dmarc.<domain>, with valid syntax: v=DMARC1 first,
 * a valid p=, known tags with valid values (RFC 7489 §6.3, §6.4). No record, or several, means
 * receivers apply no DMARC policy at all (RFC 7489 §6.6.3). Unknown tags are ignored by
 * receivers; they are usually typos, so they give a warning.
 */
import { UNANSWERED, formatIssue, isDmarcRecord, parseDmarc } from './common.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge } from '../util.js';

export default defineDomainCheck({
  id: 'dmarc.record',
  area: 'dmarc',
  title: 'One valid DMARC record',
  scope: 'domain',
  reference: 'RFC 7489 §6.4',
  requires: ['dmarc'],
  defaultParams: {},
  messages: {
    valid: '{domain} publishes one valid DMARC record',
    missing: '{domain} publishes no DMARC record at {name}',
    multiple: '{domain} publishes {count} DMARC records at {name}; receivers then apply none of them',
    syntax:
      'The DMARC record of {domain} has {count} error(s), the first at offset {offset} ("{tag}"): {problem}',
    'unknown-tags':
      'The DMARC record of {domain} has tags DMARC does not define (receivers ignore them): {tags}',
  },
  remediation: {
    generic:
      'Publish one TXT record at _dmarc.{domain} such as "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{domain}" (v first, then p, tags separated by ";")',
  },
  run({ domain }) {
    const lookup = domain.dmarc;
    const name = domain.domain;
    if (!lookup) return cannotJudge('DMARC record not gathered');
    if (UNANSWERED.has(lookup.status)) {
      return cannotJudge(`DMARC record of ${name} could not be fetched: TXT ${lookup.name} ${lookup.status}`);
    }
    const evidence = lookup.status === 'ok' ? [] : [`TXT ${lookup.name}: ${lookup.status}`];
    for (const r of lookup.records) evidence.push(`TXT ${lookup.name}: ${JSON.stringify(r)}`);
    const records = lookup.records.filter(isDmarcRecord);
    const base = { domain: name, name: lookup.name };
    if (records.length === 0) {
      if (lookup.records.some((r) => /^\s*v\s*=\s*dmarc/i.test(r))) {
        evidence.push('note: a record looks like DMARC but does not begin with "v=DMARC1" followed by ";"');
      }
      return { status: 'fail', messageId: 'missing', data: base, evidence };
    }
    if (records.length > 1) {
      return { status: 'fail', messageId: 'multiple', data: { ...base, count: records.length }, evidence };
    }
    const parsed = parseDmarc(records[0]!);
    for (const i of parsed.issues) evidence.push(`${i.severity}: ${formatIssue(i)}`);
    const errors = parsed.issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      const first = errors[0]!;
      return {
        status: 'fail',
        messageId: 'syntax',
        data: { ...base, count: errors.length, offset: first.offset, tag: first.tag, problem: first.problem },
        evidence,
      };
    }
    if (parsed.unknown.length > 0) {
      return {
        status: 'warn',
        messageId: 'unknown-tags',
        data: { ...base, tags: parsed.unknown.map((t) => t.text) },
        evidence,
      };
    }
    return { status: 'pass', messageId: 'valid', data: { ...base, record: records[0]! }, evidence };
  },
});
