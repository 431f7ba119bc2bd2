import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/checks/index.js';
import { BUILTIN_POLICIES, POLICY_ROLES, type Policy } from '../../src/policy/builtin.js';
import { formatIssue, loadPolicyFile, parsePolicy, resolvePolicy } from '../../src/policy/loader.js';
import { flowYaml, renderPolicyYaml, renderStarter } from '../../src/policy/render.js';
import { selectChecks } from '../../src/runner/judge.js';

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/policies');
const VALID = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => path.join(FIXTURES, f))
  .filter((f) => {
    try {
      loadPolicyFile(f);
      return true;
    } catch {
      return false;
    }
  });

function parsed(text: string, file = 'out.yaml') {
  const r = parsePolicy(text, file);
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.loaded;
}

/** How a policy judges: per check the severity and parameters the runner would use. */
function judging(policy: Policy) {
  const roles = Object.fromEntries(
    POLICY_ROLES.map((r) => [
      r,
      selectChecks(REGISTRY, { ...policy, checks: { ...policy.checks, ...policy.roles?.[r] } }).map((s) => [
        s.check.id,
        s.severity,
        s.params,
      ]),
    ]),
  );
  return {
    all: selectChecks(REGISTRY, policy).map((s) => [s.check.id, s.severity, s.params]),
    off: REGISTRY.filter((c) => policy.checks[c.id]?.severity === 'off').map((c) => c.id),
    roles,
  };
}

describe('policy show output', () => {
  it('has fixtures to round-trip', () => {
    expect(VALID.length).toBeGreaterThanOrEqual(3);
  });

  it.each([...Object.keys(BUILTIN_POLICIES), ...VALID])('round-trips %s', (nameOrFile) => {
    const original = resolvePolicy(nameOrFile);
    const text = renderPolicyYaml(original);
    const again = parsed(text);
    expect(again.extends).toBe(original.extends);
    expect(again.policy.name).toBe(original.policy.name);
    expect(again.policy.description).toBe(original.policy.description);
    expect(judging(again.policy)).toEqual(judging(original.policy));
    // Showing the shown policy changes nothing but the header.
    expect(renderPolicyYaml(again).split('\n').slice(3)).toEqual(text.split('\n').slice(3));
  });

  it('lists every registered check once, under a comment with its title', () => {
    const text = renderPolicyYaml(resolvePolicy('campus-baseline'));
    for (const c of REGISTRY) {
      expect(text.match(new RegExp(`^  ${c.id.replace('.', '\\.')}:`, 'gm')), c.id).toHaveLength(1);
      expect(text, c.id).toContain(`  # ${c.title}\n  ${c.id}: `);
    }
    expect(text).toContain('  tls.protocols: { severity: fail, params: { minVersion: TLSv1.2 } }\n');
    expect(text).toContain('  smtp.vrfy: warn\n');
    expect(text).toMatch(/^# campus-baseline: /);
  });

  it('shows the changes a file makes, with the defaults it keeps', () => {
    const text = renderPolicyYaml(resolvePolicy(path.join(FIXTURES, 'physics-dept.yaml')));
    expect(text).toContain('  dmarc.policy: { severity: warn, params: { allowed: [ reject ] } }\n');
    expect(text).toContain('  spf.lookups: { severity: fail, params: { max: 10 } }\n');
    expect(text).toContain(
      'roles:\n  relay:\n    # Cleartext MAIL FROM refused where TLS is required\n    tls.required: { severity: fail, params: { profiles: [ smtp, submission ] } }\n',
    );
  });
});

describe('policy init starter', () => {
  /** The starter with every commented check line made live. */
  function uncommented(text: string): string {
    return text.replace(/^ {2}# ([a-z_]+\.[a-z0-9_]+: .*?)\s+# .*$/gm, '  $1');
  }

  it.each(Object.keys(BUILTIN_POLICIES))('validates as written and changes nothing (%s)', (base) => {
    const text = renderStarter(base, 'physics-dept', '1.2.3');
    const l = parsed(text, 'physics-dept.yaml');
    expect(l.extends).toBe(base);
    expect(l.policy.name).toBe('physics-dept');
    expect(l.overridden).toBe(0);
    expect(judging(l.policy)).toEqual(judging(BUILTIN_POLICIES[base]!));
    expect(text).toContain('mailcheck 1.2.3');
  });

  it.each(Object.keys(BUILTIN_POLICIES))(
    'every commented check line is valid when uncommented (%s)',
    (base) => {
      const text = uncommented(renderStarter(base, 'p', '0.0.0'));
      const l = parsed(text);
      expect(l.overridden).toBe(REGISTRY.length);
      expect(judging(l.policy)).toEqual(judging(BUILTIN_POLICIES[base]!));
    },
  );

  it('lists every check once, grouped by area with a heading per area', () => {
    const text = renderStarter('campus-baseline', 'p', '0.0.0');
    for (const c of REGISTRY) {
      expect(text.match(new RegExp(`^ {2}# ${c.id.replace('.', '\\.')}: `, 'gm')), c.id).toHaveLength(1);
    }
    const headings = [...text.matchAll(/^ {2}# --- (.+) ---$/gm)].map((m) => m[1]);
    expect(headings.slice(0, 3)).toEqual(['SMTP dialogue', 'TLS and certificates', 'AUTH']);
    expect(new Set(headings).size).toBe(headings.length);
    // Checks of one area sit together: after an area's heading come only that area's checks.
    let area = '';
    for (const line of text.split('\n')) {
      const id = /^ {2}# ([a-z_]+)\.[a-z0-9_]+: /.exec(line)?.[1];
      if (line.startsWith('  # --- ')) area = '';
      else if (id) {
        if (area) expect(id).toBe(area);
        area = id;
      }
    }
  });

  it('shows the severities and params of the extended policy', () => {
    const strict = renderStarter('campus-strict', 'p', '0.0.0');
    expect(strict).toMatch(
      /^ {2}# dmarc\.policy: \{ severity: fail, params: \{ allowed: \[ reject \] \} \}\s+# /m,
    );
    expect(strict).toMatch(/^ {2}# smtp\.vrfy: fail\s+# No user enumeration via VRFY$/m);
    expect(strict).toContain('extends: campus-strict\n');
  });

  it('the role examples are valid when uncommented', () => {
    const text = renderStarter('campus-baseline', 'p', '0.0.0').replace(
      /^ {2}# ( *(relay|mx|submission):)$/gm,
      '  $1',
    );
    const live = text.replace(/^ {2}# ( {2}[a-z_]+\.[a-z0-9_]+: .*)$/gm, '  $1');
    const l = parsed(live);
    expect(Object.keys(l.policy.roles ?? {}).sort()).toEqual(['mx', 'relay', 'submission']);
  });
});

describe('flowYaml', () => {
  it('writes one line of flow YAML, quoting what needs it', () => {
    expect(flowYaml({ a: [1, 'x'], b: { c: true } })).toBe('{ a: [ 1, x ], b: { c: true } }');
    expect(flowYaml('off')).toBe('off');
    expect(flowYaml('a: b')).toBe('"a: b"');
    expect(flowYaml([])).toBe('[]');
  });
});
