/**
 * Parsers for command-line values. Each throws commander's InvalidArgumentError with a message
 * that says what was wrong and what is accepted; the program turns that into exit code 2.
 */
import net from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import type { Io } from './io.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** "500ms", "3s", "1m" or plain seconds ("2.5"). */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a duration (use 500ms, 3s, 1m or plain seconds)`);
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
  if (ms <= 0) throw new InvalidArgumentError(`duration "${value}" must be greater than zero`);
  if (ms > 3_600_000) throw new InvalidArgumentError(`duration "${value}" is over an hour`);
  return ms;
}

export function parsePositiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}, not "${value}"`);
    }
    return n;
  };
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    throw new InvalidArgumentError(`port "${value}" is out of range (1-65535)`);
  }
  return n;
}

/** Commander collector for repeatable options. */
export function collect<T>(parse: (v: string) => T) {
  return (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];
}

export interface HostSpec {
  /** What the user typed. */
  input: string;
  /** Lower-case ASCII (punycode) name, or the IP literal. */
  host: string;
  /** Unicode form for display. */
  displayName: string;
  port?: number;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Validates a DNS host name in its ASCII form (RFC 1123 §2.1, RFC 5890 A-labels). */
function checkHostname(ascii: string, input: string): void {
  if (ascii.length > 253) throw new InvalidArgumentError(`host "${input}" is longer than 253 characters`);
  const labels = ascii.split('.');
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    throw new InvalidArgumentError(
      `"${input}" is not a valid host name${bad ? ` (label "${bad}")` : ' (empty label)'}; use a name like smtp.example.edu, an IP address, or [IPv6]:PORT`,
    );
  }
}

/**
 * HOST, HOST:PORT, IPv4[:PORT], [IPv6][:PORT] or a bare IPv6 literal. IDN names are converted to
 * punycode for the wire and kept in Unicode for display.
 */
export function parseHostSpec(input: string): HostSpec {
  const raw = input.trim();
  if (!raw) throw new InvalidArgumentError('empty host');
  let hostPart = raw;
  let portPart: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(raw);
  if (bracket) {
    hostPart = bracket[1]!;
    portPart = bracket[2];
    if (net.isIPv6(hostPart) === false)
      throw new InvalidArgumentError(`"${hostPart}" in brackets is not an IPv6 address`);
  } else if (net.isIPv6(raw)) {
    hostPart = raw;
  } else if (raw.includes(':')) {
    const i = raw.lastIndexOf(':');
    hostPart = raw.slice(0, i);
    portPart = raw.slice(i + 1);
    if (hostPart.includes(':'))
      throw new InvalidArgumentError(`"${raw}": write IPv6 addresses with a port as [IPv6]:PORT`);
  }
  const port = portPart === undefined ? undefined : parsePort(portPart);
  if (net.isIP(hostPart))
    return { input: raw, host: hostPart.toLowerCase(), displayName: hostPart, ...(port ? { port } : {}) };
  const name = hostPart.replace(/\.$/, '');
  if (/^[\d.]+$/.test(name)) throw new InvalidArgumentError(`"${hostPart}" is not a valid IPv4 address`);
  const ascii = domainToASCII(name);
  if (!ascii)
    throw new InvalidArgumentError(`"${hostPart}" is not a valid host name (IDNA conversion failed)`);
  checkHostname(ascii, hostPart);
  return { input: raw, host: ascii, displayName: domainToUnicode(ascii) || ascii, ...(port ? { port } : {}) };
}

/** EHLO names go into a command line: only a host name or an address literal, no spaces or CR/LF. */
export function parseEhloName(value: string): string {
  // Address literals per RFC 5321 §4.1.3: [192.0.2.1] or [IPv6:2001:db8::1].
  const literal = /^\[(?:IPv6:(.+)|([\d.]+))\]$/i.exec(value);
  if (literal) {
    if (literal[1] !== undefined ? net.isIPv6(literal[1]) : net.isIPv4(literal[2] ?? '')) return value;
    throw new InvalidArgumentError(
      `--ehlo "${value}" is not a valid address literal (use [192.0.2.1] or [IPv6:2001:db8::1])`,
    );
  }
  const ascii = domainToASCII(value);
  if (!ascii) throw new InvalidArgumentError(`--ehlo "${value}" is not a host name or [address literal]`);
  checkHostname(ascii, value);
  return ascii;
}

/** A mail domain: a host name without port, not an IP literal. */
export function parseDomainName(input: string): { domain: string; displayName: string } {
  const spec = parseHostSpec(input);
  if (spec.port !== undefined || net.isIP(spec.host))
    throw new InvalidArgumentError(`"${input}" is not a domain name`);
  return { domain: spec.host, displayName: spec.displayName };
}

/** A command that writes through `io` and throws instead of exiting (run() turns that into a code). */
export function throughIo(cmd: Command, io: Io): Command {
  return cmd
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
}
