/**
 * The open-relay battery's forms (SPEC §2 "Relay"): the MAIL FROM / RCPT TO pairs nmap's
 * smtp-open-relay tries, plus a sender in the host's own domain, and the names they are built
 * from. Pure data and validation; the probing is in battery.ts and relay.ts.
 */
import net from 'node:net';
import type { RelayFormKind, SmtpReply } from '../../model/artifacts.js';
import type { EndpointTarget } from '../endpoint.js';

/** RFC 2606 reserves .example: mail to it can never be delivered anywhere. */
export const DEFAULT_RELAY_DOMAIN = 'mailcheck-relay-test.example';
/** Local parts of the test sender and recipient; recognisable in the server's logs. */
const SENDER = 'mailcheck-probe';
const RECIPIENT = 'relay-test';
/** A host name of two or more labels (RFC 1123 §2.1). */
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;

/** One row of the battery. */
export interface RelayForm {
  form: string;
  kind: RelayFormKind;
  from: string;
  to: string;
}

/** What the forms are built from. */
export interface FormParams {
  relayDomain: string;
  serverName: string;
  localDomain: string;
  ipLiteral: string;
}

/**
 * The battery, in nmap's order (scripts/smtp-open-relay.nse), with our "local domain sender"
 * added after the server-name sender. Duplicate rows (a server whose name is its own domain)
 * are dropped.
 */
export function relayForms(p: FormParams): RelayForm[] {
  const foreign = `${RECIPIENT}@${p.relayDomain}`;
  const fromIp = `${SENDER}@${p.ipLiteral}`;
  const rows: RelayForm[] = [
    // The null reverse-path of bounces (RFC 5321 §4.5.5): no sender checks can apply.
    { form: 'null-sender', kind: 'foreign', from: '', to: foreign },
    // A stranger writing to a stranger: the plainest relay attempt.
    { form: 'foreign-sender', kind: 'foreign', from: `${SENDER}@${p.relayDomain}`, to: foreign },
    // A sender at the server's own name, which careless rules trust.
    { form: 'server-name-sender', kind: 'foreign', from: `${SENDER}@${p.serverName}`, to: foreign },
    // A sender in the host's mail domain ("local sender").
    { form: 'local-domain-sender', kind: 'foreign', from: `${SENDER}@${p.localDomain}`, to: foreign },
    // A sender at the server's IP literal (RFC 5321 §4.1.3).
    { form: 'ip-literal-sender', kind: 'foreign', from: fromIp, to: foreign },
    // The %-hack: user%remote@this-host, relayed by servers that rewrite % to @.
    {
      form: 'percent-hack-ip',
      kind: 'routed',
      from: fromIp,
      to: `${RECIPIENT}%${p.relayDomain}@${p.ipLiteral}`,
    },
    {
      form: 'percent-hack-name',
      kind: 'routed',
      from: fromIp,
      to: `${RECIPIENT}%${p.relayDomain}@${p.serverName}`,
    },
    // A quoted local part holding the whole foreign address, and no domain of its own.
    { form: 'quoted-address', kind: 'routed', from: fromIp, to: `"${foreign}"` },
    { form: 'quoted-percent', kind: 'routed', from: fromIp, to: `"${RECIPIENT}%${p.relayDomain}"` },
    // Two @: servers that split at the last @ deliver "locally" to a foreign address.
    { form: 'double-at-ip', kind: 'routed', from: fromIp, to: `${foreign}@${p.ipLiteral}` },
    { form: 'quoted-at-ip', kind: 'routed', from: fromIp, to: `"${foreign}"@${p.ipLiteral}` },
    { form: 'double-at-name', kind: 'routed', from: fromIp, to: `${foreign}@${p.serverName}` },
    // Source routes (RFC 5321 §3.6.1, deprecated): the final address is foreign.
    { form: 'source-route-ip', kind: 'foreign', from: fromIp, to: `@${p.ipLiteral}:${foreign}` },
    { form: 'source-route-name', kind: 'foreign', from: fromIp, to: `@${p.serverName}:${foreign}` },
    // UUCP bang paths: remote!user, bare or at this host.
    { form: 'bang-path', kind: 'routed', from: fromIp, to: `${p.relayDomain}!${RECIPIENT}` },
    {
      form: 'bang-path-ip',
      kind: 'routed',
      from: fromIp,
      to: `${p.relayDomain}!${RECIPIENT}@${p.ipLiteral}`,
    },
    {
      form: 'bang-path-name',
      kind: 'routed',
      from: fromIp,
      to: `${p.relayDomain}!${RECIPIENT}@${p.serverName}`,
    },
  ];
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.from}\n${r.to}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A bad --relay-domain value; the CLI turns it into a usage error (exit 2). */
export class RelayDomainError extends Error {
  override name = 'RelayDomainError';
}

/**
 * Checks a --relay-domain value (or the policy's relayDomain) and returns it in lower case: a
 * host name of two or more labels, nothing that could smuggle a command into RCPT TO.
 */
export function validateRelayDomain(input: string): string {
  const d = input.trim().toLowerCase().replace(/\.$/, '');
  // Control characters anywhere (a trailing CR/LF too) are refused rather than trimmed away.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!DOMAIN.test(d) || /[\x00-\x1f\x7f]/.test(input)) {
    const shown = input.replace(
      /[^\x20-\x7e]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
    throw new RelayDomainError(
      `relay domain "${shown}" is not a domain name; use one that cannot receive mail, such as ${DEFAULT_RELAY_DOMAIN}, or a domain you control`,
    );
  }
  return d;
}

/** RFC 5321 §4.1.3 address literal: "[192.0.2.1]" or "[IPv6:2001:db8::1]". */
export function addressLiteral(address: string): string {
  return net.isIPv6(address) ? `[IPv6:${address}]` : `[${address}]`;
}

/** The server's own name: the first word of the greeting or EHLO reply that is a domain name. */
export function serverNameOf(greeting: SmtpReply, hello: SmtpReply | undefined, t: EndpointTarget): string {
  for (const line of [greeting.lines[0], hello?.lines[0]]) {
    const word = /^\s*(\S+)/.exec(line ?? '')?.[1]?.replace(/\.$/, '');
    if (word && DOMAIN.test(word)) return word.toLowerCase();
  }
  return net.isIP(t.host) ? addressLiteral(t.address) : t.host.toLowerCase();
}

/** The parent of a host name with three or more labels ("mx1.campus.edu" -> "campus.edu"). */
export function parentDomain(name: string): string {
  if (name.startsWith('[')) return name;
  const labels = name.split('.');
  return labels.length >= 3 ? labels.slice(1).join('.') : name;
}

/** Whether a 530 asks for STARTTLS (RFC 3207 §4) rather than for authentication (RFC 4954 §6). */
export function asksForTls(reply: SmtpReply): boolean {
  return /starttls|\btls\b|encrypt/i.test(reply.lines.join(' '));
}
