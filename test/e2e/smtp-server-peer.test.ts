/**
 * Somebody else's SMTP implementation (nodemailer's smtp-server) as the peer: the probes must
 * read it as an administrator would, not just our own scripted server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { labCertPath } from '../../src/lab/lab.js';
import { scanJson, hostFactsOf } from '../helpers/cli.js';
import { startSmtpServerPeer, type SmtpServerPeer } from '../helpers/smtp-server-peer.js';

let peer: SmtpServerPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

const statuses = (checks: { id: string; status: string }[], ids: string[]) =>
  Object.fromEntries(ids.map((id) => [id, checks.find((c) => c.id === id)?.status]));

describe('smtp-server peer', () => {
  it('a submission service that requires AUTH for mail, and advertises AUTH before TLS', async () => {
    peer = await startSmtpServerPeer({ authOptional: false, users: { alice: 'pw-alice-1' } });
    const { report, code } = await scanJson(
      [
        'host',
        `127.0.0.1:${peer.port}`,
        '--submission-port',
        String(peer.port),
        '--ca-file',
        labCertPath('ca.pem'),
        '--auth-user',
        'alice',
      ],
      { MAILCHECK_AUTH_PASSWORD: 'pw-alice-1' },
    );
    const checks = report.targets[0]!.checks;
    expect(
      statuses(checks, [
        'smtp.connect',
        'smtp.ehlo',
        'tls.starttls',
        'tls.protocols',
        'tls.cert_chain',
        'auth.before_tls',
        'auth.submission',
        'auth.login',
      ]),
    ).toEqual({
      'smtp.connect': 'pass',
      'smtp.ehlo': 'pass',
      'tls.starttls': 'pass',
      'tls.protocols': 'pass',
      'tls.cert_chain': 'pass',
      // smtp-server advertises AUTH in cleartext and only refuses it (538) when used. That is still
      // a failure: a client sending AUTH PLAIN with an initial response has sent the password by then.
      'auth.before_tls': 'fail',
      'auth.submission': 'pass',
      'auth.login': 'pass',
    });
    const ep = hostFactsOf(report).endpoints[0]!;
    expect(ep.ehlo?.capabilities.auth).toEqual(['PLAIN', 'LOGIN']);
    expect(ep.ehloTls?.capabilities.auth).toEqual(expect.arrayContaining(['PLAIN', 'LOGIN']));
    // smtp-server asks for AUTH, not TLS, before MAIL: that is not the "TLS required" answer.
    expect(ep.mailBeforeTls?.reply.code).toBe(530);
    expect(code).toBe(1);
  });

  it('a server that offers AUTH in cleartext fails auth.before_tls; a wrong password fails auth.login', async () => {
    peer = await startSmtpServerPeer({ allowInsecureAuth: true, users: { alice: 'right' } });
    const { report, code } = await scanJson(
      [
        'host',
        `127.0.0.1:${peer.port}`,
        '--submission-port',
        String(peer.port),
        '--ca-file',
        labCertPath('ca.pem'),
        '--auth-user',
        'alice',
      ],
      { MAILCHECK_AUTH_PASSWORD: 'wrong' },
    );
    const checks = report.targets[0]!.checks;
    expect(statuses(checks, ['auth.before_tls', 'auth.login'])).toEqual({
      'auth.before_tls': 'fail',
      'auth.login': 'fail',
    });
    expect(checks.find((c) => c.id === 'auth.login')?.evidence.join('\n')).toMatch(/535/);
    expect(code).toBe(1);
  });

  it('implicit TLS on a 465-style port', async () => {
    peer = await startSmtpServerPeer({ secure: true });
    const { report } = await scanJson([
      'host',
      `127.0.0.1:${peer.port}`,
      '--smtps-port',
      String(peer.port),
      '--ca-file',
      labCertPath('ca.pem'),
    ]);
    expect(
      statuses(report.targets[0]!.checks, ['tls.implicit', 'tls.starttls', 'tls.cert_hostname']),
    ).toEqual({
      'tls.implicit': 'pass',
      'tls.starttls': 'skip',
      'tls.cert_hostname': 'pass',
    });
  });
});
