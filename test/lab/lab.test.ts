import fs from 'node:fs';
import type tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PASSWORD, LAB_USER, labCertPath, startLab } from '../../src/lab/lab.js';
import type { Lab, LabServer } from '../../src/lab/lab.js';
import { b64, RawClient } from './raw-client.js';

const TLS10 = { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
const PLAIN_OK = `AUTH PLAIN ${b64(`\0${LAB_USER}\0${LAB_PASSWORD}`)}`;

let lab: Lab;
const clients: RawClient[] = [];

beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab.close();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function byName(name: string): LabServer {
  const server = lab.servers.find((s) => s.name === name);
  if (!server) throw new Error(`no lab server ${name}`);
  return server;
}

/** Connects in cleartext, reads the greeting, sends EHLO; returns the client, greeting and keywords. */
async function open(name: string): Promise<{ client: RawClient; greeting: string; caps: string[] }> {
  const s = byName(name);
  const client = await RawClient.connect(s.port, s.host);
  clients.push(client);
  const greeting = await client.readReply();
  expect(greeting.code).toBe(220);
  const ehlo = await client.command('EHLO probe.test');
  return { client, greeting: greeting.lines[0], caps: ehlo.lines.slice(1) };
}

async function upgrade(client: RawClient, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  expect(await client.command('STARTTLS')).toMatchObject({ code: 220 });
  const secure = await client.startTls(options);
  expect((await client.command('EHLO probe.test')).code).toBe(250);
  return secure;
}

describe('lab', () => {
  it('starts the five named servers on distinct ports with their profiles', () => {
    expect(lab.servers.map((s) => [s.name, s.profile])).toEqual([
      ['compliant-mx', 'smtp'],
      ['compliant-submission', 'submission'],
      ['compliant-smtps', 'smtps'],
      ['legacy', 'submission'],
      ['no-starttls', 'smtp'],
    ]);
    expect(new Set(lab.servers.map((s) => s.port)).size).toBe(5);
    for (const s of lab.servers) {
      expect(s.host).toBe('127.0.0.1');
      expect(s.port).toBe(s.server.port);
      expect(s.description.length).toBeGreaterThan(10);
    }
    expect(lab.credentials).toEqual({ user: LAB_USER, password: LAB_PASSWORD });
    expect(lab.caFile).toBe(labCertPath('ca.pem'));
    expect(fs.readFileSync(lab.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('compliant-mx: STARTTLS with a valid chain, TLS 1.2+, no AUTH, no VRFY, closed relay', async () => {
    const { client, greeting, caps } = await open('compliant-mx');
    expect(greeting).toBe('mail.lab.example ESMTP mailcheck-lab');
    expect(caps).toContain('STARTTLS');
    expect(caps.some((c) => c.startsWith('AUTH'))).toBe(false);
    expect((await client.command('VRFY alice')).code).toBe(502);
    expect((await client.command('EXPN staff')).code).toBe(502);
    await client.command('MAIL FROM:<probe@outside.example>');
    expect((await client.command('RCPT TO:<x@ext.example>')).code).toBe(554);
    await client.command('RSET');
    const secure = await upgrade(client, {
      ca: fs.readFileSync(lab.caFile),
      servername: 'mail.lab.example',
      rejectUnauthorized: true,
    });
    expect(secure.authorized).toBe(true);

    const old = (await open('compliant-mx')).client;
    await old.command('STARTTLS');
    await expect(old.startTls(TLS10)).rejects.toThrow();
  });

  it('compliant-submission: TLS required, AUTH only after TLS, relay only when authenticated', async () => {
    const { client, caps } = await open('compliant-submission');
    expect(caps.some((c) => c.startsWith('AUTH'))).toBe(false);
    expect(await client.command('MAIL FROM:<a@b.example>')).toMatchObject({ code: 530 });
    expect(await client.command(PLAIN_OK)).toMatchObject({ code: 530 });
    await upgrade(client);
    await client.command('MAIL FROM:<a@b.example>');
    expect(await client.command('RCPT TO:<x@ext.example>')).toMatchObject({ code: 530 });
    await client.command('RSET');
    expect(await client.command(`AUTH PLAIN ${b64(`\0${LAB_USER}\0wrong`)}`)).toMatchObject({ code: 535 });
    expect(await client.command(PLAIN_OK)).toMatchObject({ code: 235 });
    await client.command('MAIL FROM:<a@b.example>');
    expect(await client.command('RCPT TO:<x@ext.example>')).toMatchObject({ code: 250 });
  });

  it('compliant-smtps: implicit TLS 1.2+ with AUTH', async () => {
    const s = byName('compliant-smtps');
    const client = await RawClient.connectTls(s.port, {
      ca: fs.readFileSync(lab.caFile),
      servername: 'mail.lab.example',
    });
    clients.push(client);
    expect((await client.readReply()).code).toBe(220);
    const ehlo = await client.command('EHLO probe.test');
    expect(ehlo.lines).toContain('AUTH PLAIN LOGIN');
    expect(ehlo.lines).not.toContain('STARTTLS');
    expect(await client.command(PLAIN_OK)).toMatchObject({ code: 235 });
    await expect(RawClient.connectTls(s.port, TLS10)).rejects.toThrow();
  });

  it('legacy: version banner, AUTH before TLS, TLS 1.0 with a weak certificate, enumeration, open relay', async () => {
    const { client, greeting, caps } = await open('legacy');
    expect(greeting).toMatch(/^legacy\.lab\.example ESMTP Sendmail 8\.14\.4/);
    expect(caps).toContain('AUTH PLAIN LOGIN CRAM-MD5');
    expect(caps).toContain('STARTTLS');
    expect((await client.command('VRFY alice')).code).toBe(250);
    expect((await client.command('VRFY nosuchuser')).code).toBe(550);
    expect((await client.command('EXPN staff')).lines.length).toBeGreaterThan(1);
    await client.command('MAIL FROM:<probe@outside.example>');
    expect((await client.command('RCPT TO:<x@ext.example>')).code).toBe(250);
    await client.command('RSET');
    expect(await client.command(PLAIN_OK)).toMatchObject({ code: 235 });

    const tlsClient = (await open('legacy')).client;
    const secure = await upgrade(tlsClient, TLS10);
    expect(secure.getProtocol()).toBe('TLSv1');
    const cert = secure.getPeerCertificate();
    expect(cert.subject.CN).toBe('legacy.lab.example');
    expect(cert.bits).toBe(1024);
    expect(new Date(cert.valid_to).getFullYear()).toBe(2021);
  });

  it('no-starttls: no TLS, AUTH in cleartext, ambiguous VRFY', async () => {
    const { client, greeting, caps } = await open('no-starttls');
    expect(greeting).toMatch(/^plain\.lab\.example /);
    expect(caps).not.toContain('STARTTLS');
    expect(caps).toContain('AUTH PLAIN LOGIN');
    expect((await client.command('STARTTLS')).code).toBe(502);
    expect((await client.command('VRFY alice')).code).toBe(252);
    expect(await client.command(PLAIN_OK)).toMatchObject({ code: 235 });
  });
});

describe('lab options', () => {
  it('binds the host asked for, passes replyDelayMs on, and closes idempotently', async () => {
    const other = await startLab({ host: '127.0.0.2', replyDelayMs: 30 });
    try {
      expect(other.servers.every((s) => s.host === '127.0.0.2' && s.server.options.replyDelayMs === 30)).toBe(
        true,
      );
      const s = other.servers[0];
      const client = await RawClient.connect(s.port, '127.0.0.2');
      clients.push(client);
      await client.readReply();
      const start = performance.now();
      await client.command('NOOP');
      expect(performance.now() - start).toBeGreaterThanOrEqual(25);
    } finally {
      await other.close();
      await other.close();
    }
  });
});
