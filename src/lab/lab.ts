/**
 * The lab: a small mail world on loopback that `mailcheck demo` audits and the end-to-end tests
 * and benchmark scan. It has
 * - host servers, one good and several bad, each on its own loopback address so that PTR and
 *   FCrDNS mean something (mail.lab.example, legacy.lab.example, plain.lab.example: zones.ts);
 * - the MX hosts of the lab domains, all on one port number ({@link Lab.mxPort}, standing in for
 *   port 25) on their own addresses, behaving as their domains' stories say;
 * - the lab DNS server answering the lab zones, and the MTA-STS policy server.
 * Server names are stable ids; tests and the demo refer to them.
 *
 * Certificates come from src/lab/certs (committed, made by scripts/make-lab-certs.sh and
 * scripts/make-mx-cert.sh). The lab finds them next to this module when run from source, and from
 * the compiled module at dist/src/lab/ it falls back to the package's src/lab/certs, so the
 * package must ship that folder (or the build must copy it to dist/src/lab/certs).
 *
 * Linux routes all of 127.0.0.0/8 to the loopback interface; macOS configures only 127.0.0.1, so
 * there the other addresses need an alias first (the start error says how).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDnsServer } from './dns-server.js';
import { startMtaStsServer } from './mta-sts-server.js';
import { startScriptedServer } from './scripted-server.js';
import type { ScriptedServer, ScriptedServerOptions } from './scripted-server.js';
import {
  BROKEN_DOMAIN,
  BROKEN_MX,
  GOOD_DOMAIN,
  GOOD_MX1,
  GOOD_MX1_IPV6,
  GOOD_MX2,
  LAB_DEMO_DOMAINS,
  LAB_HOST_LEGACY,
  LAB_HOST_MAIL,
  LAB_HOST_PLAIN,
  LAB_SIGNED_ZONES,
  WEAK_DOMAIN,
  WEAK_MX2,
  WEAK_RELAY,
  labHostAddresses,
  labMtaStsPolicies,
  labZones,
} from './zones.js';
import type { LabMailHost, LabServerHost } from './zones.js';

// zones.ts and mta-sts-server.ts import labCertDir from this module: nothing at the top level of
// this file may use their exports (the import cycle leaves them uninitialised at that point).

/** The lab's submission user. Not a secret: it exists only on loopback fixtures. */
export const LAB_USER = 'labuser';
/** The password of {@link LAB_USER}. Not a secret: it exists only on loopback fixtures. */
export const LAB_PASSWORD = 'lab-password-42';

/** The XOAUTH2 bearer token the provider-relay lab server accepts for LAB_USER (a test value). */
export const LAB_OAUTH_TOKEN = 'lab-oauth-token-7f3a';

/** Files in src/lab/certs. */
export type LabCertName =
  | 'ca.pem'
  | 'ca.key'
  | 'good.pem'
  | 'good.key'
  | 'good-chain.pem'
  | 'mx.pem'
  | 'mx-chain.pem'
  | 'other.pem'
  | 'other.key'
  | 'ec.pem'
  | 'ec.key'
  | 'weak.pem'
  | 'weak.key';

let certDir: string | undefined;

/** The directory holding the lab certificates (see the module comment for how it is found). */
export function labCertDir(): string {
  if (certDir !== undefined) return certDir;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'certs'), path.resolve(here, '../../../src/lab/certs')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'ca.pem')));
  if (found === undefined) {
    throw new Error(`lab certificates not found; looked in ${candidates.join(' and ')}`);
  }
  certDir = found;
  return found;
}

/** Absolute path of one lab certificate or key file. */
export function labCertPath(name: LabCertName): string {
  return path.join(labCertDir(), name);
}

function read(name: LabCertName): Buffer {
  return fs.readFileSync(labCertPath(name));
}

/** Which kind of SMTP service a lab server is, as a scan would classify its port. */
export type LabProfile = 'smtp' | 'submission' | 'smtps';

/** One host server of the lab. */
export interface LabServer {
  /** Stable id: compliant-mx, compliant-submission, compliant-smtps, legacy, no-starttls. */
  name: string;
  /** One line saying what the server shows, for the demo. */
  description: string;
  /** The loopback address bound: the address of the name the server greets with. */
  host: string;
  port: number;
  profile: LabProfile;
  server: ScriptedServer;
}

