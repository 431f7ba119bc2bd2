/**
 * The opt-in test message: address validation at the CLI boundary, the generated message and its
 * dot-stuffing, queue id parsing, and delivery to scripted servers and real Postfix.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import dataAccepted from '../../../src/checks/data/accepted.js';
import type { DataFacts } from '../../../src/model/artifacts.js';
import {
  AddressError,
  buildTestMessage,
  dotStuff,
  parseQueueId,
  probeData,
  rfc5322Date,
  validateAddress,
} from '../../../src/probe/smtp/data.js';
import { Deadline } from '../../../src/probe/smtp/session.js';
import { endpoint, reply, runCheck } from '../../helpers/facts.js';
import { startPostfix, type PostfixInstance } from '../../helpers/postfix.js';
import { renderMessage } from '../../helpers/render.js';
import { LAB_TLS as TLS, loopbackTarget as target } from '../../helpers/probe.js';
import { describeWithPostfix, endpointSchemaViolations, smtpProbeFixture } from '../../helpers/smtp-probe.js';

const ENVELOPE = { from: 'sender@lab.example', to: 'alice@lab.example' };

const { settings, scripted, listenRaw } = smtpProbeFixture(['smtp', 'data']);

/** The JSON report's schema violations for an endpoint carrying these facts. */
const schemaViolations = (data: DataFacts) => endpointSchemaViolations([endpoint({ data })]);

function judge(facts: DataFacts) {
  const f = runCheck(dataAccepted, endpoint({ data: facts }));
  return { f, text: renderMessage(dataAccepted, f) };
}

describe('validateAddress', () => {
  it.each([
    ['alice@lab.example', 'alice@lab.example'],
    ['  <alice@lab.example> ', 'alice@lab.example'],
    ['first.last+tag@sub.campus.example', 'first.last+tag@sub.campus.example'],
    ['"john smith"@campus.example', '"john smith"@campus.example'],
    ['postmaster@[192.0.2.1]', 'postmaster@[192.0.2.1]'],
  ])('accepts %j', (input, out) => {
    expect(validateAddress(input)).toBe(out);
  });

  it.each([
    ['alice@lab.example\r\nRCPT TO:<victim@elsewhere.example>', /control character/],
    ['alice@lab.example\nDATA', /control character/],
    ['alice', /user@domain/],
    ['@lab.example', /user@domain/],
    ['alice@localhost', /not a valid domain/],
    ['alice@-bad-.example', /not a valid domain/],
    ['al ice@lab.example', /not a valid local part/],
    ['a..b@lab.example', /not a valid local part/],
    ['élise@lab.example', /ASCII/],
    [`${'a'.repeat(65)}@lab.example`, /64 characters/],
    [`a@${'b'.repeat(250)}.example`, /254 characters/],
  ])('refuses %j', (input, why) => {
    expect(() => validateAddress(input)).toThrow(AddressError);
    expect(() => validateAddress(input)).toThrow(why);
  });

  it('shows control characters escaped in the message', () => {
    expect(() => validateAddress('a@b.example\r\n')).toThrow(/"a@b\.example\\x0d\\x0a"/);
  });
});

describe('the test message', () => {
  const now = new Date('2026-11-21T12:00:00Z');
  const msg = buildTestMessage({
    ...ENVELOPE,
    target: 'mail port 25',
    ehloName: 'client.lab.example',
    now,
    id: 'abc-123',
  });

  it('has Date, Message-ID, a unique X-Mailcheck-Id and a plain body', () => {
    expect(rfc5322Date(now)).toBe('Sat, 21 Nov 2026 12:00:00 +0000');
    expect(msg.lines).toContain('Date: Sat, 21 Nov 2026 12:00:00 +0000');
    expect(msg.lines).toContain('Message-ID: <mailcheck.abc-123@client.lab.example>');
    expect(msg.lines).toContain('X-Mailcheck-Id: abc-123');
    expect(msg.lines).toContain('Content-Type: text/plain; charset=us-ascii');
    expect(msg.lines.every((l) => /^[\x20-\x7e]*$/.test(l))).toBe(true);
    const other = buildTestMessage({ ...ENVELOPE, target: 'x', ehloName: 'client.lab.example', now });
    const again = buildTestMessage({ ...ENVELOPE, target: 'x', ehloName: 'client.lab.example', now });
    expect(other.mailcheckId).not.toBe(again.mailcheckId);
  });

  it('doubles a leading dot (RFC 5321 §4.5.2) and leaves other lines alone', () => {
    expect(dotStuff(['.', '..x', 'a.b', '.hidden', ''])).toEqual(['..', '...x', 'a.b', '..hidden', '']);
    expect(msg.lines.some((l) => l.startsWith('.'))).toBe(true);
  });
});

