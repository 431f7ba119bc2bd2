import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/mta_sts/policy.js';
import { mxMatches, parseStsRecord } from '../../../src/checks/mta_sts/common.js';
import { parseMtaStsPolicy } from '../../../src/probe/dns/mta-sts.js';
import type { MtaStsFacts } from '../../../src/model/dns-artifacts.js';
import {
  dnsLookup,
  domainFacts,
  mxFacts,
  mxFailed,
  mxHost,
  nullMxFacts,
  renderDomainMessage,
  runDomainCheck,
} from '../../helpers/dns-facts.js';

const TXT_NAME = '_mta-sts.example.edu';
const URL = 'https://mta-sts.example.edu/.well-known/mta-sts.txt';

function policyBody(over: { mode?: string; maxAge?: number; mx?: string[] } = {}): string {
  const mx = over.mx ?? ['mx1.example.edu', 'mx2.example.edu'];
  return [
    'version: STSv1',
    `mode: ${over.mode ?? 'enforce'}`,
    ...mx.map((m) => `mx: ${m}`),
    `max_age: ${over.maxAge ?? 604800}`,
    '',
  ].join('\r\n');
}

/** MTA-STS facts as the gatherer records them for a good fetch of `body`, with overrides. */
function sts(
  body = policyBody(),
  over: Partial<MtaStsFacts> = {},
  fetch: Partial<NonNullable<MtaStsFacts['fetch']>> = {},
): MtaStsFacts {
  return {
    txt: dnsLookup(TXT_NAME, 'TXT', ['v=STSv1; id=2026112101']),
    fetch: {
      url: URL,
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body,
      certificate: {
        subject: 'CN=mta-sts.example.edu',
        issuer: 'O=Example CA, CN=Example CA R1',
        validTo: '2027-02-01T00:00:00.000Z',
        authorized: true,
      },
      ...fetch,
    },
    policy: parseMtaStsPolicy(body),
    ...over,
  };
}

