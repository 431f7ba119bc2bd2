/**
 * dmarc.rua: aggregate reports are requested (rua=, RFC 7489 §7.2) to a valid mailto: address.
 * Without them the domain cannot see who sends mail in its name, which is what it needs before
 * tightening p=. A report address in another domain only receives reports if that domain
 * authorises it with a TXT record at <domain>._report._dmarc.<its domain> (RFC 7489 §7.1);
 * mailcheck does not look that record up and says so.
 */
import { dmarcStart, parseUris } from './common.js';
import { defineDomainCheck } from '../types.js';

/** Whether one name is the other or below it (a stand-in for "same organisational domain"). */
function related(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

export default defineDomainCheck({
  id: 'dmarc.rua',
  area: 'dmarc',
  title: 'DMARC aggregate reports requested',
  scope: 'domain',
  reference: 'RFC 7489 §7.2',
  requires: ['dmarc'],
  defaultParams: {},
  messages: {
    ok: 'DMARC aggregate reports for {domain} go to {addresses}',
    missing: 'The DMARC record of {domain} requests no aggregate reports (no rua=)',
    invalid: 'The DMARC record of {domain} has no usable rua= address: {problem}',
  },
  remediation: {
    generic:
      'Add rua=mailto:dmarc-reports@{domain} to the TXT record at _dmarc.{domain} (a mailbox or a DMARC report service you read)',
  },
  run({ domain }) {
    const start = dmarcStart(domain.dmarc, domain.domain);
    if ('finding' in start) return start.finding;
    const { parsed, evidence } = start;
    const tag = parsed.byName.get('rua');
    const data = { domain: domain.domain };
    if (!tag) return { status: 'fail', messageId: 'missing', data, evidence };
    evidence.push(tag.text);
    const uris = parseUris(tag.value);
    const usable = uris.filter((u) => !u.problem && u.domain !== undefined);
    for (const u of uris) {
      if (u.problem) evidence.push(`${u.uri}: ${u.problem}`);
      else if (u.domain && !related(u.domain, domain.domain)) {
        evidence.push(
          `${u.uri}: outside ${domain.domain}; unless both are one organisation, ${u.domain} must publish TXT ` +
            `"v=DMARC1" at ${domain.domain}._report._dmarc.${u.domain} (RFC 7489 §7.1) — not verified by mailcheck`,
        );
      } else evidence.push(`${u.uri}: ok`);
    }
    if (usable.length === 0) {
      return {
        status: 'fail',
        messageId: 'invalid',
        data: { ...data, problem: uris[0]?.problem ?? 'empty rua=' },
        evidence,
      };
    }
    return {
      status: 'pass',
      messageId: 'ok',
      data: { ...data, addresses: usable.map((u) => u.address!) },
      evidence,
    };
  },
});
