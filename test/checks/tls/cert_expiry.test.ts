import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/cert_expiry.js';
import {
  LAB_CA,
  NOW,
  certificate,
  endpoint,
  failedHandshake,
  runCheck,
  servingChain,
} from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const leaf = (validTo: string, validFrom = '2026-01-01T00:00:00Z') => certificate({ validFrom, validTo });
const intermediate = (validTo: string) =>
  certificate({ subject: 'CN=Lab Issuing CA', commonName: 'Lab Issuing CA', isCA: true, validTo });

describe('tls.cert_expiry', () => {
  it('passes with the days left (NOW is 2026-11-21T12:00Z)', () => {
    const f = runCheck(check, endpoint(servingChain(leaf('2027-01-20T12:00:00Z'), LAB_CA)));
    expect(f.status).toBe('pass');
    expect(f.data?.days).toBe(60);
    expect(renderMessage(check, f)).toBe(
      'the certificate is valid for 60 more days (until 2027-01-20T12:00:00Z)',
    );
    expect(f.evidence?.[0]).toContain('notBefore 2026-01-01T00:00:00Z notAfter 2027-01-20T12:00:00Z');
  });

  it('warns under warnDays, and the threshold is a parameter', () => {
    const ep = endpoint(servingChain(leaf('2026-12-01T12:00:00Z')));
    const f = runCheck(check, ep);
    expect(f.status).toBe('warn');
    expect(renderMessage(check, f)).toBe('the certificate expires in 10 days (2026-12-01T12:00:00Z)');
    expect(runCheck(check, ep, { params: { warnDays: 7 } }).status).toBe('pass');
  });

  it('fails when expired or not yet valid', () => {
    const expired = runCheck(
      check,
      endpoint(servingChain(leaf('2021-01-01T00:00:00Z', '2020-01-01T00:00:00Z'))),
    );
    expect(expired.status).toBe('fail');
    expect(renderMessage(check, expired)).toBe(
      'the certificate expired 2150 days ago (2021-01-01T00:00:00Z)',
    );
    const future = runCheck(
      check,
      endpoint(servingChain(leaf('2046-01-01T00:00:00Z', '2026-12-01T00:00:00Z'))),
    );
    expect(future.status).toBe('fail');
    expect(renderMessage(check, future)).toBe('the certificate is not valid until 2026-12-01T00:00:00Z');
  });

  it('fails on an expired intermediate but ignores an expired trust anchor', () => {
    const f = runCheck(
      check,
      endpoint(servingChain(leaf('2046-01-01T00:00:00Z'), intermediate('2026-06-01T00:00:00Z'))),
    );
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toContain('the intermediate certificate CN=Lab Issuing CA is expired');
    const oldRoot = { ...LAB_CA, validTo: '2025-01-01T00:00:00Z' };
    expect(runCheck(check, endpoint(servingChain(leaf('2046-01-01T00:00:00Z'), oldRoot))).status).toBe(
      'pass',
    );
  });

  it('warns when an intermediate expires within warnDays', () => {
    const f = runCheck(
      check,
      endpoint(servingChain(leaf('2046-01-01T00:00:00Z'), intermediate('2026-11-30T12:00:00Z'))),
    );
    expect(f.status).toBe('warn');
    expect(renderMessage(check, f)).toContain('expires in 9 days');
  });

  it('reports error without a TLS session, a leaf or readable dates', () => {
    expect(runCheck(check, endpoint({ tls: failedHandshake() })).status).toBe('error');
    const noLeaf = runCheck(check, endpoint(servingChain()));
    expect(renderMessage(check, noLeaf)).toBe('server certificate not available');
    const garbled = runCheck(check, endpoint(servingChain(leaf('not a date'))), { now: NOW });
    expect(garbled.status).toBe('error');
    expect(renderMessage(check, garbled)).toContain('cannot be read');
  });
});
