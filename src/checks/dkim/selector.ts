/**
 * dkim.selector — the configured DKIM selectors, or failing that one of the common ones, publish a
 * key. DNS cannot list a domain's selectors, so "none found" is only as good as the list tried.
 */
import type { DkimSelectorFacts } from '../../model/dns-artifacts.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';
import { UNANSWERED, keyRecords, missingLines, showName, showRecord } from './common.js';

/** A selector with at least one key record that is not revoked. */
function publishesKey(s: DkimSelectorFacts): boolean {
  return keyRecords(s).some((r) => !r.revoked);
}

function evidenceOf(selectors: DkimSelectorFacts[]): string[] {
  const lines: string[] = [];
  const without: DkimSelectorFacts[] = [];
  for (const s of selectors) {
    const tag = s.configured ? ' [--dkim-selector]' : '';
    const records = keyRecords(s);
    if (records.length === 0) {
      without.push(s);
      if (s.configured || s.lookup.status === 'ok') {
        const seen = s.lookup.records.map(showRecord).join(' ');
        lines.push(`${showName(s)}${tag}: no DKIM key (${s.lookup.status}${seen ? `, TXT ${seen}` : ''})`);
      }
      continue;
    }
    for (const r of records) {
      const state = r.revoked ? 'revoked key (empty p=)' : `key k=${r.keyType}`;
      lines.push(`${showName(s)}${tag}: ${state} TXT ${showRecord(r.text)}`);
    }
  }
  return [...lines, ...missingLines(without.filter((s) => !s.configured && s.lookup.status !== 'ok'))];
}

export default defineDomainCheck({
  id: 'dkim.selector',
  area: 'dkim',
  title: 'DKIM key published',
  scope: 'domain',
  reference: 'RFC 6376 §3.6.2.1',
  requires: ['dkim'],
  defaultParams: {},
  messages: {
    found: 'DKIM keys published at {found}',
    configuredMissing: 'No usable DKIM key at the configured selector(s) {missing} of {domain}',
    none: 'No DKIM key found for {domain} at any of the {count} selectors tried ({tried}); DNS cannot list selectors, so name yours with --dkim-selector',
  },
  remediation: {
    generic:
      'Publish TXT <selector>._domainkey.{domain} "v=DKIM1; k=rsa; p=<base64 public key>" for the selector your signer uses (or Ed25519 with k=ed25519 alongside it)',
    postfix:
      'With OpenDKIM: opendkim-genkey -b 2048 -d {domain} -s <selector>, publish <selector>.txt, list the key in KeyTable/SigningTable and set smtpd_milters = inet:127.0.0.1:8891 and non_smtpd_milters = $smtpd_milters',
    exim: 'In the remote_smtp transport: dkim_domain = {domain}, dkim_selector = <selector>, dkim_private_key = /etc/exim4/dkim/<selector>.key; publish the matching public key',
    sendmail:
      "With OpenDKIM: opendkim-genkey -b 2048 -d {domain} -s <selector>, then INPUT_MAIL_FILTER(`opendkim', `S=inet:8891@localhost') in sendmail.mc",
    exchange:
      'Exchange Online: New-DkimSigningConfig -DomainName {domain} -KeySize 2048 -Enabled $false, publish the CNAMEs from Get-DkimSigningConfig -Identity {domain} | Format-List Selector*CNAME, then Set-DkimSigningConfig -Identity {domain} -Enabled $true',
    opensmtpd:
      'filter "dkimsign" proc-exec "filter-dkimsign -d {domain} -s <selector> -k /etc/mail/dkim/private.key" on the outgoing listener, and publish the public key',
  },
  run({ domain }) {
    const selectors = domain.dkim;
    if (!selectors) return cannotJudge('DKIM selectors were not looked up');
    // A parked domain (null MX, RFC 7505, and an SPF record authorising nobody) sends no mail to sign.
    const spf = domain.spf?.tree?.spfRecords;
    if (
      domain.mx?.nullMx &&
      spf?.length === 1 &&
      /^v=spf1\s+-all$/i.test(spf[0]!.trim()) &&
      !selectors.some((s) => s.configured)
    ) {
      return notApplicable(`${domain.domain} sends no mail: null MX and "v=spf1 -all"`);
    }
    const evidence = evidenceOf(selectors);
    const configured = selectors.filter((s) => s.configured);
    const silent = configured.filter((s) => UNANSWERED.has(s.lookup.status));
    if (silent.length > 0) {
      const what = silent.map((s) => `${s.lookup.name} (${s.lookup.status})`).join(', ');
      return cannotJudge(`the configured DKIM selector lookup got no answer: ${what}`, evidence);
    }
    const found = selectors.filter(publishesKey).map((s) => s.selector);
    const data = { domain: domain.domain, found, count: selectors.length };
    const missing = configured.filter((s) => !publishesKey(s)).map((s) => s.selector);
    if (missing.length > 0)
      return { status: 'fail', messageId: 'configuredMissing', data: { ...data, missing }, evidence };
    if (found.length > 0) return { status: 'pass', messageId: 'found', data, evidence };
    const unanswered = selectors.filter((s) => UNANSWERED.has(s.lookup.status));
    if (unanswered.length > 0) {
      return cannotJudge(
        `no DKIM key found, and ${unanswered.length} of ${selectors.length} selector lookups got no answer (${unanswered[0]!.lookup.status})`,
        evidence,
      );
    }
    const tried = selectors.map((s) => s.selector);
    return { status: 'fail', messageId: 'none', data: { ...data, tried }, evidence };
  },
});
