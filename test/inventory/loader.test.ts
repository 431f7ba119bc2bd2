import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InventoryError,
  formatIssue,
  inlineSecretMessage,
  inventoryFormatOf,
  loadInventory,
  parseInventory,
} from '../../src/inventory/loader.js';
import type { Inventory, InventoryEntry } from '../../src/inventory/types.js';

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/inventories');
const fixture = (name: string) => path.join(FIXTURES, name);

const SECRET =
  'inline secrets are not allowed in an inventory (it is read by cron jobs and committed to git): use password_env: VARIABLE or password_file: PATH';

/** The formatted issues of an inventory text ([] when it is valid). */
function issuesOf(text: string, file = 'i.yaml'): string[] {
  const r = parseInventory(text, file, inventoryFormatOf(file));
  return r.ok ? [] : r.issues.map(formatIssue);
}

function parsed(text: string, file = 'i.yaml'): Inventory {
  const r = parseInventory(text, file, inventoryFormatOf(file));
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.inventory;
}

/** The issues loadInventory throws for a fixture, formatted. */
function thrown(file: string): string[] {
  try {
    loadInventory(file);
  } catch (err) {
    expect(err).toBeInstanceOf(InventoryError);
    const e = err as InventoryError;
    expect(e.message).toBe(e.issues.map(formatIssue).join('\n'));
    return e.issues.map(formatIssue);
  }
  throw new Error(`${file} loaded without errors`);
}

/** Entries without where they were written, to compare a YAML and a CSV inventory. */
function placeless(entries: InventoryEntry[]): unknown[] {
  return entries.map((e) => {
    const { line: _line, ...rest } = e;
    if (rest.kind === 'host' && rest.credentials) {
      const { at: _at, ...cred } = rest.credentials;
      return { ...rest, credentials: cred };
    }
    return rest;
  });
}

