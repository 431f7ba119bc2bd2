/**
 * Probe errors: a code from a fixed catalogue plus the context an administrator needs (address,
 * port, stage, what we waited for, the last reply). Thrown inside probes, converted into
 * `ProbeFailure` data at the probe boundary — a failed probe is data, never a crash.
 */
import type { ProbeErrorCode, ProbeFailure, Stage } from './model/artifacts.js';

/** What each code means, for `--verbose` output and docs. */
export const ERROR_CATALOGUE: Record<ProbeErrorCode, string> = {
  ECONNREFUSED: 'the port is closed: the host answered the TCP SYN with a reset',
  ECONNRESET: 'the server reset the connection',
  EHOSTUNREACH: 'no route to the host or network',
  CONNECT_TIMEOUT: 'no answer to the TCP connection attempt (filtered port or host down)',
  REPLY_TIMEOUT: 'the server did not complete its reply within the step timeout',
  DEADLINE: 'the per-host deadline expired',
  CLOSED: 'the server closed the connection',
  LINE_TOO_LONG: 'a reply line exceeded the line size limit',
  REPLY_TOO_LONG: 'a multi-line reply exceeded the line-count or size limit',
  MALFORMED_REPLY: 'the server sent something that is not an SMTP reply (RFC 5321 §4.2)',
  SERVICE_UNAVAILABLE: 'the server answered 421: service not available (RFC 5321 §3.8)',
  UNEXPECTED_REPLY: 'the server answered with a code the dialogue cannot continue from',
  TLS_HANDSHAKE: 'the TLS handshake failed',
  TLS_TIMEOUT: 'the TLS handshake did not complete within the step timeout',
  PLAINTEXT_INJECTION:
    'plaintext arrived after the 220 to STARTTLS and before the TLS handshake (RFC 3207 §4.2)',
  DNS_NXDOMAIN: 'the name does not exist (NXDOMAIN)',
  DNS_NODATA: 'the name exists but has no record of the type asked (NODATA)',
  DNS_SERVFAIL: 'the resolver failed to answer (SERVFAIL)',
  DNS_REFUSED: 'the resolver refused the query (REFUSED)',
  DNS_TIMEOUT: 'no DNS answer within the timeout',
  INTERNAL: 'an internal error in mailcheck (please report it)',
};

export interface ProbeErrorContext {
  stage: Stage;
  address?: string;
  port?: number;
  waitedFor?: string;
  lastReply?: string;
  timeoutMs?: number;
}

export class ProbeError extends Error {
  override name = 'ProbeError';
  readonly code: ProbeErrorCode;
  readonly context: ProbeErrorContext;
  /** The message without the context, so the error can be re-raised at another stage. */
  readonly detail: string;

  constructor(code: ProbeErrorCode, detail: string, context: ProbeErrorContext) {
    super(formatMessage(detail, context));
    this.code = code;
    this.detail = detail;
    this.context = context;
  }

  toFailure(): ProbeFailure {
    const f: ProbeFailure = { code: this.code, message: this.message, stage: this.context.stage };
    const { address, port, waitedFor, lastReply, timeoutMs } = this.context;
    if (address !== undefined) f.address = address;
    if (port !== undefined) f.port = port;
    if (waitedFor !== undefined) f.waitedFor = waitedFor;
    if (lastReply !== undefined) f.lastReply = lastReply;
    if (timeoutMs !== undefined) f.timeoutMs = timeoutMs;
    return f;
  }
}

/** "address:port", with IPv6 in brackets. */
export function endpointLabel(address: string | undefined, port: number | undefined): string {
  if (address === undefined) return '';
  const a = address.includes(':') ? `[${address}]` : address;
  return port === undefined ? a : `${a}:${port}`;
}

function formatMessage(detail: string, c: ProbeErrorContext): string {
  const where = endpointLabel(c.address, c.port);
  const parts = [`${c.stage}: ${detail}`];
  if (c.waitedFor) parts.push(`waiting for ${c.waitedFor}`);
  if (c.timeoutMs !== undefined) parts.push(`timeout ${c.timeoutMs}ms`);
  if (c.lastReply) parts.push(`last reply "${c.lastReply}"`);
  return `${parts.join(', ')}${where ? ` (${where})` : ''}`;
}

/** Turns anything thrown inside a probe into failure data. */
export function toFailure(err: unknown, context: ProbeErrorContext): ProbeFailure {
  if (err instanceof ProbeError) return err.toFailure();
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') {
    return new ProbeError(code, ERROR_CATALOGUE[code], context).toFailure();
  }
  const msg = e instanceof Error ? e.message : String(err);
  return new ProbeError('INTERNAL', msg, context).toFailure();
}
