/** DMARC builders for the check tests; the generic domain builders live in test/helpers/dns-facts.ts. */
import type { DnsStatus } from '../../../src/model/dns-artifacts.js';
import type { DomainCheck, Finding } from '../../../src/checks/types.js';
import { dnsLookup, domainFacts, renderDomainMessage, runDomainCheck } from '../../helpers/dns-facts.js';

export const DOMAIN = 'example.edu';

/** Facts with the TXT records (or a DNS status) at _dmarc.example.edu; `null` leaves DMARC ungathered. */
export function withDmarc(answer: string[] | DnsStatus | null) {
  return domainFacts({
    domain: DOMAIN,
    displayName: DOMAIN,
    ...(answer === null ? {} : { dmarc: dnsLookup<string>(`_dmarc.${DOMAIN}`, 'TXT', answer) }),
  });
}

const STATUSES = ['pass', 'fail', 'warn', 'info', 'skip', 'error'];

/** Runs the check, asserts the finding is well formed and its message renders. */
export function judge<P extends object>(
  check: DomainCheck<P>,
  answer: string[] | DnsStatus | null,
  params?: Partial<P>,
): Finding & { message: string } {
  const finding = runDomainCheck(check, withDmarc(answer), params ? { params } : {});
  if (!STATUSES.includes(finding.status)) throw new Error(`bad status ${finding.status}`);
  return { ...finding, message: renderDomainMessage(check, finding) };
}
