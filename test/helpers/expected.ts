/**
 * Expected verdicts shared by the acceptance tests (test/e2e/lab.test.ts against the lab servers,
 * test/postfix/verdicts.test.ts against real Postfix): each spreads a map and overrides what its
 * server does differently.
 */

/**
 * Status per endpoint check for a compliant MX on port 25 under campus-baseline: everything
 * passes; smtp.mta is informational; tls.required is info (the baseline requires TLS on
 * submission ports only); port 25 has no implicit TLS and no AUTH to judge.
 */
export const COMPLIANT_MX: Readonly<Record<string, string>> = {
  'smtp.connect': 'pass',
  'smtp.greeting': 'pass',
  'smtp.greeting_delay': 'pass',
  'smtp.ehlo': 'pass',
  'smtp.helo_name': 'pass',
  'smtp.mta': 'info',
  'smtp.vrfy': 'pass',
  'smtp.expn': 'pass',
  'tls.starttls': 'pass',
  'tls.implicit': 'skip',
  'tls.required': 'info',
  'tls.protocols': 'pass',
  'tls.ciphers': 'pass',
  'tls.cert_chain': 'pass',
  'tls.cert_hostname': 'pass',
  'tls.cert_expiry': 'pass',
  'tls.cert_key': 'pass',
  'tls.cert_signature': 'pass',
  'auth.before_tls': 'pass',
  'auth.submission': 'skip',
  'auth.mechanisms': 'skip',
  'auth.login': 'skip',
  // Relaying refused to strangers; no AUTH to relay with on an MX; no --send-test.
  'auth.required': 'skip',
  'relay.open': 'pass',
  'data.accepted': 'skip',
};
