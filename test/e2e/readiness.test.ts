/**
 * `mailcheck readiness`: the pre-migration verdict against the lab — ready with credentials, not
 * ready without (and why), not ready on the legacy relay with its TLS items first, the provider
 * SPF include, XOAUTH2, and usage errors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAB_OAUTH_TOKEN, labCertPath, startLab, type Lab, type LabServer } from '../../src/lab/lab.js';
import { startScriptedServer, type ScriptedServer } from '../../src/lab/scripted-server.js';
import { LAB_HOST_MAIL, LAB_SERVER_HOSTS } from '../../src/lab/zones.js';
import { runCli, scanJson } from '../helpers/cli.js';

let lab: Lab;
let extra: ScriptedServer | undefined;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});
afterEach(async () => {
  await extra?.close();
  extra = undefined;
});

const server = (name: string): LabServer => lab.servers.find((s) => s.name === name)!;
const common = () => ['--resolver', `${lab.dns.host}:${lab.dns.port}`, '--ca-file', lab.caFile];
const creds = () => ['--auth-user', lab.credentials.user];
const env = () => ({ MAILCHECK_AUTH_PASSWORD: lab.credentials.password });
/** The relay as a provider would name it: mail.lab.example, resolved through the lab DNS. */
const relayOf = (s: LabServer) => `${LAB_HOST_MAIL}:${s.port}`;

function verdictOf(stdout: string): string {
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  return last;
}

