/**
 * MTA-STS gatherer (RFC 8461): the `_mta-sts.<domain>` TXT record (§3.1) and, when it announces a
 * policy, the policy file at `https://mta-sts.<domain>/.well-known/mta-sts.txt` (§3.3).
 *
 * The HTTPS fetch is our own rather than mailauth's fetchPolicy: the policy host is resolved
 * through the run's resolver (never system DNS), and we record what a mail administrator needs
 * to see — status, content type, redirect, certificate — instead of a bare "not found". The
 * policy body is parsed with mailauth's parser, with a few RFC 8461 §3.2 rules it does not apply.
 */
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { parsePolicy as ParsePolicy } from 'mailauth/lib/mta-sts.js';
import { createRequire } from 'node:module';
import type { DnsLookup, MtaStsFacts } from '../../model/dns-artifacts.js';
import { VERSION } from '../../version.js';
import { lookupJoinedTxt, type TxtResolver } from './tls-rpt.js';

/** RFC 8461 §3.2: the one path a policy is served from. */
export const MTA_STS_PATH = '/.well-known/mta-sts.txt';

/** RFC 8461 §3.3 lets senders cap the policy size; 64 KiB is the figure it gives. */
export const MTA_STS_MAX_BODY = 64 * 1024;

/** RFC 8461 §3.1: a record counts only if it starts with `v=STSv1` (then `;`, space or the end). */
export function isStsRecord(text: string): boolean {
  return /^v=STSv1(?:[;\s]|$)/.test(text);
}

export interface GatherMtaStsOptions {
  /** Test and lab hook: the policy server's port (default 443, as RFC 8461 §3.3 fixes it). */
  port?: number;
  /** Extra trust anchors (PEM), e.g. the lab CA; the system roots are always trusted. */
  ca?: string[];
  /** Limit for the whole fetch: connect, TLS handshake, response. */
  timeoutMs: number;
}

type FetchFacts = NonNullable<MtaStsFacts['fetch']>;
type PolicyFacts = NonNullable<MtaStsFacts['policy']>;

/**
 * Reads the TXT record and, if any record there is an STS record, fetches and parses the policy.
 * Never throws: failures are recorded in `fetch.error`.
 */
export async function gatherMtaSts(
  resolver: TxtResolver,
  domain: string,
  opts: GatherMtaStsOptions,
): Promise<MtaStsFacts> {
  const apex = domain.replace(/\.$/, '').toLowerCase();
  const txt = await lookupJoinedTxt(resolver, `_mta-sts.${apex}`);
  const facts: MtaStsFacts = { txt };
  if (!txt.records.some(isStsRecord)) return facts;
  facts.fetch = await fetchPolicyFile(resolver, `mta-sts.${apex}`, opts);
  const { status, body, error } = facts.fetch;
  if (status === 200 && body !== undefined && error === undefined) facts.policy = parseMtaStsPolicy(body);
  return facts;
}

/** "A NXDOMAIN, AAAA NODATA": why a name has no address. */
function noAddressReason(a: DnsLookup<string>, aaaa: DnsLookup<string>): string {
  return `A ${a.status}, AAAA ${aaaa.status}`;
}

const contexts = new Map<string, tls.SecureContext>();

/** One secure context per set of extra anchors: parsing the root store is slow, do it once. */
function secureContext(extra: readonly string[]): tls.SecureContext {
  const key = extra.join('\n');
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = tls.createSecureContext({ ca: [...tls.rootCertificates, ...extra] });
    contexts.set(key, ctx);
  }
  return ctx;
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

/** The leaf certificate's facts and whether it is valid for `host`, right after the handshake. */
function certificateOf(socket: tls.TLSSocket, host: string): FetchFacts['certificate'] | undefined {
  const peer = socket.getPeerCertificate();
  if (!peer?.raw) return undefined;
  const x = new X509Certificate(peer.raw);
  const cert: NonNullable<FetchFacts['certificate']> = {
    subject: oneLine(x.subject),
    issuer: oneLine(x.issuer),
    validTo: new Date(x.validTo).toISOString(),
    authorized: socket.authorized,
  };
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'unknown verification error');
    // Node keeps only the code of a name mismatch; ask again for the sentence that names the host.
    const detail =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? tls.checkServerIdentity(host, peer)?.message : undefined;
    cert.authorizationError = detail ? `${code}: ${detail}` : code;
  }
  return cert;
}

/**
 * Fetches the policy from the first address of `host` (A before AAAA), with `host` as SNI name and
 * Host header. The certificate must be valid for `host`; redirects are recorded, not followed.
 */
