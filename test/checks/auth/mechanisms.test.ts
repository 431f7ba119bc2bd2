import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/auth/mechanisms.js';
import {
  capabilities,
  ehloWith,
  endpoint,
  reply,
  runCheck,
  smtpsEndpoint,
  submissionEndpoint,
} from '../../helpers/facts.js';
import { renderMessage, renderRemediation } from '../../helpers/render.js';

const insideTls = (...mechs: string[]) => ({
  reply: reply(250, 'mail.lab.example', `AUTH ${mechs.join(' ')}`),
  capabilities: capabilities({ starttls: false, auth: mechs }),
});

describe('auth.mechanisms', () => {
  it('passes for PLAIN and LOGIN inside TLS', () => {
    const f = runCheck(check, submissionEndpoint());
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toContain('PLAIN LOGIN');
    expect(f.evidence).toEqual(['inside TLS: AUTH PLAIN LOGIN']);
  });

  it('allows GSSAPI (Kerberos) by default', () => {
    expect(runCheck(check, submissionEndpoint({ ehloTls: insideTls('GSSAPI', 'PLAIN') })).status).toBe(
      'pass',
    );
  });

  it('fails on deprecated mechanisms inside TLS and lists them', () => {
    const f = runCheck(
      check,
      smtpsEndpoint({ ehloTls: insideTls('PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5') }),
    );
    expect(f.status).toBe('fail');
    expect(f.data?.offendingList).toEqual(['CRAM-MD5', 'DIGEST-MD5']);
    expect(renderMessage(check, f)).toBe(
      'Forbidden AUTH mechanisms offered: CRAM-MD5 DIGEST-MD5 (all offered: PLAIN LOGIN CRAM-MD5 DIGEST-MD5)',
    );
    expect(f.evidence).toContain('CRAM-MD5: offered inside TLS');
    expect(renderRemediation(check, f)[0]).toContain('remove CRAM-MD5 DIGEST-MD5');
  });

  it('fails on NTLM offered before TLS too', () => {
    const ep = submissionEndpoint({
      ehlo: ehloWith(['AUTH NTLM', 'STARTTLS'], { auth: ['NTLM'] }),
      ehloTls: insideTls('NTLM', 'LOGIN'),
    });
    const f = runCheck(check, ep);
    expect(f.status).toBe('fail');
    expect(f.evidence).toContain('NTLM: offered before and inside TLS');
  });

  it('follows the policy list, case-insensitively', () => {
    const ep = submissionEndpoint({ ehloTls: insideTls('PLAIN', 'LOGIN') });
    expect(runCheck(check, ep, { params: { forbidden: ['login'] } }).status).toBe('fail');
    expect(
      runCheck(check, smtpsEndpoint({ ehloTls: insideTls('CRAM-MD5') }), { params: { forbidden: [] } })
        .status,
    ).toBe('pass');
  });

  it('skips when no AUTH is offered at all', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('skip');
    expect(renderMessage(check, f)).toBe('no AUTH mechanism is offered');
  });

  it('errors on a submission port whose TLS session is missing', () => {
    const f = runCheck(
      check,
      submissionEndpoint({ ehloTls: undefined, starttls: { offered: false, attempted: false } }),
    );
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('STARTTLS is not offered');
  });

  it('errors without any EHLO', () => {
    const f = runCheck(check, endpoint({ ehlo: undefined, ehloTls: undefined }));
    expect(f.status).toBe('error');
    renderMessage(check, f);
  });
});
