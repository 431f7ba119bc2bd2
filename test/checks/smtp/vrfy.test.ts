import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/smtp/vrfy.js';
import type { EnumerationProbe, SmtpReply } from '../../../src/model/artifacts.js';
import { endpoint, reply, runCheck } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

function vrfy(known: SmtpReply, unknown: SmtpReply): EnumerationProbe {
  return {
    command: 'VRFY',
    overTls: false,
    known: { argument: 'postmaster', reply: known },
    unknown: { argument: 'mc-x7q2k9z4', reply: unknown },
  };
}
const run = (known: SmtpReply, unknown: SmtpReply) =>
  runCheck(check, endpoint({ vrfy: vrfy(known, unknown) }));

describe('smtp.vrfy', () => {
  it('fails when VRFY confirms postmaster and denies the random name', () => {
    const f = run(
      reply(250, '2.0.0 postmaster'),
      reply(550, '5.1.1 <mc-x7q2k9z4>: Recipient address rejected'),
    );
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe(
      'VRFY reveals which mailboxes exist: postmaster gets 250, the non-existent mc-x7q2k9z4 gets 550',
    );
    expect(f.evidence).toEqual([
      'C: VRFY postmaster',
      'S: 250 2.0.0 postmaster',
      'C: VRFY mc-x7q2k9z4',
      'S: 550 5.1.1 <mc-x7q2k9z4>: Recipient address rejected',
    ]);
  });

  it('fails on 251 versus another permanent refusal', () => {
    expect(run(reply(251, 'User not local; will forward'), reply(554, 'no')).status).toBe('fail');
  });

  it('fails when 252 for postmaster contrasts with 550 for the random name', () => {
    expect(run(reply(252, '2.0.0 postmaster'), reply(550, '5.1.1 unknown')).status).toBe('fail');
  });

  it('passes when VRFY is disabled', () => {
    const f = run(reply(502, '5.5.1 VRFY command is disabled'), reply(502, '5.5.1 VRFY command is disabled'));
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe('VRFY is disabled: 502 5.5.1 VRFY command is disabled');
  });

  it('passes when both names get 252: an accept-all server is not enumerable', () => {
    const f = run(reply(252, '2.1.5 Cannot VRFY user'), reply(252, '2.1.5 Cannot VRFY user'));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('same');
    expect(renderMessage(check, f)).toContain('(252)');
  });

  it('passes when both names are refused until authentication', () => {
    const f = run(reply(530, '5.7.0 Authentication required'), reply(530, '5.7.0 Authentication required'));
    expect(f.status).toBe('pass');
    renderMessage(check, f);
  });

  it('passes on a temporary failure for the unknown name (not a 5xx)', () => {
    const f = run(reply(250, 'postmaster'), reply(450, '4.1.1 try later'));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-leak');
    renderMessage(check, f);
  });

  it('errors when the VRFY probe did not run', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('VRFY replies not available');
  });
});
