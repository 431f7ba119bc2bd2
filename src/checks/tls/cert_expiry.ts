/**
 * tls.cert_expiry — days left until the server certificate expires; expired or not-yet-valid
 * leaf and intermediate certificates fail.
 */
import type { CertificateFacts } from '../../model/artifacts.js';
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import { certName, chainLines, sentCertificates, tlsSession } from './common.js';

const DAY_MS = 86_400_000;

/** Whole days from `now` to `iso` (negative once passed); NaN when the date cannot be read. */
function daysUntil(iso: string, now: Date): number {
  return Math.floor((Date.parse(iso) - now.getTime()) / DAY_MS);
}

function isoOf(date: string): string {
  const t = Date.parse(date);
  return Number.isNaN(t) ? date : new Date(t).toISOString().replace('.000Z', 'Z');
}

export default defineEndpointCheck({
  id: 'tls.cert_expiry',
  area: 'tls',
  title: 'Certificate not expired or expiring soon',
  scope: 'endpoint',
  reference: 'RFC 5280 §4.1.2.5',
  requires: ['smtp'],
  defaultParams: { warnDays: 21 },
  messages: {
    ok: 'the certificate is valid for {days} more days (until {validTo})',
    expiring: 'the certificate expires in {days} days ({validTo})',
    expired: 'the certificate expired {daysAgo} days ago ({validTo})',
    'not-yet-valid': 'the certificate is not valid until {validFrom}',
    'intermediate-invalid':
      'the intermediate certificate {cert} is expired or not yet valid ({validFrom} to {validTo})',
    'intermediate-expiring':
      'the intermediate certificate {cert} expires in {intermediateDays} days ({validTo})',
    unreadable: 'the validity dates of {cert} cannot be read ({validFrom} to {validTo})',
  },
  remediation: {
    generic: 'Renew the certificate (automate it, e.g. with an ACME client) and reload the MTA',
    postfix: 'Install the renewed chain in smtpd_tls_chain_files and run postfix reload',
    exim: 'Replace the files named by tls_certificate and tls_privatekey, then reload Exim',
    sendmail: 'Replace the files named by confSERVER_CERT and confSERVER_KEY, then restart sendmail',
    exchange:
      'Import-ExchangeCertificate the renewed certificate, then Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP',
    opensmtpd: 'Replace the file named in the pki ... cert line, then rcctl restart smtpd',
  },
  run({ endpoint: ep, params, now }) {
    const session = tlsSession(ep);
    if ('reason' in session) return cannotJudge(session.reason);
    const chain = session.handshake.chain;
    const leaf = chain[0];
    if (!leaf) return cannotJudge(missingReason(ep, 'server certificate'));
    const evidence = chainLines(chain, (c) => `notBefore ${isoOf(c.validFrom)} notAfter ${isoOf(c.validTo)}`);
    const about = (c: CertificateFacts) => ({
      cert: certName(c),
      validFrom: isoOf(c.validFrom),
      validTo: isoOf(c.validTo),
    });

    const sent = sentCertificates(chain);
    const unreadable = sent.find(
      (c) => Number.isNaN(Date.parse(c.validFrom)) || Number.isNaN(Date.parse(c.validTo)),
    );
    if (unreadable) return { status: 'error', messageId: 'unreadable', data: about(unreadable), evidence };

    const days = daysUntil(leaf.validTo, now);
    const leafData = { ...about(leaf), days };
    if (Date.parse(leaf.validTo) <= now.getTime()) {
      return {
        status: 'fail',
        messageId: 'expired',
        data: { ...leafData, daysAgo: Math.floor((now.getTime() - Date.parse(leaf.validTo)) / DAY_MS) },
        evidence,
      };
    }
    if (Date.parse(leaf.validFrom) > now.getTime()) {
      return { status: 'fail', messageId: 'not-yet-valid', data: leafData, evidence };
    }
    // Trust anchors are left out: an expired root the client already trusts is the client's business.
    const intermediates = sent.slice(1);
    const invalid = intermediates.find(
      (c) => Date.parse(c.validTo) <= now.getTime() || Date.parse(c.validFrom) > now.getTime(),
    );
    if (invalid) {
      return {
        status: 'fail',
        messageId: 'intermediate-invalid',
        data: { ...about(invalid), days },
        evidence,
      };
    }
    if (days < params.warnDays) return { status: 'warn', messageId: 'expiring', data: leafData, evidence };
    const soon = intermediates.find((c) => daysUntil(c.validTo, now) < params.warnDays);
    if (soon) {
      const data = { ...about(soon), days, intermediateDays: daysUntil(soon.validTo, now) };
      return { status: 'warn', messageId: 'intermediate-expiring', data, evidence };
    }
    return { status: 'pass', messageId: 'ok', data: leafData, evidence };
  },
});
