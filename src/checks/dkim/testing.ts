/**
 * dkim.testing — no key is published in testing mode (t=y, RFC 6376 §3.6.1: verifiers may then
 * treat failures as if the message were unsigned), and revoked keys (empty p=) are reported: fine
 * on a retired selector, a problem on one the administrator says is in use.
 */
import { defineDomainCheck } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';
import { UNANSWERED, keyRecords, showName } from './common.js';

export default defineDomainCheck({
  id: 'dkim.testing',
  area: 'dkim',
  title: 'DKIM keys not in testing mode or revoked',
  scope: 'domain',
  reference: 'RFC 6376 §3.6.1',
  requires: ['dkim'],
  defaultParams: {},
  messages: {
    ok: 'No DKIM key is in testing mode (t=y) or revoked',
    revoked: 'Revoked DKIM keys (empty p=) at {revoked}; fine if nothing signs with them any more',
    problems: 'DKIM keys in testing mode or revoked while in use: {problems}',
  },
  remediation: {
    generic:
      'Remove t=y from TXT <selector>._domainkey.{domain} once signing works; for a revoked selector you still sign with, publish a new key and move the signer to it',
    postfix:
      'OpenDKIM: opendkim-genkey writes t=y only with -t; republish <selector>.txt without "t=y;" (and with a key, not an empty p=) for the selector in KeyTable',
    exim: 'Republish the TXT record of dkim_selector without t=y; if it is revoked, point dkim_selector and dkim_private_key at a published key',
    sendmail:
      'OpenDKIM (milter): republish the selector in KeyTable without "t=y;", with its public key in p=',
    exchange:
      'Exchange Online publishes keys through CNAMEs to its own records; check Get-DkimSigningConfig -Identity {domain} shows Enabled = True and the CNAMEs point at the selectors it lists',
    opensmtpd: 'Republish the selector passed to filter-dkimsign -s without t=y, with its public key in p=',
  },
  run({ domain }) {
    const selectors = domain.dkim;
    if (!selectors) return cannotJudge('DKIM selectors were not looked up');
    const evidence: string[] = [];
    const problems: string[] = [];
    const revoked: string[] = [];
    let records = 0;
    for (const s of selectors) {
      for (const r of keyRecords(s)) {
        records++;
        const notes: string[] = [];
        if (r.flags.includes('y')) {
          notes.push('t=y (testing)');
          problems.push(`${s.selector}: t=y`);
        }
        if (r.revoked) {
          notes.push('revoked (empty p=)');
          if (s.configured) problems.push(`${s.selector}: revoked but named with --dkim-selector`);
          else revoked.push(s.selector);
        }
        const flags = r.flags.length > 0 ? `t=${r.flags.join(':')}` : 'no t= flags';
        evidence.push(`${showName(s)}: ${notes.length > 0 ? notes.join(', ') : flags}`);
      }
    }
    if (records === 0) {
      const silent = selectors.filter((s) => UNANSWERED.has(s.lookup.status));
      if (silent.length > 0) {
        return cannotJudge(
          `no DKIM key found, and ${silent.length} selector lookups got no answer (${silent[0]!.lookup.status})`,
        );
      }
      return notApplicable('no DKIM key is published at the selectors tried (see dkim.selector)');
    }
    const data = { domain: domain.domain, problems, revoked };
    if (problems.length > 0) return { status: 'fail', messageId: 'problems', data, evidence };
    if (revoked.length > 0) return { status: 'info', messageId: 'revoked', data, evidence };
    return { status: 'pass', messageId: 'ok', data, evidence };
  },
});