/** One MX host of a lab domain. */
export interface LabMxServer {
  /** The MX host name (as in the lab zones), also the name in its greeting. */
  name: string;
  /** The loopback address bound (the name's A record); the port is {@link Lab.mxPort}. */
  address: string;
  server: ScriptedServer;
}

/** A running lab. */
export interface Lab {
  /** The host servers, each on an ephemeral port of its name's address. */
  servers: LabServer[];
  /** The MX hosts of good.example, weak.example and broken.example. */
  mxServers: LabMxServer[];
  /** The port every MX server listens on (real MX hosts listen on 25). */
  mxPort: number;
  /** The lab DNS server (UDP and TCP on the same port), serving the lab zones. */
  dns: { host: string; port: number };
  /** The MTA-STS policy server (HTTPS); `mta-sts.<domain>` names resolve to `host` in the lab DNS. */
  mtaSts: { host: string; port: number };
  /** The lab domains the demo audits, in the order it shows them. */
  domains: string[];
  /** Credentials accepted by every lab server that offers AUTH. */
  credentials: { user: string; password: string };
  /** The lab root CA, to pass as --ca-file so the compliant servers' chains validate. */
  caFile: string;
  /** Closes every server; safe to call more than once. */
  close(): Promise<void>;
}

export interface LabOptions {
  /**
   * Addresses of the host servers' names (mail.lab.example serves the three compliant servers);
   * default LAB_SERVER_HOSTS in zones.ts. The DNS zones follow.
   */
  serverHosts?: Partial<Record<LabServerHost, string>>;
  /** Addresses of the MX hosts; default LAB_MAIL_HOSTS in zones.ts. The DNS zones follow. */
  mailHosts?: Partial<Record<LabMailHost, string>>;
  /**
   * The port to try first for the MX servers (say 2525); when it is taken on any of their
   * addresses the lab picks another. Default: a free port picked by the system.
   */
  mxPort?: number;
  /** Per-reply latency for every SMTP server (see ScriptedServerOptions.replyDelayMs). */
  replyDelayMs?: number;
  /** Delay before every DNS answer, in ms (see DnsServerOptions.delayMs). */
  dnsDelayMs?: number;
}

type ServerOptions = Omit<ScriptedServerOptions, 'host' | 'port' | 'replyDelayMs'>;

interface LabServerSpec {
  name: string;
  description: string;
  profile: LabProfile;
  /** The name it greets with; its address comes from the lab's host map. */
  hostname: LabServerHost;
  options: Omit<ServerOptions, 'hostname'>;
}