async function fetchPolicyFile(
  resolver: TxtResolver,
  host: string,
  opts: GatherMtaStsOptions,
): Promise<FetchFacts> {
  const port = opts.port ?? 443;
  const url = `https://${host}${MTA_STS_PATH}`;
  const [a, aaaa] = await Promise.all([
    resolver.lookup<string>(host, 'A'),
    resolver.lookup<string>(host, 'AAAA'),
  ]);
  const address = a.records[0] ?? aaaa.records[0];
  if (address === undefined) {
    return {
      url,
      error: `${host} has no address (${noAddressReason(a, aaaa)})`,
      addressLookup: { a: a.status, aaaa: aaaa.status },
    };
  }
  const where = `${address} port ${port}`;

  return new Promise<FetchFacts>((resolve) => {
    const facts: FetchFacts = { url };
    let settled = false;
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== undefined) facts.error = error;
      req.destroy();
      resolve(facts);
    };

    // secureContext reaches tls.connect through the agent; @types/node leaves it out of RequestOptions.
    const tlsOptions: tls.ConnectionOptions = { secureContext: secureContext(opts.ca ?? []) };
    const req = https.request({
      ...(tlsOptions as https.RequestOptions),
      host: address,
      port,
      path: MTA_STS_PATH,
      method: 'GET',
      servername: host,
      headers: {
        host: port === 443 ? host : `${host}:${port}`,
        'user-agent': `mailcheck/${VERSION}`,
        accept: 'text/plain',
      },
      // Verified by hand below, so that an invalid certificate is recorded rather than just refused.
      rejectUnauthorized: false,
      agent: false,
    });
    const timer = setTimeout(
      () => finish(`no complete response from ${where} within ${opts.timeoutMs} ms`),
      opts.timeoutMs,
    );

    req.on('socket', (socket) => {
      socket.once('secureConnect', () => {
        const tlsSocket = socket as tls.TLSSocket;
        const cert = certificateOf(tlsSocket, host);
        if (cert) facts.certificate = cert;
        // RFC 8461 §3.3: the policy counts only if fetched over a certificate valid for the host.
        if (!tlsSocket.authorized) {
          finish(
            `certificate not valid for ${host}: ${cert?.authorizationError ?? tlsSocket.authorizationError}`,
          );
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish(
        `fetching from ${where}: ${err.code && !err.message.includes(err.code) ? `${err.code} ` : ''}${err.message}`,
      );
    });
    req.on('response', (res: IncomingMessage) => onResponse(res, facts, finish));
    req.end();
  });
}

/** Records status and content type, then reads at most {@link MTA_STS_MAX_BODY} octets of body. */
function onResponse(res: IncomingMessage, facts: FetchFacts, finish: (error?: string) => void): void {
  const status = res.statusCode ?? 0;
  facts.status = status;
  const type = res.headers['content-type'];
  if (type !== undefined) facts.contentType = type;
  if (status >= 300 && status < 400) {
    // RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed".
    facts.redirected = true;
    const location = res.headers.location;
    finish(`HTTP ${status} redirect${location ? ` to ${location}` : ''} not followed (RFC 8461 §3.3)`);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let stopped = false;
  const tooLarge = (): void => {
    stopped = true;
    facts.body = Buffer.concat(chunks).subarray(0, MTA_STS_MAX_BODY).toString('utf8');
    finish(`policy larger than ${MTA_STS_MAX_BODY} octets (RFC 8461 §3.3 lets senders stop there)`);
  };
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > MTA_STS_MAX_BODY) return tooLarge();
  res.on('data', (chunk: Buffer) => {
    if (stopped) return;
    chunks.push(chunk);
    size += chunk.length;
    if (size > MTA_STS_MAX_BODY) tooLarge();
  });
  res.on('end', () => {
    if (stopped) return;
    facts.body = Buffer.concat(chunks).toString('utf8');
    finish();
  });
  res.on('error', (err) => finish(`reading the response: ${err.message}`));
}

/** `key: value` lines of a policy, keys lower-cased, in order (RFC 8461 §3.2 field syntax). */
function fieldsOf(body: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const line of body.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    fields.set(key, [...(fields.get(key) ?? []), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/** RFC 8461 §3.2 / §4.1: an MX pattern is a host name, optionally with a leading `*.` label. */
const MX_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

let parsePolicyFn: typeof ParsePolicy | undefined;

/** mailauth's MTA-STS policy parser, loaded on first use (it is not needed by most commands). */
function parsePolicy(body: string): ReturnType<typeof ParsePolicy> {
  parsePolicyFn ??= (
    createRequire(import.meta.url)('mailauth/lib/mta-sts.js') as { parsePolicy: typeof ParsePolicy }
  ).parsePolicy;
  return parsePolicyFn(body);
}

/**
 * Parses a policy body with mailauth's parser and adds what it lets pass: a missing `mode`
 * (mailauth assumes none), a `max_age` that is not 1-10 digits, malformed `mx` patterns, and
 * repeated single-valued fields. When mailauth rejects the body, the fields are still read
 * leniently so the report can show what was there.
 */
export function parseMtaStsPolicy(body: string): PolicyFacts {
  const fields = fieldsOf(body);
  const errors: string[] = [];
  let parsed: ReturnType<typeof ParsePolicy> | undefined;
  try {
    parsed = parsePolicy(body);
  } catch (err) {
    const e = err as { message?: string; code?: string };
    errors.push(`${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}`);
  }
  const first = (key: string): string | undefined => fields.get(key)?.[0];
  if (first('mode') === undefined) errors.push('mode field missing');
  const maxAgeText = first('max_age');
  if (maxAgeText === undefined) {
    if (!errors.some((e) => e.includes('max_age'))) errors.push('max_age field missing');
  } else if (!/^\d{1,10}$/.test(maxAgeText))
    errors.push(`max_age "${maxAgeText}" is not a number of seconds`);
  for (const key of ['version', 'mode', 'max_age']) {
    if ((fields.get(key)?.length ?? 0) > 1) errors.push(`${key} field repeated`);
  }
  const mx = (parsed?.mx ?? fields.get('mx') ?? []).map((m) => m.toLowerCase());
  for (const m of mx)
    if (!MX_PATTERN.test(m)) errors.push(`mx pattern "${m}" is not a host name or *.domain`);

  const policy: PolicyFacts = { mx: [...new Set(mx)], errors: [...new Set(errors)] };
  const mode = first('mode') === undefined ? undefined : (parsed?.mode ?? first('mode')?.toLowerCase());
  if (mode !== undefined) policy.mode = mode;
  const maxAge =
    parsed?.maxAge ?? (maxAgeText !== undefined && /^\d+$/.test(maxAgeText) ? Number(maxAgeText) : NaN);
  if (Number.isFinite(maxAge)) policy.maxAge = maxAge;
  return policy;
}
