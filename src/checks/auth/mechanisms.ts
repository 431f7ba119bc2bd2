/**
 * auth.mechanisms: no deprecated or unsuitable SASL mechanism is offered.
 *
 * Defaults: DIGEST-MD5 is historic (RFC 6331); CRAM-MD5 makes the server keep reversible
 * passwords and is "limited" use in the IANA SASL registry; NTLM is a proprietary legacy
 * challenge-response with weak hashes; ANONYMOUS (RFC 4505) authenticates nobody, which on a
 * submission port means no authentication at all; KERBEROS_V4 is obsolete. GSSAPI (Kerberos 5)
 * stays allowed: it is a sound campus single sign-on.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, isSubmission, missingReason, notApplicable } from '../util.js';
import { advertisedAuth, tlsSessionMissingReason } from './common.js';

export interface MechanismsParams {
  /** SASL mechanism names that must not be offered (case-insensitive). */
  forbidden: string[];
}

export default defineEndpointCheck<MechanismsParams>({
  id: 'auth.mechanisms',
  area: 'auth',
  title: 'No deprecated AUTH mechanisms',
  scope: 'endpoint',
  reference: 'RFC 6331 §1',
  requires: ['smtp'],
  defaultParams: { forbidden: ['CRAM-MD5', 'DIGEST-MD5', 'NTLM', 'ANONYMOUS', 'KERBEROS_V4'] },
  messages: {
    allowed: 'AUTH mechanisms offered: {mechanisms}; none is forbidden by the policy',
    forbidden: 'Forbidden AUTH mechanisms offered: {offending} (all offered: {mechanisms})',
  },
  remediation: {
    generic:
      'Offer only PLAIN and LOGIN inside TLS (plus GSSAPI or XOAUTH2/OAUTHBEARER where used); remove {offending}',
    postfix:
      'Restrict the SASL backend: Dovecot `auth_mechanisms = plain login`, Cyrus `mech_list: plain login`; keep `smtpd_sasl_security_options = noanonymous`',
    exim: 'Remove the authenticators that offer {offending} (drivers `cram_md5`, `spa` for NTLM, `cyrus_sasl`/`dovecot` public names)',
    sendmail: "Set `define(`confAUTH_MECHANISMS', `PLAIN LOGIN')` and `TRUST_AUTH_MECH(`PLAIN LOGIN')`",
    exchange:
      'Set-ReceiveConnector "<connector>" -AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS (Integrated adds NTLM)',
    opensmtpd: 'OpenSMTPD offers only PLAIN and LOGIN; look for a proxy in front of it',
  },
  run({ endpoint, params }) {
    if (!endpoint.ehlo && !endpoint.ehloTls) return cannotJudge(missingReason(endpoint, 'EHLO reply'));
    const { beforeTls = [], afterTls } = advertisedAuth(endpoint);
    const forbidden = new Set(params.forbidden.map((m) => m.toUpperCase()));
    const offered = [...new Set([...beforeTls, ...(afterTls ?? [])])];
    const offending = offered.filter((m) => forbidden.has(m.toUpperCase()));
    const place = (m: string): string => {
      const before = beforeTls.includes(m);
      const inside = afterTls?.includes(m) ?? false;
      return before && inside ? 'before and inside TLS' : before ? 'before TLS' : 'inside TLS';
    };
    const evidence = [
      ...(beforeTls.length > 0 ? [`before TLS: AUTH ${beforeTls.join(' ')}`] : []),
      ...(afterTls && afterTls.length > 0 ? [`inside TLS: AUTH ${afterTls.join(' ')}`] : []),
    ];
    const data = { mechanisms: offered.join(' '), offending: offending.join(' '), offendingList: offending };
    if (offending.length > 0) {
      const places = offending.map((m) => `${m}: offered ${place(m)}`);
      return { status: 'fail', messageId: 'forbidden', data, evidence: [...evidence, ...places] };
    }
    // A submission port whose TLS session we never saw may hide mechanisms we cannot judge.
    if (afterTls === undefined && isSubmission(endpoint)) {
      return cannotJudge(tlsSessionMissingReason(endpoint));
    }
    if (offered.length === 0) return notApplicable('no AUTH mechanism is offered');
    return { status: 'pass', messageId: 'allowed', data, evidence };
  },
});
