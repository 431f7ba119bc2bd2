/**
 * Built-in policies as data: per check a severity (what a failing check counts as) and, where a
 * check has parameters, the values this policy sets. Checks keep their own defaults; a policy
 * only says what differs. Policy files `extends` one of these (src/policy/loader.ts).
 */
import type { Severity } from '../model/results.js';

export interface CheckPolicy {
  severity: Severity;
  params?: Record<string, unknown>;
}

/** The roles an inventory assigns to hosts; a policy may scope overrides to them. */
export const POLICY_ROLES = ['relay', 'mx', 'submission'] as const;
export type PolicyRole = (typeof POLICY_ROLES)[number];

export interface Policy {
  name: string;
  description: string;
  source: 'built-in' | 'file';
  checks: Record<string, CheckPolicy>;
  /**
   * Per-role overrides (policy files only). Each entry is already resolved — severity and the
   * merged params of the policy-wide entry with the role's changes — so for a host with role R
   * the effective entry of a check is `roles[R][id] ?? checks[id]`.
   */
  roles?: Partial<Record<PolicyRole, Record<string, CheckPolicy>>>;
}

const fail: CheckPolicy = { severity: 'fail' };
const warn: CheckPolicy = { severity: 'warn' };
const info: CheckPolicy = { severity: 'info' };

/**
 * The campus baseline: TLS on every relay and submission port, TLS 1.2 or newer, no AUTH before
 * TLS, no user enumeration, certificates that a sending MTA can verify.
 */
const campusBaseline: Policy = {
  name: 'campus-baseline',
  description:
    'TLS required on submission, TLS >= 1.2, no AUTH before TLS, no open relay, valid certificates',
  source: 'built-in',
  checks: {
    'smtp.connect': fail,
    'smtp.greeting': warn,
    'smtp.greeting_delay': warn,
    'smtp.ehlo': fail,
    'smtp.vrfy': warn,
    'smtp.expn': warn,
    'smtp.mta': info,
    'tls.starttls': fail,
    'tls.implicit': fail,
    'tls.required': fail,
    'tls.protocols': { severity: 'fail', params: { minVersion: 'TLSv1.2' } },
    'tls.ciphers': fail,
    // Most MX-to-MX TLS is opportunistic and unauthenticated (RFC 7435), so a chain problem is a
    // warning on the baseline; the strict policy (and MTA-STS domains) make it a failure.
    'tls.cert_chain': warn,
    'tls.cert_hostname': warn,
    'tls.cert_expiry': { severity: 'fail', params: { warnDays: 21 } },
    'tls.cert_key': fail,
    'tls.cert_signature': fail,
    'auth.before_tls': fail,
    'auth.submission': fail,
    'auth.mechanisms': warn,
    'auth.login': fail,
    'auth.required': fail,
    'relay.open': fail,
    'data.accepted': fail,
    // Mail DNS: PTR and FCrDNS for sending hosts, SPF and DMARC present, DKIM present.
    'dns.mx': fail,
    'dns.ptr': fail,
    'dns.fcrdns': fail,
    'dns.ipv6': info,
    'smtp.helo_name': warn,
    'spf.record': fail,
    'spf.lookups': fail,
    'spf.void_lookups': warn,
    'spf.all': fail, // ~all comes out as warn from the check itself
    'spf.ptr': warn,
    'spf.authorizes': fail,
    'dkim.selector': fail,
    'dkim.key': fail, // 1024-bit keys come out as warn from the check itself
    'dkim.testing': warn,
    'dmarc.record': fail,
    'dmarc.policy': { severity: 'warn', params: { allowed: ['quarantine', 'reject'] } },
    'dmarc.pct': warn,
    'dmarc.rua': warn,
    // Transport security beyond opportunistic STARTTLS is reported, not required, on the baseline.
    'mta_sts.policy': info,
    'tls_rpt.record': info,
    // Absent DANE is reported as info by the check itself; TLSA that does not match the
    // certificate makes DANE-validating senders refuse to deliver, so that fails.
    'tls.dane': { severity: 'fail', params: { required: false } },
    'dnsbl.listed': fail,
  },
};

/** The strict campus policy: everything the baseline has, and the chain must validate. */
const campusStrict: Policy = {
  name: 'campus-strict',
  description: 'campus-baseline plus: certificate chain and host name must validate, no version disclosure',
  source: 'built-in',
  checks: {
    ...campusBaseline.checks,
    'smtp.vrfy': fail,
    'smtp.expn': fail,
    'smtp.mta': { severity: 'warn', params: { versionDisclosure: 'warn' } },
    'tls.cert_chain': fail,
    'tls.cert_hostname': fail,
    'auth.mechanisms': fail,
    'smtp.helo_name': fail,
    'dmarc.policy': { severity: 'fail', params: { allowed: ['reject'] } },
    'dmarc.rua': fail,
    // SPEC: DANE or MTA-STS. Each is a warning on its own; the report shows which one is deployed.
    'mta_sts.policy': warn,
    'tls_rpt.record': warn,
    'tls.dane': { severity: 'fail', params: { required: false } },
  },
};

/** What the readiness command judges: the new relay's TLS and AUTH, not the old relay's hygiene. */
const migrationReadiness: Policy = {
  name: 'migration-readiness',
  description: 'pre-migration: reach the provider relay, modern TLS with a valid certificate, AUTH works',
  source: 'built-in',
  checks: {
    ...campusBaseline.checks,
    'smtp.vrfy': { severity: 'off' },
    'smtp.expn': { severity: 'off' },
    'smtp.greeting_delay': info,
    'tls.cert_chain': fail,
    'tls.cert_hostname': fail,
  },
};

export const BUILTIN_POLICIES: Readonly<Record<string, Policy>> = {
  'campus-baseline': campusBaseline,
  'campus-strict': campusStrict,
  'migration-readiness': migrationReadiness,
};

export const DEFAULT_POLICY = 'campus-baseline';
