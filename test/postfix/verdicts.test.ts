/**
 * A real MTA: mailcheck's verdicts against private Postfix instances (test/helpers/postfix.ts),
 * one compliant and one legacy, on both of their listeners. Under CI (CI=true) Postfix must be
 * installed (.ci/run does it) and these tests run; elsewhere they skip with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCertPath } from '../../src/lab/lab.js';
import { REGISTRY } from '../../src/checks/index.js';
import { scanJson, hostFactsOf } from '../helpers/cli.js';
import { COMPLIANT_MX } from '../helpers/expected.js';
import { postfixAvailable, startPostfix, type PostfixInstance } from '../helpers/postfix.js';

const available = postfixAvailable();
const mustRun = process.env.CI === 'true';

const ALL_PASS_SMTP: Record<string, string> = {
  ...COMPLIANT_MX,
  // The instances listen on 127.0.0.1, whose PTR in the lab zones is mx1.good.example, not their
  // myhostname: a real mismatch, reported at the baseline's warn severity.
  'smtp.helo_name': 'warn',
};

/** What the legacy instance gets wrong, on either listener. */
const LEGACY_FAULTS: Record<string, string> = {
  'smtp.vrfy': 'warn', // postmaster 252, unknown 550
  'tls.protocols': 'fail', // TLS 1.0 and 1.1 accepted
  'tls.cert_chain': 'warn', // expired, self-signed
  'tls.cert_hostname': 'warn', // legacy.lab.example, probed as 127.0.0.1
  'tls.cert_expiry': 'fail',
  'tls.cert_key': 'fail', // RSA 1024
  'tls.cert_signature': 'fail', // SHA-1
  'auth.before_tls': 'fail', // smtpd_tls_auth_only = no
  'auth.mechanisms': 'warn', // CRAM-MD5
  'auth.login': 'error', // weak.pem does not validate: credentials are refused
};

const EXPECTED: Record<string, Record<string, Record<string, string>>> = {
  compliant: {
    smtp: ALL_PASS_SMTP,
    submission: {
      ...ALL_PASS_SMTP,
      'tls.required': 'pass', // smtpd_tls_security_level = encrypt: 530 before STARTTLS
      'auth.submission': 'pass',
      'auth.mechanisms': 'pass',
      'auth.login': 'pass',
      'auth.required': 'pass', // permit_sasl_authenticated, reject: relays only after AUTH
    },
  },
  legacy: {
    smtp: { ...ALL_PASS_SMTP, ...LEGACY_FAULTS },
    submission: {
      ...ALL_PASS_SMTP,
      ...LEGACY_FAULTS,
      'tls.required': 'fail',
      'auth.submission': 'pass',
      // Refuses strangers; the authenticated half is not tried (the expired certificate blocks the login).
      'auth.required': 'pass',
    },
  },
};

describe.skipIf(!available.ok && !mustRun)(
  `real Postfix${available.ok ? '' : ` (skipped: ${available.reason})`}`,
  () => {
    it('is installed when running under CI', () => {
      expect(available.ok, available.reason).toBe(true);
    });

    const instances: Partial<Record<'compliant' | 'legacy', PostfixInstance>> = {};
    beforeAll(async () => {
      if (!available.ok) return;
      const [c, l] = await Promise.all([startPostfix('compliant'), startPostfix('legacy')]);
      instances.compliant = c;
      instances.legacy = l;
    }, 60_000);
    afterAll(async () => {
      await Promise.all(Object.values(instances).map((i) => i?.stop()));
    });

    it('every registered check has an expectation', () => {
      for (const byPort of Object.values(EXPECTED)) {
        for (const expected of Object.values(byPort)) {
          expect(Object.keys(expected).sort()).toEqual(
            REGISTRY.filter((c) => c.scope === 'endpoint')
              .map((c) => c.id)
              .sort(),
          );
        }
      }
    });

    describe.each(['compliant', 'legacy'] as const)('%s', (profile) => {
      it.each(['smtp', 'submission'] as const)('%s listener', async (listener) => {
        const pf = instances[profile]!;
        const port = pf.ports[listener];
        const flags = listener === 'submission' ? ['--submission-port', String(port)] : [];
        const { report, code, stdout } = await scanJson(
          [
            'host',
            `127.0.0.1:${port}`,
            ...flags,
            '--ca-file',
            labCertPath('ca.pem'),
            '--auth-user',
            pf.user,
            '--transcript',
          ],
          { MAILCHECK_AUTH_PASSWORD: pf.password },
        );
        const got = Object.fromEntries(report.targets[0]!.checks.map((c) => [c.id, c.status]));
        expect(got, await pf.logs()).toEqual(EXPECTED[profile]![listener]);
        expect(code).toBe(profile === 'compliant' ? 0 : 1);
        expect(hostFactsOf(report).endpoints[0]!.greeting?.reply.lines[0]).toMatch(/ESMTP Postfix/);
        expect(stdout).not.toContain(pf.password);
        expect(stdout).not.toContain(Buffer.from(`\0${pf.user}\0${pf.password}`).toString('base64'));
      });
    });
  },
);
