/**
 * Secrets never reach output: the password, its base64, and every AUTH payload are redacted in
 * every format, transcript included, whether the login succeeds or fails.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../../src/lab/scripted-server.js';
import { labCertPath } from '../../src/lab/lab.js';
import { runCli } from '../helpers/cli.js';

const USER = 'alice';
const PASSWORD = 'S3cret-Pa55word!';
const TOKEN = 'ya29.oauth-token-value';
const TLS = { key: readFileSync(labCertPath('good.key')), cert: readFileSync(labCertPath('good-chain.pem')) };

const b64 = (s: string) => Buffer.from(s).toString('base64');
const FORBIDDEN = [
  PASSWORD,
  b64(PASSWORD),
  b64(`\0${USER}\0${PASSWORD}`),
  b64(`${USER}\0${PASSWORD}`),
  TOKEN,
  b64(`user=${USER}\x01auth=Bearer ${TOKEN}\x01\x01`),
];

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function scanAll(port: number, env: Record<string, string>, extra: string[] = []) {
  const base = [
    'host',
    `127.0.0.1:${port}`,
    '--submission-port',
    String(port),
    '--auth-user',
    USER,
    '--transcript',
    ...extra,
  ];
  const outs = [];
  for (const format of ['json', 'table']) {
    const r = await runCli([...base, '--format', format, '--ca-file', labCertPath('ca.pem')], env);
    outs.push(r.stdout + r.stderr);
  }
  return outs.join('\n');
}

describe('credentials never appear in any output', () => {
  it.each(['PLAIN', 'LOGIN', 'CRAM-MD5'] as const)('AUTH %s, successful and failed logins', async (mech) => {
    server = await startScriptedServer({
      hostname: 'mail.lab.example',
      tls: TLS,
      authMechanisms: [mech],
      users: { [USER]: PASSWORD },
    });
    const ok = await scanAll(server.port, { MAILCHECK_AUTH_PASSWORD: PASSWORD });
    expect(ok).toMatch(new RegExp(`AUTH ${mech}`));
    expect(ok).toMatch(/235 2\.7\.0/);
    expect(ok).toContain('<redacted>');
    for (const secret of FORBIDDEN) expect(ok).not.toContain(secret);

    await server.close();
    server = await startScriptedServer({
      hostname: 'mail.lab.example',
      tls: TLS,
      authMechanisms: [mech],
      users: { [USER]: 'other' },
    });
    const failed = await scanAll(server.port, { MAILCHECK_AUTH_PASSWORD: PASSWORD });
    expect(failed).toMatch(/535 5\.7\.8/);
    for (const secret of FORBIDDEN) expect(failed).not.toContain(secret);
  });

  it('AUTH XOAUTH2 with a bearer token', async () => {
    server = await startScriptedServer({
      hostname: 'mail.lab.example',
      tls: TLS,
      authMechanisms: ['XOAUTH2'],
      oauthTokens: { [USER]: TOKEN },
    });
    const out = await scanAll(server.port, { MAILCHECK_OAUTH_TOKEN: TOKEN });
    expect(out).toMatch(/AUTH XOAUTH2 <redacted>/);
    for (const secret of FORBIDDEN) expect(out).not.toContain(secret);
  });

  it('with --allow-plaintext-auth over cleartext, the transcript is still redacted', async () => {
    server = await startScriptedServer({
      hostname: 'plain.lab.example',
      authMechanisms: ['PLAIN'],
      authBeforeTls: true,
      users: { [USER]: PASSWORD },
    });
    const out = await scanAll(server.port, { MAILCHECK_AUTH_PASSWORD: PASSWORD }, ['--allow-plaintext-auth']);
    expect(out).toMatch(/WITHOUT TLS/);
    for (const secret of FORBIDDEN) expect(out).not.toContain(secret);
  });

  it('does not send credentials over TLS whose certificate does not validate for the host', async () => {
    // An attacker who answers STARTTLS with a certificate of their own would otherwise collect the password.
    server = await startScriptedServer({
      hostname: 'mail.lab.example',
      tls: TLS,
      authMechanisms: ['PLAIN'],
      users: { [USER]: PASSWORD },
    });
    const base = [
      'host',
      `127.0.0.1:${server.port}`,
      '--submission-port',
      String(server.port),
      '--auth-user',
      USER,
      '--format',
      'json',
    ];
    const untrusted = await runCli(base, { MAILCHECK_AUTH_PASSWORD: PASSWORD }); // lab CA not trusted
    const login = (
      JSON.parse(untrusted.stdout) as {
        targets: { checks: { id: string; status: string; message: string }[] }[];
      }
    ).targets[0]!.checks.find((c) => c.id === 'auth.login');
    expect(login?.status).toBe('error');
    expect(login?.message).toMatch(/TLS is not verified/);
    expect(server.stats.authAttempts).toBe(0);
    const trusted = await runCli([...base, '--ca-file', labCertPath('ca.pem')], {
      MAILCHECK_AUTH_PASSWORD: PASSWORD,
    });
    expect(trusted.stdout).toMatch(/"id": "auth.login",\s+"status": "pass"/);
    // One login, on the main session: it serves auth.login and the authenticated half of the relay
    // battery (auth.required) alike.
    expect(server.stats.authAttempts).toBe(1);
  });

  it('refuses a password on the command line, without echoing it', async () => {
    const r = await runCli(['host', '127.0.0.1:25', '--auth-user', USER, '--auth-password', PASSWORD]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/never taken on the command line/);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});
