/**
 * smtp.helo_name — the name the host gives (first word of its EHLO reply, else its greeting) is
 * the PTR name of the address we reached, and that PTR name resolves back to the address.
 */
import type { EndpointFacts } from '../../model/artifacts.js';
import { defineEndpointCheck } from '../types.js';
import { cannotJudge, missingReason } from '../util.js';
import {
  forwardConfirms,
  isUnanswered,
  lookupLine,
  normalName,
  sameAddress,
  unansweredReason,
} from '../dns/common.js';
import { firstEhlo, firstWord } from './common.js';

/** The name the server announces: its EHLO (or HELO) reply, or the greeting when there was none. */
function announcedName(ep: EndpointFacts): { name: string; where: string } | undefined {
  const ehlo = firstEhlo(ep);
  if (ehlo && ehlo.reply.code === 250) return { name: firstWord(ehlo.reply), where: `${ehlo.command} reply` };
  if (ep.greeting?.reply.code === 220) return { name: firstWord(ep.greeting.reply), where: 'greeting' };
  return undefined;
}

export default defineEndpointCheck({
  id: 'smtp.helo_name',
  area: 'smtp',
  title: 'Host name matches the forward-confirmed PTR',
  scope: 'endpoint',
  reference: 'RFC 5321 §4.1.4',
  requires: ['smtp', 'dns-reverse'],
  defaultParams: {},
  messages: {
    ok: 'the host calls itself {name}, the forward-confirmed PTR name of {address}',
    mismatch: 'the host calls itself {name}, but the PTR of {address} is {ptr}',
    unconfirmed:
      'the host calls itself {name}, the PTR name of {address}, but {name} does not resolve back to {address}',
    'no-ptr': 'the host calls itself {name}, but {address} has no PTR record ({status})',
  },
  remediation: {
    generic:
      'Make three things agree: the name the MTA announces ({name}), the PTR record of {address}, and that name’s A/AAAA record pointing back to {address}',
    postfix: 'Set `myhostname` to the PTR name (`smtp_helo_name` and `smtpd_banner` follow it by default)',
    exim: 'Set `primary_hostname` to the PTR name (and `helo_data` on the smtp transport if it was changed)',
    sendmail:
      "Set define(`confDOMAIN_NAME', `<PTR name>') so $j, the banner and the HELO name are the PTR name",
    exchange:
      'Set-ReceiveConnector "<connector>" -Fqdn <PTR name> and Set-SendConnector "<connector>" -Fqdn <PTR name>',
    opensmtpd: 'Set `hostname <PTR name>` on `listen on` and `helo <PTR name>` on the relay action',
  },
  run({ endpoint: ep, host }) {
    if (!ep.connect.ok) return cannotJudge(missingReason(ep, 'server name'));
    const announced = announcedName(ep);
    if (!announced) return cannotJudge(missingReason(ep, 'EHLO reply and greeting'));
    if (!host.reverse) return cannotJudge('reverse DNS not gathered');
    const rev = host.reverse.find((r) => sameAddress(r.address, ep.address));
    if (!rev) return cannotJudge(`reverse DNS of ${ep.address} not gathered`);
    const { name } = announced;
    const evidence = [
      `${announced.where}: ${name}`,
      lookupLine(rev.ptr),
      ...rev.forward.map((f) => lookupLine(f)),
    ];
    const data = { name, address: ep.address, ptr: rev.ptr.records, status: rev.ptr.status };
    if (isUnanswered(rev.ptr.status)) return cannotJudge(unansweredReason(rev.ptr), evidence);
    if (rev.ptr.status !== 'ok') return { status: 'fail', messageId: 'no-ptr', data, evidence };
    if (!rev.ptr.records.some((p) => normalName(p) === normalName(name))) {
      return { status: 'fail', messageId: 'mismatch', data, evidence };
    }
    const confirmed = forwardConfirms(rev, name);
    if (confirmed === 'unanswered') {
      return cannotJudge(`forward lookup of ${name} not answered`, evidence);
    }
    return {
      status: confirmed ? 'pass' : 'fail',
      messageId: confirmed ? 'ok' : 'unconfirmed',
      data,
      evidence,
    };
  },
});
