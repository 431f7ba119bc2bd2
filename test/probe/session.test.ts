/**
 * The session engine against byte-exact raw servers: HELO fallback, replies split across reads,
 * the per-host deadline winning over the step timeout, and commands that would smuggle CR/LF.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Deadline, SmtpSession } from '../../src/probe/smtp/session.js';
import { ProbeError } from '../../src/errors.js';
import { scanJson, hostFactsOf } from '../helpers/cli.js';

type Script = (socket: net.Socket, line: string) => void;

let server: net.Server | undefined;
const sockets = new Set<net.Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A raw server: sends `greeting` on connect, then calls `script` for every command line. */
async function rawServer(greeting: string, script: Script): Promise<number> {
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    if (greeting) socket.write(greeting);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n')) !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        script(socket, line);
      }
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

describe('SmtpSession', () => {
  it('falls back to HELO when EHLO is refused, and records both replies', async () => {
    const port = await rawServer('220 old.example.edu SMTP\r\n', (s, line) => {
      if (line.startsWith('EHLO')) s.write('502 5.5.2 Command not recognized\r\n');
      else if (line.startsWith('HELO')) s.write('250 old.example.edu\r\n');
      else if (line === 'QUIT') s.end('221 bye\r\n');
      else s.write('250 ok\r\n');
    });
    const { report } = await scanJson(['host', `127.0.0.1:${port}`, '--timeout', '2s']);
    const ep = hostFactsOf(report).endpoints[0]!;
    expect(ep.ehlo?.command).toBe('HELO');
    expect(ep.ehlo?.ehloRejected?.code).toBe(502);
    expect(report.targets[0]!.checks.find((c) => c.id === 'smtp.ehlo')?.status).toBe('fail');
    expect(report.targets[0]!.checks.find((c) => c.id === 'tls.starttls')?.status).toBe('fail');
  });

  it('assembles a reply that arrives one byte per write', async () => {
    const reply = '250-mail.example.edu\r\n250-PIPELINING\r\n250 STARTTLS\r\n';
    const port = await rawServer('220 mail.example.edu ESMTP\r\n', (s, line) => {
      if (!line.startsWith('EHLO')) return;
      let i = 0;
      const drip = () => {
        if (i < reply.length && !s.destroyed) {
          s.write(reply[i++]!);
          setImmediate(drip);
        }
      };
      drip();
    });
    const deadline = new Deadline(5000);
    const { session } = await SmtpSession.connect({
      host: '127.0.0.1',
      address: '127.0.0.1',
      port,
      stepTimeoutMs: 2000,
      deadline,
    });
    expect((await session.read('GREETING', '220 greeting')).code).toBe(220);
    const ehlo = await session.command('EHLO client.example', 'EHLO');
    expect(ehlo.lines).toEqual(['mail.example.edu', 'PIPELINING', 'STARTTLS']);
    session.close();
  });

  it('the per-host deadline ends a step before its own timeout, with code DEADLINE', async () => {
    const port = await rawServer('', () => {});
    const deadline = new Deadline(300);
    const { session } = await SmtpSession.connect({
      host: '127.0.0.1',
      address: '127.0.0.1',
      port,
      stepTimeoutMs: 10_000,
      deadline,
    });
    const start = Date.now();
    const err = await session.read('GREETING', '220 greeting').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProbeError);
    expect((err as ProbeError).code).toBe('DEADLINE');
    expect(Date.now() - start).toBeLessThan(1000);
    session.close();
  });

  it('the whole scan stops at the deadline even when the step timeout is longer', async () => {
    const port = await rawServer('', () => {});
    const { report, ms, code } = await scanJson([
      'host',
      `127.0.0.1:${port}`,
      '--timeout',
      '30s',
      '--deadline',
      '800ms',
    ]);
    expect(ms).toBeLessThan(800 + 500);
    expect(code).toBe(3);
    expect(report.targets[0]!.checks.find((c) => c.id === 'smtp.connect')?.message).toMatch(/deadline/);
  });

  /** A greeted session with a `deadlineMs` deadline, to a server that logs every line and says 250. */
  async function greetedSession(deadlineMs: number) {
    const received: string[] = [];
    const port = await rawServer('220 mail.example.edu ESMTP\r\n', (s, line) => {
      received.push(line);
      s.write('250 ok\r\n');
    });
    const { session } = await SmtpSession.connect({
      host: '127.0.0.1',
      address: '127.0.0.1',
      port,
      stepTimeoutMs: 2000,
      deadline: new Deadline(deadlineMs),
    });
    await session.read('GREETING', '220 greeting');
    /** What the server got, once anything in flight would have arrived. */
    const receivedAtLast = async () => {
      await new Promise((r) => setTimeout(r, 50));
      return received;
    };
    return { session, receivedAtLast };
  }

  /** A greeted session left idle past its 300 ms deadline (as one waiting for a slot, or for its share of the relay battery). */
  async function sessionPastDeadline() {
    const greeted = await greetedSession(300);
    await new Promise((r) => setTimeout(r, 350));
    return greeted;
  }

  it('sends nothing once the per-host deadline has passed', async () => {
    const { session, receivedAtLast } = await sessionPastDeadline();
    const settled = await session.pipelineSettled(['MAIL FROM:<>', 'RCPT TO:<a@b.example>'], 'MAIL');
    expect(settled).toMatchObject({ replies: [], error: { code: 'DEADLINE' } });
    const err = await session.command('RSET', 'RSET').catch((e: unknown) => e);
    expect((err as ProbeError).code).toBe('DEADLINE');
    expect((err as ProbeError).message).toMatch(/deadline of 300ms expired/);
    expect(session.transcript.at(-1)).toMatchObject({
      dir: '*',
      text: expect.stringMatching(/nothing more sent/),
    });
    await session.quit();
    expect(await receivedAtLast()).toEqual([]);
  });

  it('a session closed after the deadline sends no QUIT', async () => {
    const { session, receivedAtLast } = await sessionPastDeadline();
    await session.quit();
    expect(await receivedAtLast()).toEqual([]);
  });

  it('opens no connection once the deadline has passed (a slot that came too late)', async () => {
    let connections = 0;
    const port = await rawServer('220 mail.example.edu ESMTP\r\n', () => {});
    server!.on('connection', () => (connections += 1));
    const err = await SmtpSession.connect({
      host: '127.0.0.1',
      address: '127.0.0.1',
      port,
      stepTimeoutMs: 2000,
      deadline: new Deadline(0),
    }).catch((e: unknown) => e);
    expect((err as ProbeError).code).toBe('DEADLINE');
    await new Promise((r) => setTimeout(r, 50));
    expect(connections).toBe(0);
  });

  it('starts no TLS handshake once the deadline has passed after the 220 to STARTTLS', async () => {
    let afterStartTls = 0;
    const port = await rawServer('220 mail.example.edu ESMTP\r\n', (s, line) => {
      if (line !== 'STARTTLS') return void s.write('250 ok\r\n');
      s.on('data', (d: Buffer) => (afterStartTls += d.length));
      s.write('220 2.0.0 go ahead\r\n');
    });
    const { session } = await SmtpSession.connect({
      host: '127.0.0.1',
      address: '127.0.0.1',
      port,
      stepTimeoutMs: 2000,
      deadline: new Deadline(300),
    });
    await session.read('GREETING', '220 greeting');
    expect((await session.command('STARTTLS', 'STARTTLS')).code).toBe(220);
    await new Promise((r) => setTimeout(r, 350));
    const err = await session.startTls({ rejectUnauthorized: false }).catch((e: unknown) => e);
    expect((err as ProbeError).code).toBe('DEADLINE');
    await new Promise((r) => setTimeout(r, 50));
    expect(afterStartTls).toBe(0);
    session.close();
  });

  it('refuses to send a command containing CR or LF (RFC 5321 §2.3.8)', async () => {
    const { session, receivedAtLast } = await greetedSession(5000);
    await expect(session.command('VRFY a\r\nDATA', 'VRFY')).rejects.toThrow(/CR or LF/);
    await expect(session.pipeline(['RSET', 'MAIL FROM:<a>\nRCPT TO:<b>'], 'MAIL')).rejects.toThrow(
      /CR or LF/,
    );
    await session.quit();
    expect(await receivedAtLast()).toEqual(['QUIT']);
  });
});

