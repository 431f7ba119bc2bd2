import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/auth/submission.js';
import {
  capabilities,
  endpoint,
  failedHandshake,
  probeFailure,
  reply,
  runCheck,
  smtpsEndpoint,
  submissionEndpoint,
} from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

describe('auth.submission', () => {
  it('passes when AUTH is offered inside TLS on 587 and on 465', () => {
    const f = runCheck(check, submissionEndpoint());
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe('AUTH PLAIN LOGIN is offered inside TLS');
    expect(f.evidence).toEqual(['250 AUTH PLAIN LOGIN']);
    expect(runCheck(check, smtpsEndpoint()).status).toBe('pass');
  });

  it('fails when TLS works but no AUTH is offered inside it', () => {
    const ep = submissionEndpoint({
      ehloTls: {
        reply: reply(250, 'mail.lab.example', 'PIPELINING'),
        capabilities: capabilities({ starttls: false }),
      },
    });
    const f = runCheck(check, ep);
    expect(f.status).toBe('fail');
    renderMessage(check, f);
  });

  it('errors with the STARTTLS refusal when no TLS session was established', () => {
    const ep = submissionEndpoint({
      starttls: {
        offered: true,
        attempted: true,
        reply: reply(454, '4.7.0 TLS not available due to local problem'),
      },
      ehloTls: undefined,
      tls: undefined,
    });
    const f = runCheck(check, ep);
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe(
      'no TLS session: STARTTLS refused with 454 4.7.0 TLS not available due to local problem',
    );
  });

  it('errors with the handshake failure', () => {
    const message = 'TLS handshake with 127.0.0.1:587 failed: wrong version number';
    const ep = submissionEndpoint({
      ehloTls: undefined,
      tls: failedHandshake(probeFailure({ message })),
    });
    expect(renderMessage(check, runCheck(check, ep))).toBe(`no TLS session: ${message}`);
  });

  it('errors when STARTTLS is not offered at all', () => {
    const ep = submissionEndpoint({
      starttls: { offered: false, attempted: false },
      ehloTls: undefined,
      tls: undefined,
    });
    expect(renderMessage(check, runCheck(check, ep))).toBe('no TLS session: STARTTLS is not offered');
  });

  it('skips on an MX/relay port', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('skip');
    renderMessage(check, f);
  });
});
