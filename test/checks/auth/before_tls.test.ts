import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/auth/before_tls.js';
import { ehloWith, endpoint, runCheck, smtpsEndpoint, submissionEndpoint } from '../../helpers/facts.js';
import { renderMessage, renderRemediation } from '../../helpers/render.js';

const advertising = (...mechs: string[]) =>
  submissionEndpoint({
    ehlo: ehloWith(['PIPELINING', `AUTH ${mechs.join(' ')}`, 'STARTTLS'], { auth: mechs }),
  });

describe('auth.before_tls', () => {
  it('passes when no AUTH is advertised on the cleartext session', () => {
    const f = runCheck(check, submissionEndpoint());
    expect(f.status).toBe('pass');
    renderMessage(check, f);
    expect(runCheck(check, endpoint()).status).toBe('pass');
  });

  it('fails when PLAIN and LOGIN are advertised before TLS, noting the password exposure', () => {
    const f = runCheck(check, advertising('PLAIN', 'LOGIN'));
    expect(f.status).toBe('fail');
    expect(f.evidence).toEqual(['250-AUTH PLAIN LOGIN']);
    const text = renderMessage(check, f);
    expect(text).toContain('AUTH PLAIN LOGIN is advertised on the cleartext session');
    expect(text).toContain('with PLAIN and LOGIN the password crosses the network');
    expect(renderRemediation(check, f)).toContain('Set `smtpd_tls_auth_only = yes`');
  });

  it('fails for challenge-response mechanisms too, without the password note', () => {
    const f = runCheck(check, advertising('CRAM-MD5'));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('advertised');
    expect(renderMessage(check, f)).not.toContain('password');
  });

  it('skips on implicit TLS, where there is no cleartext session', () => {
    const f = runCheck(check, smtpsEndpoint());
    expect(f.status).toBe('skip');
    renderMessage(check, f);
  });

  it('errors without an EHLO reply', () => {
    const f = runCheck(check, submissionEndpoint({ ehlo: undefined }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('EHLO reply not available');
  });
});
