import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/required.js';
import { endpoint, reply, runCheck, smtpsEndpoint, submissionEndpoint } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const command = 'MAIL FROM:<mailcheck@mailcheck.invalid>';
const mail = (code: number, ...lines: string[]) => ({
  mailBeforeTls: { command, reply: reply(code, ...lines) },
});

describe('tls.required', () => {
  it('passes on submission when cleartext MAIL FROM gets 530', () => {
    const f = runCheck(check, submissionEndpoint());
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe(
      'MAIL FROM before STARTTLS is refused: 530 5.7.0 Must issue a STARTTLS command first',
    );
    expect(f.evidence).toEqual([`C: ${command}`, '530 5.7.0 Must issue a STARTTLS command first']);
  });

  it('passes on another 5xx that mentions encryption', () => {
    const f = runCheck(
      check,
      submissionEndpoint(mail(554, '5.7.1 Encryption required for requested operation')),
    );
    expect(f.status).toBe('pass');
  });

  it('fails on submission when cleartext MAIL FROM is accepted', () => {
    const f = runCheck(check, submissionEndpoint(mail(250, '2.1.0 Ok')));
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toContain(
      'accepted: mail can be sent to this submission port without encryption',
    );
  });

  it('judges port 25 only when the policy lists smtp', () => {
    const ep = endpoint(mail(250, '2.1.0 Ok'));
    const info = runCheck(check, ep);
    expect(info.status).toBe('info');
    expect(renderMessage(check, info)).toBe(
      'cleartext MAIL FROM accepted (not required on this port by policy)',
    );
    const refused = runCheck(check, endpoint(mail(530, '5.7.0 Must issue a STARTTLS command first')));
    expect(renderMessage(check, refused)).toBe(
      'cleartext MAIL FROM refused (not required on this port by policy)',
    );
    const relay = runCheck(check, ep, { params: { profiles: ['smtp', 'submission'] } });
    expect(relay.status).toBe('fail');
  });

  it('reports error when the refusal does not say why, or the reply is missing', () => {
    const other = runCheck(
      check,
      submissionEndpoint(mail(553, '5.1.8 Sender address rejected: domain not found')),
    );
    expect(other.status).toBe('error');
    expect(renderMessage(check, other)).toContain('553 5.1.8 Sender address rejected');
    const temp = runCheck(check, submissionEndpoint(mail(451, '4.3.0 Try again later')));
    expect(temp.status).toBe('error');
    const missing = runCheck(check, submissionEndpoint({ mailBeforeTls: undefined }));
    expect(missing.status).toBe('error');
    expect(renderMessage(check, missing)).toBe('reply to MAIL FROM before STARTTLS not available');
  });

  it('skips implicit-TLS ports', () => {
    const f = runCheck(check, smtpsEndpoint());
    expect(f.status).toBe('skip');
    expect(renderMessage(check, f)).toContain('every session is encrypted');
  });
});