describe('a valid YAML inventory', () => {
  const file = fixture('campus.yaml');
  const at = (line: number, column: number, key: string) => ({ file, line, column, key });

  it('reads every entry, with the defaults applied', () => {
    const inv = loadInventory(file);
    expect(inv.file).toBe(file);
    expect(inv.dir).toBe(FIXTURES);
    const expected: InventoryEntry[] = [
      {
        kind: 'host',
        input: 'smtp.physics.example.edu',
        host: 'smtp.physics.example.edu',
        displayName: 'smtp.physics.example.edu',
        ports: [25, 587, 465],
        roles: ['relay', 'submission'],
        policy: fixture('physics-policy.yaml'),
        checks: new Map([
          ['smtp.greeting_delay', { severity: 'info' }],
          ['smtp.vrfy', { severity: 'off' }],
          ['tls.cert_expiry', { params: { warnDays: 30 } }],
        ]),
        credentials: {
          user: 'relay-probe',
          passwordEnv: 'PHYSICS_RELAY_PASSWORD',
          at: at(16, 18, 'hosts[0].credentials'),
        },
        note: 'Physics dept relay',
        line: 9,
      },
      {
        kind: 'host',
        input: 'submit.example.edu:587',
        host: 'submit.example.edu',
        displayName: 'submit.example.edu',
        ports: [587],
        roles: ['submission'],
        policy: 'campus-baseline',
        checks: new Map([['smtp.greeting_delay', { severity: 'info' }]]),
        credentials: {
          user: 'probe@example.edu',
          passwordFile: 'secrets/submit.pw',
          tokenEnv: 'SUBMIT_OAUTH_TOKEN',
          at: at(22, 7, 'hosts[1].credentials'),
        },
        line: 19,
      },
      {
        kind: 'host',
        input: 'mx1.example.edu',
        host: 'mx1.example.edu',
        displayName: 'mx1.example.edu',
        roles: ['relay'],
        policy: 'campus-baseline',
        checks: new Map([['smtp.greeting_delay', { severity: 'info' }]]),
        line: 26,
      },
      {
        kind: 'host',
        input: 'smtp.bücher.example',
        host: 'smtp.xn--bcher-kva.example',
        displayName: 'smtp.bücher.example',
        ports: [25],
        roles: ['mx'],
        policy: 'campus-baseline',
        checks: new Map([['smtp.greeting_delay', { severity: 'info' }]]),
        line: 28,
      },
      {
        kind: 'host',
        input: '[2001:db8::25]:2525',
        host: '2001:db8::25',
        displayName: '2001:db8::25',
        ports: [2525],
        roles: ['relay'],
        policy: 'campus-baseline',
        checks: new Map([['smtp.greeting_delay', { severity: 'info' }]]),
        line: 32,
      },
      {
        kind: 'domain',
        input: 'physics.example.edu',
        domain: 'physics.example.edu',
        displayName: 'physics.example.edu',
        roles: ['mx'],
        policy: 'campus-strict',
        checks: new Map([['smtp.greeting_delay', { severity: 'info' }]]),
        dkimSelectors: ['s2026', 'mail'],
        dnsOnly: true,
        line: 35,
      },
      {
        kind: 'domain',
        input: 'example.edu',
        domain: 'example.edu',
        displayName: 'example.edu',
        roles: ['mx'],
        policy: 'campus-baseline',
        checks: new Map([['smtp.greeting_delay', { severity: 'info' }]]),
        dkimSelectors: [],
        dnsOnly: false,
        line: 39,
      },
    ];
    expect(inv.entries).toStrictEqual(expected);
  });

  it('keeps a Unicode host name for display and its punycode for the wire', () => {
    const inv = parsed('hosts:\n  - smtp.bücher.example\n  - host: MX.Bücher.Example.\n    ports: [587]\n');
    expect(inv.entries.map((e) => e.kind === 'host' && [e.input, e.host, e.displayName])).toEqual([
      ['smtp.bücher.example', 'smtp.xn--bcher-kva.example', 'smtp.bücher.example'],
      ['MX.Bücher.Example.', 'mx.xn--bcher-kva.example', 'mx.bücher.example'],
    ]);
    const domain = parsed('domains: [bücher.example]\n').entries[0];
    expect(domain).toMatchObject({ domain: 'xn--bcher-kva.example', displayName: 'bücher.example' });
  });

  it('entries override the defaults; checks merge per check, params per parameter', () => {
    const inv = parsed(
      [
        'defaults:',
        '  policy: campus-strict',
        '  roles: [relay]',
        '  ports: [25]',
        '  credentials: { user: probe, password_env: RELAY_PW }',
        '  checks:',
        '    smtp.vrfy: warn',
        '    tls.cert_key: { params: { minRsaBits: 3072 } }',
        'hosts:',
        '  - a.example',
        '  - host: b.example',
        '    ports: [587]',
        '    roles: []',
        '    policy: migration-readiness',
        '    credentials: { user: other, token_file: /etc/mailcheck/b.token }',
        '    checks:',
        '      smtp.vrfy: off',
        '      tls.cert_key: { severity: warn, params: { minEcBits: 384 } }',
        'domains:',
        '  - domain: c.example',
        '    roles: [mx, relay]',
      ].join('\n'),
    );
    const [a, b, c] = inv.entries;
    expect(a).toMatchObject({ ports: [25], roles: ['relay'], policy: 'campus-strict' });
    expect(a?.kind === 'host' && a.credentials).toMatchObject({ user: 'probe', passwordEnv: 'RELAY_PW' });
    expect(a?.checks).toEqual(
      new Map([
        ['smtp.vrfy', { severity: 'warn' }],
        ['tls.cert_key', { params: { minRsaBits: 3072 } }],
      ]),
    );
    expect(b).toMatchObject({ ports: [587], roles: [], policy: 'migration-readiness' });
    expect(b?.kind === 'host' && b.credentials).toEqual({
      user: 'other',
      tokenFile: '/etc/mailcheck/b.token',
      at: { file: 'i.yaml', line: 15, column: 18, key: 'hosts[1].credentials' },
    });
    expect(b?.checks).toEqual(
      new Map([
        ['smtp.vrfy', { severity: 'off' }],
        ['tls.cert_key', { severity: 'warn', params: { minRsaBits: 3072, minEcBits: 384 } }],
      ]),
    );
    // Ports, credentials and roles in defaults are for hosts; a domain's MX probes are role mx.
    expect(c).toMatchObject({ kind: 'domain', roles: ['mx', 'relay'], policy: 'campus-strict' });
    expect(c).not.toHaveProperty('ports');
    expect(c).not.toHaveProperty('credentials');
    expect(parsed('domains: [d.example]\ndefaults: { roles: [relay] }\n').entries[0]?.roles).toEqual(['mx']);
  });

  it('reads anchors and aliases like what they stand for', () => {
    const inv = parsed(
      [
        'hosts:',
        '  - host: a.example',
        '    credentials: &probe { user: probe, password_env: PROBE_PW }',
        '  - host: b.example',
        '    credentials: *probe',
      ].join('\n'),
    );
    expect(inv.entries.map((e) => e.kind === 'host' && e.credentials?.passwordEnv)).toEqual([
      'PROBE_PW',
      'PROBE_PW',
    ]);
  });
});

