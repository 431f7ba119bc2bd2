/**
 * `mailcheck readiness --relay HOST:PORT --domain DOMAIN`: before moving a department's mail to an
 * authenticated provider relay, prove from this machine that the relay is reachable, speaks modern
 * TLS with a valid certificate, accepts the login, and that the domain's SPF, DKIM and DMARC are
 * already in place for it. Composes the host scan of the relay with a DNS-only scan of the domain.
 * The options and help are defined here; what the command does is in readiness-action.ts, loaded
 * when it runs.
 */
import { Command } from 'commander';
import type { Io } from './io.js';
import { parseSelector } from './shared-args.js';
import { collect, parseDomainName } from './options.js';
import { parseAddressArg } from './probe-parsers.js';
import { addScanOptions } from './scan-flags.js';
import type { ScanOptions } from './scan-options.js';

/** The policy readiness judges with unless --policy names another. */
export const READINESS_POLICY = 'migration-readiness';

/** The domain checks that say whether the domain is ready to send through the new relay. */
export const READINESS_DOMAIN_CHECKS = [
  'spf.record',
  'spf.authorizes',
  'dkim.selector',
  'dkim.key',
  'dmarc.record',
] as const;

export interface ReadinessOptions extends ScanOptions {
  relay?: string;
  domain?: string;
  implicitTls?: boolean;
  providerInclude?: string;
  dkimSelector?: string[];
  sendTest?: boolean;
  from?: string;
  to?: string;
}

function parseIncludeArg(v: string): string {
  return parseDomainName(v).domain;
}

export function readinessCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('readiness')
    .description(
      'pre-migration check: reach the provider relay, modern TLS, AUTH works, and the domain’s SPF/DKIM/DMARC are ready for it',
    )
    .option('--relay <host:port>', 'the new provider relay, e.g. smtp.provider.example:587')
    .option('--domain <domain>', 'the mail domain that will send through the relay')
    .option(
      '--implicit-tls',
      'the relay port is implicit TLS like 465 (default: 465 is, any other port is STARTTLS)',
    )
    .option(
      '--provider-include <domain>',
      "the provider's SPF include (e.g. spf.provider.example); its presence authorises the relay",
      parseIncludeArg,
    )
    .option(
      '--dkim-selector <selector>',
      "the provider's DKIM selector that must be published (repeatable)",
      collect(parseSelector),
    )
    .option('--send-test', 'send one generated test message through the relay (needs --from and --to)')
    .option('--from <address>', 'envelope sender of the --send-test message', parseAddressArg)
    .option('--to <address>', 'recipient of the --send-test message', parseAddressArg);
  addScanOptions(cmd);
  // Readiness judges with its own built-in policy unless --policy names another.
  cmd.options.find((opt) => opt.long === '--policy')?.default(READINESS_POLICY);
  cmd.addHelpText(
    'after',
    `
Credentials: --auth-user with MAILCHECK_AUTH_PASSWORD or --auth-password-file; an XOAUTH2 token
from MAILCHECK_OAUTH_TOKEN. Without credentials the login cannot be verified and the verdict is
NOT READY.
Exit codes: 0 ready, 1 not ready, 2 usage error, 3 the relay (or the domain's DNS) could not be scanned.

Examples:
  mailcheck readiness --relay smtp.provider.example:587 --domain dept.example.edu \\
    --auth-user dept-mailer --provider-include spf.provider.example --dkim-selector provider1
  mailcheck readiness --relay smtp.provider.example:465 --domain dept.example.edu --auth-user dept-mailer \\
    --send-test --from dept-mailer@dept.example.edu --to postmaster@dept.example.edu`,
  );
  cmd.action(async (o: ReadinessOptions) => {
    const policy = cmd.getOptionValueSource('policy') === 'default' ? READINESS_POLICY : o.policy;
    const { readinessAction } = await import('./readiness-action.js');
    setExit(await readinessAction(o, policy, io));
  });
  return cmd;
}
