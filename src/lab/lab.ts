/**
 * The lab: a small world of SMTP servers on loopback, one good and several bad, that
 * `mailcheck demo` audits and the end-to-end tests and benchmark scan. Server names are stable
 * ids; tests and the demo refer to them.
 *
 * Certificates come from src/lab/certs (committed, made by scripts/make-lab-certs.sh). The lab
 * finds them next to this module when run from source, and from the compiled module at
 * dist/src/lab/ it falls back to the package's src/lab/certs, so the package must ship that
 * folder (or the build must copy it to dist/src/lab/certs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptedServer } from './scripted-server.js';
import type { ScriptedServer, ScriptedServerOptions } from './scripted-server.js';

/** The lab's submission user. Not a secret: it exists only on loopback fixtures. */
export const LAB_USER = 'labuser';
/** The password of {@link LAB_USER}. Not a secret: it exists only on loopback fixtures. */
export const LAB_PASSWORD = 'lab-password-42';

/** Files in src/lab/certs. */
export type LabCertName =
  | 'ca.pem'
  | 'ca.key'
  | 'good.pem'
  | 'good.key'
  | 'good-chain.pem'
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

/** One server of the lab. */
export interface LabServer {
  /** Stable id: compliant-mx, compliant-submission, compliant-smtps, legacy, no-starttls. */
  name: string;
  /** One line saying what the server shows, for the demo. */
  description: string;
  host: string;
  port: number;
  profile: LabProfile;
  server: ScriptedServer;
}

/** A running lab. */
export interface Lab {
  servers: LabServer[];
  /** Credentials accepted by every lab server that offers AUTH. */
  credentials: { user: string; password: string };
  /** The lab root CA, to pass as --ca-file so the compliant servers' chains validate. */
  caFile: string;
  /** Closes every server; safe to call more than once. */
  close(): Promise<void>;
}

export interface LabOptions {
  /** Loopback address to bind every server on; default 127.0.0.1. */
  host?: string;
  /** Per-reply latency for every server (see ScriptedServerOptions.replyDelayMs). */
  replyDelayMs?: number;
}

interface LabServerSpec {
  name: string;
  description: string;
  profile: LabProfile;
  options: Omit<ScriptedServerOptions, 'host' | 'port' | 'replyDelayMs'>;
}

/** The lab's servers, in the order the demo shows them. */
function specs(): LabServerSpec[] {
  const users = { [LAB_USER]: LAB_PASSWORD };
  const modernTls = { key: read('good.key'), cert: read('good-chain.pem'), minVersion: 'TLSv1.2' } as const;
  return [
    {
      name: 'compliant-mx',
      description: 'MX done right: STARTTLS (TLS 1.2+, valid chain), no AUTH, no VRFY/EXPN, closed relay',
      profile: 'smtp',
      options: {
        hostname: 'mail.lab.example',
        tls: modernTls,
        authMechanisms: [],
        vrfy: 'disabled',
        expn: 'disabled',
        relay: 'closed',
      },
    },
    {
      name: 'compliant-submission',
      description:
        'Submission done right: STARTTLS required, AUTH PLAIN/LOGIN only after TLS, relay only when authenticated',
      profile: 'submission',
      options: {
        hostname: 'mail.lab.example',
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
      options: {
        hostname: 'mail.lab.example',
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
        'VRFY/EXPN enumeration, open relay, version in the banner',
      profile: 'submission',
      options: {
        hostname: 'legacy.lab.example',
        banner: 'legacy.lab.example ESMTP Sendmail 8.14.4/8.14.4; ready',
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
      description: 'No TLS at all: AUTH PLAIN/LOGIN offered in cleartext, closed relay',
      profile: 'smtp',
      options: {
        hostname: 'plain.lab.example',
        authMechanisms: ['PLAIN', 'LOGIN'],
        authBeforeTls: true,
        users,
        vrfy: 'ambiguous',
        expn: 'disabled',
        relay: 'closed',
      },
    },
  ];
}

/** Starts every lab server on `host` (ephemeral ports) and resolves when all are listening. */
export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const host = opts.host ?? '127.0.0.1';
  const started: LabServer[] = [];
  try {
    for (const spec of specs()) {
      const server = await startScriptedServer({ ...spec.options, host, replyDelayMs: opts.replyDelayMs });
      started.push({
        name: spec.name,
        description: spec.description,
        host,
        port: server.port,
        profile: spec.profile,
        server,
      });
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.server.close()));
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    servers: started,
    credentials: { user: LAB_USER, password: LAB_PASSWORD },
    caFile: labCertPath('ca.pem'),
    close: () => {
      closing ??= Promise.all(started.map((s) => s.server.close())).then(() => undefined);
      return closing;
    },
  };
}
