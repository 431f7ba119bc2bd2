/**
 * The scripted server answers a pipelined group of commands with one write (it corks the socket
 * while it handles the input that arrived together), as a real MTA flushes its output once its
 * input is drained (RFC 2920 §3.2). The bytes must not change, and nothing written before the
 * server drops a connection may be lost with the cork.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startScriptedServer } from '../../src/lab/scripted-server.js';
import type { ScriptedServerOptions } from '../../src/lab/scripted-server.js';
import { RawClient } from './raw-client.js';
import { closedAfterEach, goodTls } from './scripted-fixtures.js';

const { servers, clients } = closedAfterEach();

async function connect(opts: Partial<ScriptedServerOptions> = {}): Promise<RawClient> {
  const server = await startScriptedServer({ hostname: 'mx.batch.example', tls: goodTls, ...opts });
  servers.push(server);
  const client = await RawClient.connect(server.port);
  clients.push(client);
  expect((await client.readReply()).code).toBe(220);
  return client;
}

/**
 * Counts the writes that reach the sockets' handles (one per write call, or one per corked group),
 * the client's own excepted.
 */
async function handleWrites(client: RawClient, run: () => Promise<void>): Promise<number> {
  const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  const originals = { _write: proto._write, _writev: proto._writev };
  let count = 0;
  for (const name of ['_write', '_writev'] as const) {
    proto[name] = function (this: net.Socket, ...args: unknown[]) {
      if (this !== client.socket) count += 1;
      return originals[name].apply(this, args);
    };
  }
  try {
    await run();
  } finally {
    Object.assign(proto, originals);
  }
  return count;
}

const GROUP = ['MAIL FROM:<a@batch.example>', 'RCPT TO:<x@elsewhere.example>', 'RSET', 'NOOP'];
const GROUP_REPLIES =
  '250 2.1.0 Ok\r\n554 5.7.1 <x@elsewhere.example>: Relay access denied\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n';

describe('scripted server write batching', () => {
  for (const replyDelayMs of [0, 30]) {
    it(`answers a pipelined group with the same bytes, in one write (delay ${replyDelayMs} ms)`, async () => {
      const client = await connect({ replyDelayMs });
      expect((await client.command('EHLO client.test')).code).toBe(250);
      const before = client.chunks.length;
      const at = client.received;
      const writes = await handleWrites(client, async () => {
        client.sendRaw(GROUP.map((c) => `${c}\r\n`).join(''));
        await client.waitForBytes(at + GROUP_REPLIES.length);
      });
      expect(Buffer.concat(client.chunks.slice(before)).toString('latin1')).toBe(GROUP_REPLIES);
      expect(writes).toBe(1);
    });
  }

  it('answers a pipelined group inside TLS with the same bytes', async () => {
    const client = await connect();
    await client.command('EHLO client.test');
    expect((await client.command('STARTTLS')).code).toBe(220);
    await client.startTls();
    expect((await client.command('EHLO client.test')).code).toBe(250);
    const before = client.chunks.length;
    const at = client.received;
    client.sendRaw(GROUP.map((c) => `${c}\r\n`).join(''));
    await client.waitForBytes(at + GROUP_REPLIES.length);
    expect(Buffer.concat(client.chunks.slice(before)).toString('latin1')).toBe(GROUP_REPLIES);
  });

  for (const replyDelayMs of [0, 30]) {
    it(`still sends the replies queued before it drops the connection (delay ${replyDelayMs} ms)`, async () => {
      const client = await connect({ hostile: 'close-after-ehlo', replyDelayMs });
      // NOOP's reply is written in the same batch as the drop that EHLO causes.
      client.sendRaw('NOOP\r\nEHLO client.test\r\n');
      expect(await client.readReply()).toEqual({ code: 250, lines: ['2.0.0 Ok'] });
      await client.waitClosed();
      expect(client.pending.length).toBe(0);
    });
  }

  it('still sends the replies queued before QUIT closes', async () => {
    const client = await connect();
    client.sendRaw('NOOP\r\nQUIT\r\n');
    expect((await client.readReply()).code).toBe(250);
    expect(await client.readReply()).toEqual({ code: 221, lines: ['2.0.0 Bye'] });
    await client.waitClosed();
  });
});
