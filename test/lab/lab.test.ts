import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PASSWORD, LAB_USER, labCertPath, startLab } from '../../src/lab/lab.js';
import type { Lab, LabMxServer, LabServer } from '../../src/lab/lab.js';
import {
  BROKEN_MX,
  GOOD_DOMAIN,
  GOOD_MTA_STS_POLICY,
  GOOD_MX1,
  GOOD_MX2,
  LAB_MAIL_HOSTS,
  WEAK_MX2,
  WEAK_MX_ALIAS,
  WEAK_RELAY,
  goodCertSpkiSha256,
  reverseName,
} from '../../src/lab/zones.js';
import { Resolver } from '../../src/probe/dns/resolver.js';
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

function mxByName(name: string): LabMxServer {
  const server = lab.mxServers.find((s) => s.name === name);
  if (!server) throw new Error(`no lab MX server ${name}`);
  return server;
}

async function connect(port: number, host: string): Promise<RawClient> {
  const client = await RawClient.connect(port, host);
  clients.push(client);
  return client;
}

/** Connects in cleartext, reads the greeting, sends EHLO; returns the client, greeting and keywords. */
async function openAt(
  port: number,
  host: string,
): Promise<{ client: RawClient; greeting: string; caps: string[] }> {
  const client = await connect(port, host);
  const greeting = await client.readReply();
  expect(greeting.code).toBe(220);
  const ehlo = await client.command('EHLO probe.test');
  return { client, greeting: greeting.lines[0], caps: ehlo.lines.slice(1) };
}

function open(name: string): Promise<{ client: RawClient; greeting: string; caps: string[] }> {
  const s = byName(name);
  return openAt(s.port, s.host);
}

function openMx(name: string): Promise<{ client: RawClient; greeting: string; caps: string[] }> {
  return openAt(lab.mxPort, mxByName(name).address);
}

async function upgrade(client: RawClient, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  expect(await client.command('STARTTLS')).toMatchObject({ code: 220 });
  const secure = await client.startTls(options);
  expect((await client.command('EHLO probe.test')).code).toBe(250);
  return secure;
}

function spkiSha256(pem: string | Buffer): string {
  const cert = new crypto.X509Certificate(pem);
  return crypto
    .createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function resolverFor(l: Lab): Resolver {
  return new Resolver({ servers: [{ address: l.dns.host, port: l.dns.port }], timeoutMs: 2000 });
}

/**
 * Listening server sockets of this process (TCP and UDP), to catch leaked handles. A closed
 * listener leaves the list in libuv's close-callback phase, after its 'close' event has resolved
 * close(): count on the next turn of the event loop (a 0 ms timer runs after that phase).
 */
async function listeningHandles(): Promise<number> {
  // Servers another test is still closing can linger a few turns: wait (bounded) until the count
  // holds still, so "before" and "after" compare settled states.
  const count = () =>
    process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'UDPWrap').length;
  let last = -1;
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, i === 0 ? 0 : 10));
    const now = count();
    if (now === last) return now;
    last = now;
  }
  return last;
}

