import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/smtp/ehlo.js';
import { capabilities, endpoint, reply, runCheck, smtpsEndpoint } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

describe('smtp.ehlo', () => {
  it('passes when EHLO is accepted and lists the extensions', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('pass');
    expect(f.evidence).toEqual([
      '250-mail.lab.example',
      '250-PIPELINING',
      '250-SIZE 52428800',
      '250-8BITMIME',
      '250 STARTTLS',
    ]);
    expect(renderMessage(check, f)).toBe(
      'EHLO accepted; extensions: PIPELINING, SIZE 52428800, 8BITMIME, ENHANCEDSTATUSCODES, STARTTLS',
    );
  });

  it('fails when only HELO works: no ESMTP, so no STARTTLS or AUTH', () => {
    const ep = endpoint({
      ehlo: {
        command: 'HELO',
        reply: reply(250, 'mail.lab.example'),
        ehloRejected: reply(500, '5.5.2 Error: command not recognized'),
        capabilities: capabilities({ raw: [], starttls: false, pipelining: false, eightBitMime: false }),
      },
    });
    const f = runCheck(check, ep);
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('helo-only');
    expect(renderMessage(check, f)).toContain('EHLO rejected, HELO accepted');
    expect(renderMessage(check, f)).toContain('500 5.5.2 Error: command not recognized');
    expect(f.evidence).toEqual([
      'reply to EHLO: 500 5.5.2 Error: command not recognized',
      '250 mail.lab.example',
    ]);
  });

  it('fails when even the fallback was rejected', () => {
    const ep = endpoint({
      ehlo: { command: 'HELO', reply: reply(554, '5.7.1 go away'), capabilities: capabilities({ raw: [] }) },
    });
    const f = runCheck(check, ep);
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe('HELO rejected: 554 5.7.1 go away');
  });

  it('uses the EHLO inside TLS on smtps', () => {
    const f = runCheck(check, smtpsEndpoint());
    expect(f.status).toBe('pass');
    expect(f.evidence?.at(-1)).toBe('250 AUTH PLAIN LOGIN');
  });

  it('errors without an EHLO reply, with the session failure', () => {
    const message = 'connection closed by 127.0.0.1:25 while waiting for the reply to EHLO';
    const ep = endpoint({ ehlo: undefined, failure: { code: 'CLOSED', message, stage: 'EHLO' } });
    const f = runCheck(check, ep);
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain(message);
    expect(runCheck(check, smtpsEndpoint({ ehloTls: undefined })).status).toBe('error');
  });
});
