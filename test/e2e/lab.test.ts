/**
 * Acceptance: `mailcheck host 127.0.0.1:PORT --format json` gives the right status for every
 * check on each lab server. The lab is what `mailcheck demo` shows, so this also pins the demo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { REGISTRY } from '../../src/checks/index.js';
import { scanJson, hostFactsOf } from '../helpers/cli.js';
import { COMPLIANT_MX } from '../helpers/expected.js';

/** Expected status per check, per lab server (campus-baseline policy, lab credentials given). */
const EXPECTED: Record<string, Record<string, string>> = {
  'compliant-mx': { ...COMPLIANT_MX },
  'compliant-submission': {
    ...COMPLIANT_MX,
    'tls.required': 'pass',
    'auth.submission': 'pass',
    'auth.mechanisms': 'pass',
    'auth.login': 'pass',
    'auth.required': 'pass', // 530 without AUTH, relays after it
  },
  'compliant-smtps': {
    ...COMPLIANT_MX,
    'tls.starttls': 'skip',
    'tls.implicit': 'pass',
    'tls.required': 'skip',
    'auth.before_tls': 'skip',
    'auth.submission': 'pass',
    'auth.mechanisms': 'pass',
    'auth.login': 'pass',
    'auth.required': 'pass',
  },
  legacy: {
    ...COMPLIANT_MX,
    // PTR legacy.lab.example, but that name resolves elsewhere (no FCrDNS).
    'smtp.helo_name': 'warn',
    'smtp.vrfy': 'warn',
    'smtp.expn': 'warn',
    'tls.required': 'fail',
    'tls.protocols': 'fail',
    'tls.ciphers': 'fail',
    'tls.cert_chain': 'warn',
    'tls.cert_hostname': 'warn',
    'tls.cert_expiry': 'fail',
    'tls.cert_key': 'fail',
    'tls.cert_signature': 'fail',
    'auth.before_tls': 'fail',
    'auth.submission': 'pass',
    'auth.mechanisms': 'warn',
    // Its certificate does not validate: credentials are not sent over TLS that an attacker could fake.
    'auth.login': 'error',
    // An open relay: every one of the 17 forms reaches RCPT 250, without AUTH.
    'relay.open': 'fail',
    'auth.required': 'fail',
  },
  'provider-relay': {
    ...COMPLIANT_MX,
    'tls.required': 'pass',
    'auth.submission': 'pass',
    'auth.mechanisms': 'pass',
    'auth.login': 'pass',
    'auth.required': 'pass',
  },
  // Answers 250 to every RCPT and would refuse foreign mail only after DATA: reported as accepting
  // foreign RCPT, because finding out more would mean sending a message (never done).
  'catch-all': { ...COMPLIANT_MX, 'relay.open': 'fail' },
  'no-starttls': {
    ...COMPLIANT_MX,
    // No PTR at all for its address.
    'smtp.helo_name': 'warn',
    'tls.starttls': 'fail',
    'tls.protocols': 'error',
    'tls.ciphers': 'error',
    'tls.cert_chain': 'error',
    'tls.cert_hostname': 'error',
    'tls.cert_expiry': 'error',
    'tls.cert_key': 'error',
    'tls.cert_signature': 'error',
    // Credentials are refused on a cleartext channel without --allow-plaintext-auth: undetermined, not passed.
    'auth.before_tls': 'fail',
    'auth.mechanisms': 'pass',
    'auth.login': 'error',
  },
};

const EXIT: Record<string, number> = {
  'compliant-mx': 0,
  'compliant-submission': 0,
  'compliant-smtps': 0,
  legacy: 1,
  'no-starttls': 1,
  'provider-relay': 0,
  'catch-all': 1,
};

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});

describe('lab verdicts', () => {
  it('covers every registered check for every lab server', () => {
    for (const name of Object.keys(EXPECTED)) {
      expect(Object.keys(EXPECTED[name]!).sort()).toEqual(
        REGISTRY.filter((c) => c.scope === 'endpoint')
          .map((c) => c.id)
          .sort(),
      );
    }
  });

  it.each(Object.keys(EXPECTED))('%s', async (name) => {
    const s = lab.servers.find((x) => x.name === name)!;
    const flags =
      s.profile === 'smtps'
        ? ['--smtps-port', String(s.port)]
        : s.profile === 'submission'
          ? ['--submission-port', String(s.port)]
          : [];
    const { report, code } = await scanJson(
      [
        'host',
        `${s.host}:${s.port}`,
        ...flags,
        ...[
          '--ca-file',
          lab.caFile,
          '--auth-user',
          lab.credentials.user,
          '--resolver',
          `${lab.dns.host}:${lab.dns.port}`,
        ],
      ],
      { MAILCHECK_AUTH_PASSWORD: lab.credentials.password },
    );
    const got = Object.fromEntries(report.targets[0]!.checks.map((c) => [c.id, c.status]));
    expect(got).toEqual(EXPECTED[name]);
    expect(code).toBe(EXIT[name]);
    // Every failure carries evidence and a fix; every error and skip a reason.
    for (const c of report.targets[0]!.checks) {
      if (c.status === 'fail' || c.status === 'warn') {
        expect(c.evidence.length, c.id).toBeGreaterThan(0);
        expect(c.remediation?.summary, c.id).toBeTruthy();
      }
      if (c.status === 'error' || c.status === 'skip') expect(c.message, c.id).not.toMatch(/\{reason\}|^$/);
    }
  });

  it('records the facts other tools need: capabilities before and after TLS, versions, certificate, AUTH', async () => {
    const s = lab.servers.find((x) => x.name === 'compliant-submission')!;
    const { report } = await scanJson([
      'host',
      `${s.host}:${s.port}`,
      '--submission-port',
      String(s.port),
      '--ca-file',
      lab.caFile,
    ]);
    const ep = hostFactsOf(report).endpoints[0]!;
    expect(ep.ehlo?.capabilities.starttls).toBe(true);
    expect(ep.ehlo?.capabilities.auth).toEqual([]);
    expect(ep.ehloTls?.capabilities.auth).toEqual(['PLAIN', 'LOGIN']);
    expect(ep.tls?.versions.map((v) => `${v.version}:${v.result}`)).toEqual([
      'SSLv3:rejected',
      'TLSv1:rejected',
      'TLSv1.1:rejected',
      'TLSv1.2:accepted',
      'TLSv1.3:accepted',
    ]);
    expect(ep.tls?.handshake?.chain[0]?.commonName).toBe('mail.lab.example');
    expect(ep.tls?.handshake?.validation?.authorized).toBe(true);
    expect(ep.timings.length).toBeGreaterThan(3);
  });
});
