/**
 * Helpers shared by the AUTH checks: where AUTH was advertised and why a TLS session is missing.
 */
import type { EndpointFacts } from '../../model/artifacts.js';
import { missingReason, replyOneLine } from '../util.js';

/** Mechanisms that send the password itself (base64 is not encryption). */
export const PASSWORD_MECHANISMS = ['PLAIN', 'LOGIN'];

/**
 * Why there is no EHLO inside TLS: STARTTLS not offered or refused, the handshake failed, or the
 * session ended part-way. Used as the `error` reason of checks that need the TLS session.
 */
export function tlsSessionMissingReason(endpoint: EndpointFacts): string {
  const hs = endpoint.tls?.handshake;
  if (hs && !hs.ok && hs.failure) return `no TLS session: ${hs.failure.message}`;
  const st = endpoint.starttls;
  if (endpoint.profile !== 'smtps' && st) {
    if (!st.offered) return 'no TLS session: STARTTLS is not offered';
    if (st.failure) return `no TLS session: ${st.failure.message}`;
    if (st.reply && st.reply.code !== 220)
      return `no TLS session: STARTTLS refused with ${replyOneLine(st.reply)}`;
  }
  return missingReason(endpoint, 'EHLO inside TLS');
}

/** AUTH mechanisms on the cleartext session (none exists on smtps) and inside TLS. */
export interface AdvertisedAuth {
  /** Undefined when there was no cleartext EHLO to look at. */
  beforeTls?: string[];
  /** Undefined when no TLS session was established. */
  afterTls?: string[];
}

export function advertisedAuth(endpoint: EndpointFacts): AdvertisedAuth {
  return {
    beforeTls: endpoint.profile === 'smtps' ? undefined : endpoint.ehlo?.capabilities.auth,
    afterTls: endpoint.ehloTls?.capabilities.auth,
  };
}

/** The AUTH keyword lines of an EHLO reply, for evidence ("250-AUTH PLAIN LOGIN"). */
export function authLines(lines: string[]): string[] {
  return lines.filter((l) => /^\d{3}[ -]AUTH[ =]/i.test(l));
}
