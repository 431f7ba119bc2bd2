/**
 * Builders of artifacts for check unit tests: a compliant endpoint as the probes would record it,
 * to be changed field by field. Checks are pure, so most pass/fail cases are tested here, and the
 * end-to-end tests against lab servers prove the probes fill these facts in the same way.
 */
import type {
  Capabilities,
  CertificateFacts,
  EndpointFacts,
  HostFacts,
  ProbeFailure,
  SmtpReply,
  TlsFacts,
  TlsHandshakeFacts,
} from '../../src/model/artifacts.js';
import type { EndpointCheck, EndpointContext, MtaIdentity } from '../../src/checks/types.js';

export const NOW = new Date('2026-11-21T12:00:00Z');

export function reply(code: number, ...lines: string[]): SmtpReply {
  const m = /^(\d\.\d{1,3}\.\d{1,3})\s/.exec(lines[0] ?? '');
  return m ? { code, enhanced: m[1], lines } : { code, lines };
}

export function capabilities(over: Partial<Capabilities> = {}): Capabilities {
  return {
    raw: ['PIPELINING', 'SIZE 52428800', '8BITMIME', 'ENHANCEDSTATUSCODES', 'STARTTLS'],
    size: 52428800,
    pipelining: true,
    eightBitMime: true,
    smtpUtf8: false,
    chunking: false,
    dsn: false,
    enhancedStatusCodes: true,
    requireTls: false,
    starttls: true,
    auth: [],
    vrfy: false,
    etrn: false,
    ...over,
  };
}

export function certificate(over: Partial<CertificateFacts> = {}): CertificateFacts {
  return {
    subject: 'O=mailcheck lab, CN=mail.lab.example',
    commonName: 'mail.lab.example',
    issuer: 'O=mailcheck lab, CN=mailcheck lab root CA',
    subjectAltNames: ['DNS:mail.lab.example', 'DNS:localhost', 'IP:127.0.0.1'],
    serialNumber: '01',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2046-01-01T00:00:00.000Z',
    fingerprint256: 'AA:BB',
    keyType: 'RSA',
    keyBits: 2048,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    selfSigned: false,
    isCA: false,
    trustAnchor: false,
    pem: '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n',
    ...over,
  };
}

export const LAB_CA = certificate({
  subject: 'O=mailcheck lab, CN=mailcheck lab root CA',
  commonName: 'mailcheck lab root CA',
  subjectAltNames: [],
  selfSigned: true,
  isCA: true,
  trustAnchor: true,
});

