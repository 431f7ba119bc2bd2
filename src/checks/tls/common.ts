/**
 * Helpers shared by the TLS checks: protocol version ordering, why there is no TLS session to
 * judge, and how certificates are shown in evidence.
 */
import type {
  CertificateFacts,
  EndpointFacts,
  ProbeFailure,
  TlsHandshakeFacts,
  TlsVersion,
} from '../../model/artifacts.js';
import { missingReason, replyOneLine } from '../util.js';

/** Protocol versions from oldest to newest. */
export const TLS_VERSIONS: readonly TlsVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Position of a version in {@link TLS_VERSIONS}, or -1 for a name we do not know. */
export function versionRank(version: string | undefined): number {
  return TLS_VERSIONS.indexOf(version as TlsVersion);
}

/** Whether `version` is a protocol name we know. */
export function isTlsVersion(version: unknown): version is TlsVersion {
  return typeof version === 'string' && versionRank(version) >= 0;
}

/**
 * Failures that mean "we could not tell" rather than "the server got it wrong": a step or the
 * deadline ran out, so a slow path may be to blame as much as the server.
 */
const INCONCLUSIVE_CODES: ReadonlySet<ProbeFailure['code']> = new Set([
  'CONNECT_TIMEOUT',
  'REPLY_TIMEOUT',
  'TLS_TIMEOUT',
  'DEADLINE',
  'INTERNAL',
]);

/** Whether a handshake failure leaves the question open (timeouts) rather than answering it. */
export function isInconclusive(failure: ProbeFailure | undefined): boolean {
  return failure !== undefined && INCONCLUSIVE_CODES.has(failure.code);
}

/** The main session's handshake when it completed, else why there is no TLS session to judge. */
export function tlsSession(ep: EndpointFacts): { handshake: TlsHandshakeFacts } | { reason: string } {
  const hs = ep.tls?.handshake;
  if (hs?.ok) return { handshake: hs };
  return { reason: noTlsReason(ep) };
}

/**
 * Why the endpoint has no usable TLS session, in one line. The TLS-session checks report `error`
 * with this; tls.starttls and tls.implicit judge the problem itself.
 */
export function noTlsReason(ep: EndpointFacts): string {
  if (!ep.connect.ok) return missingReason(ep, 'TLS session');
  const hs = ep.tls?.handshake;
  const failure = hs?.failure ?? ep.starttls?.failure;
  if (ep.profile !== 'smtps') {
    const st = ep.starttls;
    if (ep.ehlo && !ep.ehlo.capabilities.starttls && !st?.offered) {
      return 'no TLS session: STARTTLS is not offered (see tls.starttls)';
    }
    if (st?.reply && st.reply.code !== 220) {
      return `no TLS session: STARTTLS was refused with "${replyOneLine(st.reply)}" (see tls.starttls)`;
    }
  }
  if (failure) return `no TLS session: ${failure.message}`;
  return missingReason(ep, 'TLS session');
}

/** The leaf and the certificates the server sent after it, without the trust anchors we added. */
export function sentCertificates(chain: CertificateFacts[]): CertificateFacts[] {
  return chain.filter((c, i) => i === 0 || !c.trustAnchor);
}

/** A short name for a certificate in messages: its CN, else its whole subject. */
export function certName(cert: CertificateFacts): string {
  return cert.commonName ? `CN=${cert.commonName}` : cert.subject;
}

/** One evidence line per certificate: "0 subject=… issuer=… (trust anchor)", self-signed ones marked. */
export function chainLines(chain: CertificateFacts[], extra?: (c: CertificateFacts) => string): string[] {
  return chain.map((c, i) => {
    const more = extra ? ` ${extra(c)}` : '';
    const mark = c.trustAnchor ? ' (trust anchor)' : c.selfSigned ? ' (self-signed)' : '';
    return `${i} subject=${c.subject} issuer=${c.issuer}${more}${mark}`;
  });
}

/** "TLSv1.3 TLS_AES_256_GCM_SHA384", for evidence lines about the negotiated session. */
export function sessionLine(hs: TlsHandshakeFacts): string {
  const kx = hs.ephemeralKey
    ? ` key exchange ${hs.ephemeralKey.name ?? hs.ephemeralKey.type}${hs.ephemeralKey.size ? ` (${hs.ephemeralKey.size} bits)` : ''}`
    : '';
  return `negotiated ${hs.protocol ?? 'unknown protocol'} ${hs.cipher?.name ?? 'unknown cipher'}${kx}`;
}
