import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildClientHello, ServerReplyReader } from '../../../src/probe/tls/hello-codec.js';
import {
  cipherSuiteName,
  probeServerHello,
  SSLV3_SUITES,
  WEAK_SUITE_CLASSES,
} from '../../../src/probe/tls/hello.js';
import type { HelloProbeOptions, HelloProbeResult } from '../../../src/probe/tls/hello.js';

const CERTS = path.resolve(import.meta.dirname, '../../../src/lab/certs');
const CERT = path.join(CERTS, 'good.pem');
const KEY = path.join(CERTS, 'good.key');
const suitesOf = (name: string): readonly number[] => WEAK_SUITE_CLASSES.find((c) => c.name === name)!.suites;

// ---------------------------------------------------------------- fixtures and cleanup

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server on 127.0.0.1:0 whose every socket is destroyed and which is closed after the test. */
async function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** A raw server that answers the first chunk of client bytes (our ClientHello) with `onHello`. */
function rawServer(onHello: (sock: net.Socket, hello: Buffer) => void): Promise<number> {
  return listen(net.createServer((sock) => sock.once('data', (d) => onHello(sock, d))));
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // Socket#connect with an options object: the network guard cannot see the host in the array
    // form that net.connect() passes on internally.
    const s = new net.Socket();
    s.once('error', reject);
    s.connect({ port, host: '127.0.0.1' }, () => resolve(s));
  });
}

