import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { labCertPath } from '../../src/lab/lab.js';
import { startSmtpServerPeer } from '../helpers/smtp-server-peer.js';
import type { SmtpServerPeer, SmtpServerPeerOptions } from '../helpers/smtp-server-peer.js';
import { b64, RawClient } from './raw-client.js';

const ca = fs.readFileSync(labCertPath('ca.pem'));
const peers: SmtpServerPeer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function peer(opts: SmtpServerPeerOptions): Promise<SmtpServerPeer> {
  const p = await startSmtpServerPeer(opts);
  peers.push(p);
  return p;
}

async function ehlo(client: RawClient): Promise<string[]> {
  const reply = await client.command('EHLO client.test');
  expect(reply.code).toBe(250);
  return reply.lines.slice(1);
}

describe('smtp-server peer', () => {
  it('offers STARTTLS with the lab certificate and accepts AUTH only inside TLS', async () => {
    const p = await peer({ users: { bob: 'pw' } });
    const client = await RawClient.connect(p.port, p.host);
    clients.push(client);
    expect((await client.readReply()).lines[0]).toMatch(/^mail\.lab\.example /);
    const before = await ehlo(client);
    expect(before).toContain('STARTTLS');
    // smtp-server advertises AUTH in cleartext but refuses to run it there.
    expect((await client.command(`AUTH PLAIN ${b64('\0bob\0pw')}`)).code).toBe(538);
    expect(await client.command('STARTTLS')).toMatchObject({ code: 220 });
    const secure = await client.startTls({ ca, servername: 'mail.lab.example', rejectUnauthorized: true });
    expect(secure.authorized).toBe(true);
    expect(await ehlo(client)).toContain('AUTH PLAIN LOGIN');
    expect((await client.command(`AUTH PLAIN ${b64('\0bob\0nope')}`)).code).toBe(535);
    expect((await client.command(`AUTH PLAIN ${b64('\0bob\0pw')}`)).code).toBe(235);
  });

  it('checks CRAM-MD5 against the users table', async () => {
    const p = await peer({
      users: { bob: 'pw' },
      authMethods: ['CRAM-MD5'],
      starttls: false,
      allowInsecureAuth: true,
    });
    const client = await RawClient.connect(p.port, p.host);
    clients.push(client);
    await client.readReply();
    expect(await ehlo(client)).toContain('AUTH CRAM-MD5');
    const challenge = Buffer.from((await client.command('AUTH CRAM-MD5')).lines[0], 'base64').toString();
    const digest = createHmac('md5', 'pw').update(challenge).digest('hex');
    expect((await client.command(b64(`bob ${digest}`))).code).toBe(235);
  });

  it('hides STARTTLS when asked and requires AUTH when authOptional is false', async () => {
    const p = await peer({ starttls: false, authOptional: false });
    const client = await RawClient.connect(p.port, p.host);
    clients.push(client);
    await client.readReply();
    expect(await ehlo(client)).not.toContain('STARTTLS');
    expect((await client.command('MAIL FROM:<a@b.example>')).code).toBe(530);
    expect((await client.command('STARTTLS')).code).toBeGreaterThanOrEqual(500);
  });

  it('serves implicit TLS and accepts a message', async () => {
    const p = await peer({ secure: true, minVersion: 'TLSv1.2' });
    const client = await RawClient.connectTls(p.port, {
      ca,
      servername: 'mail.lab.example',
      rejectUnauthorized: true,
    });
    clients.push(client);
    expect((await client.readReply()).code).toBe(220);
    expect(await ehlo(client)).not.toContain('STARTTLS');
    expect((await client.command('MAIL FROM:<a@b.example>')).code).toBe(250);
    expect((await client.command('RCPT TO:<c@d.example>')).code).toBe(250);
    expect((await client.command('DATA')).code).toBe(354);
    expect((await client.command('Subject: hi\r\n\r\nbody\r\n.')).code).toBe(250);
  });

  it('close() ends a connection that is still open', async () => {
    const p = await peer({});
    const client = await RawClient.connect(p.port, p.host);
    clients.push(client);
    await client.readReply();
    const started = Date.now();
    await p.close();
    await client.waitClosed();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