describe('the CSV form', () => {
  it('gives the same entries as the YAML inventory (except check parameters, which CSV cannot hold)', () => {
    const yaml = loadInventory(fixture('campus.yaml'));
    const csv = loadInventory(fixture('campus.csv'));
    expect(csv.dir).toBe(yaml.dir);
    const expected = placeless(yaml.entries) as { checks?: Map<string, unknown> }[];
    expected[0]!.checks!.delete('tls.cert_expiry');
    expect(placeless(csv.entries)).toStrictEqual(expected);
    expect(csv.entries.map((e) => e.line)).toEqual([3, 4, 6, 7, 8, 9, 10]);
    const first = csv.entries[0]!;
    expect(first.kind === 'host' && first.credentials?.at).toEqual({
      file: fixture('campus.csv'),
      line: 3,
      column: 118,
      key: '',
    });
  });

  it('chooses the format by the file name', () => {
    expect(inventoryFormatOf('fleet.csv')).toBe('csv');
    expect(inventoryFormatOf('FLEET.CSV')).toBe('csv');
    expect(inventoryFormatOf('fleet.yaml')).toBe('yaml');
    expect(inventoryFormatOf('fleet.yml')).toBe('yaml');
    expect(inventoryFormatOf('fleet')).toBe('yaml');
  });
});

