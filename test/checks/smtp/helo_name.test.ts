import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/smtp/helo_name.js';
import type { EndpointFacts } from '../../../src/model/artifacts.js';
import type { AddressFacts } from '../../../src/model/dns-artifacts.js';
import type { EndpointContext } from '../../../src/checks/types.js';
import { endpoint, hostFacts, NOW, POSTFIX, reply, smtpsEndpoint } from '../../helpers/facts.js';
import { addressFacts, dnsLookup } from '../../helpers/dns-facts.js';
import { renderMessage, renderRemediation } from '../../helpers/render.js';

/** Runs the check with the host's reverse DNS set to `reverse` (undefined: not gathered). */
function run(ep: EndpointFacts, reverse: AddressFacts[] | undefined) {
  const host = { ...hostFacts([ep]), reverse };
  const ctx: EndpointContext<Record<string, never>> = {
    endpoint: ep,
    host,
    params: {},
    now: NOW,
    mta: POSTFIX,
    credentialsGiven: false,
  };
  return check.run(ctx);
}

const confirmed = [addressFacts('127.0.0.1', ['mail.lab.example'])];

describe('smtp.helo_name', () => {
  it('passes when the EHLO name is the forward-confirmed PTR name', () => {
    const f = run(endpoint(), confirmed);
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe(
      'the host calls itself mail.lab.example, the forward-confirmed PTR name of 127.0.0.1',
    );
    expect(f.evidence).toEqual([
      'EHLO reply: mail.lab.example',
      'PTR 1.0.0.127.in-addr.arpa: mail.lab.example',
      'A mail.lab.example: 127.0.0.1',
    ]);
  });

  it('compares names case-insensitively and ignores a trailing dot', () => {
    const ep = endpoint({ ehlo: { ...endpoint().ehlo!, reply: reply(250, 'MAIL.Lab.Example', 'STARTTLS') } });
    expect(run(ep, [addressFacts('127.0.0.1', ['mail.lab.example.'])]).status).toBe('pass');
  });

  it('uses the EHLO reply inside TLS on smtps, and matches IPv6 addresses in any notation', () => {
    const ep = smtpsEndpoint({ address: '::1', family: 6 });
    const rev = [
      addressFacts('0:0:0:0:0:0:0:1', ['mail.lab.example'], {
        forward: [dnsLookup('mail.lab.example', 'AAAA', ['::1'])],
      }),
    ];
    expect(run(ep, rev).status).toBe('pass');
  });

  it('fails when the name differs from the PTR, naming both', () => {
    const f = run(endpoint(), [addressFacts('127.0.0.1', ['dsl-127-0-0-1.isp.example'])]);
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe(
      'the host calls itself mail.lab.example, but the PTR of 127.0.0.1 is dsl-127-0-0-1.isp.example',
    );
    expect(renderRemediation(check, f)[1]).toContain('myhostname');
  });

  it('fails when the PTR name does not resolve back to the address', () => {
    const rev = [
      addressFacts('127.0.0.1', ['mail.lab.example'], {
        forward: [dnsLookup('mail.lab.example', 'A', ['192.0.2.1'])],
      }),
    ];
    const f = run(endpoint(), rev);
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('unconfirmed');
  });

  it('fails when the address has no PTR', () => {
    const f = run(endpoint(), [addressFacts('127.0.0.1', 'NXDOMAIN')]);
    expect(f.status).toBe('fail');
    expect(renderMessage(check, f)).toBe(
      'the host calls itself mail.lab.example, but 127.0.0.1 has no PTR record (NXDOMAIN)',
    );
  });

  it('falls back to the greeting when there is no EHLO reply', () => {
    const ep = endpoint({
      ehlo: undefined,
      greeting: { reply: reply(220, 'other.lab.example ESMTP'), ms: 1 },
    });
    const f = run(ep, confirmed);
    expect(f.status).toBe('fail');
    expect(f.evidence?.[0]).toBe('greeting: other.lab.example');
  });

  it('errors when reverse DNS is missing or unanswered', () => {
    const none = run(endpoint(), undefined);
    expect(none.status).toBe('error');
    expect(renderMessage(check, none)).toBe('reverse DNS not gathered');
    expect(run(endpoint(), [addressFacts('127.0.0.9', ['x.example'])]).status).toBe('error');
    const timeout = run(endpoint(), [addressFacts('127.0.0.1', 'TIMEOUT')]);
    expect(timeout.status).toBe('error');
    expect(renderMessage(check, timeout)).toContain('no answer (timeout)');
  });

  it('errors when the session never got a name from the server', () => {
    const ep = endpoint({
      connect: {
        ok: false,
        failure: { code: 'ECONNREFUSED', message: 'connection refused (127.0.0.1:25)', stage: 'CONNECT' },
      },
      greeting: undefined,
      ehlo: undefined,
    });
    const f = run(ep, confirmed);
    expect(f.status).toBe('error');
    expect(renderMessage(check, f)).toContain('connection refused');
  });
});
