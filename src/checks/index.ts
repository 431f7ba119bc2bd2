/**
 * The check registry: every check listed explicitly, so the catalogue is reviewable in one place
 * and the order of checks in every report is stable.
 */
import type { AnyCheck } from './types.js';
import authBeforeTls from './auth/before_tls.js';
import authLogin from './auth/login.js';
import authMechanisms from './auth/mechanisms.js';
import authSubmission from './auth/submission.js';
import smtpConnect from './smtp/connect.js';
import smtpEhlo from './smtp/ehlo.js';
import smtpExpn from './smtp/expn.js';
import smtpGreeting from './smtp/greeting.js';
import smtpGreetingDelay from './smtp/greeting_delay.js';
import smtpMta from './smtp/mta.js';
import smtpVrfy from './smtp/vrfy.js';
import tlsCertChain from './tls/cert_chain.js';
import tlsCertExpiry from './tls/cert_expiry.js';
import tlsCertHostname from './tls/cert_hostname.js';
import tlsCertKey from './tls/cert_key.js';
import tlsCertSignature from './tls/cert_signature.js';
import tlsCiphers from './tls/ciphers.js';
import tlsImplicit from './tls/implicit.js';
import tlsProtocols from './tls/protocols.js';
import tlsRequired from './tls/required.js';
import tlsStarttls from './tls/starttls.js';

/** Report order: the dialogue first, then TLS, then AUTH — the order an administrator fixes things. */
export const REGISTRY: readonly AnyCheck[] = [
  smtpConnect,
  smtpGreeting,
  smtpGreetingDelay,
  smtpEhlo,
  smtpMta,
  smtpVrfy,
  smtpExpn,
  tlsStarttls,
  tlsImplicit,
  tlsRequired,
  tlsProtocols,
  tlsCiphers,
  tlsCertChain,
  tlsCertHostname,
  tlsCertExpiry,
  tlsCertKey,
  tlsCertSignature,
  authBeforeTls,
  authSubmission,
  authMechanisms,
  authLogin,
];

export function findCheck(id: string): AnyCheck | undefined {
  return REGISTRY.find((c) => c.id === id);
}
