import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/smtp/greeting.js';
import { classifyName } from '../../../src/checks/smtp/common.js';
import { endpoint, reply, runCheck } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const greet = (...lines: string[]) => endpoint({ greeting: { reply: reply(220, ...lines), ms: 2 } });

describe('smtp.greeting', () => {
  it('passes when the greeting starts with a FQDN', () => {
    const f = runCheck(check, greet('mail.lab.example ESMTP Postfix'));
    expect(f.status).toBe('pass');
    expect(f.data?.name).toBe('mail.lab.example');
    expect(renderMessage(check, f)).toBe('The greeting names the host mail.lab.example');
  });

  it('reads the name from the first line of a multi-line greeting', () => {
    const f = runCheck(check, greet('mx1.example.edu ESMTP Exim 4.96', 'No UCE.'));
    expect(f.status).toBe('pass');
    expect(f.evidence).toEqual(['220-mx1.example.edu ESMTP Exim 4.96', '220 No UCE.']);
  });

  it.each([
    ['a bare host name', 'mailhost ESMTP', 'mailhost'],
    ['an unbracketed IP address', '192.0.2.25 ESMTP', '192.0.2.25'],
    ['an underscore', 'mail_1.example.edu ESMTP', 'mail_1.example.edu'],
    ['text instead of a name', 'ESMTP ready', 'ESMTP'],
  ])('fails on %s', (_label, text, name) => {
    const f = runCheck(check, greet(text));
    expect(f.status).toBe('fail');
    expect(f.data?.name).toBe(name);
    expect(renderMessage(check, f)).toContain(name);
  });

  it('fails on an empty greeting and says so', () => {
    const f = runCheck(check, greet());
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toContain('(nothing after 220)');
  });

  it('warns on an address literal, which RFC 5321 allows', () => {
    const f = runCheck(check, greet('[192.0.2.25] ESMTP'));
    expect(f.status).toBe('warn');
    expect(renderMessage(check, f)).toContain('[192.0.2.25]');
  });

  it('warns on a placeholder name such as localhost.localdomain', () => {
    const f = runCheck(check, greet('localhost.localdomain ESMTP Postfix'));
    expect(f.status).toBe('warn');
    expect(renderMessage(check, f)).toContain('not a public host name');
  });

  it('errors when there is no greeting, and on a non-220 greeting', () => {
    const none = runCheck(check, endpoint({ greeting: undefined }));
    expect(none.status).toBe('error');
    expect(renderMessage(check, none)).toContain('greeting not available');
    const refused = runCheck(check, endpoint({ greeting: { reply: reply(554, 'go away'), ms: 1 } }));
    expect(refused.status).toBe('error');
  });
});

describe('classifyName', () => {
  it.each([
    ['mail.example.edu', 'fqdn'],
    ['xn--mnchen-3ya.example', 'fqdn'],
    ['a.b', 'fqdn'],
    ['[IPv6:2001:db8::25]', 'address-literal'],
    ['[127.0.0.1]', 'address-literal'],
    ['[999.1.1.1]', 'invalid'],
    ['[IPv6:zz]', 'invalid'],
    ['exch01.campus.local', 'placeholder'],
    ['-bad.example.edu', 'invalid'],
    ['mail..example.edu', 'invalid'],
    ['mail.example.edu.', 'invalid'],
    [`${'a'.repeat(64)}.example`, 'invalid'],
    ['müller.example', 'invalid'],
  ])('%s is %s', (name, kind) => {
    expect(classifyName(name)).toBe(kind);
  });
});
