import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/ciphers.js';
import type { WeakCipherProbe } from '../../../src/model/artifacts.js';
import { endpoint, failedHandshake, runCheck, tlsFacts, withHandshake } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const rejected: WeakCipherProbe[] = tlsFacts().weakCiphers;
const tls12 = (name: string, ephemeral = true) =>
  withHandshake({
    protocol: 'TLSv1.2',
    cipher: { name, version: 'TLSv1.2' },
    ephemeralKey: ephemeral ? { type: 'ECDH', name: 'prime256v1', size: 256 } : undefined,
  });
const probes = (...more: WeakCipherProbe[]) => ({ tls: tlsFacts({ weakCiphers: [...rejected, ...more] }) });

describe('tls.ciphers', () => {
  it('passes on a TLS 1.3 suite with every weak class rejected', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe(
      'negotiated TLS_AES_256_GCM_SHA384 (TLSv1.3) has forward secrecy and AEAD; no weak suite class accepted',
    );
    expect(f.evidence).toContain('RC4: rejected');
  });

  it('passes on TLS 1.2 ECDHE with AES-GCM', () => {
    expect(runCheck(check, endpoint({ tls: tls12('ECDHE-RSA-AES128-GCM-SHA256') })).status).toBe('pass');
  });

  it('fails on a negotiated suite without forward secrecy or AEAD', () => {
    const f = runCheck(check, endpoint({ tls: tls12('AES256-SHA', false) }));
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe('negotiated AES256-SHA (TLSv1.2) lacks forward secrecy and AEAD');
    const cbc = runCheck(check, endpoint({ tls: tls12('ECDHE-RSA-AES256-SHA384') }));
    expect(renderMessage(check, cbc)).toBe('negotiated ECDHE-RSA-AES256-SHA384 (TLSv1.2) lacks AEAD');
  });

  it('fails when a weak class is accepted on its own', () => {
    const f = runCheck(
      check,
      endpoint(probes({ name: 'anonymous', result: 'accepted', cipher: 'AECDH-AES256-SHA' })),
    );
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe('weak cipher suites accepted: anonymous (AECDH-AES256-SHA)');
  });

  it('names both problems when both occur', () => {
    const tls = tls12('AES128-SHA', false);
    tls.weakCiphers = [{ name: 'NULL', result: 'accepted', cipher: 'NULL-SHA256' }];
    const f = runCheck(check, endpoint({ tls }));
    expect(f.messageId).toBe('negotiated-weak-and-weak-accepted');
    expect(renderMessage(check, f)).toContain('weak cipher suites accepted: NULL (NULL-SHA256)');
  });

  it('warns when only CBC-SHA1 on TLS 1.0 is accepted', () => {
    const f = runCheck(
      check,
      endpoint(probes({ name: 'CBC-SHA1 on TLS 1.0', result: 'accepted', cipher: 'ECDHE-RSA-AES128-SHA' })),
    );
    expect(f.status).toBe('warn');
    expect(renderMessage(check, f)).toBe(
      'legacy cipher suites accepted: CBC-SHA1 on TLS 1.0 (ECDHE-RSA-AES128-SHA)',
    );
  });

  it('lists untestable classes as not testable, not as refused', () => {
    const f = runCheck(
      check,
      endpoint({
        tls: tlsFacts({
          weakCiphers: [
            { name: 'NULL', result: 'rejected' },
            { name: 'RC4', result: 'untestable', reason: 'OpenSSL 3 cannot offer RC4' },
          ],
        }),
      }),
    );
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('ok-untestable');
    expect(renderMessage(check, f)).toContain('(RC4 not testable here)');
    expect(f.evidence).toContain('RC4: not testable (OpenSSL 3 cannot offer RC4) — not known to be refused');
  });

  it('reports error when a weak-class probe could not tell', () => {
    const f = runCheck(
      check,
      endpoint(probes({ name: 'EXPORT', result: 'error', reason: 'connection reset' })),
    );
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe(
      'could not tell whether these weak suite classes are accepted: EXPORT',
    );
    expect(f.evidence).toContain('EXPORT: could not tell (connection reset)');
  });

  it('reports error without a TLS session or without weak-class probes', () => {
    const f = runCheck(check, endpoint({ tls: failedHandshake() }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe('no TLS session: alert handshake failure');
    const g = runCheck(check, endpoint({ tls: tlsFacts({ weakCiphers: [] }) }));
    expect(g.status).toBe('error');
    expect(renderMessage(check, g)).toBe('weak cipher suite probes not available');
  });
});
