/**
 * An inventory of the running lab for `mailcheck audit`: every host server on its port, every MX
 * host, the lab domains, and two targets that cannot be scanned (a retired relay's name that no
 * longer resolves, a port nothing listens on) — the mix a campus inventory has. The lab's ports
 * change with every start, so the inventory is written by `mailcheck lab` for the lab it started.
 */
import type { Lab } from './lab.js';
import { LAB_DNSBL_ZONE, LAB_HOST_LEGACY, LAB_ZONE } from './zones.js';

/** The environment variable the lab inventory takes the lab password from (a reference, as required). */
export const LAB_PASSWORD_ENV = 'MAILCHECK_LAB_PASSWORD';

const ROLE = { smtp: 'relay', submission: 'submission', smtps: 'submission' } as const;

/** The inventory as YAML text, with comments saying what each entry is. */
export function labInventoryYaml(lab: Lab): string {
  const lines = [
    '# mailcheck inventory of the running lab (written by `mailcheck lab`; its ports change every start).',
    `# Credentials are references: export ${LAB_PASSWORD_ENV}=${lab.credentials.password} (a lab-only test password).`,
    'defaults:',
    '  policy: campus-baseline',
    'hosts:',
  ];
  for (const s of lab.servers) {
    // legacy.lab.example's A record points away from its server (the FCrDNS story): scan its address.
    const name = s.server.options.hostname === LAB_HOST_LEGACY ? s.host : s.server.options.hostname;
    const auth = s.profile !== 'smtp' && s.name !== 'no-starttls';
    lines.push(
      `  - host: ${name}:${s.port}  # ${s.name}: ${s.description}`,
      `    roles: [${ROLE[s.profile]}]`,
    );
    if (auth)
      lines.push(`    credentials: { user: ${lab.credentials.user}, password_env: ${LAB_PASSWORD_ENV} }`);
  }
  const mx = lab.servers.filter((s) => s.name.startsWith('compliant-'));
  lines.push(
    `  - host: ${mx[0]!.host}  # the three compliant servers as one host listed by address, all its ports`,
    `    ports: [${mx.map((s) => s.port).join(', ')}]`,
    '    roles: [relay, submission]',
    `    credentials: { user: ${lab.credentials.user}, password_env: ${LAB_PASSWORD_ENV} }`,
  );
  // An MX host with an IPv4 and an IPv6 server is one entry (its name resolves to both).
  for (const name of new Set(lab.mxServers.map((m) => m.name))) {
    lines.push(`  - host: ${name}:${lab.mxPort}  # MX host`, '    roles: [mx]');
  }
  lines.push(
    `  - host: retired-relay.lab.example:${lab.mxPort}  # decommissioned: its name no longer resolves`,
    '    roles: [relay]',
    `  - host: ${mx[0]!.host}:1  # nothing listens here`,
    '    roles: [relay]',
    'domains:',
  );
  for (const d of lab.domains) lines.push(`  - domain: ${d}`);
  lines.push(
    `  - domain: ${LAB_ZONE}  # the lab's own zone: DNS only (it receives no mail)`,
    '    dns_only: true',
  );
  return lines.join('\n') + '\n';
}

/** The audit options the lab needs besides the inventory: its DNS, its CA, its non-standard ports. */
export function labAuditArgs(lab: Lab): string[] {
  const ports = (p: string) => lab.servers.filter((s) => s.profile === p).map((s) => String(s.port));
  return [
    ...['--resolver', `${lab.dns.host}:${lab.dns.port}`, '--ca-file', lab.caFile],
    ...ports('submission').flatMap((p) => ['--submission-port', p]),
    ...ports('smtps').flatMap((p) => ['--smtps-port', p]),
    ...['--mx-port', String(lab.mxPort), '--mta-sts-port', String(lab.mtaSts.port)],
    ...['--dnsbl', LAB_DNSBL_ZONE],
  ];
}

/**
 * The lab's regression, for trying history and `--fail-on new`: the compliant MX starts relaying
 * for anyone (as when someone widens mynetworks), or stops again. Affects new connections.
 * Returns whether the regression is now on.
 */
export function toggleLabRegression(lab: Lab): boolean {
  const mx = lab.servers.find((s) => s.name === 'compliant-mx')!;
  const on = mx.server.options.relay !== 'open';
  mx.server.options.relay = on ? 'open' : 'closed';
  return on;
}
