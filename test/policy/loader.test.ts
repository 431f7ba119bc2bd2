import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_POLICIES } from '../../src/policy/builtin.js';
import {
  PolicyError,
  formatIssue,
  loadPolicyFile,
  looksLikePolicyFile,
  parsePolicy,
  resolvePolicy,
} from '../../src/policy/loader.js';
import { editDistance, nearest } from '../../src/policy/suggest.js';

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/policies');
const fixture = (name: string) => path.join(FIXTURES, name);

/** The formatted issues of a policy text, or the loaded policy when it is valid. */
function issuesOf(text: string, file = 'p.yaml'): string[] {
  const r = parsePolicy(text, file);
  return r.ok ? [] : r.issues.map(formatIssue);
}

function loaded(text: string, file = 'p.yaml') {
  const r = parsePolicy(text, file);
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.loaded;
}

describe('valid policy files', () => {
  it('merges the example over campus-baseline', () => {
    const l = loadPolicyFile(fixture('physics-dept.yaml'));
    const base = BUILTIN_POLICIES['campus-baseline']!;
    expect(l.extends).toBe('campus-baseline');
    expect(l.overridden).toBe(4);
    expect(l.policy.name).toBe('physics-dept');
    expect(l.policy.description).toBe('Physics department relays');
    expect(l.policy.source).toBe('file');
    expect(l.policy.checks['smtp.vrfy']).toEqual({ severity: 'warn' });
    // Params only: the severity stays the built-in's; the list replaces the built-in's list.
    expect(l.policy.checks['dmarc.policy']).toEqual({ severity: 'warn', params: { allowed: ['reject'] } });
    expect(l.policy.checks['dnsbl.listed']).toEqual({
      severity: 'fail',
      params: { zones: ['zen.spamhaus.org'] },
    });
    // Untouched checks are the built-in's, and every built-in check is still there.
    expect(l.policy.checks['tls.cert_expiry']).toEqual(base.checks['tls.cert_expiry']);
    expect(Object.keys(l.policy.checks).sort()).toEqual(Object.keys(base.checks).sort());
    // Empty roles are dropped; role entries are resolved against the policy-wide entry.
    expect(l.roles).toEqual(['relay']);
    expect(l.policy.roles).toEqual({
      relay: { 'tls.required': { severity: 'fail', params: { profiles: ['smtp', 'submission'] } } },
    });
    // The built-in itself is not modified.
    expect(base.checks['smtp.vrfy']).toEqual({ severity: 'warn' });
    expect(BUILTIN_POLICIES['campus-baseline']!.roles).toBeUndefined();
  });

  it('reads block style, anchors and aliases, off, and names the policy after the file', () => {
    const l = loadPolicyFile(fixture('strict-block.yaml'));
    expect(l.extends).toBe('campus-strict');
    expect(l.policy.name).toBe('strict-block');
    expect(l.policy.checks['tls.cert_key']).toEqual({
      severity: 'fail',
      params: { minRsaBits: 3072, minEcBits: 256 },
    });
    expect(l.policy.checks['smtp.mta']).toEqual({ severity: 'off', params: { versionDisclosure: 'warn' } });
    expect(l.policy.checks['tls.dane']).toEqual({ severity: 'warn', params: { required: true } });
    expect(l.policy.roles?.submission?.['auth.mechanisms']).toEqual({
      severity: 'warn',
      params: { forbidden: ['CRAM-MD5', 'DIGEST-MD5', 'NTLM', 'LOGIN'] },
    });
    // A role entry with only a severity inherits the params of the policy-wide entry.
    expect(l.policy.roles?.mx?.['dns.ipv6']).toEqual({ severity: 'warn' });
  });

  it('treats sections whose items are all commented out as empty', () => {
    const l = loadPolicyFile(fixture('empty-sections.yaml'));
    expect(l.policy.checks).toEqual(BUILTIN_POLICIES['migration-readiness']!.checks);
    expect(l.overridden).toBe(0);
    expect(l.policy.roles).toBeUndefined();
  });

  it('extends campus-baseline when extends is left out', () => {
    const l = loaded('checks:\n  smtp.vrfy: off\n');
    expect(l.extends).toBe('campus-baseline');
    expect(l.policy.checks['smtp.vrfy']).toEqual({ severity: 'off' });
    expect(l.policy.description).toMatch(/campus-baseline/);
  });

  it('role overrides merge params over the policy-wide entry', () => {
    const l = loaded(
      [
        'checks:',
        '  tls.cert_key: { params: { minRsaBits: 3072 } }',
        'roles:',
        '  relay:',
        '    tls.cert_key: { severity: warn, params: { minEcBits: 384 } }',
      ].join('\n'),
    );
    expect(l.policy.roles?.relay?.['tls.cert_key']).toEqual({
      severity: 'warn',
      params: { minRsaBits: 3072, minEcBits: 384 },
    });
  });
});