describe('mailcheck readiness', () => {
  it('is READY against the compliant submission relay with the lab credentials (exit 0)', async () => {
    const s = server('compliant-submission');
    const r = await runCli(
      [
        'readiness',
        '--relay',
        relayOf(s),
        '--domain',
        'good.example',
        '--dkim-selector',
        's1',
        ...creds(),
        ...common(),
      ],
      env(),
    );
    expect(verdictOf(r.stdout), r.stdout).toBe(`READY: ${relayOf(s)} can carry mail for good.example`);
    expect(r.code).toBe(0);
    // The normal report comes first: the relay's TLS and AUTH, then the domain's DNS checks.
    expect(r.stdout).toMatch(/auth\.login/);
    expect(r.stdout).toMatch(/spf\.authorizes/);
    expect(r.stdout).toMatch(/dkim\.selector/);
    expect(r.stdout).toMatch(/dmarc\.record/);
    expect(r.stdout).not.toContain(lab.credentials.password);
  });

  it('is READY against the lab provider relay with only an XOAUTH2 token (no password)', async () => {
    const s = server('provider-relay');
    const r = await runCli(
      [
        'readiness',
        '--relay',
        relayOf(s),
        '--domain',
        'good.example',
        '--dkim-selector',
        's1',
        ...creds(),
        ...common(),
      ],
      { MAILCHECK_OAUTH_TOKEN: LAB_OAUTH_TOKEN },
    );
    expect(verdictOf(r.stdout), r.stdout).toBe(`READY: ${relayOf(s)} can carry mail for good.example`);
    expect(r.stdout).toMatch(/AUTH XOAUTH2/);
    expect(r.stdout).not.toContain(LAB_OAUTH_TOKEN);
    expect(r.code).toBe(0);
  });

  it('is NOT READY without credentials and says so (exit 1)', async () => {
    const s = server('compliant-submission');
    const r = await runCli(['readiness', '--relay', relayOf(s), '--domain', 'good.example', ...common()]);
    const verdict = verdictOf(r.stdout);
    expect(verdict).toMatch(/^NOT READY: 1 blocking item\(s\): auth\.login \(no credentials given/);
    expect(r.code).toBe(1);
  });

  it('is NOT READY with a wrong password, naming the rejected login', async () => {
    const s = server('compliant-submission');
    const r = await runCli(
      ['readiness', '--relay', relayOf(s), '--domain', 'good.example', ...creds(), ...common()],
      {
        MAILCHECK_AUTH_PASSWORD: 'not-the-password',
      },
    );
    expect(verdictOf(r.stdout)).toMatch(/^NOT READY: .*auth\.login \(Login with AUTH \w+ failed: 535/);
    expect(r.stdout).not.toContain('not-the-password');
    expect(r.code).toBe(1);
  });

  it('is NOT READY against the legacy relay, TLS and certificate items first', async () => {
    const s = server('legacy');
    const r = await runCli(
      ['readiness', '--relay', `${s.host}:${s.port}`, '--domain', 'good.example', ...creds(), ...common()],
      env(),
    );
    const verdict = verdictOf(r.stdout);
    expect(verdict).toMatch(/^NOT READY: \d+ blocking item\(s\): tls\./);
    const ids = [...verdict.matchAll(/(?:: |, )([a-z_]+\.[a-z_]+) \(/g)].map((m) => m[1]!);
    for (const id of ['tls.protocols', 'tls.cert_chain', 'tls.cert_expiry', 'tls.cert_key', 'relay.open'])
      expect(ids).toContain(id);
    // Every tls.* item precedes every item of another area.
    const firstOther = ids.findIndex((id) => !id.startsWith('tls.'));
    expect(ids.slice(firstOther).some((id) => id.startsWith('tls.'))).toBe(false);
    expect(r.code).toBe(1);
  });

  it('in JSON keeps stdout a pure report and puts the verdict in the exit code', async () => {
    const s = server('compliant-submission');
    const ready = await scanJson(
      ['readiness', '--relay', relayOf(s), '--domain', 'good.example', ...creds(), ...common()],
      env(),
    );
    expect(ready.code).toBe(0);
    expect(ready.report.policy.name).toBe('migration-readiness');
    expect(ready.report.targets.map((t) => t.kind)).toEqual(['host', 'domain']);
    const domainIds = ready.report.targets[1]!.checks.map((c) => c.id).sort();
    expect(domainIds).toEqual(['dkim.key', 'dkim.selector', 'dmarc.record', 'spf.authorizes', 'spf.record']);
    const notReady = await scanJson([
      'readiness',
      '--relay',
      relayOf(s),
      '--domain',
      'good.example',
      ...common(),
    ]);
    expect(notReady.code).toBe(1);
  });

  it('the provider include authorises the relay even when its own address is not in SPF', async () => {
    // weak.example's SPF reaches 127.0.0.0/8 only through an include chain too deep to evaluate
    // (more than 10 lookups), so the relay address alone does not pass.
    const s = server('compliant-submission');
    const base = ['readiness', '--relay', relayOf(s), '--domain', 'weak.example', ...creds(), ...common()];
    const without = await scanJson(base, env());
    const spfOf = (rep: typeof without.report) =>
      rep.targets[1]!.checks.find((c) => c.id === 'spf.authorizes')!;
    expect(spfOf(without.report).status).not.toBe('pass');
    expect(without.code).toBe(1);

    const withInclude = await scanJson([...base, '--provider-include', 'inc3.weak.example'], env());
    const spf = spfOf(withInclude.report);
    expect(spf.status).toBe('pass');
    expect(spf.evidence[0]).toMatch(/include:inc3\.weak\.example found via weak\.example → include:inc1/);
    expect(withInclude.report.summary.fail).toBe(without.report.summary.fail - 1);

    const wrongInclude = await runCli([...base, '--provider-include', 'spf.provider.example'], env());
    expect(verdictOf(wrongInclude.stdout)).toMatch(/spf\.authorizes/);
    expect(wrongInclude.stdout).toMatch(
      /include:spf\.provider\.example not found in the SPF of weak\.example/,
    );
    expect(wrongInclude.code).toBe(1);
  });

  it('logs in with XOAUTH2 when MAILCHECK_OAUTH_TOKEN is given', async () => {
    const token = 'ya29.lab-readiness-token';
    extra = await startScriptedServer({
      host: LAB_SERVER_HOSTS[LAB_HOST_MAIL],
      hostname: LAB_HOST_MAIL,
      tls: { key: readFileSync(labCertPath('good.key')), cert: readFileSync(labCertPath('good-chain.pem')) },
      requireTls: true,
      authMechanisms: ['XOAUTH2'],
      oauthTokens: { 'dept-mailer': token },
      vrfy: 'disabled',
      expn: 'disabled',
      relay: 'auth-required',
    });
    const relay = `${LAB_HOST_MAIL}:${extra.port}`;
    const args = [
      'readiness',
      '--relay',
      relay,
      '--domain',
      'good.example',
      '--auth-user',
      'dept-mailer',
      ...common(),
    ];
    const ok = await runCli([...args, '--transcript'], { MAILCHECK_OAUTH_TOKEN: token });
    expect(verdictOf(ok.stdout), ok.stdout).toBe(`READY: ${relay} can carry mail for good.example`);
    expect(ok.stdout).toMatch(/AUTH XOAUTH2/);
    expect(ok.stdout).not.toContain(token);
    expect(ok.code).toBe(0);
    const bad = await runCli(args, { MAILCHECK_OAUTH_TOKEN: 'expired-token' });
    expect(verdictOf(bad.stdout)).toMatch(/^NOT READY: .*auth\.login/);
    expect(bad.code).toBe(1);
  });

  it('sends the opt-in test message through the relay', async () => {
    const s = server('compliant-submission');
    const before = s.server.messages.length;
    const r = await runCli(
      [
        ...['readiness', '--relay', relayOf(s), '--domain', 'good.example', ...creds(), ...common()],
        ...['--send-test', '--from', 'labuser@good.example', '--to', 'alice@lab.example'],
      ],
      env(),
    );
    expect(r.stdout).toMatch(/data\.accepted/);
    expect(r.code).toBe(0);
    expect(s.server.messages.length).toBe(before + 1);
  });

  it('exits 3 when the relay cannot be reached', async () => {
    const s = server('compliant-submission');
    const closed = await startScriptedServer({ host: s.host, hostname: LAB_HOST_MAIL });
    const port = closed.port;
    await closed.close();
    const r = await runCli(
      [
        'readiness',
        '--relay',
        `${s.host}:${port}`,
        '--domain',
        'good.example',
        '--timeout',
        '2s',
        ...creds(),
        ...common(),
      ],
      env(),
    );
    expect(verdictOf(r.stdout)).toMatch(/^NOT READY: 1 blocking item\(s\): unreachable \(.*refused/);
    expect(r.code).toBe(3);
  });

  it.each([
    [['--domain', 'good.example'], /needs --relay/],
    [['--relay', '127.0.0.1:587'], /needs --domain/],
    [['--relay', '127.0.0.1', '--domain', 'good.example'], /needs a port/],
    [['--relay', 'bad host:587', '--domain', 'good.example'], /--relay/],
    [['--relay', '127.0.0.1:70000', '--domain', 'good.example'], /out of range/],
    [['--relay', '127.0.0.1:587', '--domain', '127.0.0.1'], /not a domain name/],
    [['--relay', '127.0.0.1:587', '--domain', 'good.example', '--send-test'], /needs both --from and --to/],
    [['--relay', '127.0.0.1:587', '--domain', 'good.example', '--policy', 'no-such-policy'], /policy/],
    [
      ['--relay', '127.0.0.1:587', '--domain', 'good.example', '--auth-password', 'x'],
      /never taken on the command line/,
    ],
  ])('refuses %j with exit 2', async (args, message) => {
    const r = await runCli(['readiness', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
