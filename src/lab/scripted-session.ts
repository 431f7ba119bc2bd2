/**
 * Per-session SMTP state of the scripted server and the rules that depend on it alone: what the
 * EHLO reply offers on this session.
 */
import type { ResolvedOptions } from './scripted-types.js';

/** SMTP session state; replaced by a fresh one after a TLS upgrade (RFC 3207 §4.2). */
export interface SessionState {
  tls: boolean;
  greeted: boolean;
  clientName?: string;
  /** The authenticated user, once AUTH succeeded. */
  user?: string;
  mailFrom?: string;
  rcpts: string[];
  /** Some accepted recipient is foreign and relay is `reject-at-data`. */
  rejectAtData: boolean;
}

export function freshSession(tlsActive: boolean): SessionState {
  return { tls: tlsActive, greeted: false, rcpts: [], rejectAtData: false };
}

/** The STARTTLS keyword is offered on a cleartext session of a server that has TLS. */
export function starttlsOffered(o: ResolvedOptions, s: SessionState): boolean {
  return o.tls !== undefined && !o.implicitTls && !s.tls;
}

/** AUTH is offered (and accepted) on this session. */
export function authOffered(o: ResolvedOptions, s: SessionState): boolean {
  return o.authMechanisms.length > 0 && (s.tls || o.authBeforeTls);
}
