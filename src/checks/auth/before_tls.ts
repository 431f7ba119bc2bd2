/**
 * auth.before_tls: no AUTH mechanism is advertised on a cleartext session, so that no client is
 * invited to send a password an eavesdropper could read.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason, notApplicable, replyLines } from '../util.js';
import { PASSWORD_MECHANISMS, authLines } from './common.js';

export default defineEndpointCheck({
  id: 'auth.before_tls',
  area: 'auth',
  title: 'No AUTH before TLS',
  scope: 'endpoint',
  reference: 'RFC 8314 §3',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    none: 'No AUTH mechanism is advertised before TLS',
    advertised: 'AUTH {mechanisms} is advertised on the cleartext session, before TLS',
    'advertised-password':
      'AUTH {mechanisms} is advertised on the cleartext session; with {passwordMechanisms} the password crosses the network readable to anyone on the path',
  },
  remediation: {
    generic: 'Advertise and accept AUTH only after STARTTLS has succeeded',
    postfix: 'Set `smtpd_tls_auth_only = yes`',
    exim: 'Set `auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}` (or `server_advertise_condition = ${if def:tls_in_cipher}` in each authenticator)',
    sendmail: "Set `define(`confAUTH_OPTIONS', `p,y')` so PLAIN and LOGIN need TLS first",
    exchange:
      'Set-ReceiveConnector "<connector>" -AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS (drop Integrated where NTLM is offered in clear)',
    opensmtpd: 'Use `listen on ... tls-require pki <name> auth` so AUTH is only offered inside TLS',
  },
  run({ endpoint }) {
    if (endpoint.profile === 'smtps') return notApplicable('implicit TLS: there is no cleartext session');
    const ehlo = endpoint.ehlo;
    if (!ehlo) return cannotJudge(missingReason(endpoint, 'EHLO reply'));
    const mechs = ehlo.capabilities.auth;
    if (mechs.length === 0) return { status: 'pass', messageId: 'none', evidence: [] };
    const lines = authLines(replyLines(ehlo.reply));
    const evidence = lines.length > 0 ? lines : [`AUTH ${mechs.join(' ')}`];
    const password = mechs.filter((m) => PASSWORD_MECHANISMS.includes(m));
    const data = {
      mechanisms: mechs.join(' '),
      passwordMechanisms: password.join(' and '),
      mechanismList: mechs,
    };
    const messageId = password.length > 0 ? 'advertised-password' : 'advertised';
    return { status: 'fail', messageId, data, evidence };
  },
});