describe('every address of a name is probed', () => {
  it('localhost resolves (RFC 6761, without DNS) to 127.0.0.1 and ::1, both probed and shown', async () => {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.write('220 mail.example.edu ESMTP\r\n');
      socket.on('data', (d) => {
        for (const line of d.toString().split('\r\n').filter(Boolean)) {
          if (line.startsWith('EHLO')) socket.write('250-mail.example.edu\r\n250 PIPELINING\r\n');
          else if (line === 'QUIT') socket.end('221 bye\r\n');
          else socket.write('250 ok\r\n');
        }
      });
    });
    // One dual-stack listener answers on both loopback addresses with the same port.
    await new Promise<void>((r) => server!.listen({ port: 0, host: '::', ipv6Only: false }, r));
    const port = (server.address() as net.AddressInfo).port;
    const { report } = await scanJson(['host', `localhost:${port}`, '--timeout', '2s']);
    const t = report.targets[0]!;
    expect(hostFactsOf(report).addresses.map((a) => a.address)).toEqual(['127.0.0.1', '::1']);
    expect(hostFactsOf(report).endpoints.map((e) => `${e.address}|${e.connect.ok}`)).toEqual([
      '127.0.0.1|true',
      '::1|true',
    ]);
    expect(t.checks.filter((c) => c.id === 'smtp.connect').map((c) => c.endpoint)).toEqual([
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
    ]);
    const v4 = await scanJson(['host', `localhost:${port}`, '--ipv4', '--timeout', '2s']);
    expect(hostFactsOf(v4.report).endpoints.map((e) => e.address)).toEqual(['127.0.0.1']);
  });
});

