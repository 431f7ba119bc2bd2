/**
 * The contract every check implements. A check is pure: it reads artifacts and returns a finding.
 * Message text and remediation live in the check's metadata; findings carry a message id and data.
 */
import type { EndpointFacts, HostFacts } from '../model/artifacts.js';
import type { DomainFacts } from '../model/dns-artifacts.js';
import type { MtaName } from '../model/results.js';

/** Areas, as the first part of a check id. */
export type CheckArea =
  | 'smtp'
  | 'tls'
  | 'auth'
  | 'relay'
  | 'data'
  | 'dns'
  | 'spf'
  | 'dkim'
  | 'dmarc'
  | 'mta_sts'
  | 'tls_rpt'
  | 'dnsbl';

/**
 * Facts a check needs beyond the basic SMTP session; the runner only runs the probes that the
 * selected checks ask for (a DNS-only run opens no socket, a run without tls.protocols makes no
 * version handshakes).
 */
export type Requirement =
  | 'smtp' // connect, greeting, EHLO, STARTTLS/implicit TLS, EHLO inside TLS
  | 'tls-versions' // one handshake per protocol version
  | 'tls-weak-ciphers' // handshakes offering only weak suites
  | 'mail-before-tls' // MAIL FROM on the cleartext session
  | 'vrfy'
  | 'expn'
  | 'auth-login' // log in with the given credentials
  | 'relay' // the open-relay battery (and again after AUTH with credentials), own connection, never DATA
  | 'data' // the opt-in test message (--send-test --from A --to B), own connection
  // Domain (DNS) probes; a run that selects none of the SMTP requirements opens no socket.
  | 'dns-mx' // MX and the A/AAAA of every MX host
  | 'dns-reverse' // PTR of every mail host address and the forward lookup of each PTR name
  | 'spf' // the SPF record tree (apex, include:, redirect=)
  | 'spf-eval' // mailauth's SPF evaluation of the mail host addresses
  | 'dkim'
  | 'dmarc'
  | 'mta-sts' // _mta-sts TXT and the HTTPS policy
  | 'tls-rpt'
  | 'tlsa' // _25._tcp.<mx> TLSA
  | 'dnsbl'
  | 'mx-probe'; // a port-25 SMTP probe of every MX (skipped with --dns-only)

/** What a check concludes. `fail` and `warn` are problems; the policy may lower them (never raise). */
export interface Finding {
  status: 'pass' | 'fail' | 'warn' | 'info' | 'skip' | 'error';
  /** Key into the check's `messages`. */
  messageId: string;
  /** Values for the message and remediation templates ({name} placeholders), also published as data. */
  data?: Record<string, string | number | boolean | string[] | undefined>;
  /** Exact reply lines, certificate fields, versions seen. */
  evidence?: string[];
}

/** The MTA we believe is answering, from the greeting and behaviour. */
export interface MtaIdentity {
  name: MtaName | 'smtp-server' | 'unknown';
  /** Display name, e.g. "Postfix", "Exim 4.96". */
  product: string;
  version?: string;
  /** The exact text that identified it. */
  evidence: string;
}

export interface EndpointContext<P> {
  endpoint: EndpointFacts;
  host: HostFacts;
  params: P;
  /** The scan's clock, so expiry checks are reproducible in tests. */
  now: Date;
  mta: MtaIdentity;
  /** Whether credentials were given (auth.login skips without them). */
  credentialsGiven: boolean;
}

export interface RemediationText {
  /** One line, MTA-neutral; may use {placeholders} from the finding's data. */
  generic: string;
  postfix?: string;
  exim?: string;
  sendmail?: string;
  exchange?: string;
  opensmtpd?: string;
}

export interface EndpointCheck<P extends object = Record<string, never>> {
  id: string;
  area: CheckArea;
  /** Short title, e.g. "STARTTLS offered and working". */
  title: string;
  scope: 'endpoint';
  /** The one most relevant RFC section or policy reason, e.g. "RFC 3207 §4". */
  reference: string;
  requires: readonly Requirement[];
  defaultParams: P;
  /** Message templates by message id; {name} is replaced with the finding's data. */
  messages: Record<string, string>;
  remediation: RemediationText;
  run(ctx: EndpointContext<P>): Finding;
}

export interface DomainContext<P> {
  domain: DomainFacts;
  /** The port-25 probes of the domain's MX hosts (empty with --dns-only). */
  mxHosts: HostFacts[];
  params: P;
  now: Date;
}

/** A check judged once per domain; its evidence lists every item it looked at. */
export interface DomainCheck<P extends object = Record<string, never>> {
  id: string;
  area: CheckArea;
  title: string;
  scope: 'domain';
  reference: string;
  requires: readonly Requirement[];
  defaultParams: P;
  messages: Record<string, string>;
  remediation: RemediationText;
  run(ctx: DomainContext<P>): Finding;
}

/** Any registered check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- params differ per check; each check is typed at definition
export type AnyCheck = EndpointCheck<any> | DomainCheck<any>;

/** Identity helper that keeps a check's params type checked against its defaults. */
export function defineEndpointCheck<P extends object>(check: EndpointCheck<P>): EndpointCheck<P> {
  return check;
}

export function defineDomainCheck<P extends object>(check: DomainCheck<P>): DomainCheck<P> {
  return check;
}
