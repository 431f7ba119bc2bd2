/**
 * Proves the private Postfix harness (test/helpers/postfix.ts) really builds the servers the
 * real-MTA tests rely on, using independent clients: a raw socket, openssl s_client and swaks.
 * On CI (CI=true) a missing Postfix is a failure, elsewhere the suite is skipped with the reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostfixInstance } from '../helpers/postfix.js';
import {
  connectLoopback,
  instanceMasterPid,
  instanceProcesses,
  postfixAvailable,
  startPostfix,
} from '../helpers/postfix.js';

const avail = postfixAvailable();
const CA = readFileSync(new URL('../../src/lab/certs/ca.pem', import.meta.url));

if (!avail.ok && process.env.CI === 'true') {
  it('postfix is available on CI', () => {
    throw new Error(`real-MTA tests cannot run on CI: ${avail.reason}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Small clients

interface Reply {
  code: number;
  lines: string[];
}

/** A minimal SMTP client: reads whole (multi-line) replies, optionally upgrades with STARTTLS. */
class Smtp {
  private buf = '';
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(private sock: net.Socket | tls.TLSSocket) {
    this.attach(sock);
  }

  static async open(port: number): Promise<{ smtp: Smtp; greeting: Reply }> {
    const sock = connectLoopback(port);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const smtp = new Smtp(sock);
    return { smtp, greeting: await smtp.reply() };
  }

