/**
 * dnsbl.listed — no mail host address is listed on the configured DNS blocklists (RFC 5782).
 */
import net from 'node:net';
import type { AddressFacts, DnsLookup } from '../../model/dns-artifacts.js';
import { defineDomainCheck } from '../types.js';
import { cannotJudge, notApplicable } from '../util.js';
import {
  addressLabel,
  isDnsblTestEntry,
  isUnanswered,
  mailHostAddresses,
  statusWords,
} from '../dns/common.js';

/** Address facts with the TXT reasons of listing zones (AddressFacts.dnsblTxt). */
type WithReasons = AddressFacts;

/**
 * Answers that are not listings but a refusal by the list operator; Spamhaus documents these
 * (other lists use 127.255.255.0/24 the same way).
 */
const REFUSAL_CODES: Record<string, string> = {
  // the query name was malformed
  '127.255.255.252': 'the query was malformed (typo in the zone name?)',
  // queries through public/open resolvers are refused
  '127.255.255.254': 'the list refuses queries through public or open resolvers',
  // the querying resolver sent too many queries
  '127.255.255.255': 'the resolver exceeded the free query limit',
};

type Answer = { listed: string[] } | { unknown: string } | { clean: true };

/** What one zone said about one address (RFC 5782 §2.1: listed = an A record in 127.0.0.0/8). */
function readAnswer(address: string, zone: string, lookup: DnsLookup<string> | undefined): Answer {
  if (!lookup) return { unknown: `${address} was not looked up in ${zone}` };
  if (isUnanswered(lookup.status)) return { unknown: `${zone}: ${statusWords(lookup.status)}` };
  if (lookup.status !== 'ok') return { clean: true };
  const refusal = lookup.records.find((r) => r in REFUSAL_CODES);
  if (refusal) return { unknown: `${zone} answered ${refusal}: ${REFUSAL_CODES[refusal]}` };
  const odd = lookup.records.find((r) => !(net.isIPv4(r) && r.startsWith('127.')));
  if (odd) {
    return { unknown: `${zone} answered ${odd}, outside 127.0.0.0/8 (a resolver that rewrites NXDOMAIN?)` };
  }
  return { listed: lookup.records };
}

/** The TXT reason(s) of a listing, each record's strings joined. */
function reasonOf(a: WithReasons, zone: string): string {
  const txt = a.dnsblTxt?.[zone];
  if (!txt || txt.status !== 'ok') return 'no TXT reason given';
  return txt.records.map((strings) => strings.join('')).join(' / ');
}

export default defineDomainCheck({
  id: 'dnsbl.listed',
  area: 'dnsbl',
  title: 'Mail host addresses not on DNS blocklists',
  scope: 'domain',
  reference: 'RFC 5782 §2.1',
  requires: ['dns-mx', 'dns-reverse', 'dnsbl'],
  defaultParams: { zones: [] as string[] },
  messages: {
    clean: '{count} mail host address(es) not listed on {zones}',
    listed: 'listed on a DNS blocklist: {listings}',
  },
  remediation: {
    generic:
      'Find out why the address was listed (the TXT reason, the list operator’s lookup page): usually an infected machine, a compromised account, an open relay or backscatter; fix that first, then ask {zone} to remove the address',
    postfix:
      'Look for the source in the queue and logs (`postqueue -p`, `grep sasl_username /var/log/mail.log | sort | uniq -c`), and keep `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination`',
    exim: 'Look for the source with `exiqgrep -f` and in mainlog (A= authenticator lines), and keep `hostlist relay_from_hosts` to your own networks',
    sendmail:
      'Look for the source with `mailq` and in the maillog (AUTH= lines); relay only for `access` entries you trust',
    exchange:
      'Look for the source with Get-MessageTrackingLog -EventId RECEIVE and check that no receive connector allows anonymous relay (Get-ADPermission … ms-Exch-SMTP-Accept-Any-Recipient)',
    opensmtpd:
      'Look for the source in the queue (`smtpctl show queue`) and relay only `from local` or `auth` sessions',
  },
  run({ domain, params }) {
    const zones = params.zones;
    if (zones.length === 0) return notApplicable('no DNSBL zones configured');
    const addresses = mailHostAddresses(domain) as WithReasons[] | undefined;
    if (!addresses) return cannotJudge('DNSBL lookups not gathered (reverse DNS of the mail host addresses)');
    if (addresses.length === 0) return notApplicable('no mail host addresses');

    const evidence: string[] = [];
    const listings: string[] = [];
    const listedZones = new Set<string>();
    const unknown: string[] = [];
    // RFC 5782 §5: a working IPv4 list answers for 127.0.0.2; one that does not is down or retired.
    const test = domain.addresses?.find(isDnsblTestEntry);
    for (const zone of zones) {
      if (!test) continue;
      const answer = readAnswer(test.address, zone, test.dnsbl?.[zone]);
      evidence.push(
        `${zone} test entry 127.0.0.2: ${'listed' in answer ? answer.listed.join(', ') : 'not listed'}`,
      );
      if ('clean' in answer)
        unknown.push(`${zone} does not list its test entry 127.0.0.2, so the zone is not working`);
      else if ('unknown' in answer) unknown.push(answer.unknown);
    }
    for (const a of addresses) {
      for (const zone of zones) {
        const answer = readAnswer(a.address, zone, a.dnsbl?.[zone]);
        if ('listed' in answer) {
          const reason = reasonOf(a, zone);
          listings.push(`${a.address} on ${zone} (${answer.listed.join(', ')}: ${reason})`);
          listedZones.add(zone);
          evidence.push(`${addressLabel(a)} ${zone}: listed ${answer.listed.join(', ')} "${reason}"`);
        } else if ('unknown' in answer) {
          unknown.push(answer.unknown);
          evidence.push(`${addressLabel(a)} ${zone}: ${answer.unknown}`);
        } else {
          evidence.push(`${addressLabel(a)} ${zone}: not listed (${a.dnsbl?.[zone]?.status})`);
        }
      }
    }
    if (listings.length) {
      const data = { listings, zone: [...listedZones].join(', '), zones, unknown };
      return { status: 'fail', messageId: 'listed', data, evidence };
    }
    if (unknown.length) return cannotJudge([...new Set(unknown)].join('; '), evidence);
    return { status: 'pass', messageId: 'clean', data: { count: addresses.length, zones }, evidence };
  },
});