describe('parseQueueId', () => {
  it.each([
    ['Postfix', reply(250, '2.0.0 Ok: queued as 4ZxY1234AB'), '4ZxY1234AB'],
    ['Exim', reply(250, 'OK id=1rAbCd-000123-Ef'), '1rAbCd-000123-Ef'],
    ['Sendmail', reply(250, '2.0.0 4BLC0abc012345 Message accepted for delivery'), '4BLC0abc012345'],
    ['OpenSMTPD', reply(250, '2.0.0 1a2b3c4d Message accepted for delivery'), '1a2b3c4d'],
    [
      'Exchange',
      reply(
        250,
        '2.6.0 <mailcheck.1@client.example> [InternalId=12345678901, Hostname=EX01.campus.example] Queued mail for delivery',
      ),
      '12345678901',
    ],
    [
      'Gmail',
      reply(250, '2.0.0 OK  1700000000 a1-20020a0500000000si1234567wrx.12 - gsmtp'),
      'a1-20020a0500000000si1234567wrx.12',
    ],
    ['generic last token', reply(250, 'Message queued 0100018c12ab34cd'), '0100018c12ab34cd'],
  ])('reads the %s form', (_mta, r, id) => {
    expect(parseQueueId(r)).toBe(id);
  });

  it.each([reply(250, '2.0.0 Ok'), reply(250, 'Message accepted for delivery'), reply(250, '2.6.0')])(
    'finds no id in %j',
    (r) => {
      expect(parseQueueId(r)).toBeUndefined();
    },
  );
});

describe('probeData against scripted servers', () => {
  it('delivers over STARTTLS: the message arrives with its id and its dot line intact', async () => {
    const server = await scripted({ tls: TLS });
    const { facts, transcript } = await probeData(
      target(server.port),
      settings(),
      new Deadline(10_000),
      ENVELOPE,
    );
    expect(facts.failure).toBeUndefined();
    expect(facts.overTls).toBe(true);
    expect(server.messages).toHaveLength(1);
    const received = server.messages[0]!;
    expect(received.from).toBe(ENVELOPE.from);
    expect(received.to).toEqual([ENVELOPE.to]);
    const text = received.data.toString('latin1');
    expect(text).toContain(`X-Mailcheck-Id: ${facts.mailcheckId}\r\n`);
    expect(text).toContain(`Message-ID: ${facts.messageId}\r\n`);
    // Stuffed on the way out, unstuffed by the server: exactly one dot again.
    expect(text).toContain('\r\n.This line starts with a dot');
    expect(text).not.toContain('..This line');
    expect(facts.queueId).toBe(received.queueId);
    expect(facts.finalMs).toBeGreaterThanOrEqual(0);
    expect(facts.size).toBeGreaterThan(text.length);
    const { f, text: message } = judge(facts);
    expect(f.status).toBe('pass');
    expect(message).toMatch(
      new RegExp(
        `^Test message ${facts.mailcheckId} accepted \\d+ ms after the end of data, queue id ${received.queueId}$`,
      ),
    );
    expect(transcript.some((e) => e.dir === 'C' && e.text.startsWith('<message: '))).toBe(true);
    expect(schemaViolations(facts)).toEqual([]);
    expect(transcript.some((e) => e.dir === 'S' && e.text.includes(`queued as ${received.queueId}`))).toBe(
      true,
    );
  });

  it('sends MAIL and RCPT in one write with PIPELINING, and SIZE when offered', async () => {
    const server = await scripted({});
    const { facts } = await probeData(target(server.port), settings(), new Deadline(10_000), ENVELOPE);
    expect(facts.overTls).toBe(false);
    expect(facts.steps.map((x) => x.command)).toEqual([
      `MAIL FROM:<${ENVELOPE.from}> SIZE=${facts.size}`,
      `RCPT TO:<${ENVELOPE.to}>`,
      'DATA',
    ]);
    expect(judge(facts).f.status).toBe('pass');
  });

  it('logs in on submission and sends; without credentials the refusal is the finding', async () => {
    const opts = { tls: TLS, requireTls: true, relay: 'auth-required' as const, users: { bob: 'builder' } };
    const to = 'someone@elsewhere.example';
    const server = await scripted(opts);
    const ok = await probeData(
      target(server.port, 'submission'),
      settings({ credentials: { user: 'bob', password: 'builder' } }),
      new Deadline(10_000),
      { ...ENVELOPE, to },
    );
    expect(ok.facts.auth?.success).toBe(true);
    expect(judge(ok.facts).f.status).toBe('pass');
    expect(server.messages.map((m) => m.to)).toEqual([[to]]);

    const refused = await probeData(target(server.port, 'submission'), settings(), new Deadline(10_000), {
      ...ENVELOPE,
      to,
    });
    const { f, text } = judge(refused.facts);
    expect(f.status).toBe('fail');
    expect(text).toBe(
      `Test message ${refused.facts.mailcheckId} refused at RCPT: 530 5.7.0 Authentication required`,
    );
    expect(server.messages).toHaveLength(1);
  });

  it('fails with the final reply when the server refuses after the data', async () => {
    const server = await scripted({ relay: 'reject-at-data' });
    const { facts } = await probeData(target(server.port), settings(), new Deadline(10_000), {
      ...ENVELOPE,
      to: 'someone@elsewhere.example',
    });
    expect(server.stats.dataCommands).toBe(1);
    const { f, text } = judge(facts);
    expect(f.status).toBe('fail');
    expect(text).toBe(
      `Test message ${facts.mailcheckId} refused at end of data: 554 5.7.1 Relay access denied`,
    );
    expect(f.evidence).toContain('DATA -> 354 End data with <CR><LF>.<CR><LF>');
  });

  it('does not send DATA when the recipient is refused', async () => {
    const server = await scripted({ relay: 'closed' });
    const { facts } = await probeData(target(server.port), settings(), new Deadline(10_000), {
      ...ENVELOPE,
      to: 'nobody@elsewhere.example',
    });
    expect(server.stats.dataCommands).toBe(0);
    expect(judge(facts).text).toMatch(
      /refused at RCPT: 554 5\.7\.1 <nobody@elsewhere\.example>: Relay access denied$/,
    );
  });

  it('errors with the reason when the server hangs up after the data', async () => {
    const port = await hangUpAfterData();
    const { facts } = await probeData(target(port), settings(), new Deadline(10_000), ENVELOPE);
    expect(facts.failure?.code).toBe('CLOSED');
    expect(facts.failure?.waitedFor).toBe('reply to end of data');
    const { f, text } = judge(facts);
    expect(f.status).toBe('error');
    expect(text).toMatch(
      /^test message not sent: DATA: the server closed the connection, waiting for reply to end of data/,
    );
  });

  it('sends no message when the deadline passes between the 354 and the data', async () => {
    const server = await scripted({});
    const deadline = new Deadline(10_000);
    // The deadline runs out the moment the server has taken DATA, before its 354 is read.
    vi.spyOn(deadline, 'remaining').mockImplementation(() => (server.stats.dataCommands > 0 ? 0 : 10_000));
    const { facts } = await probeData(target(server.port), settings(), deadline, ENVELOPE);
    expect(facts.steps.at(-1)?.reply.code).toBe(354);
    expect(facts.failure).toMatchObject({ code: 'DEADLINE', stage: 'DATA' });
    await new Promise((r) => setTimeout(r, 50));
    expect(server.messages).toEqual([]);
    expect(judge(facts).f.status).toBe('error');
  });

  it('refuses addresses that would inject commands, before connecting', async () => {
    const server = await scripted({});
    const { facts } = await probeData(target(server.port), settings(), new Deadline(5_000), {
      from: 'a@lab.example',
      to: 'b@lab.example>\r\nRCPT TO:<c@elsewhere.example',
    });
    expect(facts.failure?.message).toMatch(/control character/);
    expect(server.stats.connections).toBe(0);
  });
});

