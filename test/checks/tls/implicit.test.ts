import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/implicit.js';
import {
  endpoint,
  failedHandshake,
  probeFailure,
  runCheck,
  smtpsEndpoint,
  submissionEndpoint,
} from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

describe('tls.implicit', () => {
  it('passes when the handshake on connect succeeds', () => {
    const f = runCheck(check, smtpsEndpoint());
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe(
      'TLS handshake on connect succeeded (TLSv1.3, TLS_AES_256_GCM_SHA384)',
    );
    expect(f.evidence?.[0]).toContain('negotiated TLSv1.3 TLS_AES_256_GCM_SHA384');
  });

  it('fails with the reason when the handshake fails', () => {
    const failure = probeFailure({
      message: '127.0.0.1:465 TLS: wrong version number (the port speaks cleartext SMTP)',
    });
    const f = runCheck(check, smtpsEndpoint({ tls: failedHandshake(failure), ehloTls: undefined }));
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe(`the TLS handshake on connect failed: ${failure.message}`);
    expect(f.data?.code).toBe('TLS_HANDSHAKE');
  });

  it('reports error, not fail, when the handshake stalled', () => {
    const failure = probeFailure({ code: 'TLS_TIMEOUT', message: 'no ServerHello within 3000ms' });
    const f = runCheck(check, smtpsEndpoint({ tls: failedHandshake(failure) }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('no ServerHello within 3000ms');
  });

  it('reports error when the port never connected or no handshake was recorded', () => {
    const failure = probeFailure({
      code: 'CONNECT_TIMEOUT',
      message: 'connect 127.0.0.1:465 timed out',
      stage: 'CONNECT',
    });
    const f = runCheck(check, smtpsEndpoint({ connect: { ok: false, failure }, tls: undefined }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe(
      'TLS handshake on connect not available: connect 127.0.0.1:465 timed out',
    );
    expect(runCheck(check, smtpsEndpoint({ tls: undefined })).status).toBe('error');
  });

  it('skips STARTTLS ports', () => {
    expect(runCheck(check, endpoint()).status).toBe('skip');
    const f = runCheck(check, submissionEndpoint());
    expect(f.status).toBe('skip');
    expect(renderMessage(check, f)).toContain('not an implicit-TLS port');
  });
});
