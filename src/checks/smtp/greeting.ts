/**
 * smtp.greeting: the 220 greeting starts with the server's fully qualified domain name.
 */
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason, replyLines, replyOneLine } from '../util.js';
import { classifyName, firstWord } from './common.js';

export default defineEndpointCheck({
  id: 'smtp.greeting',
  area: 'smtp',
  title: 'Greeting names the host with a FQDN',
  scope: 'endpoint',
  reference: 'RFC 5321 §4.3.1',
  requires: ['smtp'],
  defaultParams: {},
  messages: {
    fqdn: 'The greeting names the host {name}',
    'address-literal':
      'The greeting gives an address literal {name} instead of a host name (allowed, but a FQDN is expected)',
    placeholder: 'The greeting names {name}, which is not a public host name',
    invalid: 'The greeting does not start with a fully qualified domain name: {shown}',
  },
  remediation: {
    generic: 'Set the name the MTA announces to its public FQDN (the name its PTR record points to)',
    postfix: 'Set `myhostname = mail.example.edu` and keep `smtpd_banner = $myhostname ESMTP`',
    exim: 'Set `primary_hostname = mail.example.edu` (or `smtp_active_hostname`) and start `smtp_banner` with `$smtp_active_hostname`',
    sendmail: "Set `define(`confDOMAIN_NAME', `mail.example.edu')` and start `confSMTP_LOGIN_MSG` with `$j`",
    exchange: 'Set-ReceiveConnector "<connector>" -Fqdn mail.example.edu (and clear any custom -Banner)',
    opensmtpd: 'Add `hostname mail.example.edu` to the `listen on` line, or set it in /etc/mail/mailname',
  },
  run({ endpoint }) {
    const reply = endpoint.greeting?.reply;
    if (!reply) return cannotJudge(missingReason(endpoint, 'greeting'));
    const evidence = replyLines(reply);
    if (reply.code !== 220) return cannotJudge(`no 220 greeting: ${replyOneLine(reply)}`, evidence);
    const name = firstWord(reply);
    const kind = classifyName(name);
    const data = { name, shown: name === '' ? '(nothing after 220)' : name, kind };
    const status = kind === 'fqdn' ? 'pass' : kind === 'invalid' ? 'fail' : 'warn';
    return { status, messageId: kind, data, evidence };
  },
});
