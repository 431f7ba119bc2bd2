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
import dkimKey from './dkim/key.js';
import dkimSelector from './dkim/selector.js';
import dkimTesting from './dkim/testing.js';
import dmarcPct from './dmarc/pct.js';
import dmarcPolicy from './dmarc/policy.js';
import dmarcRecord from './dmarc/record.js';
import dmarcRua from './dmarc/rua.js';
import dnsFcrdns from './dns/fcrdns.js';
import dnsIpv6 from './dns/ipv6.js';
import dnsMx from './dns/mx.js';
import dnsPtr from './dns/ptr.js';
import dnsblListed from './dnsbl/listed.js';
import mtaStsPolicy from './mta_sts/policy.js';
import smtpHeloName from './smtp/helo_name.js';
import spfAll from './spf/all.js';
import spfAuthorizes from './spf/authorizes.js';
import spfLookups from './spf/lookups.js';
import spfPtr from './spf/ptr.js';
import spfRecord from './spf/record.js';
import spfVoidLookups from './spf/void_lookups.js';
import tlsDane from './tls/dane.js';
import tlsRptRecord from './tls_rpt/record.js';
import relayOpen from './relay/open.js';
import authRequired from './auth/required.js';
import dataAccepted from './data/accepted.js';

/**
 * Report order: a domain's DNS first (MX, reverse DNS, SPF, DKIM, DMARC, MTA-STS/TLS-RPT, DANE,
 * DNSBL), then per endpoint the dialogue, TLS and AUTH — the order an administrator fixes things.
 */
export const REGISTRY: readonly AnyCheck[] = [
  dnsMx,
  dnsPtr,
  dnsFcrdns,
  dnsIpv6,
  spfRecord,
  spfLookups,
  spfVoidLookups,
  spfAll,
  spfPtr,
  spfAuthorizes,
  dkimSelector,
  dkimKey,
  dkimTesting,
  dmarcRecord,
  dmarcPolicy,
  dmarcPct,
  dmarcRua,
  mtaStsPolicy,
  tlsRptRecord,
  tlsDane,
  dnsblListed,
  smtpConnect,
  smtpGreeting,
  smtpGreetingDelay,
  smtpEhlo,
  smtpHeloName,
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
  authRequired,
  relayOpen,
  dataAccepted,
];

export function findCheck(id: string): AnyCheck | undefined {
  return REGISTRY.find((c) => c.id === id);
}
