/**
 * spf.authorizes: the domain's SPF record authorises its own mail hosts. Each probed address is
 * evaluated by mailauth's SPF implementation (never a home-made one) with the sender
 * postmaster@<domain>; anything but "pass" means mail those hosts send for the domain fails or
 * is unprotected by SPF, and DMARC can then rely on DKIM alone.
 */
import { defineDomainCheck } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';

/**
 * Results that say nothing about the address: a temporary DNS failure. A permerror is a verdict
 * (RFC 7208 §2.6.7: the record cannot be evaluated, so it authorises nobody) and fails.
 */
const ERRORS = new Set(['temperror', 'temperr']);

export default defineDomainCheck({
  id: 'spf.authorizes',
  area: 'spf',
  title: 'SPF authorises the mail hosts',
  scope: 'domain',
  reference: 'RFC 7208 §2.6',
  requires: ['spf', 'spf-eval'],
  defaultParams: {},
  messages: {
    pass: 'SPF of {domain} authorises every mail host address checked: {addresses}',
    'not-authorized': 'SPF of {domain} does not authorise {failing}: {results}',
  },
  remediation: {
    generic:
      'Authorise the sending addresses ({failing}) in the SPF record of {domain} with ip4:/ip6: terms, or "mx" when they are its MX hosts',
  },
  run({ domain }) {
    const spf = domain.spf;
    if (!spf) return cannotJudge('SPF facts not gathered');
    const evaluations = spf.evaluations ?? [];
    if (evaluations.length === 0) return notApplicable('no mail host addresses were evaluated against SPF');
    const evidence = evaluations.map(
      (e) => `${e.address}: ${e.result}${e.explanation ? ` (${e.explanation})` : ''}`,
    );
    const failed = evaluations.filter((e) => e.result !== 'pass' && !ERRORS.has(e.result));
    const errored = evaluations.filter((e) => ERRORS.has(e.result));
    if (failed.length > 0) {
      return {
        status: 'fail',
        messageId: 'not-authorized',
        data: {
          domain: domain.domain,
          failing: failed.map((e) => e.address),
          results: failed.map((e) => `${e.address} ${e.result}`),
        },
        evidence,
      };
    }
    if (errored.length > 0) {
      const why = errored.map(
        (e) => `${e.address}: ${e.result}${e.explanation ? ` (${e.explanation})` : ''}`,
      );
      return cannotJudge(`SPF evaluation of ${domain.domain} failed: ${why.join('; ')}`, evidence);
    }
    return {
      status: 'pass',
      messageId: 'pass',
      data: { domain: domain.domain, addresses: evaluations.map((e) => e.address) },
      evidence,
    };
  },
});
