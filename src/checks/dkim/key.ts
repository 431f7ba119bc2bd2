/**
 * dkim.key — every published DKIM key is usable and strong: RSA of at least `minRsaBits`
 * (keys of at least `weakRsaBits` but shorter warn; shorter still fail, RFC 8301 §3.2) or Ed25519.
 */
import type { DkimSelectorFacts } from '../../model/dns-artifacts.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';
import { UNANSWERED, decodeKey, keyRecords, showName, type DkimKeyRecord } from './common.js';

interface Verdict {
  status: 'pass' | 'warn' | 'fail';
  /** "RSA 2048 bits", or what is wrong. */
  what: string;
}

function judgeRecord(r: DkimKeyRecord, min: number, weak: number): Verdict {
  if (r.errors.length > 0) return { status: 'fail', what: `malformed record: ${r.errors.join('; ')}` };
  if (r.version !== undefined && r.version.toUpperCase() !== 'DKIM1')
    return { status: 'fail', what: `v=${r.version} (must be DKIM1)` };
  // RFC 8301 §3.1: rsa-sha1 must not be used, so a key limited to sha1 cannot sign acceptably.
  if (r.hashes && !r.hashes.includes('sha256'))
    return { status: 'fail', what: `h=${r.hashes.join(':')} excludes sha256` };
  const key = decodeKey(r);
  if ('error' in key) return { status: 'fail', what: key.error };
  if (key.type === 'ed25519') return { status: 'pass', what: 'Ed25519' };
  const what = `RSA ${key.bits} bits`;
  if (key.bits >= min) return { status: 'pass', what };
  return { status: key.bits >= weak ? 'warn' : 'fail', what: `${what} (below ${min})` };
}

const RANK = { pass: 0, warn: 1, fail: 2 } as const;

export default defineDomainCheck({
  id: 'dkim.key',
  area: 'dkim',
  title: 'DKIM key strength',
  scope: 'domain',
  reference: 'RFC 8301 §3.2',
  requires: ['dkim'],
  defaultParams: { minRsaBits: 2048, weakRsaBits: 1024 },
  messages: {
    ok: 'Every DKIM key found is strong enough: {keys}',
    short: 'DKIM keys shorter than {minRsaBits} bits: {problems}',
    bad: 'DKIM keys that are unusable or too weak: {problems}',
  },
  remediation: {
    generic:
      'Generate a new {minRsaBits}-bit RSA (or Ed25519) key under a new selector, publish TXT <new selector>._domainkey.{domain} "v=DKIM1; k=rsa; p=<key>", switch the signer to it, then revoke the old selector with an empty p=',
    postfix:
      'OpenDKIM: opendkim-genkey -b {minRsaBits} -d {domain} -s <new selector>, publish <new selector>.txt, point KeyTable at the new key and reload opendkim',
    exim: 'openssl genrsa -out /etc/exim4/dkim/<new selector>.key {minRsaBits}; publish the key, then set dkim_selector = <new selector> and dkim_private_key to the new file in remote_smtp',
    sendmail:
      'OpenDKIM (milter): opendkim-genkey -b {minRsaBits} -d {domain} -s <new selector>, publish it and point KeyTable at the new key',
    exchange:
      'Exchange Online: Rotate-DkimSigningConfig -Identity {domain} -KeySize 2048 (rotates to the other selector; run again after 4 days to replace both keys)',
    opensmtpd:
      'openssl genrsa -out /etc/mail/dkim/<new selector>.key {minRsaBits}; publish the key and run filter-dkimsign with -s <new selector> -k on the new file',
  },
  run({ domain, params }) {
    const selectors = domain.dkim;
    if (!selectors) return cannotJudge('DKIM selectors were not looked up');
    const judged: { s: DkimSelectorFacts; v: Verdict }[] = [];
    for (const s of selectors) {
      for (const r of keyRecords(s)) {
        if (!r.revoked) judged.push({ s, v: judgeRecord(r, params.minRsaBits, params.weakRsaBits) });
      }
    }
    if (judged.length === 0) {
      const silent = selectors.filter((s) => UNANSWERED.has(s.lookup.status));
      if (silent.length > 0) {
        return cannotJudge(
          `no DKIM key found, and ${silent.length} selector lookups got no answer (${silent[0]!.lookup.status})`,
        );
      }
      return notApplicable('no DKIM key is published at the selectors tried (see dkim.selector)');
    }
    const evidence = judged.map(({ s, v }) => `${showName(s)}: ${v.what}`);
    const worst = judged.reduce(
      (w, j) => (RANK[j.v.status] > RANK[w] ? j.v.status : w),
      'pass' as Verdict['status'],
    );
    const data = {
      domain: domain.domain,
      minRsaBits: params.minRsaBits,
      keys: judged.map(({ s, v }) => `${s.selector} ${v.what}`),
      problems: judged.filter(({ v }) => v.status !== 'pass').map(({ s, v }) => `${s.selector}: ${v.what}`),
    };
    if (worst === 'pass') return { status: 'pass', messageId: 'ok', data, evidence };
    return { status: worst, messageId: worst === 'warn' ? 'short' : 'bad', data, evidence };
  },
});
