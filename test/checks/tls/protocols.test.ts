import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/tls/protocols.js';
import type { TlsVersionProbe } from '../../../src/model/artifacts.js';
import {
  endpoint,
  failedHandshake,
  probeFailure,
  runCheck,
  tlsFacts,
  withHandshake,
} from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const modern: TlsVersionProbe[] = [
  { version: 'TLSv1.2', result: 'accepted', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' },
  { version: 'TLSv1.3', result: 'accepted', cipher: 'TLS_AES_256_GCM_SHA384', fromMainSession: true },
];
const versions = (...older: TlsVersionProbe[]) => ({ tls: tlsFacts({ versions: [...older, ...modern] }) });

describe('tls.protocols', () => {
  it('passes when only TLS 1.2 and 1.3 are accepted, listing every version', () => {
    const f = runCheck(check, endpoint());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('ok-untestable');
    expect(renderMessage(check, f)).toContain('accepts TLSv1.2, TLSv1.3; nothing older than TLSv1.2');
    expect(renderMessage(check, f)).toContain('SSLv3 not testable here');
    expect(f.evidence).toEqual([
      'SSLv3: not testable (the TLS library cannot offer SSLv3)',
      'TLSv1: rejected (alert protocol version)',
      'TLSv1.1: rejected (alert protocol version)',
      'TLSv1.2: accepted (ECDHE-RSA-AES256-GCM-SHA384)',
      'TLSv1.3: accepted (TLS_AES_256_GCM_SHA384, main session)',
    ]);
  });

  it('passes without a caveat when every older version was tested and rejected', () => {
    const f = runCheck(check, endpoint(versions({ version: 'TLSv1.1', result: 'rejected' })));
    expect(f.messageId).toBe('ok');
  });

  it('fails when TLS 1.0 is accepted, naming it and RFC 8996', () => {
    const ep = endpoint(
      versions(
        { version: 'TLSv1', result: 'accepted', cipher: 'ECDHE-RSA-AES256-SHA' },
        { version: 'TLSv1.1', result: 'rejected', reason: 'alert protocol version' },
      ),
    );
    const f = runCheck(check, ep);
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe(
      'accepts TLSv1, older than TLSv1.2 (TLS 1.0 and 1.1 are deprecated by RFC 8996)',
    );
    expect(f.evidence).toContain('TLSv1: accepted (ECDHE-RSA-AES256-SHA)');
  });

  it('honours a stricter minVersion', () => {
    const f = runCheck(check, endpoint(), { params: { minVersion: 'TLSv1.3' } });
    expect(f.status).toBe('fail');
    expect(f.data?.legacy).toBe('TLSv1.2');
  });

  it('fails when nothing at or above the minimum is accepted', () => {
    const tls = withHandshake(
      { protocol: undefined },
      {
        versions: [
          { version: 'TLSv1.2', result: 'rejected' },
          { version: 'TLSv1.3', result: 'rejected' },
        ],
      },
    );
    const f = runCheck(check, endpoint({ tls }));
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe('accepts no protocol version from TLSv1.2 on');
  });

  it('reports error when an older version could not be determined', () => {
    const ep = endpoint(versions({ version: 'TLSv1.1', result: 'error', reason: 'connection reset' }));
    const f = runCheck(check, ep);
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toBe('could not tell whether TLSv1.1 is accepted: connection reset');
  });

  it('fails rather than errors when another older version is known to be accepted', () => {
    const ep = endpoint(
      versions(
        { version: 'TLSv1', result: 'accepted' },
        { version: 'TLSv1.1', result: 'error', reason: 'timeout' },
      ),
    );
    expect(runCheck(check, ep).status).toBe('fail');
  });

  it('judges a server whose only version is TLS 1.0 even when the main handshake failed', () => {
    const tls = failedHandshake(probeFailure({ message: 'unsupported protocol' }));
    tls.versions = [{ version: 'TLSv1', result: 'accepted', cipher: 'AES256-SHA' }];
    expect(runCheck(check, endpoint({ tls })).status).toBe('fail');
  });

  it('reports error when there is no TLS at all, or no version probes', () => {
    const noTls = runCheck(check, endpoint({ tls: { ...failedHandshake(), versions: [] } }));
    expect(noTls.status).toBe('error');
    expect(renderMessage(check, noTls)).toBe('no TLS session: alert handshake failure');
    const noProbes = runCheck(check, endpoint({ tls: tlsFacts({ versions: [] }) }));
    expect(noProbes.status).toBe('error');
    expect(renderMessage(check, noProbes)).toBe('TLS version probes not available');
  });

  it('reports error on a minVersion that is not a TLS version', () => {
    const f = runCheck(check, endpoint(), { params: { minVersion: 'TLS1.2' as 'TLSv1.2' } });
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('"TLS1.2" is not a TLS version');
  });
});
