/**
 * Test setup: any connection or datagram to a non-loopback address, and any real DNS lookup,
 * throws. Tests must only ever talk to fixture servers on 127.0.0.0/8 or ::1 and to the lab's
 * DNS server through our own resolver (which sends UDP/TCP to a loopback address).
 */
import dgram from 'node:dgram';
import { afterEach, expect } from 'vitest';
import dns from 'node:dns';
import net from 'node:net';

export class NetworkGuardError extends Error {
  override name = 'NetworkGuardError';
}

/** Loopback literals only: 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return false;
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === '::1' || h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/**
 * Every refusal is also recorded, because code under test may catch the error (a resolver trying
 * the next server, a probe turning it into a failure): the afterEach below fails the test anyway.
 */
const violations: string[] = [];

function refuse(what: string, target: string): never {
  const message = `network guard: ${what} to ${target} refused (tests may only reach loopback)`;
  violations.push(message);
  throw new NetworkGuardError(message);
}

/** For the guard's own tests: take the recorded violations (and clear them). */
export function takeViolations(): string[] {
  return violations.splice(0);
}

afterEach(() => {
  const seen = takeViolations();
  expect(seen, 'the test tried to reach the network').toEqual([]);
});

const origConnect = net.Socket.prototype.connect;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- connect has many overloads; we only inspect its first argument
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: any[]) {
  // net.connect(port, host) reaches here as one normalised array [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host: string | undefined;
  let path: string | undefined;
  if (first && typeof first === 'object') {
    host = first.host ?? (first.path ? undefined : 'localhost');
    path = first.path;
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  } else if (typeof first === 'string') {
    path = first;
  }
  if (path === undefined && !isLoopback(host)) refuse('TCP connection', String(host));
  return origConnect.apply(this, args as Parameters<typeof origConnect>);
} as typeof origConnect;

const origSend = dgram.Socket.prototype.send;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- send has many overloads; the address is the last string argument
dgram.Socket.prototype.send = function guardedSend(this: dgram.Socket, ...args: any[]) {
  const address = args.filter((a) => typeof a === 'string').pop() as string | undefined;
  if (!isLoopback(address)) refuse('UDP datagram', String(address));
  return origSend.apply(this, args as Parameters<typeof origSend>);
} as typeof origSend;

function blockLookup(name: string, owner: Record<string, unknown>): void {
  const orig = owner[name];
  if (typeof orig !== 'function') return;
  owner[name] = function blocked(this: unknown, ...args: unknown[]) {
    const host = args[0];
    // Looking up an IP literal (e.g. listen on '::') or localhost never reaches a DNS server.
    if (name === 'lookup' && typeof host === 'string' && (isLoopback(host) || net.isIP(host) !== 0)) {
      return (orig as (...a: unknown[]) => unknown).apply(this, args);
    }
    return refuse(`system DNS ${name}`, String(host));
  };
}

const resolverMethods = [
  'lookup',
  'lookupService',
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCaa',
  'resolveCname',
  'resolveMx',
  'resolveNaptr',
  'resolveNs',
  'resolvePtr',
  'resolveSoa',
  'resolveSrv',
  'resolveTxt',
  'reverse',
];
for (const m of resolverMethods) {
  blockLookup(m, dns as unknown as Record<string, unknown>);
  blockLookup(m, dns.promises as unknown as Record<string, unknown>);
  blockLookup(m, dns.Resolver.prototype as unknown as Record<string, unknown>);
  blockLookup(m, dns.promises.Resolver.prototype as unknown as Record<string, unknown>);
}