describe('lab host servers', () => {
  it('starts the seven named servers, each on the address of the name it greets with', () => {
    expect(lab.servers.map((s) => [s.name, s.profile, s.host])).toEqual([
      ['compliant-mx', 'smtp', '127.0.0.10'],
      ['compliant-submission', 'submission', '127.0.0.10'],
      ['compliant-smtps', 'smtps', '127.0.0.10'],
      ['legacy', 'submission', '127.0.0.11'],
      ['no-starttls', 'smtp', '127.0.0.12'],
      ['provider-relay', 'submission', '127.0.0.10'],
      ['catch-all', 'smtp', '127.0.0.10'],
    ]);
    expect(new Set(lab.servers.map((s) => s.port)).size).toBe(7);
    for (const s of lab.servers) {
      expect(s.port).toBe(s.server.port);
      expect(s.server.host).toBe(s.host);
      expect(s.description.length).toBeGreaterThan(10);
    }
    expect(lab.credentials).toEqual({ user: LAB_USER, password: LAB_PASSWORD });
    expect(lab.caFile).toBe(labCertPath('ca.pem'));
    expect(fs.readFileSync(lab.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(lab.domains).toEqual(['good.example', 'weak.example', 'broken.example', 'nullmx.example']);
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
      host: s.host,
      ca: fs.readFileSync(lab.caFile),
      servername: 'mail.lab.example',
    });
    clients.push(client);
    expect((await client.readReply()).code).toBe(220);
    const ehlo = await client.command('EHLO probe.test');
    expect(ehlo.lines).toContain('AUTH PLAIN LOGIN');
    expect(ehlo.lines).not.toContain('STARTTLS');
    expect(await client.command(PLAIN_OK)).toMatchObject({ code: 235 });
    await expect(RawClient.connectTls(s.port, { host: s.host, ...TLS10 })).rejects.toThrow();
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

describe('lab DNS', () => {
  it('answers the host servers’ names: mail forward-confirmed, legacy not, plain without PTR', async () => {
    const r = resolverFor(lab);
    expect(lab.dns.host).toBe('127.0.0.1');
    expect(await r.resolve('mail.lab.example', 'A')).toEqual(['127.0.0.10']);
    expect(await r.resolve(reverseName('127.0.0.10'), 'PTR')).toEqual(['mail.lab.example']);
    expect(await r.resolve(reverseName('127.0.0.11'), 'PTR')).toEqual(['legacy.lab.example']);
    expect(await r.resolve('legacy.lab.example', 'A')).toEqual(['127.0.0.99']);
    expect(await r.resolve('plain.lab.example', 'A')).toEqual(['127.0.0.12']);
    expect((await r.lookup(reverseName('127.0.0.12'), 'PTR')).status).toBe('NXDOMAIN');
    // The MX hosts' records are still there, and the DNSBL below lab.example still answers.
    expect(await r.resolve(reverseName(LAB_MAIL_HOSTS[GOOD_MX1]), 'PTR')).toEqual([GOOD_MX1]);
    expect(await r.resolve('2.0.0.127.dnsbl.lab.example', 'A')).toEqual(['127.0.0.2']);
  });

  it('gives every host server the FCrDNS outcome its story needs', async () => {
    const r = resolverFor(lab);
    const fcrdns = async (address: string): Promise<string> => {
      const ptr = await r.lookup<string>(reverseName(address), 'PTR');
      if (ptr.status !== 'ok') return `no PTR (${ptr.status})`;
      const forward = await r.lookup<string>(ptr.records[0], 'A');
      return forward.records.includes(address) ? 'confirmed' : 'not confirmed';
    };
    expect(await fcrdns(byName('compliant-mx').host)).toBe('confirmed');
    expect(await fcrdns(byName('legacy').host)).toBe('not confirmed');
    expect(await fcrdns(byName('no-starttls').host)).toBe('no PTR (NXDOMAIN)');
  });

  it('resolves each MX name to the address its server listens on; the good zone is signed', async () => {
    const r = resolverFor(lab);
    const mx = await r.lookup<{ exchange: string }>(GOOD_DOMAIN, 'MX');
    expect(mx.records.map((m) => m.exchange)).toEqual([GOOD_MX1, GOOD_MX2]);
    expect(mx.authenticated).toBe(true);
    for (const s of lab.mxServers) {
      const family = s.address.includes(':') ? 'AAAA' : 'A';
      expect(await r.resolve(s.name, family)).toEqual([s.address]);
    }
    const alias = await r.lookup<string>(WEAK_MX_ALIAS, 'A');
    expect(alias).toMatchObject({ cname: WEAK_RELAY, records: [mxByName(WEAK_RELAY).address] });
    expect(await r.resolve(`mta-sts.${GOOD_DOMAIN}`, 'A')).toEqual([lab.mtaSts.host]);
  });
});

describe('lab MX servers', () => {
  it('runs every MX host on its own address, all on lab.mxPort', () => {
    expect(lab.mxServers.map((s) => [s.name, s.address])).toEqual([
      [GOOD_MX1, '127.0.0.1'],
      [GOOD_MX1, '::1'], // its AAAA in the zones: the same server answers over IPv6 too
      [GOOD_MX2, '127.0.0.6'],
      [WEAK_RELAY, '127.0.0.3'],
      [WEAK_MX2, '127.0.0.4'],
      [BROKEN_MX, '127.0.0.5'],
    ]);
    expect(lab.mxPort).toBeGreaterThan(0);
    for (const s of lab.mxServers) {
      expect(s.server.host).toBe(s.address);
      expect(s.server.port).toBe(lab.mxPort);
    }
  });

  it('greets with the MX name on each address', async () => {
    for (const s of lab.mxServers) {
      const { greeting } = await openMx(s.name);
      expect(greeting.split(' ')[0]).toBe(s.name);
    }
  });

  it('good.example MX: STARTTLS with a chain valid for the MX name, TLS 1.2+, matching the TLSA 3 1 1 record', async () => {
    for (const name of [GOOD_MX1, GOOD_MX2]) {
      const { client, greeting, caps } = await openMx(name);
      expect(greeting).toBe(`${name} ESMTP mailcheck-lab`);
      expect(caps).toContain('STARTTLS');
      expect(caps.some((c) => c.startsWith('AUTH'))).toBe(false);
      expect((await client.command('VRFY alice')).code).toBe(502);
      await client.command(`MAIL FROM:<probe@outside.example>`);
      expect((await client.command('RCPT TO:<x@ext.example>')).code).toBe(554);
      expect((await client.command(`RCPT TO:<postmaster@${GOOD_DOMAIN}>`)).code).toBe(250);
      await client.command('RSET');
      const secure = await upgrade(client, {
        ca: fs.readFileSync(lab.caFile),
        servername: name,
        rejectUnauthorized: true,
      });
      expect(secure.authorized).toBe(true);
      expect(spkiSha256(secure.getPeerX509Certificate()!.toString())).toBe(goodCertSpkiSha256());
    }
    const old = (await openMx(GOOD_MX1)).client;
    await old.command('STARTTLS');
    await expect(old.startTls(TLS10)).rejects.toThrow();
  });

  it('weak.example MX: TLS 1.0 accepted, no TLS 1.3, a certificate for another name, version and VRFY', async () => {
    for (const name of [WEAK_RELAY, WEAK_MX2]) {
      const { client, greeting, caps } = await openMx(name);
      expect(greeting).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')} ESMTP Postfix \\d`));
      expect(caps).toContain('STARTTLS');
      expect((await client.command('VRFY alice')).code).toBe(250);
      const secure = await upgrade(client, TLS10);
      expect(secure.getProtocol()).toBe('TLSv1');
      expect(secure.getPeerX509Certificate()!.checkHost(name)).toBeUndefined();
    }
    const modern = (await openMx(WEAK_RELAY)).client;
    const secure = await upgrade(modern, { minVersion: 'TLSv1.2' });
    expect(secure.getProtocol()).toBe('TLSv1.2');
  });

  it('broken.example MX: no STARTTLS', async () => {
    const { client, caps } = await openMx(BROKEN_MX);
    expect(caps).not.toContain('STARTTLS');
    expect(caps.some((c) => c.startsWith('AUTH'))).toBe(false);
    expect((await client.command('STARTTLS')).code).toBe(502);
  });
});

describe('lab MTA-STS', () => {
  it('serves good.example’s policy over HTTPS with the lab CA', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        {
          host: lab.mtaSts.host,
          port: lab.mtaSts.port,
          path: '/.well-known/mta-sts.txt',
          servername: `mta-sts.${GOOD_DOMAIN}`,
          headers: { host: `mta-sts.${GOOD_DOMAIN}` },
          ca: fs.readFileSync(lab.caFile),
          agent: false,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe(`200 ${GOOD_MTA_STS_POLICY}`);
  });
});

describe('the MX certificate', () => {
  it('has good.pem’s key (so the TLSA 3 1 1 record matches), names the MX hosts, and chains to the lab CA', () => {
    const mx = fs.readFileSync(labCertPath('mx.pem'), 'utf8');
    expect(spkiSha256(mx)).toBe(spkiSha256(fs.readFileSync(labCertPath('good.pem'))));
    expect(spkiSha256(mx)).toBe(goodCertSpkiSha256());
    expect(spkiSha256(mx)).not.toBe(spkiSha256(fs.readFileSync(labCertPath('other.pem'))));
    const cert = new crypto.X509Certificate(mx);
    for (const name of [GOOD_MX1, GOOD_MX2, 'mail.lab.example', 'localhost']) {
      expect(cert.checkHost(name)).toBe(name);
    }
    expect(cert.checkIP('127.0.0.20')).toBe('127.0.0.20');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkHost(WEAK_RELAY)).toBeUndefined();
    const ca = new crypto.X509Certificate(fs.readFileSync(labCertPath('ca.pem')));
    expect(cert.verify(ca.publicKey)).toBe(true);
    const chain = fs.readFileSync(labCertPath('mx-chain.pem'), 'utf8');
    expect(chain).toBe(mx + fs.readFileSync(labCertPath('ca.pem'), 'utf8'));
  });
});

describe('lab lifecycle and options', () => {
  it('starts and stops cleanly twice in a row, leaving no listening handle behind', async () => {
    const before = await listeningHandles();
    for (let round = 0; round < 2; round++) {
      const other = await startLab();
      // 7 host servers, 6 MX servers (mx1.good.example also on ::1), MTA-STS, DNS over TCP and UDP.
      expect(await listeningHandles()).toBe(before + 16);
      expect(other.mxPort).not.toBe(lab.mxPort);
      const { greeting } = await openAt(other.mxPort, other.mxServers[0].address);
      expect(greeting.startsWith(GOOD_MX1)).toBe(true);
      await other.close();
      await other.close();
      expect(await listeningHandles()).toBe(before);
      await expect(RawClient.connect(other.mxPort, other.mxServers[0].address)).rejects.toThrow(
        /ECONNREFUSED/,
      );
    }
  });

  it('moves servers to the addresses asked for, DNS following, and passes replyDelayMs on', async () => {
    const other = await startLab({
      serverHosts: { 'mail.lab.example': '127.0.0.13' },
      mailHosts: { [GOOD_MX2]: '127.0.0.14' },
      replyDelayMs: 30,
    });
    try {
      expect(byNameIn(other, 'compliant-smtps').host).toBe('127.0.0.13');
      expect(byNameIn(other, 'legacy').host).toBe('127.0.0.11');
      expect(other.mxServers.find((s) => s.name === GOOD_MX2)?.address).toBe('127.0.0.14');
      const r = resolverFor(other);
      expect(await r.resolve('mail.lab.example', 'A')).toEqual(['127.0.0.13']);
      expect(await r.resolve(reverseName('127.0.0.13'), 'PTR')).toEqual(['mail.lab.example']);
      expect(await r.resolve(GOOD_MX2, 'A')).toEqual(['127.0.0.14']);
      expect(other.servers.every((s) => s.server.options.replyDelayMs === 30)).toBe(true);
      expect(other.mxServers.every((s) => s.server.options.replyDelayMs === 30)).toBe(true);
      const s = byNameIn(other, 'compliant-mx');
      const client = await connect(s.port, s.host);
      await client.readReply();
      const start = performance.now();
      await client.command('NOOP');
      expect(performance.now() - start).toBeGreaterThanOrEqual(25);
    } finally {
      await other.close();
    }
  });

  it('picks another MX port when the one tried first is taken on one of the MX addresses', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, LAB_MAIL_HOSTS[GOOD_MX2], resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const other = await startLab({ mxPort: taken });
      try {
        expect(other.mxPort).not.toBe(taken);
        expect(other.mxServers.every((s) => s.server.port === other.mxPort)).toBe(true);
      } finally {
        await other.close();
      }
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses addresses that would mix up the PTR cases, and leaves nothing behind when a start fails', async () => {
    const before = await listeningHandles();
    await expect(
      startLab({ serverHosts: { 'legacy.lab.example': LAB_MAIL_HOSTS[GOOD_MX1] } }),
    ).rejects.toThrow(/share/);
    await expect(startLab({ serverHosts: { 'plain.lab.example': '10.0.0.12' } })).rejects.toThrow(/loopback/);
    await expect(startLab({ serverHosts: { 'legacy.lab.example': '127.0.0.99' } })).rejects.toThrow(/FCrDNS/);
    expect(await listeningHandles()).toBe(before);
    // A failure half-way (here: the MX servers, after the host servers are up) closes what had started.
    await expect(startLab({ mxPort: 70_000 })).rejects.toMatchObject({ code: 'ERR_SOCKET_BAD_PORT' });
    expect(await listeningHandles()).toBe(before);
  });
});

function byNameIn(l: Lab, name: string): LabServer {
  const server = l.servers.find((s) => s.name === name);
  if (!server) throw new Error(`no lab server ${name}`);
  return server;
}
