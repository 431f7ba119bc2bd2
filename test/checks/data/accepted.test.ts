import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/data/accepted.js';
import type { DataFacts } from '../../../src/model/artifacts.js';
import { endpoint, reply, runCheck, submissionEndpoint } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const ID = '0b6f2c1e-5d1a-4e0b-9a43-7f1f0c6f4a11';
const MAIL = { command: 'MAIL FROM:<dept@campus.example> SIZE=812', reply: reply(250, '2.1.0 Ok') };
const RCPT = { command: 'RCPT TO:<alice@elsewhere.example>', reply: reply(250, '2.1.5 Ok') };
const DATA = { command: 'DATA', reply: reply(354, 'End data with <CR><LF>.<CR><LF>') };

function data(over: Partial<DataFacts> = {}): DataFacts {
  return {
    from: 'dept@campus.example',
    to: 'alice@elsewhere.example',
    mailcheckId: ID,
    messageId: `<mailcheck.${ID}@client.campus.example>`,
    overTls: true,
    steps: [MAIL, RCPT, DATA],
    final: reply(250, '2.0.0 Ok: queued as 4ZxY1234AB'),
    queueId: '4ZxY1234AB',
    finalMs: 42,
    size: 812,
    ms: 80,
    ...over,
  };
}

const run = (d: DataFacts | undefined, ep = submissionEndpoint({ data: d })) => {
  const f = runCheck(check, ep);
  return { f, text: renderMessage(check, f) };
};

describe('data.accepted', () => {
  it('passes with the queue id and the time to the final 250', () => {
    const { f, text } = run(
      data({
        auth: {
          mechanism: 'PLAIN',
          overTls: true,
          success: true,
          reply: reply(235, '2.7.0 Authentication successful'),
        },
      }),
    );
    expect(f.status).toBe('pass');
    expect(text).toBe(`Test message ${ID} accepted 42 ms after the end of data, queue id 4ZxY1234AB`);
    expect(f.evidence).toEqual([
      'AUTH PLAIN -> 235 2.7.0 Authentication successful',
      'MAIL FROM:<dept@campus.example> SIZE=812 -> 250 2.1.0 Ok',
      'RCPT TO:<alice@elsewhere.example> -> 250 2.1.5 Ok',
      'DATA -> 354 End data with <CR><LF>.<CR><LF>',
      `X-Mailcheck-Id: ${ID}`,
      `Message-ID: <mailcheck.${ID}@client.campus.example>`,
      '. -> 250 2.0.0 Ok: queued as 4ZxY1234AB',
    ]);
  });

  it('passes without a queue id when the reply names none', () => {
    const { f, text } = run(data({ final: reply(250, 'Ok'), queueId: undefined }));
    expect(f.status).toBe('pass');
    expect(text).toBe(
      `Test message ${ID} accepted 42 ms after the end of data (the reply names no queue id): 250 Ok`,
    );
  });

  it('fails with the reply when the message is refused after the data', () => {
    const { f, text } = run(data({ final: reply(554, '5.7.1 Message rejected: spam'), queueId: undefined }));
    expect(f.status).toBe('fail');
    expect(text).toBe(`Test message ${ID} refused at end of data: 554 5.7.1 Message rejected: spam`);
  });

  it('fails at the step that refused the envelope, 4xx included', () => {
    const refused = { ...RCPT, reply: reply(451, '4.7.1 Greylisted') };
    const { f, text } = run(
      data({
        steps: [MAIL, refused],
        final: undefined,
        queueId: undefined,
        finalMs: undefined,
        failure: { code: 'UNEXPECTED_REPLY', message: 'RCPT: server answered 451', stage: 'RCPT' },
      }),
    );
    expect(f.status).toBe('fail');
    expect(text).toBe(`Test message ${ID} refused at RCPT: 451 4.7.1 Greylisted`);
  });

  it('errors when the dialogue broke off before any verdict', () => {
    const failure = {
      code: 'CLOSED' as const,
      message: 'DATA: the server closed the connection',
      stage: 'DATA' as const,
    };
    const { f, text } = run(data({ final: undefined, queueId: undefined, finalMs: undefined, failure }));
    expect(f.status).toBe('error');
    expect(text).toBe('test message not sent: DATA: the server closed the connection');
  });

  it('errors when the login failed, naming it', () => {
    const failure = {
      code: 'UNEXPECTED_REPLY' as const,
      message: 'AUTH: no message sent: login failed: 535 5.7.8 bad',
      stage: 'AUTH' as const,
    };
    const d = data({ steps: [], final: undefined, queueId: undefined, finalMs: undefined, failure });
    expect(run(d).text).toBe('test message not sent: AUTH: no message sent: login failed: 535 5.7.8 bad');
  });

  it('skips when no test message was requested, and errors when the port never answered', () => {
    const { f, text } = run(undefined, endpoint());
    expect(f.status).toBe('skip');
    expect(text).toBe('no test message was sent through this port (--send-test --from A --to B)');
    const down = endpoint({
      connect: {
        ok: false,
        failure: { code: 'ECONNREFUSED', message: 'CONNECT: connection refused', stage: 'CONNECT' },
      },
    });
    expect(run(undefined, down).f.status).toBe('error');
  });
});
