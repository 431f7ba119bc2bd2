/**
 * tls.ciphers — the negotiated suite has forward secrecy and AEAD, and no weak suite class is
 * accepted when offered on its own.
 */
import type { TlsHandshakeFacts, WeakCipherProbe } from '../../model/artifacts.js';
import { defineEndpointCheck } from '../types.js';
import type { Finding } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import { sessionLine, tlsSession } from './common.js';

/**
 * Weak-suite classes accepted only at `warn`: legacy but not broken. Any other class (NULL,
 * anonymous, EXPORT, RC4, 3DES, DES ...) accepted is a `fail`.
 */
const LESSER_CLASSES: readonly RegExp[] = [
  /cbc/i, // CBC with SHA-1 MACs on TLS 1.0: the BEAST/Lucky13 era, gone with TLS 1.0 (RFC 8996)
  /static/i, // static RSA key exchange: no forward secrecy, but the cipher itself is sound
];

/** Whether the negotiated suite has forward secrecy and authenticated encryption. */
function judgeSuite(hs: TlsHandshakeFacts): { fs: boolean; aead: boolean } {
  const name = hs.cipher?.name ?? '';
  const iana = hs.cipher?.standardName ?? '';
  // TLS 1.3 suites (TLS_AES_*, TLS_CHACHA20_*) always use (EC)DHE and AEAD (RFC 8446 §1.2).
  if (hs.protocol === 'TLSv1.3' || /^TLS_(AES|CHACHA20)_/.test(name)) return { fs: true, aead: true };
  const fs = /^(ECDHE|DHE|EDH)-/.test(name) || /_(ECDHE|DHE)_/.test(iana) || Boolean(hs.ephemeralKey?.type);
  const aead = /GCM|CHACHA20|CCM/i.test(name) || /GCM|CHACHA20|CCM/i.test(iana);
  return { fs, aead };
}

function probeLine(p: WeakCipherProbe): string {
  switch (p.result) {
    case 'accepted':
      return `${p.name}: accepted${p.cipher ? ` (${p.cipher})` : ''}`;
    case 'rejected':
      return `${p.name}: rejected${p.reason ? ` (${p.reason})` : ''}`;
    case 'untestable':
      return `${p.name}: not testable${p.reason ? ` (${p.reason})` : ''} — not known to be refused`;
    case 'error':
      return `${p.name}: could not tell${p.reason ? ` (${p.reason})` : ''}`;
  }
}

export default defineEndpointCheck({
  id: 'tls.ciphers',
  area: 'tls',
  title: 'Forward-secret AEAD cipher suites, no weak suites',
  scope: 'endpoint',
  reference: 'RFC 9325 §4.1',
  requires: ['smtp', 'tls-weak-ciphers'],
  defaultParams: {},
  messages: {
    ok: 'negotiated {cipher} ({protocol}) has forward secrecy and AEAD; no weak suite class accepted',
    'ok-untestable':
      'negotiated {cipher} ({protocol}) has forward secrecy and AEAD; no weak suite class accepted among those tested ({untestable} not testable here)',
    'negotiated-weak': 'negotiated {cipher} ({protocol}) lacks {lacks}',
    'weak-accepted': 'weak cipher suites accepted: {weak}',
    'negotiated-weak-and-weak-accepted':
      'negotiated {cipher} ({protocol}) lacks {lacks}; weak cipher suites accepted: {weak}',
    'lesser-accepted': 'legacy cipher suites accepted: {lesser}',
    undetermined: 'could not tell whether these weak suite classes are accepted: {undetermined}',
  },
  remediation: {
    generic:
      'Offer only ECDHE/DHE suites with AES-GCM or ChaCha20-Poly1305 (TLS 1.3 suites are all fine) and prefer the server order',
    postfix:
      'main.cf: smtpd_tls_ciphers = high, smtpd_tls_mandatory_ciphers = high, smtpd_tls_exclude_ciphers = aNULL, eNULL, EXPORT, RC4, 3DES, MD5, tls_preempt_cipherlist = yes',
    exim: 'tls_require_ciphers = ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!eNULL (OpenSSL builds)',
    sendmail:
      "sendmail.mc: LOCAL_CONFIG with O CipherList=ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!eNULL and define(`confSERVER_SSL_OPTIONS', `+SSL_OP_CIPHER_SERVER_PREFERENCE')",
    exchange:
      'Disable-TlsCipherSuite for RC4, 3DES, NULL and TLS_RSA_* suites (or set the SSL Cipher Suite Order group policy), then reboot',
    opensmtpd: 'listen on egress tls pki mail.example.edu ciphers "ECDHE+AESGCM:ECDHE+CHACHA20"',
  },
  run({ endpoint: ep }) {
    const session = tlsSession(ep);
    if ('reason' in session) return cannotJudge(session.reason);
    const hs = session.handshake;
    if (!hs.cipher) return cannotJudge(missingReason(ep, 'negotiated cipher suite'));
    const probes = ep.tls?.weakCiphers ?? [];
    const evidence = [sessionLine(hs), ...probes.map(probeLine)];
    const { fs, aead } = judgeSuite(hs);
    const lacks = [fs ? '' : 'forward secrecy', aead ? '' : 'AEAD'].filter((s) => s).join(' and ');
    const data = { cipher: hs.cipher.name, protocol: hs.protocol ?? 'unknown protocol', lacks };

    const found = (
      status: Finding['status'],
      messageId: string,
      extra: Record<string, string> = {},
    ): Finding => ({
      status,
      messageId,
      data: { ...data, ...extra },
      evidence,
    });
    const list = (ps: WeakCipherProbe[]) =>
      ps.map((p) => (p.cipher ? `${p.name} (${p.cipher})` : p.name)).join(', ');
    const accepted = probes.filter((p) => p.result === 'accepted');
    const isLesser = (p: WeakCipherProbe) => LESSER_CLASSES.some((re) => re.test(p.name));
    const weak = list(accepted.filter((p) => !isLesser(p)));
    const lesser = list(accepted.filter(isLesser));
    const undetermined = list(probes.filter((p) => p.result === 'error'));
    const untestable = list(probes.filter((p) => p.result === 'untestable'));

    if (lacks && weak) return found('fail', 'negotiated-weak-and-weak-accepted', { weak });
    if (lacks) return found('fail', 'negotiated-weak');
    if (probes.length === 0) return cannotJudge(missingReason(ep, 'weak cipher suite probes'), evidence);
    if (weak) return found('fail', 'weak-accepted', { weak });
    if (undetermined) return found('error', 'undetermined', { undetermined });
    if (lesser) return found('warn', 'lesser-accepted', { lesser });
    if (untestable) return found('pass', 'ok-untestable', { untestable });
    return found('pass', 'ok');
  },
});
