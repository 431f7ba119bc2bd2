/**
 * smtp.mta: which MTA answers, from its greeting and EHLO (informational; a disclosed version
 * number is a warn when the policy asks for it, as campus-strict does).
 */
import { identifyMta } from '../mta.js';
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';

export interface MtaParams {
  /** What a version number in the greeting or EHLO is: just reported, or a warning. */
  versionDisclosure: 'info' | 'warn';
}

export default defineEndpointCheck<MtaParams>({
  id: 'smtp.mta',
  area: 'smtp',
  title: 'MTA identification and version disclosure',
  scope: 'endpoint',
  reference: 'RFC 5321 §7.5',
  requires: ['smtp'],
  defaultParams: { versionDisclosure: 'info' },
  messages: {
    identified: 'The MTA looks like {product}',
    'version-disclosed': 'The MTA looks like {product}; its version {version} is disclosed to every client',
    unknown: 'The MTA could not be identified from its greeting or EHLO reply',
  },
  remediation: {
    generic: 'Leave the software version out of the greeting banner',
    postfix: 'Set `smtpd_banner = $myhostname ESMTP` (no `$mail_version`)',
    exim: 'Set `smtp_banner = $smtp_active_hostname ESMTP` (the default adds `$version_number` and the date)',
    sendmail: "Set `define(`confSMTP_LOGIN_MSG', `$j ESMTP')`",
    exchange: 'Set-ReceiveConnector "<connector>" -Banner "220 mail.example.edu ESMTP"',
  },
  run({ endpoint, params }) {
    if (!endpoint.greeting && !endpoint.ehlo && !endpoint.ehloTls) {
      return cannotJudge(missingReason(endpoint, 'greeting'));
    }
    const mta = identifyMta(endpoint);
    const evidence = mta.evidence ? [mta.evidence] : [];
    const data = { name: mta.name, product: mta.product, version: mta.version };
    if (mta.name === 'unknown' && mta.product === 'unknown') {
      return { status: 'info', messageId: 'unknown', data, evidence };
    }
    if (mta.version) {
      const status = params.versionDisclosure === 'warn' ? 'warn' : 'info';
      return { status, messageId: 'version-disclosed', data, evidence };
    }
    return { status: 'info', messageId: 'identified', data, evidence };
  },
});
