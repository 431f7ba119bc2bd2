import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/smtp/connect.js';
import { endpoint, reply, runCheck } from '../../helpers/facts.js';
import { renderMessage, renderRemediation } from '../../helpers/render.js';

describe('smtp.connect', () => {
  it('passes on a 220 greeting', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('pass');
    expect(f.evidence).toEqual(['220 mail.lab.example ESMTP Postfix']);
    expect(renderMessage(check, f)).toBe('Connected and greeted: 220 mail.lab.example ESMTP Postfix');
  });

  it('fails on a 554 greeting: the server refuses service to us (RFC 5321 §3.1)', () => {
    const ep = endpoint({
      greeting: { reply: reply(554, 'mail.lab.example ESMTP not accepting messages'), ms: 3 },
    });
    const f = runCheck(check, ep);
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toContain('554 mail.lab.example ESMTP not accepting messages');
    expect(renderRemediation(check, f)[0]).toContain('port 25');
  });

  it('reports a 421 greeting as a temporary error, with the reply', () => {
    const ep = endpoint({
      greeting: { reply: reply(421, '4.3.2 Service not available, closing channel'), ms: 3 },
    });
    const f = runCheck(check, ep);
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toMatch(/temporary.*421 4\.3\.2 Service not available/);
    expect(f.evidence).toEqual(['421 4.3.2 Service not available, closing channel']);
  });

  it('errors with the connect failure when the port could not be reached', () => {
    const message = 'connect ECONNREFUSED 127.0.0.1:25 (stage CONNECT)';
    const ep = endpoint({
      connect: { ok: false, failure: { code: 'ECONNREFUSED', message, stage: 'CONNECT' } },
      greeting: undefined,
      ehlo: undefined,
    });
    const f = runCheck(check, ep);
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain(message);
  });

  it('errors when the greeting never arrived', () => {
    const message = 'no 220 greeting from 127.0.0.1:25 within 5000ms';
    const ep = endpoint({
      greeting: undefined,
      failure: {
        code: 'REPLY_TIMEOUT',
        message,
        stage: 'GREETING',
        waitedFor: '220 greeting',
        timeoutMs: 5000,
      },
    });
    const f = runCheck(check, ep);
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain(message);
  });

  it('errors on a greeting code SMTP does not define for it', () => {
    const f = runCheck(check, endpoint({ greeting: { reply: reply(250, 'hello'), ms: 1 } }));
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('expected 220');
  });
});