describe('broken inventories: every problem with file, line, column and key', () => {
  it.each([
    [
      // Any name not ending in .csv is read as YAML (and prettier leaves this broken file alone).
      'bad-syntax.inventory',
      '4:3: hosts[0].ports[1]: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    [
      'unknown-key.yaml',
      '3:5: hosts[0].prots: unknown key "prots" (expected host, ports, roles, policy, checks, credentials, note); did you mean "ports"?',
    ],
    ['bad-port.yaml', '3:17: hosts[0].ports[1]: port 70000 is out of range (1-65535)'],
    [
      'unknown-role.yaml',
      '3:20: hosts[0].roles[1]: unknown role "submision" (roles: relay, mx, submission); did you mean "submission"?',
    ],
    [
      'host-and-ports.yaml',
      '3:12: hosts[0].ports: "smtp.example.edu:2525" already names port 2525; give the port in the host or in ports, not both',
    ],
    [
      'empty.yaml',
      '2:1: (top level): the inventory lists no hosts and no domains; add entries under hosts or domains',
    ],
    [
      'bad-header.csv',
      '1:11: prots: unknown column "prots" (columns: kind, name, ports, roles, policy, checks, credentials_user, password_env, password_file, token_env, token_file, dkim_selectors, dns_only, note); did you mean "ports"?',
    ],
    [
      'bad-quoting.csv',
      '2:23: (csv): a quoted field is never closed: a field that starts with " must end with "',
    ],
  ])('%s', (name, issue) => {
    const file = fixture(name);
    expect(thrown(file)).toEqual([`${file}:${issue}`]);
  });

  it('reports a duplicate at the second entry, naming the first one', () => {
    const file = fixture('duplicate.yaml');
    expect(thrown(file)).toEqual([
      `${file}:5:11: hosts[2].host: duplicate entry: smtp.example.edu (ports 25, 587, 465) is already listed at line 2`,
      `${file}:8:13: domains[1].domain: duplicate entry: domain example.edu is already listed at line 7`,
    ]);
  });

  it('names policy files that do not exist and misspelt built-in policies', () => {
    const file = fixture('missing-policy.yaml');
    expect(thrown(file)).toEqual([
      `${file}:2:11: defaults.policy: unknown policy "campus-basline" (built-in: campus-baseline, campus-strict, migration-readiness; a policy file is a path ending in .yaml or .yml); did you mean "campus-baseline"?`,
      `${file}:5:13: hosts[0].policy: policy file "policies/relays.yaml" not found (looked for ${fixture('policies/relays.yaml')}; a relative path is taken from the inventory file's directory)`,
    ]);
  });

  it('collects every problem of a YAML file, in file order', () => {
    const text = readFileSync(fixture('many-problems.yaml'), 'utf8');
    expect(issuesOf(text, 'fleet.yaml')).toEqual([
      'fleet.yaml:3:11: defaults.roles[0]: unknown role "gateway" (roles: relay, mx, submission)',
      'fleet.yaml:5:11: hosts[0].host: "smtp..example.edu" is not a valid host name (empty label); use a name like smtp.example.edu, an IP address, or [IPv6]:PORT',
      'fleet.yaml:7:12: hosts[1].ports: expected a port number (1-65535), got the string "25, 587"; write a list: [25, 587]',
      "fleet.yaml:8:47: hosts[1].credentials.password_env: expected the name of an environment variable (letters, digits and _, not starting with a digit), got a string that is not one; write the variable's name here, never the secret itself",
      'fleet.yaml:11:7: hosts[2].checks.smtp.vrfyy: unknown check id "smtp.vrfyy"; did you mean "smtp.vrfy"?',
      'fleet.yaml:12:11: hosts[2].note: expected a note (text), got a list',
      'fleet.yaml:14:13: domains[0].domain: "example.edu:25" is not a domain name (a domain has no port and is not an address; list mail hosts under hosts)',
      'fleet.yaml:16:15: domains[1].dns_only: expected true or false, got the string "maybe"',
      'fleet.yaml:17:5: domains[1].dkim_selector: unknown key "dkim_selector" (expected domain, roles, policy, checks, dkim_selectors, dns_only, note); did you mean "dkim_selectors"?',
    ]);
  });

  it('collects every problem of a CSV file, in file order', () => {
    const text = readFileSync(fixture('many-problems.csv'), 'utf8');
    expect(issuesOf(text, 'fleet.csv')).toEqual([
      'fleet.csv:3:23: ports: port 70000 is out of range (1-65535)',
      'fleet.csv:4:1: kind: unknown kind "hots" (expected host or domain); did you mean "host"?',
      'fleet.csv:5:25: roles: unknown role "gateway" (roles: relay, mx, submission)',
      'fleet.csv:5:33: password_env: credentials need a user (credentials_user)',
      'fleet.csv:6:20: ports: ports applies to host rows only',
      'fleet.csv:8:6: name: mx2.example.edu port 587 already listed at line 7; list each host and port once',
    ]);
  });

  it.each([
    ['', 'i.yaml:1:1: (top level): the file holds no inventory; expected the keys defaults, hosts, domains'],
    [
      '- a.example\n',
      'i.yaml:1:1: (top level): expected a mapping with the keys defaults, hosts, domains, got a list',
    ],
    ['hosts: {}\n', 'i.yaml:1:8: hosts: expected a list of hosts, got a mapping'],
    [
      'host: a.example\n',
      'i.yaml:1:1: host: unknown key "host" (expected defaults, hosts, domains); did you mean "hosts"?',
    ],
    [
      'hosts:\n  - [2001:db8::1]\n',
      'i.yaml:2:5: hosts[0]: expected a host name or a mapping with host, ports, roles, ..., got a list; quote an IPv6 address in brackets: "[2001:db8::1]"',
    ],
    // A list holding a mapping with a `toString` key (found by the property test): a message, no crash.
    [
      'hosts:\n  - [{toString: 0}]\n',
      'i.yaml:2:5: hosts[0]: expected a host name or a mapping with host, ports, roles, ..., got a list',
    ],
    ['hosts:\n  - {}\n', 'i.yaml:2:5: hosts[0]: a host entry needs host: NAME (or HOST:PORT)'],
    [
      'hosts:\n  - 25\n',
      'i.yaml:2:5: hosts[0]: expected a host name (HOST, HOST:PORT, an IP address or [IPv6]:PORT), got the number 25',
    ],
    [
      'hosts:\n  - host: a.example\n    ports: []\n',
      'i.yaml:3:12: hosts[0].ports: expected at least one port (leave ports out for the defaults 25, 587 and 465)',
    ],
    [
      'hosts:\n  - host: a.example\n    ports: [25, 25]\n',
      'i.yaml:3:17: hosts[0].ports[1]: port 25 is listed twice',
    ],
    [
      'hosts:\n  - host: a.example\n    ports: [smtp]\n',
      'i.yaml:3:13: hosts[0].ports[0]: expected a port number (1-65535), got the string "smtp"',
    ],
    [
      'hosts:\n  - host: a.example\n    ports: [0]\n',
      'i.yaml:3:13: hosts[0].ports[0]: port 0 is out of range (1-65535)',
    ],
    [
      'hosts:\n  - host: a.example\n    ports: [25.5]\n',
      'i.yaml:3:13: hosts[0].ports[0]: expected a port number (1-65535), got the number 25.5',
    ],
    [
      'hosts:\n  - host: "a.example:99999"\n',
      'i.yaml:2:11: hosts[0].host: port "99999" is out of range (1-65535)',
    ],
    [
      'hosts:\n  - host: a.example\n    name: a\n',
      'i.yaml:3:5: hosts[0].name: unknown key "name" (expected host, ports, roles, policy, checks, credentials, note); did you mean "host"?',
    ],
    [
      'hosts:\n  - host: a.example\n    dkim_selectors: [s1]\n',
      'i.yaml:3:5: hosts[0].dkim_selectors: unknown key "dkim_selectors" (expected host, ports, roles, policy, checks, credentials, note); domains are listed under domains',
    ],
    [
      'domains:\n  - domain: x.example\n    ports: [25]\n',
      'i.yaml:3:5: domains[0].ports: unknown key "ports" (expected domain, roles, policy, checks, dkim_selectors, dns_only, note); hosts (with ports and credentials) are listed under hosts',
    ],
    [
      'domains:\n  - domain: x.example\n    dkim_selectors: ["bad sel"]\n',
      'i.yaml:3:22: domains[0].dkim_selectors[0]: expected a DKIM selector (letters, digits, -, _ and dots), got the string "bad sel"',
    ],
    ['domains:\n  - dns_only: true\n', 'i.yaml:2:5: domains[0]: a domain entry needs domain: NAME'],
    [
      'domains:\n  - 192.0.2.1\n',
      'i.yaml:2:5: domains[0]: "192.0.2.1" is not a domain name (a domain has no port and is not an address; list mail hosts under hosts)',
    ],
    [
      'hosts:\n  - host: a.example\n    roles: [relay, 3]\n',
      'i.yaml:3:20: hosts[0].roles[1]: expected a role (relay, mx, submission), got the number 3',
    ],
    [
      'hosts:\n  - host: a.example\n    checks:\n      smtp.vrfy: warning\n',
      'i.yaml:4:18: hosts[0].checks.smtp.vrfy: "warning" is not a severity (fail, warn, info, off); did you mean "warn"?',
    ],
    [
      'hosts:\n  - host: a.example\n    checks:\n      tls.cert_expiry: { params: { warnDay: 3 } }\n',
      'i.yaml:4:36: hosts[0].checks.tls.cert_expiry.params.warnDay: unknown parameter "warnDay" (parameters of tls.cert_expiry: warnDays); did you mean "warnDays"?',
    ],
    [
      'defaults:\n  note: x\nhosts: [a.example]\n',
      'i.yaml:2:3: defaults.note: unknown key "note" (expected policy, roles, ports, checks, credentials)',
    ],
    [
      'hosts:\n  - host: a.example\n    credentials: { user: u, password_env: A, password_file: f }\n',
      'i.yaml:3:46: hosts[0].credentials.password_file: give either password_env or password_file, not both',
    ],
    [
      'hosts:\n  - host: a.example\n    credentials: { password_env: A }\n',
      'i.yaml:3:18: hosts[0].credentials: credentials need a user (user)',
    ],
    [
      'hosts:\n  - host: a.example\n    credentials: { user: u }\n',
      'i.yaml:3:18: hosts[0].credentials: credentials need a password or token by reference: password_env, password_file, token_env or token_file',
    ],
    [
      'hosts:\n  - host: a.example\n    credentials: { user: "a\\r\\nb", token_env: T }\n',
      'i.yaml:3:26: hosts[0].credentials.user: the user name must not contain control characters (CR, LF, tab, ...)',
    ],
  ])('%j', (text, issue) => {
    expect(issuesOf(text)).toEqual([issue]);
  });

  it('names an unreadable file without a position', () => {
    const file = fixture('no-such-inventory.yaml');
    expect(() => loadInventory(file)).toThrow(
      new InventoryError([], `inventory file ${file}: cannot read it (no such file)`),
    );
    expect(() => loadInventory(FIXTURES)).toThrow(/cannot read it \(is a directory\)/);
  });
});

