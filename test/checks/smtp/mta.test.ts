import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/smtp/mta.js';
import { endpoint, reply, runCheck } from '../../helpers/facts.js';
import { renderMessage, renderRemediation } from '../../helpers/render.js';

const greet = (text: string) => endpoint({ greeting: { reply: reply(220, text), ms: 1 } });

describe('smtp.mta', () => {
  it('reports the product as info', () => {
    const f = runCheck(check, greet('mail.lab.example ESMTP Postfix (Debian/GNU)'));
    expect(f.status).toBe('info');
    expect(renderMessage(check, f)).toBe('The MTA looks like Postfix');
    expect(f.evidence).toEqual(['220 mail.lab.example ESMTP Postfix (Debian/GNU)']);
  });

  it('reports a disclosed version as info by default', () => {
    const f = runCheck(check, greet('mx1.example.edu ESMTP Exim 4.96 Tue, 21 Nov 2023 10:00:00 +0000'));
    expect(f.status).toBe('info');
    expect(f.data).toMatchObject({ name: 'exim', product: 'Exim 4.96', version: '4.96' });
    expect(renderMessage(check, f)).toContain('version 4.96 is disclosed');
  });

  it('warns about a disclosed version when the policy asks (campus-strict)', () => {
    const f = runCheck(check, greet('relay.example.edu ESMTP Sendmail 8.17.1/8.17.1; Tue, 21 Nov 2023'), {
      params: { versionDisclosure: 'warn' },
    });
    expect(f.status).toBe('warn');
    expect(renderRemediation(check, f).join('\n')).toContain('confSMTP_LOGIN_MSG');
  });

  it('does not warn under the strict setting when no version is shown', () => {
    const f = runCheck(check, greet('mail.example.edu ESMTP Postfix'), {
      params: { versionDisclosure: 'warn' },
    });
    expect(f.status).toBe('info');
  });

  it('says so when the MTA cannot be identified', () => {
    const f = runCheck(check, greet('mail.example.edu ESMTP'));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('unknown');
    renderMessage(check, f);
  });

  it('errors when nothing was heard from the server', () => {
    const f = runCheck(check, endpoint({ greeting: undefined, ehlo: undefined, ehloTls: undefined }));
    expect(f.status).toBe('error');
    renderMessage(check, f);
  });
});