async function probe(
  port: number,
  o: Partial<Omit<HelloProbeOptions, 'socket'>> = {},
): Promise<HelloProbeResult> {
  return probeServerHello({
    socket: await connect(port),
    version: 'TLSv1.2',
    cipherSuites: [0xc02f],
    timeoutMs: 3000,
    ...o,
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Start a TLS server binary; resolves once `ready` shows on its output; killed after the test. */
async function spawnServer(cmd: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onOut = (d: Buffer): void => {
      out += d.toString();
      if (ready.test(out)) resolve();
    };
    child.stdout!.on('data', onOut);
    child.stderr!.on('data', onOut);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${cmd} exited (${code}) before ready:\n${out}`)));
  });
  return child;
}

// ---------------------------------------------------------------- wire helpers (independent of the codec)

/** A ServerHello record as a server would send it. */
function serverHello(o: {
  version?: number;
  suite: number;
  compression?: number;
  extensions?: Buffer;
}): Buffer {
  const body = Buffer.concat([
    Buffer.from([(o.version ?? 0x0303) >> 8, (o.version ?? 0x0303) & 0xff]),
    Buffer.alloc(32, 0xab),
    Buffer.from([0]),
    Buffer.from([o.suite >> 8, o.suite & 0xff, o.compression ?? 0]),
    o.extensions ? Buffer.concat([Buffer.from([0, o.extensions.length]), o.extensions]) : Buffer.alloc(0),
  ]);
  const hs = Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]);
  return record(22, hs);
}

function record(type: number, fragment: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([
    Buffer.from([type, version >> 8, version & 0xff, fragment.length >> 8, fragment.length & 0xff]),
    fragment,
  ]);
}

/** Just enough of a ClientHello parser to check what we send. */
function parseClientHello(rec: Buffer) {
  expect(rec[0]).toBe(22);
  expect(rec.readUInt16BE(3)).toBe(rec.length - 5);
  const hs = rec.subarray(5);
  expect(hs[0]).toBe(1);
  expect(hs.readUIntBE(1, 3)).toBe(hs.length - 4);
  const b = hs.subarray(4);
  let off = 34 + 1 + b[34];
  const suitesLen = b.readUInt16BE(off);
  const suites: number[] = [];
  for (let i = 0; i < suitesLen; i += 2) suites.push(b.readUInt16BE(off + 2 + i));
  off += 2 + suitesLen;
  const compression = [...b.subarray(off + 1, off + 1 + b[off])];
  off += 1 + b[off];
  const extensions = new Map<number, Buffer>();
  if (off < b.length) {
    expect(off + 2 + b.readUInt16BE(off)).toBe(b.length);
    off += 2;
    while (off < b.length) {
      const len = b.readUInt16BE(off + 2);
      extensions.set(b.readUInt16BE(off), b.subarray(off + 4, off + 4 + len));
      off += 4 + len;
    }
  }
  return {
    recordVersion: rec.readUInt16BE(1),
    clientVersion: b.readUInt16BE(0),
    suites,
    compression,
    extensions,
    hsLength: hs.length,
  };
}

// ---------------------------------------------------------------- the ClientHello we build

describe('buildClientHello', () => {
  it('builds a TLS 1.2 hello with SNI, groups, point formats, signature_algorithms and the SCSV', () => {
    const { record: rec, offered } = buildClientHello({
      version: 'TLSv1.2',
      cipherSuites: [0x0005, 0x0004, 0x0005, 0x00ff],
      servername: 'Mail.Lab.Example.',
    });
    const h = parseClientHello(rec);
    expect(h.recordVersion).toBe(0x0301);
    expect(h.clientVersion).toBe(0x0303);
    expect(offered).toEqual([0x0005, 0x0004]);
    expect(h.suites).toEqual([0x0005, 0x0004, 0x00ff]);
    expect(h.compression).toEqual([0]);
    expect(h.extensions.get(0)!.subarray(5).toString()).toBe('mail.lab.example');
    expect([...h.extensions.get(10)!]).toEqual([
      0, 10, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x01, 0x00,
    ]);
    expect([...h.extensions.get(11)!]).toEqual([1, 0]);
    expect(h.extensions.get(13)!.readUInt16BE(0)).toBe(22); // 11 schemes
    expect([...h.extensions.get(0xff01)!]).toEqual([0]);
  });

  it('omits SNI for IP literals and signature_algorithms before TLS 1.2', () => {
    for (const servername of ['127.0.0.1', '::1', '[2001:db8::1]']) {
      const h = parseClientHello(
        buildClientHello({ version: 'TLSv1', cipherSuites: [0x000a], servername }).record,
      );
      expect(h.clientVersion).toBe(0x0301);
      expect(h.extensions.has(0)).toBe(false);
      expect(h.extensions.has(13)).toBe(false);
      expect(h.extensions.has(10)).toBe(true);
    }
  });

  it('sends no extensions at all for SSLv3, with a {3,0} record', () => {
    const h = parseClientHello(
      buildClientHello({ version: 'SSLv3', cipherSuites: SSLV3_SUITES, servername: 'mail.lab.example' })
        .record,
    );
    expect(h.recordVersion).toBe(0x0300);
    expect(h.clientVersion).toBe(0x0300);
    expect(h.extensions.size).toBe(0);
    expect(h.suites.at(-1)).toBe(0x00ff);
  });

  it('pads hellos of 256..511 bytes to 512 (RFC 7685)', () => {
    const many = Array.from({ length: 90 }, (_, i) => 0x0100 + i);
    const h = parseClientHello(buildClientHello({ version: 'TLSv1.2', cipherSuites: many }).record);
    expect(h.extensions.has(21)).toBe(true);
    expect(h.hsLength).toBe(512);
    const small = parseClientHello(buildClientHello({ version: 'TLSv1.2', cipherSuites: [0xc02f] }).record);
    expect(small.extensions.has(21)).toBe(false);
  });

  it('refuses unusable suite lists', () => {
    expect(() => buildClientHello({ version: 'TLSv1.2', cipherSuites: [] })).toThrow(RangeError);
    expect(() => buildClientHello({ version: 'TLSv1.2', cipherSuites: [0x00ff] })).toThrow(RangeError);
    expect(() => buildClientHello({ version: 'TLSv1.2', cipherSuites: [0x10000] })).toThrow(RangeError);
  });
});

describe('cipher suite data', () => {
  it('names suites and falls back to the hex id', () => {
    expect(cipherSuiteName(0x000a)).toBe('TLS_RSA_WITH_3DES_EDE_CBC_SHA');
    expect(cipherSuiteName(0xc011)).toBe('TLS_ECDHE_RSA_WITH_RC4_128_SHA');
    expect(cipherSuiteName(0xfefe)).toBe('0xFEFE');
  });

  it('every weak class offers only suites whose names show that weakness', () => {
    const pattern: Record<string, RegExp> = {
      NULL: /_NULL_/,
      anonymous: /_anon_/,
      EXPORT: /EXPORT/,
      RC4: /_RC4_/,
      '3DES': /_3DES_/,
      DES: /_DES(40)?_CBC_/,
    };
    for (const c of WEAK_SUITE_CLASSES) {
      expect(c.suites.length).toBeGreaterThan(2);
      for (const s of c.suites) expect(cipherSuiteName(s)).toMatch(pattern[c.name]);
    }
  });
});

// ---------------------------------------------------------------- against Node's OpenSSL

describe('probeServerHello against a default node tls server', () => {
  async function nodeTls(extra: tls.TlsOptions = {}): Promise<number> {
    return listen(tls.createServer({ cert: readFileSync(CERT), key: readFileSync(KEY), ...extra }));
  }

  it('RC4-only at TLS 1.2 is rejected', async () => {
    const r = await probe(await nodeTls(), { cipherSuites: suitesOf('RC4'), servername: 'mail.lab.example' });
    expect(r.result).toBe('rejected');
    if (r.alert) expect(r.alert.name).toBe('handshake_failure');
    else expect(r.reason).toMatch(/connection closed after ClientHello/);
  });

  it('ECDHE-RSA-AES128-GCM-SHA256 at TLS 1.2 is accepted with that suite', async () => {
    const r = await probe(await nodeTls(), { cipherSuites: [0xc02f], servername: 'mail.lab.example' });
    expect(r).toEqual({
      result: 'accepted',
      version: 'TLSv1.2',
      cipherSuite: 0xc02f,
      cipherName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    });
  });

  it('SSLv3 is rejected', async () => {
    const r = await probe(await nodeTls(), { version: 'SSLv3', cipherSuites: SSLV3_SUITES });
    expect(r.result).toBe('rejected');
  });

  it('a TLS 1.0 hello (no signature_algorithms) is accepted where the server allows TLS 1.0', async () => {
    const port = await nodeTls({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const r = await probe(port, { version: 'TLSv1', cipherSuites: [0xc013, 0x002f] });
    expect(r).toMatchObject({ result: 'accepted', version: 'TLSv1', cipherSuite: 0xc013 });
  });

  it('leaves no timer behind', async () => {
    const port = await nodeTls();
    const timers = () => process.getActiveResourcesInfo().filter((t) => t === 'Timeout').length;
    const before = timers();
    const r = await probe(port, { timeoutMs: 60_000 });
    expect(r.result).toBe('accepted');
    // Other timers of the worker may end meanwhile; the probe must not add one.
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

// ---------------------------------------------------------------- against Debian's openssl s_server

function opensslHas(cipherSpec: string): boolean {
  try {
    execFileSync('openssl', ['ciphers', cipherSpec], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('probeServerHello against openssl s_server', () => {
  async function sServer(...args: string[]): Promise<number> {
    const port = await freePort();
    await spawnServer(
      'openssl',
      ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', CERT, '-key', KEY, ...args],
      /ACCEPT/,
    );
    return port;
  }

  it('reports NULL suites accepted where the server allows eNULL', async () => {
    const port = await sServer('-cipher', 'ALL:eNULL:@SECLEVEL=0', '-tls1_2');
    const r = await probe(port, { cipherSuites: suitesOf('NULL') });
    expect(r.result).toBe('accepted');
    expect(r.version).toBe('TLSv1.2');
    expect(suitesOf('NULL')).toContain(r.cipherSuite);
    expect(r.cipherName).toMatch(/_NULL_/);
  });

  it('reports anonymous suites accepted where the server allows aNULL', async () => {
    const port = await sServer('-cipher', 'ALL:@SECLEVEL=0', '-tls1_2');
    const r = await probe(port, { cipherSuites: suitesOf('anonymous') });
    expect(r.result).toBe('accepted');
    expect(r.cipherName).toMatch(/_anon_/);
  });

  it('reports NULL rejected where the server does not allow it', async () => {
    const port = await sServer('-tls1_2');
    const r = await probe(port, { cipherSuites: suitesOf('NULL') });
    expect(r).toMatchObject({ result: 'rejected', alert: { level: 2, name: 'handshake_failure' } });
  });

  // Debian's OpenSSL 3.0 is built without weak-ssl-ciphers: its libssl has no 3DES or RC4 suites
  // at all (`openssl ciphers 3DES` fails), so s_server can only refuse them. Both ways are checked.
  it('reports 3DES as the build allows it', async () => {
    const port = await sServer('-cipher', 'ALL:@SECLEVEL=0', '-tls1_2');
    const r = await probe(port, { cipherSuites: suitesOf('3DES') });
    if (opensslHas('3DES:@SECLEVEL=0'))
      expect(r).toMatchObject({ result: 'accepted', cipherName: expect.stringMatching(/3DES/) });
    else expect(r).toMatchObject({ result: 'rejected', alert: { name: 'handshake_failure' } });
  });

  it('reports TLS 1.0 accepted at SECLEVEL=0 with -tls1', async () => {
    const port = await sServer('-cipher', 'ALL:@SECLEVEL=0', '-tls1');
    const r = await probe(port, { version: 'TLSv1', cipherSuites: [0x002f, 0x0035] });
    expect(r).toMatchObject({ result: 'accepted', version: 'TLSv1', cipherSuite: 0x002f });
  });

  it('a TLS 1.2 hello to a TLS 1.0-only server is answered with TLS 1.0', async () => {
    const port = await sServer('-cipher', 'ALL:@SECLEVEL=0', '-tls1');
    const r = await probe(port, { version: 'TLSv1.2', cipherSuites: [0x002f] });
    expect(r).toMatchObject({ result: 'accepted', version: 'TLSv1' });
  });

  it('SSLv3 is rejected (this OpenSSL has no SSLv3 at all)', async () => {
    const port = await sServer('-cipher', 'ALL:@SECLEVEL=0');
    const r = await probe(port, { version: 'SSLv3', cipherSuites: SSLV3_SUITES });
    expect(r.result).toBe('rejected');
  });
});

// ---------------------------------------------------------------- against GnuTLS, which still has 3DES and RC4

const hasGnutls = (() => {
  try {
    execFileSync('gnutls-serv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// gnutls-serv (Debian package gnutls-bin) is the only stock server here that can still be told
// to accept 3DES and RC4; skipped where it is not installed. It listens on all interfaces (it has
// no bind option); we only ever connect to 127.0.0.1.
describe.skipIf(!hasGnutls)('probeServerHello against gnutls-serv', () => {
  const WEAK = 'NORMAL:+3DES-CBC:+ARCFOUR-128:+RSA:+VERS-TLS1.0';
  async function gnutls(priority: string): Promise<number> {
    const port = await freePort();
    const args = [
      '-p',
      String(port),
      '-a',
      '--x509certfile',
      CERT,
      '--x509keyfile',
      KEY,
      '--priority',
      priority,
    ];
    await spawnServer('gnutls-serv', args, /listening on IPv4.*done/);
    return port;
  }

  it.each([
    ['3DES', /^TLS_(ECDHE_|DHE_)?RSA_WITH_3DES_EDE_CBC_SHA$/],
    ['RC4', /^TLS_(ECDHE_)?RSA_WITH_RC4_128_(SHA|MD5)$/],
  ])('reports %s accepted where the server allows it', async (cls, name) => {
    const port = await gnutls(WEAK);
    const r = await probe(port, { cipherSuites: suitesOf(cls), servername: 'mail.lab.example' });
    expect(r).toMatchObject({
      result: 'accepted',
      version: 'TLSv1.2',
      cipherName: expect.stringMatching(name),
    });
    expect(suitesOf(cls)).toContain(r.cipherSuite);
  });

  it('reports anonymous DH accepted where the server allows it', async () => {
    const port = await gnutls(`${WEAK}:+ANON-DH`);
    const r = await probe(port, { cipherSuites: suitesOf('anonymous') });
    expect(r).toMatchObject({ result: 'accepted', cipherName: expect.stringMatching(/^TLS_DH_anon_/) });
  });

  it('reports RC4 accepted at TLS 1.0 too', async () => {
    const port = await gnutls(WEAK);
    const r = await probe(port, { version: 'TLSv1', cipherSuites: suitesOf('RC4') });
    expect(r).toMatchObject({ result: 'accepted', version: 'TLSv1' });
  });

  it('reports 3DES rejected by a NORMAL server', async () => {
    const r = await probe(await gnutls('NORMAL'), { cipherSuites: suitesOf('3DES') });
    expect(r.result).toBe('rejected');
    expect(r.alert?.name).toBe('handshake_failure');
  });
});

// ---------------------------------------------------------------- scripted raw servers

describe('probeServerHello against scripted servers', () => {
  it('an SMTP line instead of TLS is an error that shows the line', async () => {
    const port = await rawServer((s) => s.write('500 5.5.1 Command unrecognized\r\n'));
    const r = await probe(port);
    expect(r.result).toBe('error');
    expect(r.reason).toBe('not a TLS reply: "500 5.5.1 Command unrecognized\\r\\n"');
  });

  it('silence is an error within timeoutMs', async () => {
    const port = await rawServer(() => undefined);
    const t0 = Date.now();
    const r = await probe(port, { timeoutMs: 200 });
    const elapsed = Date.now() - t0;
    expect(r).toEqual({ result: 'error', reason: 'no answer to ClientHello within 200 ms' });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1500);
  });

  it('an oversized record header is an error at once', async () => {
    const port = await rawServer((s) => s.write(Buffer.from([22, 3, 3, 0xff, 0xff, 1, 2, 3])));
    expect(await probe(port)).toEqual({ result: 'error', reason: 'TLS record length 65535 exceeds 18432' });
  });

  it('a stream of valid but useless records stops at maxBytes', async () => {
    const warning = record(21, Buffer.from([1, 112]));
    const port = await rawServer((s) => s.write(Buffer.concat(Array.from({ length: 200 }, () => warning))));
    const r = await probe(port, { maxBytes: 512 });
    expect(r).toEqual({ result: 'error', reason: 'no ServerHello within the first 512 bytes' });
  });

  it('a ServerHello for a suite we did not offer is an error', async () => {
    const port = await rawServer((s) => s.write(serverHello({ suite: 0x000a })));
    const r = await probe(port, { cipherSuites: [0xc02f] });
    expect(r).toMatchObject({
      result: 'error',
      cipherSuite: 0x000a,
      cipherName: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
    });
    expect(r.reason).toMatch(/did not offer/);
  });

  it('a ServerHello choosing the SCSV is an error', async () => {
    const port = await rawServer((s) => s.write(serverHello({ suite: 0x00ff })));
    expect((await probe(port)).result).toBe('error');
  });

  it('a TLS 1.2 ServerHello carrying supported_versions 0x0304 is an error reporting TLSv1.3', async () => {
    const ext = Buffer.from([0, 43, 0, 2, 3, 4]);
    const port = await rawServer((s) => s.write(serverHello({ suite: 0x1301, extensions: ext })));
    const r = await probe(port, { cipherSuites: [0x1301, 0xc02f] });
    expect(r).toMatchObject({ result: 'error', version: 'TLSv1.3' });
  });

  it('a version above the one offered is an error', async () => {
    const port = await rawServer((s) => s.write(serverHello({ version: 0x0303, suite: 0x000a })));
    const r = await probe(port, { version: 'SSLv3', cipherSuites: [0x000a] });
    expect(r).toMatchObject({ result: 'error', version: 'TLSv1.2' });
  });

  it('a fatal alert is rejected with its name', async () => {
    const port = await rawServer((s) => s.end(record(21, Buffer.from([2, 70]), 0x0300)));
    const r = await probe(port, { version: 'SSLv3', cipherSuites: SSLV3_SUITES });
    expect(r).toEqual({
      result: 'rejected',
      alert: { level: 2, description: 70, name: 'protocol_version' },
      reason: 'protocol_version',
    });
  });

  it('a close after the ClientHello is rejected', async () => {
    const port = await rawServer((s) => s.end());
    expect(await probe(port)).toEqual({ result: 'rejected', reason: 'connection closed after ClientHello' });
  });

  it('a reset after the ClientHello is rejected', async () => {
    const port = await rawServer((s) => s.resetAndDestroy());
    const r = await probe(port);
    expect(r.result).toBe('rejected');
    expect(r.reason).toMatch(/^connection closed after ClientHello/);
  });

  it('a close in the middle of a record is an error', async () => {
    const port = await rawServer((s) => s.end(serverHello({ suite: 0xc02f }).subarray(0, 20)));
    const r = await probe(port);
    expect(r.result).toBe('error');
    expect(r.reason).toMatch(/closed in the middle/);
  });

  it('reassembles a ServerHello dripped one byte at a time, after a warning alert and a HelloRequest', async () => {
    const bytes = Buffer.concat([
      record(21, Buffer.from([1, 112])),
      record(22, Buffer.from([0, 0, 0, 0])),
      serverHello({ suite: 0x0005, extensions: Buffer.from([0xff, 0x01, 0, 1, 0]) }),
    ]);
    const port = await rawServer(async (s) => {
      for (const b of bytes) {
        if (s.destroyed) return;
        s.write(Buffer.from([b]));
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const r = await probe(port, { cipherSuites: [0x0004, 0x0005] });
    expect(r).toEqual({
      result: 'accepted',
      version: 'TLSv1.2',
      cipherSuite: 5,
      cipherName: 'TLS_RSA_WITH_RC4_128_SHA',
    });
  });

  it('reassembles a ServerHello split across two handshake records', async () => {
    const full = serverHello({ suite: 0x000a, version: 0x0301 });
    const hs = full.subarray(5);
    const port = await rawServer((s) =>
      s.write(Buffer.concat([record(22, hs.subarray(0, 7), 0x0301), record(22, hs.subarray(7), 0x0301)])),
    );
    const r = await probe(port, { version: 'TLSv1', cipherSuites: [0x000a] });
    expect(r).toMatchObject({ result: 'accepted', version: 'TLSv1', cipherSuite: 0x000a });
  });

  it('rejected after a warning alert then a close keeps the alert', async () => {
    const port = await rawServer((s) => s.end(record(21, Buffer.from([1, 112]))));
    const r = await probe(port);
    expect(r).toMatchObject({ result: 'rejected', alert: { level: 1, name: 'unrecognized_name' } });
  });

  it('an invalid option is an error, not a throw, and the socket is destroyed', async () => {
    const port = await rawServer(() => undefined);
    const socket = await connect(port);
    const r = await probeServerHello({ socket, version: 'TLSv1.2', cipherSuites: [], timeoutMs: 1000 });
    expect(r).toEqual({ result: 'error', reason: 'cannot build ClientHello: no cipher suites to offer' });
    expect(socket.destroyed).toBe(true);
  });
});

// ---------------------------------------------------------------- whatever the server sends

describe('ServerReplyReader', () => {
  it('reports non-TLS bytes as soon as the first byte arrives', () => {
    const r = new ServerReplyReader(1024);
    expect(r.push(Buffer.from('2'))).toEqual({ kind: 'malformed', reason: 'not a TLS reply: "2"' });
  });
});

describe('probeServerHello property', () => {
  const anyRecord = fc
    .tuple(
      fc.constantFrom(20, 21, 22, 23, 0x35),
      fc.constantFrom(0x0300, 0x0301, 0x0303, 0x0304, 0x0200),
      fc.uint8Array({ maxLength: 80 }),
    )
    .map(([t, v, f]) => record(t, Buffer.from(f), v));
  const anyHello = fc
    .record({
      version: fc.constantFrom(0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f00),
      suite: fc.constantFrom(0xc02f, 0x0005, 0x000a, 0x00ff, 0x1301),
      compression: fc.constantFrom(0, 1),
      extensions: fc.option(
        fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
        { nil: undefined },
      ),
    })
    .map((o) => serverHello(o));
  const anyAlert = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }))
    .map(([l, d]) => record(21, Buffer.from([l, d])));
  const chunk = fc.oneof(
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    anyRecord,
    anyHello,
    anyAlert,
  );

  it('never throws and always returns one of the three results', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(chunk, { maxLength: 5 }),
        fc.integer({ min: 1, max: 50 }),
        fc.constantFrom('close', 'reset', 'silent'),
        async (chunks, split, ending) => {
          const bytes = Buffer.concat(chunks);
          const port = await rawServer((s) => {
            for (let i = 0; i < bytes.length; i += split) s.write(bytes.subarray(i, i + split));
            if (ending === 'close') s.end();
            else if (ending === 'reset') setImmediate(() => s.resetAndDestroy());
          });
          const offered = [0xc02f, 0x0005];
          const r = await probe(port, { cipherSuites: offered, timeoutMs: 150, maxBytes: 200 });
          expect(['accepted', 'rejected', 'error']).toContain(r.result);
          if (r.result === 'accepted') expect(offered).toContain(r.cipherSuite);
          else expect(r.reason).toBeTypeOf('string');
          await cleanups.pop()!();
        },
      ),
      { numRuns: 120 },
    );
  });
});
