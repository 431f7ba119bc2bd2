import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { isLoopback, NetworkGuardError, takeViolations } from './network-guard.js';
import { Resolver } from '../../src/probe/dns/resolver.js';

// 192.0.2.0/24 is TEST-NET-1 (RFC 5737): nothing would answer even if the guard let it through.
describe('network guard', () => {
  it('refuses TCP to a non-loopback address, in every calling form', () => {
    expect(() => net.connect(25, '192.0.2.1')).toThrow(NetworkGuardError);
    expect(() => net.connect({ port: 25, host: '192.0.2.1' })).toThrow(NetworkGuardError);
    expect(() => new net.Socket().connect(25, '192.0.2.1')).toThrow(NetworkGuardError);
    expect(takeViolations()).toHaveLength(3);
  });

  it('refuses UDP to a non-loopback address and system DNS lookups', () => {
    const sock = dgram.createSocket('udp4');
    expect(() => sock.send(Buffer.from('x'), 53, '192.0.2.53')).toThrow(NetworkGuardError);
    sock.close();
    expect(() => dns.lookup('example.com', () => {})).toThrow(NetworkGuardError);
    expect(() => dns.promises.resolveMx('example.com')).toThrow(NetworkGuardError);
    expect(takeViolations()).toHaveLength(3);
  });

  it('records a refusal even when the code under test swallows the error', async () => {
    const r = new Resolver({ servers: [{ address: '192.0.2.53', port: 53 }], timeoutMs: 200 });
    await expect(r.resolve4('mail.example.edu')).rejects.toThrow();
    expect(takeViolations()).toEqual([expect.stringMatching(/UDP datagram to 192\.0\.2\.53/)]);
  });

  it('lets loopback through', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.42.0.9')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback('128.0.0.1')).toBe(false);
    const s = net.connect(9, '127.0.0.1');
    s.on('error', () => {});
    s.destroy();
  });
});
