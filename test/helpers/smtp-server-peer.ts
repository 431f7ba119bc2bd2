/**
 * A realistic SMTP peer for end-to-end tests, built on the `smtp-server` package (a dev
 * dependency, so tests only): where the scripted lab server is byte-exact and predictable, this
 * one is somebody else's implementation of the protocol, which keeps the probes honest. It binds
 * 127.0.0.1 on an ephemeral port and presents the lab's good certificate by default.
 */
import fs from 'node:fs';
import type net from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerAuthentication, SMTPServerOptions } from 'smtp-server';
import { labCertPath } from '../../src/lab/lab.js';

export interface SmtpServerPeerOptions {
  /** Implicit TLS (port 465 style). Default false. */
  secure?: boolean;
  /** Offer STARTTLS on a cleartext listener. Default true; false hides and disables it. */
  starttls?: boolean;
  /** MAIL without AUTH is allowed (otherwise 530). Default true. */
  authOptional?: boolean;
  /** Mechanisms offered. Default ['PLAIN', 'LOGIN']; [] disables AUTH. */
  authMethods?: string[];
  /** User name → password, checked for PLAIN, LOGIN and CRAM-MD5. Default none. */
  users?: Record<string, string>;
  /** Offer AUTH on a cleartext session. Default false (smtp-server answers 538). */
  allowInsecureAuth?: boolean;
  /** Lowest TLS version accepted. */
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** PEM certificate (chain); default the lab's good-chain.pem. */
  cert?: string | Buffer;
  /** PEM key; default the lab's good.key. */
  key?: string | Buffer;
  /** Name in the greeting and EHLO reply. Default mail.lab.example. */
  name?: string;
}

export interface SmtpServerPeer {
  host: string;
  port: number;
  server: SMTPServer;
  /** Destroys open connections and closes the listener. */
  close(): Promise<void>;
}

function checkCredentials(users: Record<string, string>, auth: SMTPServerAuthentication): boolean {
  const user = auth.username ?? '';
  if (!Object.hasOwn(users, user)) return false;
  if (auth.method === 'CRAM-MD5') return auth.validatePassword(users[user]);
  if (auth.method === 'PLAIN' || auth.method === 'LOGIN') return auth.password === users[user];
  return false;
}

export async function startSmtpServerPeer(opts: SmtpServerPeerOptions = {}): Promise<SmtpServerPeer> {
  const users = opts.users ?? {};
  const starttls = opts.starttls ?? true;
  const authMethods = opts.authMethods ?? ['PLAIN', 'LOGIN'];
  const disabledCommands = [
    ...(starttls || opts.secure ? [] : ['STARTTLS']),
    ...(authMethods.length ? [] : ['AUTH']),
  ];
  const options: SMTPServerOptions = {
    name: opts.name ?? 'mail.lab.example',
    secure: opts.secure ?? false,
    hideSTARTTLS: !starttls,
    disabledCommands,
    authOptional: opts.authOptional ?? true,
    authMethods,
    allowInsecureAuth: opts.allowInsecureAuth ?? false,
    cert: opts.cert ?? fs.readFileSync(labCertPath('good-chain.pem')),
    key: opts.key ?? fs.readFileSync(labCertPath('good.key')),
    minVersion: opts.minVersion,
    logger: false,
    // Its reverse lookup of the client would go to the system resolver, which tests forbid.
    disableReverseLookup: true,
    onAuth(auth, _session, callback) {
      if (checkCredentials(users, auth)) return callback(null, { user: auth.username });
      return callback(new Error('Authentication credentials invalid'));
    },
    onData(stream, _session, callback) {
      stream.on('end', () => callback());
      stream.resume();
    },
  };
  const server = new SMTPServer(options);
  // A failed handshake or a dropped client is routine in these tests, not a reason to crash.
  server.on('error', () => undefined);
  const sockets = new Set<net.Socket>();
  server.server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as net.AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    server,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
