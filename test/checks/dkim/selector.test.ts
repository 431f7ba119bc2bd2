import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dkim/selector.js';
import { domainFacts, renderDomainMessage, runDomainCheck } from '../../helpers/dns-facts.js';
import { commonMisses, dkimRecord, selector } from './helpers.js';

describe('dkim.selector', () => {
  it('passes when a configured selector publishes a key', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [selector('s2026', { configured: true, records: [dkimRecord()] }), ...commonMisses()],
      }),
    );
    expect(f.status).toBe('pass');
    expect(f.data?.found).toEqual(['s2026']);
    expect(f.evidence?.[0]).toMatch(
      /^s2026\._domainkey\.example\.edu \[--dkim-selector\]: key k=rsa TXT "v=DKIM1; k=rsa; p=MIIB/,
    );
    // The long key is shortened in evidence, with its length.
    expect(f.evidence?.[0]).toMatch(/…\(\d+ chars\)"$/);
    expect(f.evidence).toContain('no key (NXDOMAIN): google, selector1, selector2, default');
    expect(renderDomainMessage(check, f)).toBe('DKIM keys published at s2026');
  });

  it('passes on a common selector when none is configured, and shows a CNAME', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [
          selector('google', { records: [dkimRecord()], cname: 'google.dkim.provider.example' }),
          selector('selector1'),
        ],
      }),
    );
    expect(f.status).toBe('pass');
    expect(f.evidence?.[0]).toContain('google._domainkey.example.edu (CNAME → google.dkim.provider.example)');
  });

  it('fails when a configured selector has no key, even if a common one has', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [
          selector('s2026', { configured: true, status: 'NXDOMAIN' }),
          selector('google', { records: [dkimRecord()] }),
        ],
      }),
    );
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('configuredMissing');
    expect(f.data?.missing).toEqual(['s2026']);
    expect(f.evidence).toContain('s2026._domainkey.example.edu [--dkim-selector]: no DKIM key (NXDOMAIN)');
    expect(renderDomainMessage(check, f)).toBe(
      'No usable DKIM key at the configured selector(s) s2026 of example.edu',
    );
  });

  it('fails when the configured selector is revoked (empty p=)', () => {
    const f = runDomainCheck(
      check,
      domainFacts({ dkim: [selector('old', { configured: true, records: ['v=DKIM1; k=rsa; p='] })] }),
    );
    expect(f.status).toBe('fail');
    expect(f.data?.missing).toEqual(['old']);
    expect(f.evidence?.[0]).toContain('revoked key (empty p=)');
  });

  it('does not count a TXT record that is not a DKIM key', () => {
    const f = runDomainCheck(
      check,
      domainFacts({ dkim: [selector('mail', { records: ['v=spf1 -all'] }), ...commonMisses()] }),
    );
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('none');
    expect(f.evidence).toContain('mail._domainkey.example.edu: no DKIM key (ok, TXT "v=spf1 -all")');
  });

  it('fails with the list tried when no selector has a key', () => {
    const dkim = [...commonMisses(), selector('k1', { status: 'NODATA' })];
    const f = runDomainCheck(check, domainFacts({ dkim }));
    expect(f.status).toBe('fail');
    expect(f.data?.tried).toEqual(['google', 'selector1', 'selector2', 'default', 'k1']);
    expect(f.evidence).toEqual([
      'no key (NXDOMAIN): google, selector1, selector2, default',
      'no key (NODATA): k1',
    ]);
    const text = renderDomainMessage(check, f);
    expect(text).toContain('any of the 5 selectors tried (google, selector1, selector2, default, k1)');
    expect(text).toContain('DNS cannot list selectors');
  });

  it('is an error when the facts are missing', () => {
    const f = runDomainCheck(check, domainFacts());
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toBe('DKIM selectors were not looked up');
  });

  it('is an error when a configured selector got no answer', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [
          selector('s2026', { configured: true, status: 'SERVFAIL' }),
          selector('google', { records: [dkimRecord()] }),
        ],
      }),
    );
    expect(f.status).toBe('error');
    expect(f.data?.reason).toContain('s2026._domainkey.example.edu (SERVFAIL)');
  });

  it('is an error, not a fail, when nothing was found and some lookups timed out', () => {
    const f = runDomainCheck(
      check,
      domainFacts({ dkim: [...commonMisses(), selector('s1', { status: 'TIMEOUT' })] }),
    );
    expect(f.status).toBe('error');
    expect(f.data?.reason).toContain('1 of 5 selector lookups got no answer (TIMEOUT)');
  });

  it('passes on a found key even when another common lookup timed out', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [selector('s1', { records: [dkimRecord()] }), selector('s2', { status: 'TIMEOUT' })],
      }),
    );
    expect(f.status).toBe('pass');
    expect(f.evidence).toContain('no key (TIMEOUT): s2');
  });
});
