import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOSTILE_MODES, startScriptedServer } from '../../src/lab/scripted-server.js';
import type { HostileMode, ScriptedServerOptions } from '../../src/lab/scripted-server.js';
import { RawClient } from './raw-client.js';
import { closedAfterEach, goodTls } from './scripted-fixtures.js';

const { servers, clients } = closedAfterEach();

async function hostile(mode: HostileMode, extra: Partial<ScriptedServerOptions> = {}): Promise<RawClient> {
  const server = await startScriptedServer({
    hostname: 'evil.example',
    tls: goodTls,
    hostile: mode,
    ...extra,
  });
  servers.push(server);
  const client = await RawClient.connect(server.port);
  clients.push(client);
  return client;
}

async function greetAndEhlo(client: RawClient): Promise<void> {
  expect((await client.readReply()).code).toBe(220);
  client.send('EHLO client.test');
}

describe('hostile modes', () => {
  it('has a test below for every mode in HOSTILE_MODES', () => {
    const source = fs.readFileSync(new URL(import.meta.url), 'utf8');
    const missing = HOSTILE_MODES.filter((mode) => !source.includes(`it('${mode}: `));
    expect(missing).toEqual([]);
  });

  it('drip-greeting: one byte at a time, never a complete reply', async () => {
    const client = await hostile('drip-greeting', { dripIntervalMs: 25 });
    await client.waitForBytes(12, 3000);
    // Separate writes (a busy machine may still coalesce a few of them into one read).
    expect(client.chunks.length).toBeGreaterThanOrEqual(4);
    expect(Buffer.concat(client.chunks).toString()).toMatch(/^220-evil\.e/);
    // Only "220-" continuation lines ever come, so no reply can complete.
    await expect(client.readReply(300)).rejects.toThrow(/timed out/);
  });

  it('endless-multiline: 250- lines without end for as long as the client reads', async () => {
    const client = await hostile('endless-multiline');
    await greetAndEhlo(client);
    await client.waitForBytes(2 * 1024 * 1024, 10_000);
    const text = client.pending.subarray(0, 200_000).toString();
    expect(text.startsWith('250-evil.example endless line 0\r\n')).toBe(true);
    expect(text).not.toMatch(/^250 /m);
  });

  it('huge-line: at least 1 MiB on one line, no CRLF', async () => {
    const client = await hostile('huge-line');
    await greetAndEhlo(client);
    await client.waitForBytes(1024 * 1024 + 4, 5000);
    expect(client.pending.length).toBeGreaterThanOrEqual(1024 * 1024);
    expect(client.pending.includes('\n')).toBe(false);
    expect(await client.quietFor(100)).toBe(0);
  });

  it('garbage: binary bytes instead of a greeting', async () => {
    const client = await hostile('garbage');
    await client.waitForBytes(2048);
    const bytes = Buffer.concat(client.chunks);
    expect(bytes[0]).toBeGreaterThanOrEqual(0x80);
    expect(bytes.length).toBe(2048);
  });

  it('close-after-ehlo: the greeting, then the socket goes away with no reply', async () => {
    const client = await hostile('close-after-ehlo');
    await greetAndEhlo(client);
    await client.waitClosed();
    expect(client.pending.length).toBe(0);
  });

  it('greeting-421: refuses service and closes', async () => {
    const client = await hostile('greeting-421');
    expect(await client.readReply()).toEqual({
      code: 421,
      lines: ['4.3.2 Service not available, closing transmission channel'],
    });
    await client.waitClosed();
  });

  it('starttls-silence: 220 to STARTTLS, then no handshake', async () => {
    const client = await hostile('starttls-silence');
    await greetAndEhlo(client);
    expect((await client.readReply()).lines).toContain('STARTTLS');
    expect(await client.command('STARTTLS')).toMatchObject({ code: 220 });
    const outcome = await Promise.race([
      client.startTls().then(() => 'handshake'),
      new Promise((r) => setTimeout(() => r('stalled'), 400)),
    ]);
    expect(outcome).toBe('stalled');
    expect(servers[0].stats.tlsHandshakes).toBe(0);
  });

  it('tls-on-connect: silent to a plaintext client, greets inside TLS', async () => {
    const plain = await hostile('tls-on-connect');
    expect(await plain.quietFor(300)).toBe(0);
    const secure = await RawClient.connectTls(servers[0].port);
    clients.push(secure);
    expect(await secure.readReply()).toMatchObject({ code: 220 });
  });

  it('inject-before-tls: forged replies in the same chunk as the 220, then a working TLS session', async () => {
    // RFC 3207 §4.2, STARTTLS response injection: the fixture must really deliver the forged bytes
    // together with the 220, or client tests that rely on it prove nothing.
    const client = await hostile('inject-before-tls');
    await greetAndEhlo(client);
    await client.readReply();
    const before = client.chunks.length;
    client.send('STARTTLS');
    await client.waitForBytes(client.received + 1);
    const chunk = client.chunks[before].toString();
    expect(chunk).toBe('220 2.0.0 Ready to start TLS\r\n250-injected\r\n250 INJECTED\r\n');
    expect(await client.readReply()).toMatchObject({ code: 220 });
    // A correct client throws the rest away before the handshake.
    await client.startTls();
    expect(client.discardedBeforeTls.toString()).toBe('250-injected\r\n250 INJECTED\r\n');
    const ehlo = await client.command('EHLO client.test');
    expect(ehlo.lines[0]).toBe('evil.example');
    expect(servers[0].stats.tlsHandshakes).toBe(1);
  });

  it('silent: accepts and never speaks', async () => {
    const client = await hostile('silent');
    client.send('EHLO client.test');
    expect(await client.quietFor(300)).toBe(0);
    expect(client.closed).toBe(false);
    expect(servers[0].stats.connections).toBe(1);
  });
});
