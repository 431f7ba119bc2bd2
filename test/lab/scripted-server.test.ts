import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { labCertPath } from '../../src/lab/lab.js';
import { startScriptedServer } from '../../src/lab/scripted-server.js';
import type { ScriptedServer, ScriptedServerOptions } from '../../src/lab/scripted-server.js';
import { b64, RawClient } from './raw-client.js';

const servers: ScriptedServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const goodTls = {
  key: fs.readFileSync(labCertPath('good.key')),
  cert: fs.readFileSync(labCertPath('good-chain.pem')),
  minVersion: 'TLSv1.2',
} as const;
const ca = fs.readFileSync(labCertPath('ca.pem'));
const users = { alice: 's3cret' };

async function serve(opts: Partial<ScriptedServerOptions> = {}): Promise<ScriptedServer> {
  const server = await startScriptedServer({ hostname: 'mx.test.example', ...opts });
  servers.push(server);
  return server;
}

async function connect(server: ScriptedServer): Promise<RawClient> {
  const client = await RawClient.connect(server.port, server.host);
  clients.push(client);
  return client;
}

/** Connects, reads the greeting and sends EHLO; returns the client and the EHLO keywords. */
async function greeted(server: ScriptedServer): Promise<{ client: RawClient; caps: string[] }> {
  const client = await connect(server);
  expect((await client.readReply()).code).toBe(220);
  const ehlo = await client.command('EHLO client.test');
  expect(ehlo.code).toBe(250);
  return { client, caps: ehlo.lines.slice(1) };
}

async function starttls(client: RawClient, options = {}): Promise<string[]> {
  expect(await client.command('STARTTLS')).toEqual({ code: 220, lines: ['2.0.0 Ready to start TLS'] });
  await client.startTls(options);
  const ehlo = await client.command('EHLO client.test');
  expect(ehlo.code).toBe(250);
  return ehlo.lines.slice(1);
}

