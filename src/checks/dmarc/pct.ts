/**
 * dmarc.pct: the policy applies to all failing mail. pct=N (RFC 7489 §6.6.4) applies p= to only
 * N% of the messages that fail DMARC; the rest get the next weaker policy. Meant for ramping up,
 * it is often left behind. It has no effect under p=none.
 */
import { dmarcStart } from './common.js';
import { defineDomainCheck } from '../types.js';
import { notApplicable } from '../util.js';

export default defineDomainCheck({
  id: 'dmarc.pct',
  area: 'dmarc',
  title: 'DMARC policy applies to all mail (pct=100)',
  scope: 'domain',
  reference: 'RFC 7489 §6.6.4',
  requires: ['dmarc'],
  defaultParams: {},
  messages: {
    full: 'DMARC policy of {domain} applies to all failing mail ({pct})',
    partial: 'DMARC policy of {domain} applies to only {pct}% of failing mail; the rest gets a weaker policy',
    invalid:
      'DMARC pct of {domain} is not a number from 0 to 100 ({pct}); receivers may ignore it or the record',
  },
  remediation: {
    generic: 'Remove pct= from the TXT record at _dmarc.{domain} (or set pct=100) once the ramp-up is done',
  },
  run({ domain }) {
    const start = dmarcStart(domain.dmarc, domain.domain);
    if ('finding' in start) return start.finding;
    const { parsed, evidence } = start;
    const p = parsed.byName.get('p')?.value.toLowerCase();
    const tag = parsed.byName.get('pct');
    if (p === 'none') {
      return notApplicable(`${domain.domain} has p=none: pct has no effect (see dmarc.policy)`);
    }
    if (p !== 'quarantine' && p !== 'reject') {
      return notApplicable(`${domain.domain} has no valid p=, so pct has no effect (see dmarc.policy)`);
    }
    if (!tag)
      return {
        status: 'pass',
        messageId: 'full',
        data: { domain: domain.domain, pct: 'pct absent, default 100' },
        evidence,
      };
    evidence.push(tag.text);
    if (!/^\d{1,3}$/.test(tag.value) || Number(tag.value) > 100) {
      return {
        status: 'warn',
        messageId: 'invalid',
        data: { domain: domain.domain, pct: tag.text },
        evidence,
      };
    }
    const pct = Number(tag.value);
    if (pct < 100)
      return { status: 'warn', messageId: 'partial', data: { domain: domain.domain, pct }, evidence };
    return { status: 'pass', messageId: 'full', data: { domain: domain.domain, pct: tag.text }, evidence };
  },
});