  private attach(sock: net.Socket | tls.TLSSocket): void {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async reply(): Promise<Reply> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const m = /^(?:\d{3}-[^\r\n]*\r\n)*(\d{3})(?: [^\r\n]*)?\r\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return { code: Number(m[1]), lines: m[0].trimEnd().split('\r\n') };
      }
      if (this.closed) throw new Error(`connection closed; unparsed: ${JSON.stringify(this.buf)}`);
      if (Date.now() > deadline) throw new Error(`no reply; buffered: ${JSON.stringify(this.buf)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1_000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async cmd(line: string): Promise<Reply> {
    this.sock.write(`${line}\r\n`);
    return this.reply();
  }

  /** STARTTLS, handshake (lab CA, checked name), then a fresh EHLO. */
  async starttls(
    servername: string,
    opts: tls.ConnectionOptions = {},
  ): Promise<{ tls: tls.TLSSocket; ehlo: Reply }> {
    const r = await this.cmd('STARTTLS');
    expect(r.code).toBe(220);
    this.sock.removeAllListeners('data');
    this.sock.removeAllListeners('close');
    this.buf = '';
    const secure = tls.connect({ socket: this.sock as net.Socket, servername, ca: CA, ...opts });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.sock = secure;
    this.closed = false;
    this.attach(secure);
    return { tls: secure, ehlo: await this.cmd('EHLO client.lab.example') };
  }

  async quit(): Promise<void> {
    if (!this.closed) {
      await this.cmd('QUIT').catch(() => undefined);
      this.sock.destroy();
    }
  }
}

function keywords(ehlo: Reply): string[] {
  return ehlo.lines.slice(1).map((l) => l.slice(4).toUpperCase());
}

function authMechs(ehlo: Reply): string[] | undefined {
  const line = keywords(ehlo).find((k) => k.startsWith('AUTH '));
  return line?.split(' ').slice(1);
}

interface Ran {
  code: number | null;
  out: string;
}

/** Runs a client program with stdin closed, bounded in time. */
function runTool(cmd: string, args: string[], timeoutMs = 15_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** openssl s_client STARTTLS with one protocol version; the client itself allows legacy TLS. */
function sClient(port: number, version: 'tls1' | 'tls1_1' | 'tls1_2' | 'tls1_3'): Promise<Ran> {
  return runTool('openssl', [
    's_client',
    '-brief',
    '-starttls',
    'smtp',
    '-name',
    'client.lab.example',
    '-connect',
    `127.0.0.1:${port}`,
    `-${version}`,
    '-cipher',
    'DEFAULT:@SECLEVEL=0',
  ]);
}

function swaks(pf: PostfixInstance, port: number, extra: string[]): Promise<Ran> {
  return runTool('swaks', [
    '--server',
    `127.0.0.1:${port}`,
    '--helo',
    'client.lab.example',
    '--from',
    'tester@lab.example',
    '--to',
    'someone@example.org',
    '--timeout',
    '10',
    ...extra,
  ]);
}

function auth(pf: PostfixInstance, mech: string, password = pf.password): string[] {
  return ['--auth', mech, '--auth-user', pf.user, '--auth-password', password, '--quit-after', 'AUTH'];
}

// ---------------------------------------------------------------------------------------------

describe.skipIf(!avail.ok)(
  `private Postfix instances${avail.ok ? '' : ` (skipped: ${avail.reason})`}`,
  () => {
    let compliant: PostfixInstance;
    let legacy: PostfixInstance;
    let openRelay: PostfixInstance;

    beforeAll(async () => {
      // Started together on purpose: instances must not get in each other's way.
      // allSettled, so that afterAll can stop the ones that did start if another one failed.
      const t0 = Date.now();
      const started = await Promise.allSettled([
        startPostfix('compliant'),
        startPostfix('legacy'),
        startPostfix('open-relay'),
      ]);
      const value = (r: PromiseSettledResult<PostfixInstance>) =>
        r.status === 'fulfilled' ? r.value : undefined;
      [compliant, legacy, openRelay] = started.map(value) as PostfixInstance[];
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      console.info(`three Postfix instances started in ${Date.now() - t0} ms`);
    });

    afterAll(async () => {
      await Promise.all([compliant?.stop(), legacy?.stop(), openRelay?.stop()]);
    });

    it('gives each instance its own directory and ports, with a log in the directory', async () => {
      const all = [compliant, legacy, openRelay];
      expect(new Set(all.map((p) => p.dir)).size).toBe(3);
      const ports = all.flatMap((p) => [p.ports.smtp, p.ports.submission]);
      expect(new Set(ports).size).toBe(6);
      for (const p of all) {
        expect(p.dir.startsWith('/')).toBe(true);
        expect(readFileSync(`${p.dir}/etc/main.cf`, 'utf8')).toContain(`queue_directory = ${p.dir}/queue`);
        expect(readFileSync(`${p.dir}/etc/master.cf`, 'utf8')).not.toMatch(/^\S+\s+\S+\s+\S+\s+\S+\s+y\s/m);
        expect(await p.logs()).toMatch(/daemon started -- version 3\.\d+\.\d+, configuration /);
      }
    });

    describe('compliant', () => {
      it('port 25: greets as mail.lab.example, offers STARTTLS, no AUTH, VRFY disabled, closed relay', async () => {
        const { smtp, greeting } = await Smtp.open(compliant.ports.smtp);
        try {
          expect(greeting.code).toBe(220);
          expect(greeting.lines[0]).toMatch(/^220 mail\.lab\.example ESMTP/);
          const ehlo = await smtp.cmd('EHLO client.lab.example');
          expect(ehlo.code).toBe(250);
          expect(keywords(ehlo)).toContain('STARTTLS');
          expect(authMechs(ehlo)).toBeUndefined();
          expect((await smtp.cmd('VRFY root')).code).toBe(502);
          expect((await smtp.cmd('MAIL FROM:<tester@lab.example>')).code).toBe(250);
          const relay = await smtp.cmd('RCPT TO:<someone@example.org>');
          expect(relay.code).toBe(554);
          expect(relay.lines[0]).toContain('Relay access denied');
          expect((await smtp.cmd('RCPT TO:<root@mail.lab.example>')).code).toBe(250);
          expect((await smtp.cmd('RSET')).code).toBe(250);
        } finally {
          await smtp.quit();
        }
      });

      it('port 25: STARTTLS presents the lab chain for mail.lab.example; still no AUTH after TLS', async () => {
        const { smtp } = await Smtp.open(compliant.ports.smtp);
        try {
          await smtp.cmd('EHLO client.lab.example');
          const { tls: secure, ehlo } = await smtp.starttls('mail.lab.example');
          expect(secure.authorized).toBe(true);
          expect(['TLSv1.2', 'TLSv1.3']).toContain(secure.getProtocol());
          expect(secure.getPeerCertificate().subject.CN).toBe('mail.lab.example');
          expect(authMechs(ehlo)).toBeUndefined();
        } finally {
          await smtp.quit();
        }
      });

      it('port 25: TLS 1.0 and 1.1 handshakes fail, TLS 1.2 and 1.3 succeed (openssl s_client)', async () => {
        const [v10, v11, v12, v13] = await Promise.all(
          (['tls1', 'tls1_1', 'tls1_2', 'tls1_3'] as const).map((v) => sClient(compliant.ports.smtp, v)),
        );
        expect(v10.code, v10.out).not.toBe(0);
        expect(v10.out).not.toMatch(/Protocol version: TLSv1\s/);
        expect(v11.code, v11.out).not.toBe(0);
        expect(v12.code, v12.out).toBe(0);
        expect(v12.out).toMatch(/Protocol version: TLSv1\.2/);
        expect(v12.out).toMatch(/Ciphersuite: ECDHE-RSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)/);
        expect(v13.code, v13.out).toBe(0);
        expect(v13.out).toMatch(/Protocol version: TLSv1\.3/);
      });

      it('submission: STARTTLS but no AUTH before TLS, and MAIL FROM before STARTTLS gets 530', async () => {
        const { smtp, greeting } = await Smtp.open(compliant.ports.submission);
        try {
          expect(greeting.code).toBe(220);
          const ehlo = await smtp.cmd('EHLO client.lab.example');
          expect(keywords(ehlo)).toContain('STARTTLS');
          expect(authMechs(ehlo)).toBeUndefined();
          const mail = await smtp.cmd('MAIL FROM:<tester@lab.example>');
          expect(mail.code).toBe(530);
          expect(mail.lines[0]).toMatch(/Must issue a STARTTLS command first/);
        } finally {
          await smtp.quit();
        }
      });

      it('submission: after STARTTLS offers AUTH PLAIN LOGIN and refuses to relay unauthenticated', async () => {
        const { smtp } = await Smtp.open(compliant.ports.submission);
        try {
          await smtp.cmd('EHLO client.lab.example');
          const { ehlo } = await smtp.starttls('mail.lab.example');
          expect(authMechs(ehlo)?.sort()).toEqual(['LOGIN', 'PLAIN']);
          expect((await smtp.cmd('MAIL FROM:<tester@lab.example>')).code).toBe(250);
          expect((await smtp.cmd('RCPT TO:<someone@example.org>')).code).toBe(554);
        } finally {
          await smtp.quit();
        }
      });

      it('submission: swaks authenticates with PLAIN and LOGIN over TLS; a wrong password gets 535', async () => {
        const port = compliant.ports.submission;
        const [plain, login, wrong] = await Promise.all([
          swaks(compliant, port, ['--tls', ...auth(compliant, 'PLAIN')]),
          swaks(compliant, port, ['--tls', ...auth(compliant, 'LOGIN')]),
          swaks(compliant, port, ['--tls', ...auth(compliant, 'PLAIN', `${compliant.password}x`)]),
        ]);
        expect(plain.out).toMatch(/^<[-~] {2}235 /m);
        expect(plain.code, plain.out).toBe(0);
        expect(login.out).toMatch(/^<[-~] {2}235 /m);
        expect(wrong.out).toMatch(/^<[~*]\* 535 /m);
        expect(wrong.code).not.toBe(0);
      });

      it('submission: an authenticated client may relay (the message is discarded)', async () => {
        const r = await swaks(compliant, compliant.ports.submission, [
          '--tls',
          '--auth',
          'PLAIN',
          '--auth-user',
          compliant.user,
          '--auth-password',
          compliant.password,
        ]);
        expect(r.code, r.out).toBe(0);
        expect(r.out).toMatch(/^<[-~] {2}250 2\.0\.0 Ok: queued as /m);
        await expectLog(
          compliant,
          /discard\[\d+\]: \w+: to=<someone@example\.org>, relay=none, .*status=sent/,
        );
      });
    });

    describe('legacy', () => {
      it('greets as legacy.lab.example with its version; AUTH offered before TLS; VRFY answers; closed relay', async () => {
        const { smtp, greeting } = await Smtp.open(legacy.ports.smtp);
        try {
          expect(greeting.lines[0]).toMatch(/^220 legacy\.lab\.example ESMTP Postfix 3\.\d+/);
          const ehlo = await smtp.cmd('EHLO client.lab.example');
          expect(keywords(ehlo)).toContain('STARTTLS');
          expect(authMechs(ehlo)).toEqual(expect.arrayContaining(['PLAIN', 'LOGIN', 'CRAM-MD5']));
          expect((await smtp.cmd('VRFY root')).code).toBe(252);
          expect((await smtp.cmd('VRFY no-such-user-here')).code).toBe(550);
          expect((await smtp.cmd('MAIL FROM:<tester@lab.example>')).code).toBe(250);
          expect((await smtp.cmd('RCPT TO:<someone@example.org>')).code).toBe(554);
        } finally {
          await smtp.quit();
        }
      });

      it('AUTH PLAIN and CRAM-MD5 succeed without TLS (swaks, no --tls)', async () => {
        const [plain, cram, wrong] = await Promise.all([
          swaks(legacy, legacy.ports.smtp, auth(legacy, 'PLAIN')),
          swaks(legacy, legacy.ports.submission, auth(legacy, 'CRAM-MD5')),
          swaks(legacy, legacy.ports.smtp, auth(legacy, 'LOGIN', 'not-the-password')),
        ]);
        expect(plain.out).not.toMatch(/^ -> STARTTLS/m);
        expect(plain.out).toMatch(/^<[-~] {2}235 /m);
        expect(cram.out).toMatch(/^<[-~] {2}235 /m);
        expect(wrong.out).toMatch(/^<[~*]\* 535 /m);
      });

      it('accepts a TLS 1.0 handshake (and 1.1, 1.2) with the weak certificate (openssl s_client)', async () => {
        const [v10, v11, v12] = await Promise.all(
          (['tls1', 'tls1_1', 'tls1_2'] as const).map((v) => sClient(legacy.ports.smtp, v)),
        );
        expect(v10.code, v10.out).toBe(0);
        expect(v10.out).toMatch(/Protocol version: TLSv1\s/);
        expect(v10.out).toMatch(/Peer certificate: .*CN = legacy\.lab\.example/);
        expect(v11.out).toMatch(/Protocol version: TLSv1\.1/);
        expect(v12.out).toMatch(/Protocol version: TLSv1\.2/);
        await expectLog(legacy, /TLS connection established from \S+: TLSv1 with cipher/);
      });

      it('Node can do TLS 1.0 against it when both sides allow SECLEVEL=0', async () => {
        const { smtp } = await Smtp.open(legacy.ports.smtp);
        try {
          await smtp.cmd('EHLO client.lab.example');
          const { tls: secure, ehlo } = await smtp.starttls('legacy.lab.example', {
            rejectUnauthorized: false,
            minVersion: 'TLSv1',
            maxVersion: 'TLSv1',
            ciphers: 'DEFAULT:@SECLEVEL=0',
          });
          expect(secure.getProtocol()).toBe('TLSv1');
          expect(secure.authorized).toBe(false);
          expect(ehlo.code).toBe(250);
        } finally {
          await smtp.quit();
        }
      });
    });

    describe('open-relay', () => {
      it('accepts a foreign recipient from an unauthenticated client', async () => {
        const { smtp } = await Smtp.open(openRelay.ports.smtp);
        try {
          await smtp.cmd('EHLO client.lab.example');
          expect((await smtp.cmd('MAIL FROM:<tester@lab.example>')).code).toBe(250);
          expect((await smtp.cmd('RCPT TO:<someone@example.org>')).code).toBe(250);
          expect((await smtp.cmd('RSET')).code).toBe(250);
        } finally {
          await smtp.quit();
        }
      });

      it('relays a whole message for anyone, and discards it', async () => {
        const r = await swaks(openRelay, openRelay.ports.smtp, ['--to', 'victim@example.net']);
        expect(r.code, r.out).toBe(0);
        expect(r.out).toMatch(/^<[-~] {2}250 2\.0\.0 Ok: queued as /m);
        await expectLog(
          openRelay,
          /discard\[\d+\]: \w+: to=<victim@example\.net>, relay=none, .*status=sent/,
        );
      });
    });

    describe('lifecycle', () => {
      it('can present the good chain on legacy when asked', async () => {
        const pf = await startPostfix('legacy', { cert: 'good' });
        try {
          const r = await sClient(pf.ports.smtp, 'tls1_2');
          expect(r.out).toMatch(/Peer certificate: .*CN = mail\.lab\.example/);
        } finally {
          await pf.stop();
        }
      });

      it('stop() leaves no process, no directory and no listener behind, and keeps the log', async () => {
        const pf = await startPostfix('compliant');
        const master = instanceMasterPid(pf.dir);
        expect(master).toBeGreaterThan(1);
        const before = psGroup(master!);
        expect(before.some((l) => / master( |$)/.test(l))).toBe(true);
        expect(instanceProcesses(master!).length).toBeGreaterThan(1);

        await pf.stop();
        await pf.stop(); // idempotent
        expect(psGroup(master!)).toEqual([]);
        expect(instanceProcesses(master!)).toEqual([]);
        expect(existsSync(pf.dir)).toBe(false);
        await expect(connects(pf.ports.smtp)).resolves.toBe(false);
        expect(await pf.logs()).toMatch(/daemon started/);
      });
    });
  },
);

/** Live (non-zombie) processes of a process group, as `ps` sees them. */
function psGroup(pgid: number): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,pgid=,stat=,comm='], { encoding: 'utf8' });
  if (ps.status !== 0) throw new Error(`ps failed: ${ps.stderr}`);
  return ps.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => {
      const [, pg, stat] = l.split(/\s+/);
      return Number(pg) === pgid && stat !== undefined && !stat.startsWith('Z');
    });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connectLoopback(port);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The log is written by postlogd asynchronously: poll briefly for a line. */
async function expectLog(pf: PostfixInstance, re: RegExp): Promise<void> {
  const deadline = Date.now() + 5_000;
  let log = '';
  while (Date.now() < deadline) {
    log = await pf.logs();
    if (re.test(log)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(log).toMatch(re);
}