describe('scripted server: greeting, EHLO and STARTTLS', () => {
  it('greets with the default banner and advertises the default extensions and STARTTLS', async () => {
    const server = await serve({ tls: goodTls, authMechanisms: [] });
    const client = await connect(server);
    expect(await client.readReply()).toEqual({ code: 220, lines: ['mx.test.example ESMTP mailcheck-lab'] });
    const ehlo = await client.command('EHLO client.test');
    expect(ehlo.lines[0]).toBe('mx.test.example');
    expect(ehlo.lines.slice(1)).toEqual([
      'PIPELINING',
      'SIZE 10240000',
      '8BITMIME',
      'DSN',
      'ENHANCEDSTATUSCODES',
      'SMTPUTF8',
      'CHUNKING',
      'STARTTLS',
    ]);
  });

  it('upgrades with a chain that validates against the lab CA, then resets the session (RFC 3207 §4.2)', async () => {
    const server = await serve({ tls: goodTls, authMechanisms: ['PLAIN'], users });
    const { client, caps } = await greeted(server);
    expect(caps).toContain('STARTTLS');
    expect(caps.some((c) => c.startsWith('AUTH'))).toBe(false);
    expect(await client.command('MAIL FROM:<a@b.example>')).toMatchObject({ code: 250 });
    expect(await client.command('STARTTLS')).toMatchObject({ code: 220 });
    const secure = await client.startTls({ ca, servername: 'mail.lab.example', rejectUnauthorized: true });
    expect(secure.authorized).toBe(true);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(secure.getProtocol());
    // The EHLO and the transaction from before TLS are forgotten.
    expect(await client.command('MAIL FROM:<a@b.example>')).toEqual({
      code: 503,
      lines: ['5.5.1 Error: send HELO/EHLO first'],
    });
    const after = await client.command('EHLO client.test');
    expect(after.lines).not.toContain('STARTTLS');
    expect(after.lines).toContain('AUTH PLAIN');
    expect(await client.command('STARTTLS')).toMatchObject({ code: 503 });
    expect(server.stats.tlsHandshakes).toBe(1);
  });

  it('discards commands pipelined after STARTTLS instead of running them inside TLS (CVE-2011-0411)', async () => {
    // RFC 3207 §4.2, STARTTLS command injection: plaintext sent after STARTTLS must not be executed
    // as if it had come over TLS.
    const server = await serve({ tls: goodTls });
    const client = await connect(server);
    await client.readReply();
    await client.command('EHLO client.test');
    client.sendRaw('STARTTLS\r\nNOOP\r\n');
    expect(await client.readReply()).toMatchObject({ code: 220 });
    await client.startTls();
    // Had NOOP been kept, its reply would be the first thing inside TLS.
    expect(await client.command('EHLO again.test')).toMatchObject({ code: 250 });
    expect(server.stats.commands).toEqual(['EHLO client.test', 'STARTTLS', 'EHLO again.test']);
  });

  it('offers no STARTTLS without TLS and refuses the command', async () => {
    const server = await serve();
    const { client, caps } = await greeted(server);
    expect(caps).not.toContain('STARTTLS');
    expect(await client.command('STARTTLS')).toEqual({
      code: 502,
      lines: ['5.5.1 Error: STARTTLS not available'],
    });
  });

  it('honours banner, extensions and HELO', async () => {
    const server = await serve({
      banner: 'custom banner text',
      extensions: ['SIZE 1000'],
      authMechanisms: [],
    });
    const client = await connect(server);
    expect(await client.readReply()).toEqual({ code: 220, lines: ['custom banner text'] });
    expect(await client.command('HELO client.test')).toEqual({ code: 250, lines: ['mx.test.example'] });
    expect((await client.command('EHLO client.test')).lines).toEqual(['mx.test.example', 'SIZE 1000']);
    expect(await client.command('EHLO')).toMatchObject({ code: 501 });
  });

  it('serves implicit TLS and refuses to start without a certificate', async () => {
    await expect(startScriptedServer({ hostname: 'x.example', implicitTls: true })).rejects.toThrow(/tls/);
    const server = await serve({ tls: goodTls, implicitTls: true, users });
    const client = await RawClient.connectTls(server.port, { ca, servername: 'mail.lab.example' });
    clients.push(client);
    expect(await client.readReply()).toMatchObject({ code: 220 });
    const ehlo = await client.command('EHLO client.test');
    expect(ehlo.lines).not.toContain('STARTTLS');
    expect(ehlo.lines).toContain('AUTH PLAIN LOGIN');
    expect(server.stats.tlsHandshakes).toBe(1);
  });

  it('accepts a TLS 1.0 handshake only when configured for legacy protocols', async () => {
    const tls10 = { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
    const legacy = await serve({
      tls: {
        key: fs.readFileSync(labCertPath('weak.key')),
        cert: fs.readFileSync(labCertPath('weak.pem')),
        minVersion: 'TLSv1',
        ciphers: 'ALL:@SECLEVEL=0',
      },
    });
    const { client } = await greeted(legacy);
    await client.command('STARTTLS');
    const secure = await client.startTls(tls10);
    expect(secure.getProtocol()).toBe('TLSv1');
    expect(await client.command('EHLO client.test')).toMatchObject({ code: 250 });

    const modern = await serve({ tls: goodTls });
    const other = (await greeted(modern)).client;
    await other.command('STARTTLS');
    await expect(other.startTls(tls10)).rejects.toThrow(/protocol|version/i);
    expect(modern.stats.tlsHandshakes).toBe(0);
  });
});

describe('scripted server: AUTH', () => {
  it('accepts PLAIN with the right password and refuses a wrong one, redacting payloads in stats', async () => {
    const server = await serve({ users, authBeforeTls: true });
    const { client, caps } = await greeted(server);
    expect(caps).toContain('AUTH PLAIN LOGIN');
    expect(await client.command(`AUTH PLAIN ${b64('\0alice\0wrong')}`)).toEqual({
      code: 535,
      lines: ['5.7.8 Authentication credentials invalid'],
    });
    expect(await client.command('AUTH PLAIN')).toEqual({ code: 334, lines: [''] });
    expect(await client.command(b64('\0alice\0s3cret'))).toEqual({
      code: 235,
      lines: ['2.7.0 Authentication successful'],
    });
    expect(await client.command(`AUTH PLAIN ${b64('\0alice\0s3cret')}`)).toMatchObject({ code: 503 });
    expect(server.stats.authAttempts).toBe(3);
    expect(server.stats.commands).toEqual([
      'EHLO client.test',
      'AUTH PLAIN <redacted>',
      'AUTH PLAIN',
      '<redacted>',
      'AUTH PLAIN <redacted>',
    ]);
    expect(JSON.stringify(server.stats)).not.toContain(b64('\0alice\0s3cret'));
  });

  it('runs the LOGIN exchange, cancellation and bad base64', async () => {
    const server = await serve({ users, authBeforeTls: true });
    const { client } = await greeted(server);
    expect(await client.command('AUTH LOGIN')).toEqual({ code: 334, lines: ['VXNlcm5hbWU6'] });
    expect(await client.command('*')).toMatchObject({ code: 501 });
    expect(await client.command('AUTH LOGIN')).toMatchObject({ code: 334 });
    expect(await client.command('not base64!')).toEqual({
      code: 501,
      lines: ['5.5.2 Cannot decode response'],
    });
    expect(await client.command(`AUTH LOGIN ${b64('alice')}`)).toEqual({
      code: 334,
      lines: ['UGFzc3dvcmQ6'],
    });
    expect(await client.command(b64('s3cret'))).toMatchObject({ code: 235 });
  });

  it('verifies CRAM-MD5 with a real HMAC over the challenge', async () => {
    const server = await serve({ users, authBeforeTls: true, authMechanisms: ['CRAM-MD5'] });
    const { client } = await greeted(server);
    const answer = (challenge: string, password: string): string => {
      const text = Buffer.from(challenge, 'base64').toString();
      expect(text).toMatch(/^<\d+\.\d+@mx\.test\.example>$/);
      return b64(`alice ${createHmac('md5', password).update(text).digest('hex')}`);
    };
    const first = await client.command('AUTH CRAM-MD5');
    expect(first.code).toBe(334);
    expect(await client.command(answer(first.lines[0], 'wrong'))).toMatchObject({ code: 535 });
    const second = await client.command('AUTH CRAM-MD5');
    expect(second.lines[0]).not.toBe(first.lines[0]);
    expect(await client.command(answer(second.lines[0], 's3cret'))).toMatchObject({ code: 235 });
  });

  it('accepts XOAUTH2 bearer tokens from its table only', async () => {
    const server = await serve({
      authBeforeTls: true,
      authMechanisms: ['XOAUTH2'],
      oauthTokens: { alice: 'tok-1' },
    });
    const { client } = await greeted(server);
    const sasl = (token: string): string => b64(`user=alice\x01auth=Bearer ${token}\x01\x01`);
    expect(await client.command(`AUTH XOAUTH2 ${sasl('tok-2')}`)).toMatchObject({ code: 535 });
    expect(await client.command(`AUTH XOAUTH2 ${sasl('tok-1')}`)).toMatchObject({ code: 235 });
  });

  it('refuses AUTH in cleartext with 538, unknown mechanisms with 504, and with no AUTH configured', async () => {
    const server = await serve({ tls: goodTls, users, authMechanisms: ['PLAIN'] });
    const { client } = await greeted(server);
    expect(await client.command(`AUTH PLAIN ${b64('\0alice\0s3cret')}`)).toEqual({
      code: 538,
      lines: ['5.7.11 Encryption required for requested authentication mechanism'],
    });
    await starttls(client);
    expect(await client.command('AUTH LOGIN')).toEqual({
      code: 504,
      lines: ['5.5.4 Unrecognized authentication type'],
    });
    const none = await serve({ authMechanisms: [] });
    const other = (await greeted(none)).client;
    expect(await other.command('AUTH PLAIN')).toMatchObject({ code: 503 });
  });
});

describe('scripted server: requireTls, VRFY, EXPN', () => {
  it('answers 530 to MAIL, RCPT, VRFY, EXPN and AUTH before STARTTLS when TLS is required', async () => {
    const server = await serve({ tls: goodTls, requireTls: true, users, vrfy: 'enumerate' });
    const { client } = await greeted(server);
    for (const cmd of [
      'MAIL FROM:<a@b.example>',
      'RCPT TO:<alice@lab.example>',
      'VRFY alice',
      'EXPN staff',
      'AUTH PLAIN',
    ]) {
      expect(await client.command(cmd)).toEqual({
        code: 530,
        lines: ['5.7.0 Must issue a STARTTLS command first'],
      });
    }
    await starttls(client);
    expect(await client.command('MAIL FROM:<a@b.example>')).toMatchObject({ code: 250 });
    expect(await client.command('VRFY alice')).toMatchObject({ code: 250 });
  });

  it('implements the three VRFY modes', async () => {
    const replies = async (vrfy: 'disabled' | 'enumerate' | 'ambiguous'): Promise<string[]> => {
      const { client } = await greeted(await serve({ vrfy }));
      const out: string[] = [];
      for (const who of ['alice', '<bob@lab.example>']) {
        const r = await client.command(`VRFY ${who}`);
        out.push(`${r.code} ${r.lines[0]}`);
      }
      return out;
    };
    expect(await replies('disabled')).toEqual([
      '502 5.5.1 VRFY command is disabled',
      '502 5.5.1 VRFY command is disabled',
    ]);
    const enumerate = await replies('enumerate');
    expect(enumerate[0]).toBe('250 2.1.5 <alice@mx.test.example>');
    expect(enumerate[1]).toMatch(/^550 5\.1\.1 <bob@lab\.example>/);
    expect((await replies('ambiguous')).every((r) => r.startsWith('252 2.0.0'))).toBe(true);
  });

  it('implements EXPN disabled and enumerate', async () => {
    const closed = (await greeted(await serve())).client;
    expect(await closed.command('EXPN staff')).toEqual({
      code: 502,
      lines: ['5.5.1 EXPN command is disabled'],
    });
    const open = (
      await greeted(
        await serve({ expn: 'enumerate', lists: { staff: ['alice', 'carol@elsewhere.example'] } }),
      )
    ).client;
    expect(await open.command('EXPN staff')).toEqual({
      code: 250,
      lines: ['2.1.5 <alice@mx.test.example>', '2.1.5 <carol@elsewhere.example>'],
    });
    expect(await open.command('EXPN nobody')).toMatchObject({ code: 550 });
  });
});

describe('scripted server: transactions and relay', () => {
  async function rcptReply(relay: ScriptedServerOptions['relay'], to: string): Promise<string> {
    const { client } = await greeted(await serve({ relay }));
    await client.command('MAIL FROM:<probe@outside.example>');
    const r = await client.command(`RCPT TO:<${to}>`);
    return `${r.code} ${r.lines[0]}`;
  }

  it('decides RCPT by relay mode for foreign domains and by user table for local ones', async () => {
    expect(await rcptReply('closed', 'x@ext.example')).toBe('554 5.7.1 <x@ext.example>: Relay access denied');
    expect(await rcptReply('open', 'x@ext.example')).toBe('250 2.1.5 Ok');
    expect(await rcptReply('auth-required', 'x@ext.example')).toBe('530 5.7.0 Authentication required');
    expect(await rcptReply('reject-at-data', 'x@ext.example')).toBe('250 2.1.5 Ok');
    expect(await rcptReply('closed', 'alice@lab.example')).toBe('250 2.1.5 Ok');
    expect(await rcptReply('closed', 'Postmaster')).toBe('250 2.1.5 Ok');
    expect(await rcptReply('closed', 'nobody@mx.test.example')).toMatch(
      /^550 5\.1\.1 <nobody@mx\.test\.example>/,
    );
  });

  it('treats nmap smtp-open-relay routing tricks as relay attempts', async () => {
    for (const to of [
      'x%ext.example@lab.example',
      '@lab.example:x@ext.example',
      '"x@ext.example"@lab.example',
      'ext.example!x@lab.example',
      'x@[192.0.2.1]',
    ]) {
      expect(await rcptReply('closed', to)).toMatch(/^554 5\.7\.1 /);
    }
  });

  it('lets an authenticated client relay when relay is auth-required', async () => {
    const server = await serve({ relay: 'auth-required', users, authBeforeTls: true });
    const { client } = await greeted(server);
    await client.command(`AUTH PLAIN ${b64('\0alice\0s3cret')}`);
    await client.command('MAIL FROM:<alice@lab.example>');
    expect(await client.command('RCPT TO:<x@ext.example>')).toMatchObject({ code: 250 });
  });

  it('queues a dot-unstuffed message, and refuses one at end of DATA for reject-at-data', async () => {
    const server = await serve({ relay: 'reject-at-data' });
    const { client } = await greeted(server);
    await client.command('MAIL FROM:<a@outside.example>');
    await client.command('RCPT TO:<alice@lab.example>');
    expect(await client.command('DATA')).toEqual({ code: 354, lines: ['End data with <CR><LF>.<CR><LF>'] });
    client.sendRaw('Subject: t\r\n\r\n..leading dot\r\nbare\n.\nstill body\r\n.\r\n');
    const queued = await client.readReply();
    expect(queued.code).toBe(250);
    expect(queued.lines[0]).toMatch(/^2\.0\.0 Ok: queued as [0-9A-F]{10}$/);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0].data.toString()).toBe(
      'Subject: t\r\n\r\n.leading dot\r\nbare\n.\nstill body\r\n',
    );
    expect(server.messages[0].to).toEqual(['alice@lab.example']);

    await client.command('MAIL FROM:<a@outside.example>');
    await client.command('RCPT TO:<x@ext.example>');
    await client.command('DATA');
    expect(await client.command('hi\r\n.')).toEqual({ code: 554, lines: ['5.7.1 Relay access denied'] });
    expect(server.messages).toHaveLength(1);
    expect(server.stats.dataCommands).toBe(2);
  });

  it('accepts BDAT chunks', async () => {
    const server = await serve({ relay: 'open' });
    const { client } = await greeted(server);
    await client.command('MAIL FROM:<a@b.example>');
    await client.command('RCPT TO:<x@ext.example>');
    client.sendRaw('BDAT 5\r\nhelloBDAT 6 LAST\r\n world');
    expect(await client.readReply()).toEqual({ code: 250, lines: ['2.0.0 5 octets received'] });
    expect((await client.readReply()).lines[0]).toMatch(/queued as/);
    expect(server.messages[0].data.toString()).toBe('hello world');
  });

  it('enforces command order and sizes', async () => {
    const server = await serve({ maxMessageSize: 100 });
    const client = await connect(server);
    await client.readReply();
    expect(await client.command('MAIL FROM:<a@b.example>')).toMatchObject({ code: 503 });
    await client.command('EHLO c.test');
    expect(await client.command('RCPT TO:<alice@lab.example>')).toMatchObject({ code: 503 });
    expect(await client.command('MAIL FROM:<a@b.example> SIZE=1000')).toMatchObject({ code: 552 });
    expect(await client.command('MAIL FROM:a@b.example')).toMatchObject({ code: 501 });
    expect(await client.command('MAIL FROM:<a@b.example>')).toMatchObject({ code: 250 });
    expect(await client.command('MAIL FROM:<a@b.example>')).toMatchObject({ code: 503 });
    expect(await client.command('DATA')).toMatchObject({ code: 554 });
    expect(await client.command('RSET')).toEqual({ code: 250, lines: ['2.0.0 Ok'] });
    expect(await client.command('NOOP')).toEqual({ code: 250, lines: ['2.0.0 Ok'] });
    expect(await client.command('WHATEVER')).toEqual({
      code: 502,
      lines: ['5.5.2 Error: command not recognized'],
    });
    expect(await client.command('QUIT')).toEqual({ code: 221, lines: ['2.0.0 Bye'] });
    await client.waitClosed();
  });

  it('refuses a message over maxMessageSize at the end of DATA', async () => {
    const server = await serve({ maxMessageSize: 100 });
    const { client } = await greeted(server);
    await client.command('MAIL FROM:<a@b.example>');
    await client.command('RCPT TO:<alice@lab.example>');
    await client.command('DATA');
    expect(await client.command(`${'x'.repeat(300)}\r\n.`)).toEqual({
      code: 552,
      lines: ['5.3.4 Message size exceeds fixed limit'],
    });
    expect(server.messages).toHaveLength(0);
    expect(await client.command('NOOP')).toMatchObject({ code: 250 });
  });

  it('closes with 421 when a client pipelines far more than it reads', async () => {
    const server = await serve({ replyDelayMs: 50 });
    const client = await connect(server);
    client.sendRaw('NOOP\r\n'.repeat(1500));
    await client.waitClosed();
    expect(Buffer.concat(client.chunks).toString()).toBe(
      '421 4.7.0 Error: too many pipelined commands, closing connection\r\n',
    );
  });

  it('answers pipelined commands in order from one write', async () => {
    const server = await serve();
    const client = await connect(server);
    await client.readReply();
    client.sendRaw(
      'EHLO c.test\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@lab.example>\r\nRCPT TO:<x@ext.example>\r\nRSET\r\nNOOP\r\n',
    );
    const codes: number[] = [];
    for (let i = 0; i < 6; i += 1) codes.push((await client.readReply()).code);
    expect(codes).toEqual([250, 250, 250, 554, 250, 250]);
  });

  it('refuses over-long lines once and keeps working', async () => {
    const server = await serve();
    const client = await connect(server);
    await client.readReply();
    client.sendRaw(`NOOP ${'x'.repeat(5000)}`);
    expect(await client.readReply()).toEqual({ code: 500, lines: ['5.5.0 Line too long'] });
    client.sendRaw(`${'y'.repeat(5000)}\r\n`);
    expect(await client.command('NOOP')).toMatchObject({ code: 250 });
    client.sendRaw(`NOOP ${'z'.repeat(4200)}\r\nNOOP\r\n`);
    expect(await client.readReply()).toMatchObject({ code: 500 });
    expect(await client.readReply()).toMatchObject({ code: 250 });
  });
});

