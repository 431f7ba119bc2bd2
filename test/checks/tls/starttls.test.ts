import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/starttls.js';
import {
  ehloWith,
  endpoint,
  failedHandshake,
  probeFailure,
  reply,
  runCheck,
  smtpsEndpoint,
  submissionEndpoint,
  withHandshake,
} from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const noStarttls = ehloWith(['PIPELINING', '8BITMIME'], { starttls: false, raw: ['PIPELINING', '8BITMIME'] });

describe('tls.starttls', () => {
  it('passes when STARTTLS is offered and the handshake completes', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe(
      'STARTTLS offered and the upgrade succeeded (TLSv1.3, TLS_AES_256_GCM_SHA384)',
    );
    expect(f.evidence).toContain('220 2.0.0 Ready to start TLS');
  });

  it('fails when STARTTLS is not advertised, citing RFC 8314 on submission', () => {
    const smtp = runCheck(
      check,
      endpoint({ ehlo: noStarttls, starttls: { offered: false, attempted: false } }),
    );
    expect(smtp.status).toBe('fail');
    expect(smtp.messageId).toBe('not-offered');
    expect(smtp.evidence).toEqual(['250-mail.lab.example', '250-PIPELINING', '250 8BITMIME']);
    const sub = runCheck(check, submissionEndpoint({ ehlo: noStarttls, starttls: undefined }));
    expect(sub.messageId).toBe('not-offered-submission');
    expect(renderMessage(check, sub)).toContain('RFC 8314');
  });

  it('fails when the STARTTLS command is refused', () => {
    const refused = reply(454, '4.7.0 TLS not available due to local problem');
    const f = runCheck(check, endpoint({ starttls: { offered: true, attempted: true, reply: refused } }));
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe(
      'STARTTLS is advertised but the command was refused: 454 4.7.0 TLS not available due to local problem',
    );
  });

  it('fails with the reason when the handshake fails, errors when it timed out', () => {
    const failure = probeFailure({ message: 'alert handshake failure (40)' });
    const f = runCheck(check, endpoint({ tls: failedHandshake(failure) }));
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toContain('alert handshake failure (40)');
    expect(f.evidence).toContain('TLS handshake: alert handshake failure (40)');

    const stall = probeFailure({ code: 'TLS_TIMEOUT', message: 'no ServerHello within 5000ms' });
    const g = runCheck(check, endpoint({ tls: failedHandshake(stall) }));
    expect(g.status).toBe('error');
    expect(renderMessage(check, g)).toContain('no ServerHello within 5000ms');
  });

  it('reports error when plaintext was injected after "220" (RFC 3207 §4.2), even if TLS then worked', () => {
    const f = runCheck(check, endpoint({ tls: withHandshake({ discardedBytes: 24 }) }));
    expect(f.status).toBe('error');
    expect(f.messageId).toBe('plaintext-injected');
    expect(renderMessage(check, f)).toContain('24 bytes of cleartext');
  });

  it('reports error on a PLAINTEXT_INJECTION failure even without a byte count', () => {
    const failure = probeFailure({
      code: 'PLAINTEXT_INJECTION',
      message: 'plaintext after 220 to STARTTLS',
      stage: 'STARTTLS',
    });
    const f = runCheck(check, endpoint({ tls: failedHandshake(failure) }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('sent an unknown number of bytes of cleartext');
  });

  it('reports error when EHLO was never seen', () => {
    const failure = probeFailure({
      code: 'ECONNREFUSED',
      message: 'connect 127.0.0.1:25 refused',
      stage: 'CONNECT',
    });
    const f = runCheck(check, endpoint({ connect: { ok: false, failure }, ehlo: undefined }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe('EHLO reply not available: connect 127.0.0.1:25 refused');
  });

  it('reports error when STARTTLS was offered but its outcome is unknown', () => {
    const f = runCheck(check, endpoint({ tls: undefined }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe('TLS handshake result not available');
  });

  it('skips implicit-TLS ports', () => {
    const f = runCheck(check, smtpsEndpoint());
    expect(f.status).toBe('skip');
    expect(renderMessage(check, f)).toContain('implicit TLS');
  });
});
