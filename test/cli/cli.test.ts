import fc from 'fast-check';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseDuration, parseHostSpec } from '../../src/cli/options.js';
import { VERSION } from '../../src/version.js';
import { runCli, scanJson } from '../helpers/cli.js';

describe('help and version', () => {
  it.each([[['--help']], [['host', '--help']], [['demo', '--help']]])(
    '%j exits 0 with usage',
    async (args) => {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: mailcheck/);
    },
  );

  it('host --help documents the exit codes and the credential rule', async () => {
    const r = await runCli(['host', '--help']);
    expect(r.stdout).toMatch(/Exit codes: 0 passed/);
    expect(r.stdout).toMatch(/MAILCHECK_AUTH_PASSWORD/);
    expect(r.stdout).not.toMatch(/--auth-password </);
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('bad input: a clear message and exit 2', () => {
  it.each([
    [['host', 'bad_host!'], /not a valid host name/],
    [['host', 'smtp..example.edu'], /not a valid host name/],
    [['host', '127.0.0.1:70000'], /out of range/],
    [['host', '127.0.0.1:0'], /out of range/],
    [['host', '999.1.1.1'], /not a valid IPv4 address/],
    [['host', '2001:db8::1:25:x'], /IPv6|not a valid/],
    [['host', '[2001:db8::zz]:25'], /not an IPv6 address/],
    [['host', 'smtp.example.edu', '--timeout', '5x'], /not a duration/],
    [['host', 'smtp.example.edu', '--policy', 'nope'], /unknown policy "nope"/],
    [['host', 'smtp.example.edu', '--resolver', 'dns.example'], /not an IP address/],
    [['host', 'smtp.example.edu', '--auth-user', 'alice'], /needs a password/],
    [['host', 'smtp.example.edu', '--ca-file', '/nonexistent/ca.pem'], /--ca-file/],
    [['host', 'smtp.example.edu', '--format', 'xml'], /Allowed choices are table, json/],
    [['host', 'smtp.example.edu', '--ipv4', '--ipv6'], /exclude each other/],
    [['host', 'smtp.example.edu', '--ehlo', 'bad name'], /--ehlo/],
    [
      ['host', '127.0.0.1:1', '--output', '/nonexistent/dir/r.json'],
      /--output \/nonexistent\/dir\/r\.json: cannot write it \(directory \/nonexistent\/dir does not exist\)/,
    ],
    [
      ['audit', '/nonexistent/campus.yaml'],
      /inventory file \/nonexistent\/campus\.yaml: cannot read it \(no such file\)/,
    ],
    [['audit', 'x.yaml', '--fail-on', 'sometimes'], /Allowed choices are any, new/],
    [['history', 'list'], /--history FILE is required/],
    [['host'], /missing required argument/],
    [['frobnicate'], /unknown command/],
    [[], /Usage: mailcheck/],
  ])('%j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('unreachable targets: exit 3 with the reason', () => {
  it('a closed port named explicitly', async () => {
    const { report, code } = await scanJson(['host', '127.0.0.1:1', '--timeout', '1s']);
    expect(code).toBe(3);
    expect(report.targets[0]!.state).toBe('unreachable');
    expect(report.targets[0]!.error?.message).toMatch(/connection refused/);
    expect(report.targets[0]!.checks.find((c) => c.id === 'smtp.connect')?.status).toBe('error');
  });

  it('a name that does not resolve keeps its Unicode form for display', async () => {
    const { report, code } = await scanJson([
      'host',
      'smtp.bücher.example',
      '--resolver',
      '127.0.0.1:9',
      '--timeout',
      '300ms',
    ]);
    expect(code).toBe(3);
    expect(report.targets[0]!.name).toBe('smtp.xn--bcher-kva.example');
    expect(report.targets[0]!.displayName).toBe('smtp.bücher.example');
    expect(report.targets[0]!.error?.code).toMatch(/^DNS_/);
  });
});

describe('option parsers', () => {
  it('parseDuration accepts ms, s, m and plain seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('3s')).toBe(3000);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('2.5')).toBe(2500);
    expect(() => parseDuration('0')).toThrow(InvalidArgumentError);
  });

  it('parseHostSpec handles names, IDN, IPv4, bracketed and bare IPv6', () => {
    expect(parseHostSpec('SMTP.Example.EDU.')).toMatchObject({ host: 'smtp.example.edu' });
    expect(parseHostSpec('smtp.example.edu:587')).toMatchObject({ host: 'smtp.example.edu', port: 587 });
    expect(parseHostSpec('smtp.bücher.example')).toMatchObject({
      host: 'smtp.xn--bcher-kva.example',
      displayName: 'smtp.bücher.example',
    });
    expect(parseHostSpec('192.0.2.25:25')).toMatchObject({ host: '192.0.2.25', port: 25 });
    expect(parseHostSpec('[2001:db8::25]:465')).toMatchObject({ host: '2001:db8::25', port: 465 });
    expect(parseHostSpec('2001:db8::25')).toMatchObject({ host: '2001:db8::25' });
    expect(parseHostSpec('2001:db8::25').port).toBeUndefined();
  });

  it('parseHostSpec either returns a host or throws InvalidArgumentError, for any input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          const spec = parseHostSpec(s);
          expect(spec.host).not.toMatch(/[\s\r\n]/);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidArgumentError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