describe('scripted server: latency', () => {
  it('delays the greeting by greetingDelayMs', async () => {
    const server = await serve({ greetingDelayMs: 150 });
    const start = performance.now();
    const client = await connect(server);
    await client.readReply();
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
  });

  it('answers a pipelined batch in one delayed round trip, sequential commands in one each', async () => {
    const server = await serve({ replyDelayMs: 100 });
    const client = await connect(server);
    await client.readReply();
    await client.command('EHLO c.test');
    let start = performance.now();
    client.sendRaw('MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@lab.example>\r\nRSET\r\nNOOP\r\n');
    for (let i = 0; i < 4; i += 1) await client.readReply();
    const pipelined = performance.now() - start;
    start = performance.now();
    for (let i = 0; i < 3; i += 1) await client.command('NOOP');
    const sequential = performance.now() - start;
    expect(pipelined).toBeGreaterThanOrEqual(95);
    expect(sequential).toBeGreaterThanOrEqual(290);
    // Relative, so a slow CI machine inflating both does not matter: four pipelined commands
    // cost one delay, three sequential ones three.
    expect(pipelined).toBeLessThan(sequential * 0.6);
  });
});

describe('scripted server: stats and close', () => {
  it('counts connections, handshakes, commands and DATA', async () => {
    const server = await serve({ tls: goodTls });
    for (let i = 0; i < 2; i += 1) {
      const { client } = await greeted(server);
      await client.command('QUIT');
      await client.waitClosed();
    }
    const { client } = await greeted(server);
    await starttls(client);
    expect(server.stats).toMatchObject({
      connections: 3,
      tlsHandshakes: 1,
      dataCommands: 0,
      authAttempts: 0,
    });
    expect(server.stats.commands).toEqual([
      'EHLO client.test',
      'QUIT',
      'EHLO client.test',
      'QUIT',
      'EHLO client.test',
      'STARTTLS',
      'EHLO client.test',
    ]);
  });
});
