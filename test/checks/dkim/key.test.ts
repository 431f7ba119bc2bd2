import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dkim/key.js';
import { decodeKey, parseKeyRecord } from '../../../src/checks/dkim/common.js';
import { domainFacts, renderDomainMessage, runDomainCheck } from '../../helpers/dns-facts.js';
import { commonMisses, dkimRecord, publicKey, selector } from './helpers.js';

function withRecords(...records: string[]) {
  return domainFacts({ dkim: [selector('s1', { records }), ...commonMisses()] });
}

describe('dkim.key', () => {
  it('passes RSA 2048 and Ed25519 keys', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [
          selector('s1', { records: [dkimRecord('rsa', 2048)] }),
          selector('ed1', { records: [dkimRecord('ed25519')] }),
        ],
      }),
    );
    expect(f.status).toBe('pass');
    expect(f.evidence).toEqual([
      's1._domainkey.example.edu: RSA 2048 bits',
      'ed1._domainkey.example.edu: Ed25519',
    ]);
    expect(renderDomainMessage(check, f)).toBe(
      'Every DKIM key found is strong enough: s1 RSA 2048 bits, ed1 Ed25519',
    );
  });

  it('warns on a 1024-bit RSA key', () => {
    const f = runDomainCheck(check, withRecords(dkimRecord('rsa', 1024)));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('short');
    expect(renderDomainMessage(check, f)).toBe(
      'DKIM keys shorter than 2048 bits: s1: RSA 1024 bits (below 2048)',
    );
  });

  it('fails an RSA key below 1024 bits (RFC 8301 §3.2)', () => {
    const f = runDomainCheck(check, withRecords(dkimRecord('rsa', 512)));
    expect(f.status).toBe('fail');
    expect(f.data?.problems).toEqual(['s1: RSA 512 bits (below 2048)']);
  });

  it('takes the minimum from the policy', () => {
    const f = runDomainCheck(check, withRecords(dkimRecord('rsa', 2048)), { params: { minRsaBits: 3072 } });
    expect(f.status).toBe('warn');
    expect(renderDomainMessage(check, f)).toContain('shorter than 3072 bits');
  });

  it('reads a key published as PKCS#1 RSAPublicKey', () => {
    const f = runDomainCheck(check, withRecords(`v=DKIM1; p=${publicKey('rsa', 2048, 'pkcs1')}`));
    expect(f.status).toBe('pass');
  });

  it('reads a key split with whitespace inside p=', () => {
    const p = publicKey('rsa', 2048);
    const f = runDomainCheck(check, withRecords(`v=DKIM1; k=rsa; p=${p.slice(0, 100)} ${p.slice(100)}`));
    expect(f.status).toBe('pass');
    expect(f.evidence).toEqual(['s1._domainkey.example.edu: RSA 2048 bits']);
  });

  it.each([
    ['p= not base64', 'v=DKIM1; k=rsa; p=not*base64!', 'p= is not base64'],
    [
      'p= random bytes',
      `v=DKIM1; k=rsa; p=${Buffer.from('not a key at all').toString('base64')}`,
      'p= is not an RSA public key',
    ],
    [
      'unknown key type',
      `v=DKIM1; k=dsa; p=${Buffer.from('x').toString('base64')}`,
      'unknown key type k=dsa',
    ],
    ['ed25519 with RSA material', `v=DKIM1; k=ed25519; p=PUBKEY_RSA`, 'an Ed25519 key has 32'],
    ['wrong version', 'v=DKIM2; k=rsa; p=PUBKEY_RSA', 'v=DKIM2 (must be DKIM1)'],
    ['duplicate tag', 'v=DKIM1; k=rsa; k=rsa; p=PUBKEY_RSA', 'malformed record: Duplicate tag not allowed'],
    ['sha1 only', 'v=DKIM1; h=sha1; k=rsa; p=PUBKEY_RSA', 'h=sha1 excludes sha256'],
  ])('fails a malformed key: %s', (_name, record, expected) => {
    const f = runDomainCheck(check, withRecords(record.replace('PUBKEY_RSA', publicKey('rsa', 2048))));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('bad');
    expect(String(f.data?.problems)).toContain(expected);
    expect(renderDomainMessage(check, f)).toContain(expected);
  });

  it('judges the worst key: one fail among passes fails', () => {
    const f = runDomainCheck(
      check,
      domainFacts({
        dkim: [
          selector('s1', { records: [dkimRecord('rsa', 2048)] }),
          selector('s2', { records: ['v=DKIM1; p=@@@'] }),
        ],
      }),
    );
    expect(f.status).toBe('fail');
    expect(f.data?.problems).toEqual(['s2: p= is not base64']);
  });

  it('skips when only revoked keys or no keys are published', () => {
    expect(runDomainCheck(check, withRecords('v=DKIM1; p=')).status).toBe('skip');
    const f = runDomainCheck(check, domainFacts({ dkim: commonMisses() }));
    expect(f.status).toBe('skip');
    expect(renderDomainMessage(check, f)).toContain('no DKIM key is published');
  });

  it('is an error when facts are missing or lookups got no answer', () => {
    expect(runDomainCheck(check, domainFacts()).status).toBe('error');
    const f = runDomainCheck(check, domainFacts({ dkim: [selector('s1', { status: 'SERVFAIL' })] }));
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toContain('SERVFAIL');
  });
});

describe('DKIM key record parsing', () => {
  it('reads tags, flags and the revoked state', () => {
    const r = parseKeyRecord('v=DKIM1; k=RSA; t=y:s; h=sha256; p=');
    expect(r).toMatchObject({
      version: 'DKIM1',
      keyType: 'rsa',
      flags: ['y', 's'],
      hashes: ['sha256'],
      revoked: true,
    });
    expect(r.errors).toEqual([]);
    expect(parseKeyRecord('k=rsa').errors).toContain('no p= tag');
  });

  it('defaults k= to rsa and decodes the modulus size', () => {
    expect(decodeKey(parseKeyRecord(`p=${publicKey('rsa', 1024)}`))).toEqual({ type: 'rsa', bits: 1024 });
    expect(decodeKey(parseKeyRecord(`k=ed25519; p=${publicKey('ed25519')}`))).toEqual({ type: 'ed25519' });
  });
});
