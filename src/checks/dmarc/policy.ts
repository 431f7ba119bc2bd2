/**
 * dmarc.policy: the domain asks receivers to act on mail that fails DMARC — p= (and sp= for
 * subdomains, which inherits p= when absent, RFC 7489 §6.3) is one of the policies the site
 * policy allows: quarantine or reject in the baseline, reject in the strict policy. p=none only
 * monitors: spoofed mail is delivered as before.
 */
import { dmarcStart } from './common.js';
import { defineDomainCheck } from '../types.js';

export default defineDomainCheck({
  id: 'dmarc.policy',
  area: 'dmarc',
  title: 'DMARC policy quarantines or rejects',
  scope: 'domain',
  reference: 'RFC 7489 §6.3',
  requires: ['dmarc'],
  defaultParams: { allowed: ['quarantine', 'reject'] as string[] },
  messages: {
    ok: 'DMARC policy of {domain}: p={p}, subdomains sp={sp}',
    monitoring:
      'DMARC policy of {domain} is p=none: mail failing DMARC is delivered as usual (allowed: {allowed})',
    weak: 'DMARC policy of {domain} is p={p}; policy requires one of: {allowed}',
    'weak-sp': 'DMARC policy for subdomains of {domain} is sp={sp}; policy requires one of: {allowed}',
    'no-p':
      'The DMARC record of {domain} has no valid p= tag ({p}); receivers treat it as p=none or ignore it',
  },
  remediation: {
    generic:
      'Once DMARC reports show your legitimate mail passing, set p=quarantine (then p=reject) in the TXT record at _dmarc.{domain}, and sp= to match if you set it',
  },
  run({ domain, params }) {
    const start = dmarcStart(domain.dmarc, domain.domain);
    if ('finding' in start) return start.finding;
    const { parsed, evidence } = start;
    const allowed = params.allowed.map((a) => a.toLowerCase());
    const pTag = parsed.byName.get('p');
    const p = pTag?.value.toLowerCase();
    if (p === undefined || !['none', 'quarantine', 'reject'].includes(p)) {
      return {
        status: 'fail',
        messageId: 'no-p',
        data: { domain: domain.domain, p: pTag ? pTag.text : 'absent', allowed },
        evidence,
      };
    }
    const spTag = parsed.byName.get('sp');
    const spValue = spTag?.value.toLowerCase();
    // An invalid sp= is ignored and subdomains fall back to p= (RFC 7489 §6.3).
    const sp = spValue !== undefined && ['none', 'quarantine', 'reject'].includes(spValue) ? spValue : p;
    evidence.push(
      `p=${p}`,
      spTag
        ? `sp=${spValue}${sp === spValue ? '' : ` (invalid, subdomains get p=${p})`}`
        : `sp absent: subdomains get p=${p}`,
    );
    const np = parsed.byName.get('np');
    if (np) evidence.push(`np=${np.value} (non-existent subdomains, RFC 9091)`);
    const data = { domain: domain.domain, p, sp, allowed };
    if (!allowed.includes(p))
      return { status: 'fail', messageId: p === 'none' ? 'monitoring' : 'weak', data, evidence };
    if (!allowed.includes(sp)) return { status: 'fail', messageId: 'weak-sp', data, evidence };
    return { status: 'pass', messageId: 'ok', data, evidence };
  },
});