export function tlsFacts(over: Partial<TlsFacts> = {}): TlsFacts {
  return {
    handshake: {
      ok: true,
      protocol: 'TLSv1.3',
      cipher: { name: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3' },
      ephemeralKey: { type: 'ECDH', name: 'X25519', size: 253 },
      chain: [certificate(), LAB_CA],
      validation: { authorized: true, caSources: ['system', 'ca-file:ca.pem'] },
      hostname: { name: 'mail.lab.example', matches: true },
      ms: 4,
    },
    versions: [
      { version: 'SSLv3', result: 'untestable', reason: 'the TLS library cannot offer SSLv3' },
      { version: 'TLSv1', result: 'rejected', reason: 'alert protocol version' },
      { version: 'TLSv1.1', result: 'rejected', reason: 'alert protocol version' },
      { version: 'TLSv1.2', result: 'accepted', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' },
      { version: 'TLSv1.3', result: 'accepted', cipher: 'TLS_AES_256_GCM_SHA384', fromMainSession: true },
    ],
    weakCiphers: [
      { name: 'NULL', result: 'rejected' },
      { name: 'anonymous', result: 'rejected' },
      { name: 'RC4', result: 'rejected' },
      { name: '3DES', result: 'rejected' },
      { name: 'EXPORT', result: 'rejected' },
    ],
    ...over,
  };
}

/** TLS facts whose main handshake is the compliant one with `over` applied. */
export function withHandshake(over: Partial<TlsHandshakeFacts>, rest: Partial<TlsFacts> = {}): TlsFacts {
  const base = tlsFacts(rest);
  const hs = base.handshake ?? { ok: true, chain: [] };
  return { ...base, handshake: { ...hs, ...over } };
}

/** Endpoint overrides for a compliant TLS session whose server sent `certs` (leaf first) as its chain. */
export function servingChain(...certs: CertificateFacts[]): Partial<EndpointFacts> {
  return { tls: withHandshake({ chain: certs }) };
}

/** A probe failure; by default the TLS alert that ends a refused handshake. */
export function probeFailure(over: Partial<ProbeFailure> = {}): ProbeFailure {
  return { code: 'TLS_HANDSHAKE', message: 'alert handshake failure', stage: 'TLS', ...over };
}

/** TLS facts for a failed main handshake (by default "alert handshake failure"). */
export function failedHandshake(failure: ProbeFailure = probeFailure()): TlsFacts {
  return tlsFacts({ handshake: { ok: false, failure, chain: [] } });
}

/** A cleartext EHLO exchange whose 250 reply lists `extensions` after the server name. */
export function ehloWith(
  extensions: string[],
  caps: Partial<Capabilities> = {},
): NonNullable<EndpointFacts['ehlo']> {
  return {
    command: 'EHLO',
    reply: reply(250, 'mail.lab.example', ...extensions),
    capabilities: capabilities(caps),
  };
}

/** A compliant STARTTLS endpoint on port 25, as the probes record it. */
export function endpoint(over: Partial<EndpointFacts> = {}): EndpointFacts {
  return {
    host: 'mail.lab.example',
    address: '127.0.0.1',
    family: 4,
    port: 25,
    profile: 'smtp',
    explicit: true,
    connect: { ok: true, ms: 1 },
    greeting: { reply: reply(220, 'mail.lab.example ESMTP Postfix'), ms: 2 },
    ehlo: {
      command: 'EHLO',
      reply: reply(250, 'mail.lab.example', 'PIPELINING', 'SIZE 52428800', '8BITMIME', 'STARTTLS'),
      capabilities: capabilities(),
    },
    starttls: { offered: true, attempted: true, reply: reply(220, '2.0.0 Ready to start TLS') },
    ehloTls: {
      reply: reply(250, 'mail.lab.example', 'PIPELINING', 'SIZE 52428800', '8BITMIME'),
      capabilities: capabilities({ starttls: false, raw: ['PIPELINING', 'SIZE 52428800', '8BITMIME'] }),
    },
    tls: tlsFacts(),
    timings: [],
    transcript: [],
    ms: 20,
    ...over,
  };
}

/** A compliant submission endpoint (587): TLS required for MAIL, AUTH only inside TLS. */
export function submissionEndpoint(over: Partial<EndpointFacts> = {}): EndpointFacts {
  return endpoint({
    port: 587,
    profile: 'submission',
    mailBeforeTls: {
      command: 'MAIL FROM:<mailcheck@mailcheck.invalid>',
      reply: reply(530, '5.7.0 Must issue a STARTTLS command first'),
    },
    ehloTls: {
      reply: reply(250, 'mail.lab.example', 'PIPELINING', 'AUTH PLAIN LOGIN'),
      capabilities: capabilities({ starttls: false, auth: ['PLAIN', 'LOGIN'] }),
    },
    ...over,
  });
}

/** An implicit-TLS endpoint (465). */
export function smtpsEndpoint(over: Partial<EndpointFacts> = {}): EndpointFacts {
  return endpoint({
    port: 465,
    profile: 'smtps',
    ehlo: undefined,
    starttls: undefined,
    ehloTls: {
      reply: reply(250, 'mail.lab.example', 'PIPELINING', 'AUTH PLAIN LOGIN'),
      capabilities: capabilities({ starttls: false, auth: ['PLAIN', 'LOGIN'] }),
    },
    ...over,
  });
}

export function hostFacts(endpoints: EndpointFacts[] = [endpoint()]): HostFacts {
  return {
    host: endpoints[0]?.host ?? 'mail.lab.example',
    displayName: endpoints[0]?.host ?? 'mail.lab.example',
    addresses: [{ address: '127.0.0.1', family: 4 }],
    endpoints,
  };
}

export const POSTFIX: MtaIdentity = { name: 'postfix', product: 'Postfix', evidence: 'ESMTP Postfix' };
export const UNKNOWN_MTA: MtaIdentity = { name: 'unknown', product: 'unknown', evidence: '' };

/** Runs a check on an endpoint with its default params (or overrides). */
export function runCheck<P extends object>(
  check: EndpointCheck<P>,
  ep: EndpointFacts,
  opts: { params?: Partial<P>; mta?: MtaIdentity; credentialsGiven?: boolean; now?: Date } = {},
) {
  const ctx: EndpointContext<P> = {
    endpoint: ep,
    host: hostFacts([ep]),
    params: { ...check.defaultParams, ...opts.params },
    now: opts.now ?? NOW,
    mta: opts.mta ?? POSTFIX,
    credentialsGiven: opts.credentialsGiven ?? false,
  };
  return check.run(ctx);
}