describe('mta_sts.policy', () => {
  it('passes an enforced policy that covers every MX', () => {
    const f = runDomainCheck(check, domainFacts({ mtaSts: sts() }));
    expect(f.status).toBe('pass');
    expect(f.evidence).toEqual([
      '_mta-sts.example.edu TXT "v=STSv1; id=2026112101"',
      `GET ${URL} → HTTP 200, Content-Type: text/plain; charset=utf-8`,
      'certificate: subject CN=mta-sts.example.edu; issuer O=Example CA, CN=Example CA R1; notAfter 2027-02-01T00:00:00.000Z; valid',
      'policy: version: STSv1',
      'policy: mode: enforce',
      'policy: mx: mx1.example.edu',
      'policy: mx: mx2.example.edu',
      'policy: max_age: 604800',
      'MX mx1.example.edu: matches mx: mx1.example.edu',
      'MX mx2.example.edu: matches mx: mx2.example.edu',
    ]);
    expect(renderDomainMessage(check, f)).toBe(
      'MTA-STS policy 2026112101 enforces TLS for every MX (max_age 604800 s)',
    );
  });

  it('matches a wildcard pattern against exactly one label', () => {
    const f = runDomainCheck(check, domainFacts({ mtaSts: sts(policyBody({ mx: ['*.example.edu'] })) }));
    expect(f.status).toBe('pass');
    const deeper = domainFacts({
      mx: mxFacts('example.edu', [mxHost('a.mx.example.edu')]),
      mtaSts: sts(policyBody({ mx: ['*.example.edu'] })),
    });
    const g = runDomainCheck(check, deeper);
    expect(g.status).toBe('fail');
    expect(g.data?.problems).toEqual(['MX not covered by any mx: pattern: a.mx.example.edu']);
  });

  it('fails when an MX is not covered', () => {
    const f = runDomainCheck(check, domainFacts({ mtaSts: sts(policyBody({ mx: ['mx1.example.edu'] })) }));
    expect(f.status).toBe('fail');
    expect(f.evidence).toContain('MX mx2.example.edu: matches no mx: pattern');
    expect(renderDomainMessage(check, f)).toBe(
      'MTA-STS policy problems: MX not covered by any mx: pattern: mx2.example.edu',
    );
  });

  it('warns on testing mode and a short max_age', () => {
    const f = runDomainCheck(
      check,
      domainFacts({ mtaSts: sts(policyBody({ mode: 'testing', maxAge: 3600 })) }),
    );
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('weak');
    expect(f.data?.problems).toEqual([
      'mode testing (failures are only reported, not enforced)',
      'max_age 3600 s is under 86400 s (RFC 8461 §3.2 suggests weeks)',
    ]);
    renderDomainMessage(check, f);
  });

  it('fails mode none', () => {
    const f = runDomainCheck(check, domainFacts({ mtaSts: sts(policyBody({ mode: 'none', mx: [] })) }));
    expect(f.status).toBe('fail');
    expect(String(f.data?.problems)).toContain('mode none');
  });

  it('fails a policy that does not parse, listing every error', () => {
    const body = 'mode: enforce\nmx: mx1.example.edu\nmx: mx2.example.edu\nmax_age: 1e6\n';
    const f = runDomainCheck(check, domainFacts({ mtaSts: sts(body) }));
    expect(f.status).toBe('fail');
    expect(f.data?.problems).toEqual([
      'Invalid version field (invalid_sts_version)',
      'max_age "1e6" is not a number of seconds',
    ]);
  });

  it.each([
    [
      'NXDOMAIN',
      dnsLookup<string>(TXT_NAME, 'TXT', 'NXDOMAIN'),
      'No MTA-STS record at _mta-sts.example.edu (NXDOMAIN)',
    ],
    [
      'a TXT that is not STS',
      dnsLookup(TXT_NAME, 'TXT', ['google-site-verification=x']),
      'No MTA-STS record',
    ],
  ])('fails without a record: %s', (_name, txt, message) => {
    const f = runDomainCheck(check, domainFacts({ mtaSts: { txt } }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('noRecord');
    expect(renderDomainMessage(check, f)).toContain(message);
  });

  it('fails two STS records and an invalid id', () => {
    const two = dnsLookup(TXT_NAME, 'TXT', ['v=STSv1; id=1', 'v=STSv1; id=2']);
    const f = runDomainCheck(check, domainFacts({ mtaSts: { txt: two } }));
    expect(f.messageId).toBe('multipleRecords');
    expect(renderDomainMessage(check, f)).toContain('2 MTA-STS records');
    const bad = dnsLookup(TXT_NAME, 'TXT', ['v=STSv1; id=2026-11-21']);
    const g = runDomainCheck(check, domainFacts({ mtaSts: { txt: bad } }));
    expect(g.status).toBe('fail');
    expect(renderDomainMessage(check, g)).toBe(
      'The MTA-STS record at _mta-sts.example.edu is not valid: id "2026-11-21" is not 1 to 32 letters and digits',
    );
  });

  it.each([
    ['HTTP 404', { status: 404, body: 'not found' }, 'HTTP status 404 (must be 200)'],
    ['wrong content type', { contentType: 'text/html' }, 'Content-Type text/html (must be text/plain)'],
    [
      'a redirect',
      {
        status: 301,
        redirected: true,
        body: undefined,
        error: 'HTTP 301 redirect to https://x/ not followed (RFC 8461 §3.3)',
      },
      'HTTP 301 redirect to https://x/ not followed',
    ],
    [
      'an invalid certificate',
      {
        status: undefined,
        body: undefined,
        contentType: undefined,
        error: 'certificate not valid for mta-sts.example.edu: ERR_TLS_CERT_ALTNAME_INVALID',
        certificate: {
          subject: 'CN=www.example.edu',
          issuer: 'CN=CA',
          validTo: '2027-01-01T00:00:00.000Z',
          authorized: false,
          authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID',
        },
      },
      'certificate not valid for mta-sts.example.edu',
    ],
  ])('fails when the fetch gave no usable policy: %s', (_name, fetch, reason) => {
    const f = runDomainCheck(check, domainFacts({ mtaSts: sts(policyBody(), { policy: undefined }, fetch) }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('fetchFailed');
    expect(renderDomainMessage(check, f)).toBe(
      `The MTA-STS policy at ${URL} cannot be used: ${f.data?.reason}`,
    );
    expect(String(f.data?.reason)).toContain(reason);
  });

  it('shows an invalid certificate in evidence', () => {
    const fetch = {
      status: undefined,
      body: undefined,
      error: 'certificate not valid for mta-sts.example.edu: SELF_SIGNED_CERT_IN_CHAIN',
      certificate: {
        subject: 'CN=a',
        issuer: 'CN=a',
        validTo: '2027-01-01T00:00:00.000Z',
        authorized: false,
        authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN',
      },
    };
    const f = runDomainCheck(check, domainFacts({ mtaSts: sts(policyBody(), { policy: undefined }, fetch) }));
    expect(f.evidence).toContain(
      'certificate: subject CN=a; issuer CN=a; notAfter 2027-01-01T00:00:00.000Z; NOT valid (SELF_SIGNED_CERT_IN_CHAIN)',
    );
  });

  it('needs no MX coverage for a null MX domain', () => {
    const f = runDomainCheck(check, domainFacts({ mx: nullMxFacts('example.edu'), mtaSts: sts() }));
    expect(f.status).toBe('pass');
    expect(f.evidence).toContain('MX: none to cover (null MX)');
  });

  it.each([
    ['facts missing', domainFacts(), 'MTA-STS was not looked up'],
    [
      'TXT SERVFAIL',
      domainFacts({ mtaSts: { txt: dnsLookup<string>(TXT_NAME, 'TXT', 'SERVFAIL') } }),
      'TXT _mta-sts.example.edu: SERVFAIL',
    ],
    [
      'no fetch recorded',
      domainFacts({ mtaSts: { txt: dnsLookup(TXT_NAME, 'TXT', ['v=STSv1; id=1']) } }),
      'not fetched',
    ],
    ['MX not looked up', domainFacts({ mx: undefined, mtaSts: sts() }), 'MX records were not looked up'],
    [
      'MX TIMEOUT',
      domainFacts({ mx: mxFailed('example.edu', 'TIMEOUT'), mtaSts: sts() }),
      'MX example.edu: TIMEOUT',
    ],
  ])('is an error when facts are missing: %s', (_name, facts, reason) => {
    const f = runDomainCheck(check, facts);
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toContain(reason);
  });
});

describe('MTA-STS helpers', () => {
  it('matches MX patterns as RFC 8461 §4.1 says', () => {
    expect(mxMatches('mx1.example.edu', 'MX1.Example.EDU.')).toBe(true);
    expect(mxMatches('*.example.edu', 'mx1.example.edu')).toBe(true);
    expect(mxMatches('*.example.edu', 'example.edu')).toBe(false);
    expect(mxMatches('*.example.edu', 'a.b.example.edu')).toBe(false);
    expect(mxMatches('*.example.edu', 'mx1.otherexample.edu')).toBe(false);
  });

  it('parses the TXT record', () => {
    expect(parseStsRecord('v=STSv1; id=20261121T01;')).toEqual({ id: '20261121T01', errors: [] });
    expect(parseStsRecord('v=STSv1').errors).toEqual(['no id= field']);
    expect(parseStsRecord('v=STSv1; id=a; id=b').errors).toEqual(['id= appears twice']);
  });

  it('parses policies with mailauth and adds what it lets pass', () => {
    expect(parseMtaStsPolicy(policyBody())).toEqual({
      mode: 'enforce',
      maxAge: 604800,
      mx: ['mx1.example.edu', 'mx2.example.edu'],
      errors: [],
    });
    expect(parseMtaStsPolicy('version: STSv1\nmx: a.example\nmax_age: 86400\n').errors).toEqual([
      'mode field missing',
    ]);
    expect(
      parseMtaStsPolicy('version: STSv1\nmode: enforce\nmx: bad_host!\nmax_age: 86400\n').errors,
    ).toEqual(['mx pattern "bad_host!" is not a host name or *.domain']);
    expect(
      parseMtaStsPolicy('version: STSv1\nmode: testing\nmode: enforce\nmx: a.example\nmax_age: 86400').errors,
    ).toEqual(['mode field repeated']);
  });
});

describe('mta_sts.policy when the policy host does not resolve', () => {
  it('is an error when the address lookups went unanswered, a fail when the host has no address', async () => {
    const { runDomainCheck, domainFacts, dnsLookup } = await import('../../helpers/dns-facts.js');
    const sts = (a: 'TIMEOUT' | 'NXDOMAIN'): MtaStsFacts => ({
      txt: dnsLookup<string>('_mta-sts.example.edu', 'TXT', ['v=STSv1; id=20261121']),
      fetch: {
        url: 'https://mta-sts.example.edu/.well-known/mta-sts.txt',
        error: `mta-sts.example.edu has no address (A ${a}, AAAA ${a})`,
        addressLookup: { a, aaaa: a },
      },
    });
    expect(runDomainCheck(check, domainFacts({ mtaSts: sts('TIMEOUT') })).status).toBe('error');
    expect(runDomainCheck(check, domainFacts({ mtaSts: sts('NXDOMAIN') })).status).toBe('fail');
  });
});
