import { describe, expect, it } from 'vitest';
import { identifyMta } from '../../src/checks/mta.js';
import type { SmtpReply } from '../../src/model/artifacts.js';
import { endpoint, reply } from '../helpers/facts.js';

const fromGreeting = (...lines: string[]) =>
  identifyMta(endpoint({ greeting: { reply: reply(220, ...lines), ms: 1 } }));
const fromEhlo = (greeting: string, ehlo: SmtpReply) =>
  identifyMta(
    endpoint({
      greeting: { reply: reply(220, greeting), ms: 1 },
      ehlo: { ...endpoint().ehlo!, reply: ehlo },
    }),
  );

describe('identifyMta from greetings', () => {
  it.each([
    ['mail.example.edu ESMTP Postfix', 'postfix', 'Postfix', undefined],
    ['mail.example.edu ESMTP Postfix (Debian/GNU)', 'postfix', 'Postfix', undefined],
    ['smtp.example.edu ESMTP Postfix (3.7.6)', 'postfix', 'Postfix 3.7.6', '3.7.6'],
    ['mx.example.edu ESMTP Postfix 2.10.1', 'postfix', 'Postfix 2.10.1', '2.10.1'],
    ['mx1.example.edu ESMTP Exim 4.96 Tue, 21 Nov 2023 10:00:00 +0000', 'exim', 'Exim 4.96', '4.96'],
    [
      'host.example.edu ESMTP Exim 4.94.2 #2 Tue, 21 Nov 2023 10:00:00 -0500',
      'exim',
      'Exim 4.94.2',
      '4.94.2',
    ],
    [
      'relay.example.edu ESMTP Sendmail 8.17.1/8.17.1; Tue, 21 Nov 2023 10:00:00 -0500 (EST)',
      'sendmail',
      'Sendmail 8.17.1',
      '8.17.1',
    ],
    [
      'mail.cs.example.edu ESMTP Sendmail 8.15.2/8.15.2/Debian-22; Tue, 21 Nov 2023',
      'sendmail',
      'Sendmail 8.15.2',
      '8.15.2',
    ],
    [
      'EXCH01.campus.example.edu Microsoft ESMTP MAIL Service ready at Tue, 21 Nov 2023 10:00:00 +0100',
      'exchange',
      'Microsoft Exchange',
      undefined,
    ],
    [
      'legacy.example.edu Microsoft ESMTP MAIL Service, Version: 6.0.3790.4675 ready at  Tue, 21 Nov 2023 10:00:00 +0100',
      'exchange',
      'Microsoft Exchange 6.0.3790.4675',
      '6.0.3790.4675',
    ],
    [
      'BN8NAM12FT066.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at Tue, 21 Nov 2023 10:00:00 +0000',
      'exchange',
      'Microsoft 365 (Exchange Online)',
      undefined,
    ],
    ['mail.example.org ESMTP OpenSMTPD', 'opensmtpd', 'OpenSMTPD', undefined],
    [
      'mx.google.com ESMTP a1-20020a05600c000000b0040b000000000si0000000wmq.1 - gsmtp',
      'unknown',
      'Google (gsmtp)',
      undefined,
    ],
    ['mail.lab.example ESMTP mailcheck-lab', 'unknown', 'the mailcheck lab server', undefined],
  ])('%s', (greeting, name, product, version) => {
    const mta = fromGreeting(greeting);
    expect(mta.name).toBe(name);
    expect(mta.product).toBe(product);
    expect(mta.version).toBe(version);
    expect(mta.evidence).toBe(`220 ${greeting}`);
  });

  it('finds the product in a later line of a multi-line greeting', () => {
    const mta = fromGreeting('mail.example.edu ESMTP', 'Exim 4.97 is here');
    expect(mta).toMatchObject({ name: 'exim', version: '4.97', evidence: '220 Exim 4.97 is here' });
  });

  it('does not take a product name from the host name', () => {
    expect(fromGreeting('postfix.example.edu ESMTP').name).toBe('unknown');
    expect(fromGreeting('exim-relay.example.edu ESMTP ready').name).toBe('unknown');
  });

  it('calls a bare "ESMTP" banner unknown when nothing else identifies it', () => {
    const mta = identifyMta(
      endpoint({ greeting: { reply: reply(220, 'mail.example.edu ESMTP'), ms: 1 }, ehlo: undefined }),
    );
    expect(mta).toEqual({ name: 'unknown', product: 'unknown', evidence: '220 mail.example.edu ESMTP' });
  });
});

describe('identifyMta from EHLO behaviour', () => {
  it('recognises Exchange by its private EHLO keywords behind a custom banner', () => {
    const ehlo = reply(
      250,
      'mail.example.edu Hello [192.0.2.1]',
      'SIZE 37748736',
      'PIPELINING',
      'X-ANONYMOUSTLS',
      'X-EXPS GSSAPI NTLM',
      'XRDST',
    );
    const mta = fromEhlo('mail.example.edu ready', ehlo);
    expect(mta).toEqual({ name: 'exchange', product: 'Microsoft Exchange', evidence: '250-X-ANONYMOUSTLS' });
  });

  it('recognises Microsoft 365 by its outlook.com name', () => {
    const ehlo = reply(250, 'LO4P265CA0001.outlook.office365.com Hello [192.0.2.1]', 'XRDST');
    const mta = fromEhlo('LO4P265CA0001.outlook.office365.com ESMTP', ehlo);
    expect(mta.product).toBe('Microsoft 365 (Exchange Online)');
  });

  it('recognises nodemailer smtp-server by its default EHLO greeting', () => {
    const ehlo = reply(250, 'localhost Nice to meet you, [127.0.0.1]', 'PIPELINING', '8BITMIME', 'SMTPUTF8');
    const mta = fromEhlo('localhost ESMTP', ehlo);
    expect(mta).toEqual({
      name: 'smtp-server',
      product: 'smtp-server (Nodemailer)',
      evidence: '250-localhost Nice to meet you, [127.0.0.1]',
    });
  });

  it('uses the EHLO inside TLS on smtps', () => {
    const mta = identifyMta(
      endpoint({
        profile: 'smtps',
        greeting: { reply: reply(220, 'mail.example.edu ESMTP'), ms: 1 },
        ehlo: undefined,
        ehloTls: {
          reply: reply(250, 'mail.example.edu', 'X-EXPS NTLM'),
          capabilities: endpoint().ehloTls!.capabilities,
        },
      }),
    );
    expect(mta.name).toBe('exchange');
  });
});