describe('inline secrets are refused', () => {
  it('in an entry and in its credentials, at the line of the key, without repeating the secret', () => {
    const file = fixture('inline-password.yaml');
    const issues = thrown(file);
    expect(issues).toEqual([
      `${file}:3:5: hosts[0].password: ${SECRET}`,
      `${file}:5:33: hosts[1].credentials.password: ${SECRET}`,
    ]);
    expect(issues.join('\n')).not.toContain('hunter2');
  });

  it('at the top level and in the defaults', () => {
    expect(issuesOf('password: hunter2\nhosts: [a.example]\n')).toEqual([`i.yaml:1:1: password: ${SECRET}`]);
    expect(issuesOf('defaults:\n  credentials: { user: u, secret: s }\nhosts: [a.example]\n')).toEqual([
      `i.yaml:2:27: defaults.credentials.secret: ${SECRET}`,
    ]);
  });

  it('in a CSV column, at the header', () => {
    const file = fixture('inline-password.csv');
    const issues = thrown(file);
    expect(issues).toEqual([`${file}:1:28: password: ${SECRET}`]);
    expect(issues.join('\n')).not.toContain('hunter2');
  });

  it('recognises the usual spellings, and tells token keys to use token_env', () => {
    for (const key of [
      'password',
      'Password',
      'pass',
      'passwd',
      'secret',
      'client_secret',
      'api_key',
      'apiKey',
      'auth-password',
      'private_key',
    ])
      expect(inlineSecretMessage(key), key).toBe(SECRET);
    for (const key of ['token', 'oauth_token', 'accessToken', 'bearer'])
      expect(inlineSecretMessage(key), key).toMatch(/use token_env: VARIABLE or token_file: PATH$/);
    for (const key of [
      'password_env',
      'password_file',
      'token_env',
      'token_file',
      'user',
      'passenger',
      'bypass',
      'host',
    ])
      expect(inlineSecretMessage(key), key).toBeUndefined();
  });

  it('never repeats a value written where a variable name belongs', () => {
    const issues = issuesOf(
      'hosts:\n  - host: a.example\n    credentials: { user: u, password_env: "S3cret!pw" }\n',
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).not.toContain('S3cret');
    const cred = issuesOf('hosts:\n  - host: a.example\n    credentials: "probe:S3cret!pw"\n');
    expect(cred).toEqual([
      'i.yaml:3:18: hosts[0].credentials: expected a mapping with user and password_env, password_file, token_env or token_file, got a string',
    ]);
  });
});
