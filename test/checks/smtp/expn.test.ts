import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/smtp/expn.js';
import type { SmtpReply } from '../../../src/model/artifacts.js';
import { endpoint, reply, runCheck } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const run = (known: SmtpReply, unknown: SmtpReply) =>
  runCheck(
    check,
    endpoint({
      expn: {
        command: 'EXPN',
        overTls: true,
        known: { argument: 'postmaster', reply: known },
        unknown: { argument: 'mc-x7q2k9z4', reply: unknown },
      },
    }),
  );

describe('smtp.expn', () => {
  it('fails when EXPN expands postmaster to a list', () => {
    const f = run(
      reply(250, 'Alice Admin <alice@example.edu>', 'Bob Ops <bob@example.edu>'),
      reply(550, '5.1.1 unknown'),
    );
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('expands');
    expect(renderMessage(check, f)).toContain('expands to 2 addresses');
    expect(f.evidence?.[0]).toBe('C: EXPN postmaster (inside TLS)');
    expect(f.evidence).toContain('S: 250-Alice Admin <alice@example.edu>');
  });

  it('fails when EXPN discloses the mailbox behind postmaster while the random name differs', () => {
    const f = run(reply(250, '<root@mail.example.edu>'), reply(252, 'cannot expand'));
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toContain('postmaster gets 250');
  });

  it('passes when EXPN is not implemented', () => {
    const f = run(
      reply(502, '5.5.2 Error: command not recognized'),
      reply(502, '5.5.2 Error: command not recognized'),
    );
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('disabled');
    renderMessage(check, f);
  });

  it('passes when both names get the same answer', () => {
    const f = run(reply(252, 'Cannot expand'), reply(252, 'Cannot expand'));
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toContain('alike (252)');
  });

  it('errors when the EXPN probe did not run', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('error');
    renderMessage(check, f);
  });
});
