/** --send-test: opt-in, both addresses required and validated, one message per host. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { runCli, scanJson, statusOf } from '../helpers/cli.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});

describe('--send-test', () => {
  it('sends one message through the submission service and reports the queue id', async () => {
    const s = lab.servers.find((x) => x.name === 'compliant-submission')!;
    const before = s.server.messages.length;
    const { report } = await scanJson(
      [
        ...['host', `${s.host}:${s.port}`, '--submission-port', String(s.port), '--ca-file', lab.caFile],
        ...['--auth-user', lab.credentials.user, '--resolver', `${lab.dns.host}:${lab.dns.port}`],
        ...['--send-test', '--from', 'labuser@lab.example', '--to', 'alice@lab.example'],
      ],
      { MAILCHECK_AUTH_PASSWORD: lab.credentials.password },
    );
    expect(statusOf(report, 'data.accepted')).toBe('pass');
    expect(s.server.messages.length).toBe(before + 1);
    expect(s.server.messages.at(-1)!.data.toString()).toMatch(/^X-Mailcheck-Id: /m);
  });

  it.each([
    [['--send-test', '--from', 'a@lab.example'], /needs both --from and --to/],
    [['--from', 'a@lab.example', '--to', 'b@lab.example'], /only used with --send-test/],
    [['--send-test', '--from', 'a@lab.example', '--to', 'b@lab.example\r\nRCPT TO:<c@x>'], /--to/],
    [['--relay-domain', 'not a domain'], /relay-domain/],
  ])('refuses %j with exit 2', async (extra, message) => {
    const r = await runCli(['host', '127.0.0.1:25', ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
