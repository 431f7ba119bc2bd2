import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/dnsbl/listed.js';
import type { AddressFacts, DnsLookup } from '../../../src/model/dns-artifacts.js';
import {
  addressFacts,
  dnsLookup,
  domainFacts,
  renderDomainMessage,
  runDomainCheck,
} from '../../helpers/dns-facts.js';

const ZONE = 'dnsbl.lab.example';

/** An address looked up in ZONE: `answer` is the A answer (listing codes) or a DNS status. */
function checked(
  address: string,
  answer: string[] | 'NXDOMAIN' | 'SERVFAIL',
  reason?: string[],
): AddressFacts {
  const a = addressFacts(address, ['mx1.example.edu']);
  const name = `${address.split('.').reverse().join('.')}.${ZONE}`;
  const out: AddressFacts & { dnsblTxt?: Record<string, DnsLookup<string[]>> } = {
    ...a,
    dnsbl: { [ZONE]: dnsLookup(name, 'A', answer) },
  };
  if (reason) out.dnsblTxt = { [ZONE]: dnsLookup(name, 'TXT', [reason]) };
  return out;
}

/** The RFC 5782 §5 test entry as the gatherer adds it (no user). */
const testEntry = (answer: string[] | 'NXDOMAIN') => ({ ...checked('127.0.0.2', answer), usedBy: [] });

const run = (addresses: AddressFacts[], zones = [ZONE]) =>
  runDomainCheck(check, domainFacts({ addresses }), { params: { zones } });

describe('dnsbl.listed', () => {
  it('passes when no address is listed', () => {
    const f = run([checked('192.0.2.25', 'NXDOMAIN'), checked('198.51.100.25', 'NXDOMAIN')]);
    expect(f.status).toBe('pass');
    expect(renderDomainMessage(check, f)).toBe('2 mail host address(es) not listed on dnsbl.lab.example');
    expect(f.evidence).toContain('192.0.2.25 (mx1.example.edu) dnsbl.lab.example: not listed (NXDOMAIN)');
  });

  it('fails a listed address with the zone, the answer and the TXT reason', () => {
    const f = run([
      checked('192.0.2.25', 'NXDOMAIN'),
      checked('198.51.100.25', ['127.0.0.2'], ['Listed: see ', 'https://dnsbl.lab.example/198.51.100.25']),
    ]);
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toBe(
      'listed on a DNS blocklist: 198.51.100.25 on dnsbl.lab.example (127.0.0.2: Listed: see https://dnsbl.lab.example/198.51.100.25)',
    );
    expect(f.data?.zone).toBe(ZONE);
  });

  it('fails a listing without a TXT reason', () => {
    const f = run([checked('192.0.2.25', ['127.0.0.4'])]);
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toContain('127.0.0.4: no TXT reason given');
  });

  it('passes when the zone lists its test entry 127.0.0.2, and ignores that entry otherwise', () => {
    const f = run([checked('192.0.2.25', 'NXDOMAIN'), testEntry(['127.0.0.2'])]);
    expect(f.status).toBe('pass');
    expect(f.data?.count).toBe(1);
    expect(f.evidence).toContain('dnsbl.lab.example test entry 127.0.0.2: 127.0.0.2');
  });

  it('errors for a zone that does not list its test entry (not working)', () => {
    const f = run([checked('192.0.2.25', 'NXDOMAIN'), testEntry('NXDOMAIN')]);
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toBe(
      'dnsbl.lab.example does not list its test entry 127.0.0.2, so the zone is not working',
    );
  });

  it('errors on an unanswered lookup, a refusal code and an answer outside 127/8', () => {
    expect(renderDomainMessage(check, run([checked('192.0.2.25', 'SERVFAIL')]))).toContain('SERVFAIL');
    const refused = run([checked('192.0.2.25', ['127.255.255.254'])]);
    expect(refused.status).toBe('error');
    expect(renderDomainMessage(check, refused)).toContain('public or open resolvers');
    const hijack = run([checked('192.0.2.25', ['203.0.113.80'])]);
    expect(hijack.status).toBe('error');
    expect(renderDomainMessage(check, hijack)).toContain('outside 127.0.0.0/8');
  });

  it('errors when the lookups were not gathered', () => {
    expect(renderDomainMessage(check, run([addressFacts('192.0.2.25', ['mx1.example.edu'])]))).toBe(
      '192.0.2.25 was not looked up in dnsbl.lab.example',
    );
    const none = runDomainCheck(check, domainFacts({ addresses: undefined }), { params: { zones: [ZONE] } });
    expect(none.status).toBe('error');
  });

  it('skips without configured zones, and without addresses', () => {
    const f = runDomainCheck(check, domainFacts());
    expect(f.status).toBe('skip');
    expect(renderDomainMessage(check, f)).toBe('no DNSBL zones configured');
    expect(run([]).status).toBe('skip');
  });
});
