import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls_rpt/record.js';
import type { DnsStatus } from '../../../src/model/dns-artifacts.js';
import { dnsLookup, domainFacts, renderDomainMessage, runDomainCheck } from '../../helpers/dns-facts.js';

const NAME = '_smtp._tls.example.edu';

function withTxt(answer: string[] | DnsStatus) {
  return domainFacts({ tlsRpt: dnsLookup<string>(NAME, 'TXT', answer) });
}

describe('tls_rpt.record', () => {
  it('passes one record with a mailto: rua', () => {
    const f = runDomainCheck(check, withTxt(['v=TLSRPTv1; rua=mailto:tls-reports@example.edu']));
    expect(f.status).toBe('pass');
    expect(f.evidence).toEqual([
      '_smtp._tls.example.edu TXT "v=TLSRPTv1; rua=mailto:tls-reports@example.edu"',
    ]);
    expect(renderDomainMessage(check, f)).toBe('TLS reports go to mailto:tls-reports@example.edu');
  });

  it('passes mailto: and https: URIs together, ignoring other TXT records', () => {
    const f = runDomainCheck(
      check,
      withTxt([
        'some-other=record',
        'v=TLSRPTv1;rua=mailto:a@example.edu,https://reports.example.net/tlsrpt',
      ]),
    );
    expect(f.status).toBe('pass');
    expect(f.data?.rua).toEqual(['mailto:a@example.edu', 'https://reports.example.net/tlsrpt']);
    expect(f.evidence).toHaveLength(2);
  });

  it.each(['NXDOMAIN', 'NODATA'] as const)('fails without a record (%s)', (status) => {
    const f = runDomainCheck(check, withTxt(status));
    expect(f.status).toBe('fail');
    expect(f.evidence).toEqual([`_smtp._tls.example.edu TXT: ${status}`]);
    expect(renderDomainMessage(check, f)).toBe(
      `No TLS-RPT record at _smtp._tls.example.edu (${status}); senders cannot report TLS failures to you`,
    );
  });

  it('fails a TXT that is not TLS-RPT (version must come first)', () => {
    const f = runDomainCheck(check, withTxt(['rua=mailto:a@example.edu; v=TLSRPTv1']));
    expect(f.messageId).toBe('missing');
  });

  it('fails two records', () => {
    const f = runDomainCheck(
      check,
      withTxt(['v=TLSRPTv1; rua=mailto:a@example.edu', 'v=TLSRPTv1; rua=mailto:b@example.edu']),
    );
    expect(f.status).toBe('fail');
    expect(renderDomainMessage(check, f)).toContain('2 TLS-RPT records');
  });

  it.each([
    ['v=TLSRPTv1', 'no rua= (where reports go)'],
    ['v=TLSRPTv1; rua=', 'no rua= (where reports go)'],
    ['v=TLSRPTv1; rua=ftp://example.edu/x', '"ftp://example.edu/x" is neither mailto: nor https:'],
    ['v=TLSRPTv1; rua=mailto:nobody', '"mailto:nobody" has no mail address'],
    ['v=TLSRPTv1; rua=tls-reports@example.edu', '"tls-reports@example.edu" is not a URI'],
    ['v=TLSRPTv1; rua=mailto:a@example.edu; junk', '"junk" is not name=value'],
  ])('fails an invalid record: %s', (record, problem) => {
    const f = runDomainCheck(check, withTxt([record]));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('invalid');
    expect(f.data?.problems).toContain(problem);
    expect(renderDomainMessage(check, f)).toContain(problem);
  });

  it('is an error when the lookup is missing or got no answer', () => {
    expect(runDomainCheck(check, domainFacts()).status).toBe('error');
    const f = runDomainCheck(check, withTxt('TIMEOUT'));
    expect(f.status).toBe('error');
    expect(renderDomainMessage(check, f)).toBe('TXT _smtp._tls.example.edu: TIMEOUT');
  });
});