/** The lab's host servers, in the order the demo shows them. */
function specs(): LabServerSpec[] {
  const users = { [LAB_USER]: LAB_PASSWORD };
  const modernTls = { key: read('good.key'), cert: read('good-chain.pem'), minVersion: 'TLSv1.2' } as const;
  return [
    {
      name: 'compliant-mx',
      description: 'MX done right: STARTTLS (TLS 1.2+, valid chain), no AUTH, no VRFY/EXPN, closed relay',
      profile: 'smtp',
      hostname: LAB_HOST_MAIL,
      options: { tls: modernTls, authMechanisms: [], vrfy: 'disabled', expn: 'disabled', relay: 'closed' },
    },
    {
      name: 'compliant-submission',
      description:
        'Submission done right: STARTTLS required, AUTH PLAIN/LOGIN only after TLS, relay only when authenticated',
      profile: 'submission',
      hostname: LAB_HOST_MAIL,
      options: {
        tls: modernTls,
        requireTls: true,
        authMechanisms: ['PLAIN', 'LOGIN'],
        users,
        vrfy: 'disabled',
        expn: 'disabled',
        relay: 'auth-required',
      },
    },
    {
      name: 'compliant-smtps',
      description:
        'Implicit TLS submission (port 465 style): TLS 1.2+, AUTH PLAIN/LOGIN, relay only when authenticated',
      profile: 'smtps',
      hostname: LAB_HOST_MAIL,
      options: {
        implicitTls: true,
        tls: modernTls,
        authMechanisms: ['PLAIN', 'LOGIN'],
        users,
        vrfy: 'disabled',
        expn: 'disabled',
        relay: 'auth-required',
      },
    },
    {
      name: 'legacy',
      description:
        'Unmaintained relay: TLS 1.0 with an expired self-signed RSA-1024/SHA-1 certificate, AUTH before TLS, ' +
        'VRFY/EXPN enumeration, open relay, version in the banner, PTR name not forward-confirmed',
      profile: 'submission',
      hostname: LAB_HOST_LEGACY,
      options: {
        banner: `${LAB_HOST_LEGACY} ESMTP Sendmail 8.14.4/8.14.4; ready`,
        tls: {
          key: read('weak.key'),
          cert: read('weak.pem'),
          minVersion: 'TLSv1',
          ciphers: 'ALL:@SECLEVEL=0',
        },
        authMechanisms: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
        authBeforeTls: true,
        users,
        vrfy: 'enumerate',
        expn: 'enumerate',
        relay: 'open',
      },
    },
    {
      name: 'no-starttls',
      description: 'No TLS at all: AUTH PLAIN/LOGIN offered in cleartext, closed relay, no PTR',
      profile: 'smtp',
      hostname: LAB_HOST_PLAIN,
      options: {
        authMechanisms: ['PLAIN', 'LOGIN'],
        authBeforeTls: true,
        users,
        vrfy: 'ambiguous',
        expn: 'disabled',
        relay: 'closed',
      },
    },
    {
      name: 'provider-relay',
      description:
        'An authenticated provider relay (the readiness target): STARTTLS required, AUTH PLAIN/LOGIN/XOAUTH2 after TLS, relay only when authenticated',
      profile: 'submission',
      hostname: LAB_HOST_MAIL,
      options: {
        tls: modernTls,
        requireTls: true,
        authMechanisms: ['PLAIN', 'LOGIN', 'XOAUTH2'],
        users,
        oauthTokens: { [LAB_USER]: LAB_OAUTH_TOKEN },
        vrfy: 'disabled',
        expn: 'disabled',
        relay: 'auth-required',
      },
    },
    {
      name: 'catch-all',
      description:
        'Accepts every RCPT, then refuses foreign mail after DATA: it must be reported as accepting foreign RCPT, and no DATA is ever sent to find out more',
      profile: 'smtp',
      hostname: LAB_HOST_MAIL,
      options: {
        tls: modernTls,
        authMechanisms: [],
        vrfy: 'disabled',
        expn: 'disabled',
        relay: 'reject-at-data',
      },
    },
  ];
}

/** One MX host: its name (the greeting too) and how it behaves. */
interface LabMxSpec {
  name: LabMailHost;
  options: ServerOptions;
}