describe('servers that refuse part-way', () => {
  it('a 421 to the pipelined MAIL FROM is reported as the server closing, with its reply', async () => {
    const port = await rawServer('220 mail.example.edu ESMTP\r\n', (s, line) => {
      if (line.startsWith('EHLO')) s.write('250-mail.example.edu\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
      else if (line.startsWith('MAIL')) s.end('421 4.7.0 mail.example.edu Too many connections, closing\r\n');
    });
    const { report, code } = await scanJson(['host', `127.0.0.1:${port}`, '--timeout', '2s']);
    const ep = hostFactsOf(report).endpoints[0]!;
    expect(ep.mailBeforeTls?.reply.code).toBe(421);
    expect(ep.failure?.code).toBe('SERVICE_UNAVAILABLE');
    expect(ep.failure?.message).toMatch(/421 4\.7\.0/);
    expect(report.targets[0]!.checks.find((c) => c.id === 'tls.starttls')?.status).toBe('error');
    expect(code).toBe(3);
  });

  it('probe connections that cannot reach the ClientHello are closed at once, not left to the server', async () => {
    let open = 0;
    let peak = 0;
    const port = await rawServer('220 mail.example.edu ESMTP\r\n', (s, line) => {
      if (line.startsWith('EHLO')) s.write('250-mail.example.edu\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
      else if (line === 'STARTTLS') s.write('454 4.7.0 TLS not available due to local problem\r\n');
      else if (line === 'QUIT') s.end('221 bye\r\n');
      else s.write('250 ok\r\n');
    });
    server!.on('connection', (socket) => {
      open++;
      peak = Math.max(peak, open);
      socket.on('close', () => open--);
    });
    const { report } = await scanJson(['host', `127.0.0.1:${port}`, '--timeout', '5s']);
    expect(report.targets[0]!.checks.find((c) => c.id === 'tls.starttls')?.status).toBe('fail');
    expect(peak).toBeGreaterThan(1); // the version probes did connect
    // Bounded wait for the last FINs to arrive; a leak would keep them open for the server's idle timeout.
    for (let i = 0; i < 50 && open > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(open).toBe(0);
  });
});