describe('data.accepted', () => {
  it('skips when no test message was asked for, and errors when the port never answered', () => {
    expect(runCheck(dataAccepted, endpoint()).status).toBe('skip');
    const down = endpoint({
      connect: { ok: false, failure: { code: 'ECONNREFUSED', message: 'refused', stage: 'CONNECT' } },
    });
    expect(runCheck(dataAccepted, down).status).toBe('error');
  });
});

/** Greets, accepts the envelope, takes the message and closes without a final reply. */
async function hangUpAfterData(): Promise<number> {
  return listenRaw((socket) => {
    socket.write('220 raw.lab.example ESMTP\r\n');
    let inData = false;
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n')) !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') socket.destroy();
          continue;
        }
        if (line.startsWith('EHLO')) socket.write('250 raw.lab.example\r\n');
        else if (line === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (line === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
}

describeWithPostfix('the test message through real Postfix', (available) => {
  let pf: PostfixInstance | undefined;
  beforeAll(async () => {
    if (available) pf = await startPostfix('compliant');
  }, 60_000);
  afterAll(async () => {
    await pf?.stop();
  });

  it('is queued by the compliant submission listener after STARTTLS and AUTH, with its queue id', async () => {
    const p = pf!;
    const { facts } = await probeData(
      target(p.ports.submission, 'submission'),
      settings({ credentials: { user: p.user, password: p.password } }),
      new Deadline(15_000),
      { from: `${p.user}@${p.hostname}`, to: 'someone@elsewhere.example' },
    );
    expect(facts.overTls).toBe(true);
    expect(facts.auth?.success).toBe(true);
    expect(facts.final?.code, JSON.stringify(facts, null, 1)).toBe(250);
    expect(facts.queueId).toMatch(/^[0-9A-Za-z]{6,}$/);
    const { f } = judge(facts);
    expect(f.status).toBe('pass');
    expect(f.data?.queueId).toBe(facts.queueId);
    // Postfix logs the queue id it told us.
    await expect.poll(async () => p.logs(), { timeout: 5_000 }).toContain(`${facts.queueId}: `);
  });
});
