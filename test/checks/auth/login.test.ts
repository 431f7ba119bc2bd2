import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/auth/login.js';
import type { AuthAttempt } from '../../../src/model/artifacts.js';
import { endpoint, reply, runCheck, submissionEndpoint } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const withAuth = (auth: AuthAttempt) =>
  runCheck(check, submissionEndpoint({ auth }), { credentialsGiven: true });

describe('auth.login', () => {
  it('passes when the login succeeds inside TLS', () => {
    const f = withAuth({
      mechanism: 'PLAIN',
      overTls: true,
      success: true,
      reply: reply(235, '2.7.0 Authentication successful'),
    });
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe(
      'Logged in with AUTH PLAIN inside TLS: 235 2.7.0 Authentication successful',
    );
    expect(f.evidence).toEqual(['AUTH PLAIN inside TLS', '235 2.7.0 Authentication successful']);
  });

  it('says so when the login happened without TLS', () => {
    const f = withAuth({ mechanism: 'LOGIN', overTls: false, success: true, reply: reply(235, 'ok') });
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toContain('WITHOUT TLS');
  });

  it('fails with the server reply when the credentials are rejected', () => {
    const f = withAuth({
      mechanism: 'PLAIN',
      overTls: true,
      success: false,
      reply: reply(535, '5.7.8 Error: authentication failed: authentication failure'),
    });
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe(
      'Login with AUTH PLAIN failed: 535 5.7.8 Error: authentication failed: authentication failure',
    );
  });

  it('errors on a temporary failure (454)', () => {
    const f = withAuth({
      mechanism: 'PLAIN',
      overTls: true,
      success: false,
      reply: reply(454, '4.7.0 Temporary authentication failure'),
    });
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('454 4.7.0');
  });

  it('errors with the reason when we refused to send credentials without TLS', () => {
    const f = withAuth({
      mechanism: 'PLAIN',
      overTls: false,
      success: false,
      refused: 'no TLS and --allow-plaintext-auth not given',
    });
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe('credentials not sent: no TLS and --allow-plaintext-auth not given');
  });

  it('errors when the AUTH exchange broke off', () => {
    const message = 'no reply to AUTH from 127.0.0.1:587 within 5000ms';
    const f = withAuth({
      mechanism: 'LOGIN',
      overTls: true,
      success: false,
      failure: { code: 'REPLY_TIMEOUT', message, stage: 'AUTH' },
    });
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe(message);
  });

  it('skips without credentials, naming how to give them', () => {
    const f = runCheck(check, submissionEndpoint());
    expect(f.status).toBe('skip');
    expect(renderMessage(check, f)).toBe(
      'no credentials given (--auth-user and MAILCHECK_AUTH_PASSWORD or --auth-password-file)',
    );
  });

  it('skips when the server offers no AUTH', () => {
    const f = runCheck(check, endpoint(), { credentialsGiven: true });
    expect(f.status).toBe('skip');
    expect(renderMessage(check, f)).toBe('the server offers no AUTH');
  });

  it('errors when AUTH was offered but no attempt was recorded', () => {
    const f = runCheck(check, submissionEndpoint(), { credentialsGiven: true });
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('AUTH attempt not available');
  });

  it('errors when the TLS session of a submission port is missing', () => {
    const ep = submissionEndpoint({ ehloTls: undefined, starttls: { offered: false, attempted: false } });
    const f = runCheck(check, ep, { credentialsGiven: true });
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('STARTTLS is not offered');
  });
});