/** The MX hosts, mx1.good.example (the one bound first, on port 0) first. */
function mxSpecs(): LabMxSpec[] {
  // An MX receives mail for its domain: local delivery for it, no AUTH, no relaying.
  const mx = (name: LabMailHost, domain: string, options: Omit<ServerOptions, 'hostname'>): LabMxSpec => ({
    name,
    options: {
      hostname: name,
      localDomains: [domain, name],
      authMechanisms: [],
      relay: 'closed',
      ...options,
    },
  });
  // mx.pem has good.pem's key, so good.example's TLSA 3 1 1 record matches it.
  const good = { tls: { key: read('good.key'), cert: read('mx-chain.pem'), minVersion: 'TLSv1.2' } } as const;
  // Left alone since 2014: TLS 1.0 and 1.1 still on, no TLS 1.3, a certificate for another name
  // (mail.lab.example), the version in the banner and Postfix's default VRFY.
  const weak = (name: LabMailHost): Omit<ServerOptions, 'hostname'> => ({
    banner: `${name} ESMTP Postfix 2.10.1`,
    tls: {
      key: read('good.key'),
      cert: read('good-chain.pem'),
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.2',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    },
    vrfy: 'enumerate',
  });
  return [
    mx(GOOD_MX1, GOOD_DOMAIN, good),
    mx(GOOD_MX2, GOOD_DOMAIN, good),
    mx(WEAK_RELAY, WEAK_DOMAIN, weak(WEAK_RELAY)),
    mx(WEAK_MX2, WEAK_DOMAIN, weak(WEAK_MX2)),
    // No TLS at all: mail to broken.example crosses the network in clear.
    mx(BROKEN_MX, BROKEN_DOMAIN, {}),
  ];
}

/** How many port numbers the MX servers try before giving up. */
const MX_PORT_ATTEMPTS = 10;

function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** Binds a scripted server, explaining the one bind failure a lab user can fix. */
async function bind(options: ScriptedServerOptions): Promise<ScriptedServer> {
  try {
    return await startScriptedServer(options);
  } catch (err) {
    if (errorCode(err) === 'EADDRNOTAVAIL') {
      const address = options.host ?? '127.0.0.1';
      throw new Error(
        `lab: cannot bind ${address}: this system does not route it to loopback ` +
          `(on macOS: sudo ifconfig lo0 alias ${address} up)`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * Starts every MX server on one port number P, each on its own address: the first on port 0 (so
 * the system picks P; or on `firstTry`), the others on P. Another process may hold P on one of
 * the other addresses; then the whole set starts again with a new P, a bounded number of times.
 */
async function startMxServers(
  addresses: Record<LabMailHost, string>,
  firstTry: number | undefined,
  replyDelayMs: number | undefined,
): Promise<LabMxServer[]> {
  const all = mxSpecs();
  for (let attempt = 1; ; attempt++) {
    const started: LabMxServer[] = [];
    try {
      for (const spec of all) {
        const address = addresses[spec.name];
        const port = started[0]?.server.port ?? (attempt === 1 ? (firstTry ?? 0) : 0);
        started.push({
          name: spec.name,
          address,
          server: await bind({ ...spec.options, host: address, port, replyDelayMs }),
        });
        if (spec.name === GOOD_MX1) {
          // mx1.good.example also has an AAAA (::1) in the zones: answer there too, so the MX is
          // reachable over both families as its DNS says.
          const v6 = started[0]!.server.port;
          started.push({
            name: spec.name,
            address: GOOD_MX1_IPV6,
            server: await bind({ ...spec.options, host: GOOD_MX1_IPV6, port: v6, replyDelayMs }),
          });
        }
      }
      return started;
    } catch (err) {
      await Promise.all(started.map((s) => s.server.close()));
      if (errorCode(err) !== 'EADDRINUSE' || attempt >= MX_PORT_ATTEMPTS) throw err;
    }
  }
}

/**
 * Starts the whole lab: host servers, MX servers, the MTA-STS server and the DNS server (whose
 * zones carry the addresses actually bound). Resolves when everything listens; if anything fails
 * to start, what did start is closed and the error is thrown.
 */
export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  // Checks the addresses (loopback, distinct) before anything binds.
  const addresses = labHostAddresses({ mailHosts: opts.mailHosts, serverHosts: opts.serverHosts });
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(closers.map((close) => close()));
  };
  try {
    const servers: LabServer[] = [];
    for (const spec of specs()) {
      const host = addresses.serverHosts[spec.hostname];
      const server = await bind({
        ...spec.options,
        hostname: spec.hostname,
        host,
        replyDelayMs: opts.replyDelayMs,
      });
      closers.push(() => server.close());
      servers.push({
        name: spec.name,
        description: spec.description,
        host,
        port: server.port,
        profile: spec.profile,
        server,
      });
    }

    const mxServers = await startMxServers(addresses.mailHosts, opts.mxPort, opts.replyDelayMs);
    for (const mx of mxServers) closers.push(() => mx.server.close());

    const mtaSts = await startMtaStsServer({ policies: labMtaStsPolicies() });
    closers.push(() => mtaSts.close());

    const dns = await startDnsServer({
      zones: labZones({
        mailHosts: addresses.mailHosts,
        serverHosts: addresses.serverHosts,
        mtaStsAddress: mtaSts.host,
        mtaStsPort: mtaSts.port,
      }),
      signedZones: LAB_SIGNED_ZONES,
      delayMs: opts.dnsDelayMs,
    });
    closers.push(() => dns.close());

    let closing: Promise<void> | undefined;
    return {
      servers,
      mxServers,
      mxPort: mxServers[0].server.port,
      dns: { host: dns.host, port: dns.port },
      mtaSts: { host: mtaSts.host, port: mtaSts.port },
      domains: [...LAB_DEMO_DOMAINS],
      credentials: { user: LAB_USER, password: LAB_PASSWORD },
      caFile: labCertPath('ca.pem'),
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
