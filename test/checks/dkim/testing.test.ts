import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dkim/testing.js';
import { domainFacts, renderDomainMessage, runDomainCheck } from '../../helpers/dns-facts.js';
import { commonMisses, dkimRecord, selector } from './helpers.js';

describe('dkim.testing', () => {
  it('passes keys without t=y, showing their flags', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [
          selector('s1', { records: [dkimRecord('rsa', 2048, ' t=s;')] }),
          selector('s2', { records: [dkimRecord()] }),
        ],
      }),
    );
    expect(f.status).toBe('pass');
    expect(f.evidence).toEqual(['s1._domainkey.example.edu: t=s', 's2._domainkey.example.edu: no t= flags']);
    expect(renderDomainMessage(check, f)).toBe('No DKIM key is in testing mode (t=y) or revoked');
  });

  it('fails a key in testing mode, also among other flags', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [selector('s1', { records: [dkimRecord('rsa', 2048, ' t=s:y;')] }), ...commonMisses()],
      }),
    );
    expect(f.status).toBe('fail');
    expect(f.evidence).toEqual(['s1._domainkey.example.edu: t=y (testing)']);
    expect(renderDomainMessage(check, f)).toBe('DKIM keys in testing mode or revoked while in use: s1: t=y');
  });

  it('reports a revoked key on a common selector as info', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [
          selector('s1', { records: [dkimRecord()] }),
          selector('old', { records: ['v=DKIM1; k=rsa; p='] }),
        ],
      }),
    );
    expect(f.status).toBe('info');
    expect(f.evidence).toContain('old._domainkey.example.edu: revoked (empty p=)');
    expect(renderDomainMessage(check, f)).toBe(
      'Revoked DKIM keys (empty p=) at old; fine if nothing signs with them any more',
    );
  });

  it('fails a revoked key on a selector the administrator says is in use', () => {
    const f = runDomainCheck(
      check,
      domainFacts({ dkim: [selector('old', { configured: true, records: ['v=DKIM1; p='] })] }),
    );
    expect(f.status).toBe('fail');
    expect(f.data?.problems).toEqual(['old: revoked but named with --dkim-selector']);
    renderDomainMessage(check, f);
  });

  it('skips when no key record is published', () => {
    const f = runDomainCheck(check, domainFacts({ dkim: commonMisses() }));
    expect(f.status).toBe('skip');
  });

  it('is an error when facts are missing or nothing was found and lookups failed', () => {
    expect(runDomainCheck(check, domainFacts()).status).toBe('error');
    const f = runDomainCheck(
      check,
      domainFacts({ dkim: [...commonMisses(), selector('s1', { status: 'REFUSED' })] }),
    );
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toContain('REFUSED');
  });
});