describe('broken policy files: every problem with file, line, column and key', () => {
  it.each([
    [
      'bad-syntax.yaml',
      'checks.tls.protocols: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
      '5:3',
    ],
    [
      'unknown-check.yaml',
      'checks.tls.protocol: unknown check id "tls.protocol"; did you mean "tls.protocols"?',
      '4:3',
    ],
    [
      'bad-severity.yaml',
      'checks.smtp.vrfy: "warning" is not a severity (fail, warn, info, off); did you mean "warn"?',
      '4:14',
    ],
    [
      'unknown-param.yaml',
      'checks.tls.cert_expiry.params.warnDay: unknown parameter "warnDay" (parameters of tls.cert_expiry: warnDays); did you mean "warnDays"?',
      '6:7',
    ],
    [
      'bad-param-enum.yaml',
      'checks.tls.protocols.params.minVersion: "TLSv1.4" is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3',
      '3:42',
    ],
  ])('%s', (name, message, position) => {
    const file = fixture(name);
    expect(() => loadPolicyFile(file)).toThrow(PolicyError);
    try {
      loadPolicyFile(file);
    } catch (err) {
      const e = err as PolicyError;
      expect(e.issues.map(formatIssue)).toEqual([`${file}:${position}: ${message}`]);
      expect(e.message).toContain(`${file}:${position}: ${message}`);
    }
  });

  it('collects every problem of a file, in file order', () => {
    const file = fixture('bad-param-type.yaml');
    expect(issuesOf(readFileSync(file, 'utf8'), 'bad-param-type.yaml')).toEqual([
      'bad-param-type.yaml:3:42: checks.tls.cert_expiry.params.warnDays: expected a whole number >= 0, got the string "three weeks"',
      'bad-param-type.yaml:6:29: checks.dmarc.policy.params.allowed[1]: "rejected" is not one of none, quarantine, reject; did you mean "reject"?',
    ]);
    expect(issuesOf(readFileSync(fixture('unknown-role.yaml'), 'utf8'), 'r.yaml')).toEqual([
      'r.yaml:1:10: extends: unknown built-in policy "campus-basline" (built-in: campus-baseline, campus-strict, migration-readiness); did you mean "campus-baseline"?',
      'r.yaml:4:1: role: unknown key "role" (expected extends, name, description, checks, roles); did you mean "roles"?',
      'r.yaml:7:3: roles.gateway: unknown role "gateway" (roles: relay, mx, submission)',
    ]);
  });

  it.each([
    [
      '',
      'p.yaml:1:1: (top level): the file holds no policy; expected the keys extends, name, description, checks, roles',
    ],
    [
      '# only a comment\n',
      'p.yaml:1:1: (top level): the file holds no policy; expected the keys extends, name, description, checks, roles',
    ],
    [
      '- a\n- b\n',
      'p.yaml:1:1: (top level): expected a mapping with the keys extends, name, description, checks, roles, got a list',
    ],
    ['name: 42\n', 'p.yaml:1:7: name: expected a non-empty string, got the number 42'],
    ['name: ""\n', 'p.yaml:1:7: name: expected a non-empty string, got the string ""'],
    ['description: [a]\n', 'p.yaml:1:14: description: expected a string, got a list'],
    ['extends: [campus-baseline]\n', 'p.yaml:1:10: extends: expected a non-empty string, got a list'],
    [
      'checks: [smtp.vrfy]\n',
      'p.yaml:1:9: checks: expected a mapping of check ids to severities or { severity, params }, got a list',
    ],
    [
      'checks:\n  smtp.vrfy: false\n',
      'p.yaml:2:14: checks.smtp.vrfy: expected a severity (fail, warn, info, off) or a mapping with severity and/or params, got the boolean false',
    ],
    [
      'checks:\n  smtp.vrfy:\n',
      'p.yaml:2:13: checks.smtp.vrfy: expected a severity (fail, warn, info, off) or a mapping with severity and/or params, got nothing',
    ],
    [
      'checks:\n  smtp.vrfy: { severity: 1 }\n',
      'p.yaml:2:26: checks.smtp.vrfy.severity: expected a severity (fail, warn, info, off), got the number 1',
    ],
    [
      'checks:\n  smtp.vrfy: { severty: warn }\n',
      'p.yaml:2:16: checks.smtp.vrfy.severty: unknown key "severty" (expected severity, params); did you mean "severity"?',
    ],
    [
      'checks:\n  smtp.vrfy: { params: { user: root } }\n',
      'p.yaml:2:26: checks.smtp.vrfy.params.user: unknown parameter "user" (smtp.vrfy takes no parameters)',
    ],
    [
      'checks:\n  tls.protocols: { params: [TLSv1.2] }\n',
      'p.yaml:2:28: checks.tls.protocols.params: expected a mapping of parameter names to values, got a list',
    ],
    [
      'checks:\n  tls.protocols: { params: { minVersion: 1.2 } }\n',
      'p.yaml:2:42: checks.tls.protocols.params.minVersion: expected one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, got the number 1.2',
    ],
    [
      'checks:\n  tls.dane: { params: { required: yes } }\n',
      'p.yaml:2:35: checks.tls.dane.params.required: expected true or false, got the string "yes"',
    ],
    [
      'checks:\n  tls.cert_expiry: { params: { warnDays: -1 } }\n',
      'p.yaml:2:42: checks.tls.cert_expiry.params.warnDays: expected a whole number >= 0, got the number -1',
    ],
    [
      'checks:\n  tls.cert_expiry: { params: { warnDays: 2.5 } }\n',
      'p.yaml:2:42: checks.tls.cert_expiry.params.warnDays: expected a whole number >= 0, got the number 2.5',
    ],
    [
      'checks:\n  tls.cert_key: { params: { minRsaBits: 0 } }\n',
      'p.yaml:2:41: checks.tls.cert_key.params.minRsaBits: expected a whole number >= 1, got the number 0',
    ],
    [
      'checks:\n  dnsbl.listed: { params: { zones: zen.spamhaus.org } }\n',
      'p.yaml:2:36: checks.dnsbl.listed.params.zones: expected a list of DNS zone names, got the string "zen.spamhaus.org"',
    ],
    [
      'checks:\n  dnsbl.listed: { params: { zones: ["bad zone"] } }\n',
      'p.yaml:2:37: checks.dnsbl.listed.params.zones[0]: "bad zone" is not a DNS zone name',
    ],
    [
      'checks:\n  dmarc.policy: { params: { allowed: [] } }\n',
      'p.yaml:2:38: checks.dmarc.policy.params.allowed: expected at least 1 value(s)',
    ],
    [
      'checks:\n  dmarc.policy: { params: { allowed: [[reject]] } }\n',
      'p.yaml:2:39: checks.dmarc.policy.params.allowed[0]: expected a string, got a list',
    ],
    [
      'checks:\n  auth.mechanisms: { params: { forbidden: [cram-md5] } }\n',
      'p.yaml:2:44: checks.auth.mechanisms.params.forbidden[0]: "cram-md5" is not an upper-case SASL mechanism name',
    ],
    [
      'checks:\n  smtp.vrfy: warn\n  smtp.vrfy: off\n',
      'p.yaml:3:3: checks.smtp.vrfy: YAML syntax error: Map keys must be unique',
    ],
    [
      'checks:\n  vrfy: warn\n',
      'p.yaml:2:3: checks.vrfy: unknown check id "vrfy"; did you mean "smtp.vrfy"?',
    ],
    [
      'checks:\n  frobnicate.all: warn\n',
      'p.yaml:2:3: checks.frobnicate.all: unknown check id "frobnicate.all"',
    ],
    [
      'roles:\n  relay:\n    tls.required: { params: { profiles: [lmtp] } }\n',
      'p.yaml:3:42: roles.relay.tls.required.params.profiles[0]: "lmtp" is not one of smtp, submission, smtps; did you mean "smtp"?',
    ],
    [
      'roles: [relay]\n',
      'p.yaml:1:8: roles: expected a mapping of roles (relay, mx, submission), got a list',
    ],
    [
      'roles:\n  relays: {}\n',
      'p.yaml:2:3: roles.relays: unknown role "relays" (roles: relay, mx, submission); did you mean "relay"?',
    ],
    ['? [a, b]\n: c\n', 'p.yaml:1:3: (top level): keys must be plain names'],
  ])('%j', (text, issue) => {
    expect(issuesOf(text)).toEqual([issue]);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const issues = issuesOf(levels.join('\n') + '\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^p\.yaml:1:1: \(top level\): YAML error: .*alias/i);
  });

  it('points at an alias where it is used', () => {
    const text = 'x: &v TLSv9\nchecks:\n  tls.protocols: { params: { minVersion: *v } }\n';
    expect(issuesOf(text)).toEqual([
      'p.yaml:1:1: x: unknown key "x" (expected extends, name, description, checks, roles)',
      'p.yaml:3:42: checks.tls.protocols.params.minVersion: "TLSv9" is not one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; did you mean "TLSv1"?',
    ]);
  });
});

describe('resolvePolicy and --policy values', () => {
  it('returns a built-in by name, unchanged', () => {
    const l = resolvePolicy('campus-strict');
    expect(l.policy).toBe(BUILTIN_POLICIES['campus-strict']);
    expect(l.extends).toBe('campus-strict');
    expect(l.file).toBeUndefined();
  });

  it('treats .yaml/.yml names, paths and existing files as files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mailcheck-policy-'));
    const bare = path.join(dir, 'central');
    writeFileSync(bare, 'checks:\n  smtp.vrfy: off\n');
    expect(looksLikePolicyFile('x.yaml')).toBe(true);
    expect(looksLikePolicyFile('X.YML')).toBe(true);
    expect(looksLikePolicyFile('./central')).toBe(true);
    expect(looksLikePolicyFile(bare)).toBe(true);
    expect(looksLikePolicyFile('campus-baseline')).toBe(false);
    expect(looksLikePolicyFile('nope')).toBe(false);
    const l = resolvePolicy(bare);
    expect(l.file).toBe(bare);
    expect(l.policy.name).toBe('central');
    expect(l.policy.checks['smtp.vrfy']).toEqual({ severity: 'off' });
  });

  it('names unknown policies and missing files', () => {
    expect(() => resolvePolicy('campus-strikt')).toThrow(
      'unknown policy "campus-strikt" (built-in: campus-baseline, campus-strict, migration-readiness; a policy file is a path ending in .yaml or .yml); did you mean "campus-strict"?',
    );
    expect(() => resolvePolicy('missing.yaml')).toThrow(
      'policy file missing.yaml: cannot read it (no such file)',
    );
    expect(() => resolvePolicy(FIXTURES)).toThrow(/cannot read it \(is a directory\)/);
    // Names of Object.prototype are not policies.
    expect(() => resolvePolicy('toString')).toThrow('unknown policy "toString"');
    expect(issuesOf('extends: constructor\n')).toEqual([
      'p.yaml:1:10: extends: unknown built-in policy "constructor" (built-in: campus-baseline, campus-strict, migration-readiness)',
    ]);
    expect(issuesOf('checks:\n  tls.protocols: { params: { constructor: 1 } }\n')).toEqual([
      'p.yaml:2:30: checks.tls.protocols.params.constructor: unknown parameter "constructor" (parameters of tls.protocols: minVersion)',
    ]);
  });

  it('lists every problem of an invalid file in the error', () => {
    const file = fixture('unknown-role.yaml');
    try {
      resolvePolicy(file);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      const e = err as PolicyError;
      expect(e.issues).toHaveLength(3);
      expect(e.message.split('\n')).toEqual([
        `invalid policy file ${file} (3 problems):`,
        ...e.issues.map(formatIssue),
      ]);
    }
  });
});

describe('suggestions', () => {
  it('computes edit distances with transpositions', () => {
    expect(editDistance('warn', 'warn')).toBe(0);
    expect(editDistance('wran', 'warn')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests only close candidates', () => {
    expect(nearest('tls.protocol', ['tls.protocols', 'tls.ciphers'])).toBe('tls.protocols');
    expect(nearest('expn', ['smtp.vrfy', 'smtp.expn'])).toBe('smtp.expn');
    expect(nearest('warning', ['fail', 'warn', 'info', 'off'])).toBe('warn');
    expect(nearest('zzzzzz', ['fail', 'warn', 'info', 'off'])).toBeUndefined();
    expect(nearest('TLSv1.4', ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'])).toBeUndefined();
  });
});
