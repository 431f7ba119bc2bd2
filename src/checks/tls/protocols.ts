/**
 * tls.protocols — which protocol versions the server accepts, each probed with its own handshake.
 */
import type { TlsVersion, TlsVersionProbe } from '../../model/artifacts.js';
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import { isTlsVersion, tlsSession, versionRank } from './common.js';

/** One evidence line per version: "TLSv1: accepted (ECDHE-RSA-AES256-SHA)". */
function versionLine(p: TlsVersionProbe): string {
  const label = {
    accepted: 'accepted',
    rejected: 'rejected',
    untestable: 'not testable',
    error: 'could not tell',
  };
  const notes = [
    p.result === 'accepted' ? p.cipher : p.reason,
    p.fromMainSession ? 'main session' : undefined,
  ]
    .filter((n) => n)
    .join(', ');
  return `${p.version}: ${label[p.result]}${notes ? ` (${notes})` : ''}`;
}

export default defineEndpointCheck({
  id: 'tls.protocols',
  area: 'tls',
  title: 'Only current TLS versions accepted',
  scope: 'endpoint',
  reference: 'RFC 8996 §5',
  requires: ['smtp', 'tls-versions'],
  defaultParams: { minVersion: 'TLSv1.2' as TlsVersion },
  messages: {
    ok: 'accepts {accepted}; nothing older than {minVersion}',
    'ok-untestable':
      'accepts {accepted}; nothing older than {minVersion} among the versions tested ({untestable} not testable here)',
    'legacy-accepted':
      'accepts {legacy}, older than {minVersion} (TLS 1.0 and 1.1 are deprecated by RFC 8996)',
    'no-modern': 'accepts no protocol version from {minVersion} on',
    undetermined: 'could not tell whether {undetermined} is accepted: {reason}',
    'bad-param':
      'policy parameter minVersion "{minVersion}" is not a TLS version (SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)',
  },
  remediation: {
    generic: 'Disable SSLv3, TLS 1.0 and TLS 1.1 and enable TLS 1.2 and TLS 1.3',
    postfix:
      'main.cf: smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2 (older Postfix: !SSLv2, !SSLv3, !TLSv1, !TLSv1.1)',
    exim: 'OpenSSL builds: openssl_options = +no_sslv3 +no_tlsv1 +no_tlsv1_1; GnuTLS builds: tls_require_ciphers = NORMAL:-VERS-TLS1.0:-VERS-TLS1.1',
    sendmail:
      "sendmail.mc: define(`confSERVER_SSL_OPTIONS', `+SSL_OP_NO_SSLv3 +SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1')",
    exchange:
      'Disable TLS 1.0 and 1.1 in SCHANNEL: HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server Enabled=0 (same for TLS 1.1), then reboot',
    opensmtpd: 'listen on egress tls pki mail.example.edu protocols "tlsv1.2,tlsv1.3"',
  },
  run({ endpoint: ep, params }) {
    const minVersion = params.minVersion;
    if (!isTlsVersion(minVersion)) {
      return { status: 'error', messageId: 'bad-param', data: { minVersion: String(minVersion) } };
    }
    const session = tlsSession(ep);
    const probes = [...(ep.tls?.versions ?? [])].sort(
      (a, b) => versionRank(a.version) - versionRank(b.version),
    );
    // Without a main session the version probes can still show what the server speaks (e.g. only
    // TLS 1.0); with neither there is no TLS to judge, and tls.starttls/tls.implicit say why.
    if ('reason' in session && !probes.some((p) => p.result === 'accepted')) {
      return cannotJudge(session.reason);
    }
    if (probes.length === 0) return cannotJudge(missingReason(ep, 'TLS version probes'));

    const min = versionRank(minVersion);
    const accepted = new Set(probes.filter((p) => p.result === 'accepted').map((p) => p.version));
    // The main session's handshake is itself proof that its protocol is accepted.
    const mainProtocol = 'handshake' in session ? session.handshake.protocol : undefined;
    if (isTlsVersion(mainProtocol)) accepted.add(mainProtocol);
    const sorted = [...accepted].sort((a, b) => versionRank(a) - versionRank(b));
    const legacy = sorted.filter((v) => versionRank(v) < min);
    const modern = sorted.filter((v) => versionRank(v) >= min);
    const errored = (below: boolean) =>
      probes.filter(
        (p) => p.result === 'error' && !accepted.has(p.version) && versionRank(p.version) < min === below,
      );
    const evidence = probes.map(versionLine);
    if (isTlsVersion(mainProtocol) && !probes.some((p) => p.version === mainProtocol)) {
      evidence.push(`${mainProtocol}: accepted (main session)`);
    }
    const base = { minVersion, accepted: sorted.join(', ') || 'none' };

    if (legacy.length > 0) {
      return {
        status: 'fail',
        messageId: 'legacy-accepted',
        data: { ...base, legacy: legacy.join(', ') },
        evidence,
      };
    }
    const undetermined = errored(true).concat(modern.length === 0 ? errored(false) : []);
    if (undetermined.length > 0) {
      const data = {
        ...base,
        undetermined: undetermined.map((p) => p.version).join(', '),
        reason: undetermined.map((p) => p.reason ?? 'no reason recorded').join('; '),
      };
      return { status: 'error', messageId: 'undetermined', data, evidence };
    }
    if (modern.length === 0) return { status: 'fail', messageId: 'no-modern', data: base, evidence };
    const untestable = probes.filter((p) => p.result === 'untestable' && versionRank(p.version) < min);
    if (untestable.length > 0) {
      const data = { ...base, untestable: untestable.map((p) => p.version).join(', ') };
      return { status: 'pass', messageId: 'ok-untestable', data, evidence };
    }
    return { status: 'pass', messageId: 'ok', data: base, evidence };
  },
});
