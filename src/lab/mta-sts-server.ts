/**
 * The lab's MTA-STS policy server: HTTPS on loopback serving `/.well-known/mta-sts.txt` per Host
 * header (RFC 8461 §3.3), with the lab's `mta-sts.pem` (issued by the lab CA for
 * mta-sts.<lab domain>). Real fetches go to https://mta-sts.<domain>/ on port 443; the lab's
 * fetcher is pointed at this server's port and sends the real Host and SNI names.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { labCertDir } from './lab.js';

/** RFC 8461 §3.2: the one path a policy is fetched from. */
export const MTA_STS_POLICY_PATH = '/.well-known/mta-sts.txt';

/**
 * What the server answers for one host: a policy text (200, `text/plain`), or a status with an
 * optional body, content type and extra headers (e.g. `location` to model a redirect, which
 * RFC 8461 §3.3 forbids fetchers to follow).
 */
export type MtaStsPolicyConfig =
  string | { status: number; body?: string; contentType?: string; headers?: Record<string, string> };

export interface MtaStsServerOptions {
  /**
   * Keyed by host name as sent in the Host header (`mta-sts.good.example`); a bare domain key
   * (`good.example`) also serves `mta-sts.<domain>`. Unknown hosts get 404.
   */
  policies: Record<string, MtaStsPolicyConfig>;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
}

export interface LabMtaStsServer {
  host: string;
  port: number;
  /** Every request received, as `METHOD https://<host header name><path>`, in order. */
  requests: string[];
  /** Stops listening and ends every open connection; idempotent. */
  close(): Promise<void>;
}

/** The lab's MTA-STS certificate and key (src/lab/certs/mta-sts.pem, made by scripts/make-mta-sts-cert.sh). */
export function mtaStsCertificate(): { cert: Buffer; key: Buffer } {
  const dir = labCertDir();
  return {
    cert: fs.readFileSync(path.join(dir, 'mta-sts.pem')),
    key: fs.readFileSync(path.join(dir, 'mta-sts.key')),
  };
}

/** Host header without port or trailing dot, lower case ("" when absent). */
function hostName(header: string | undefined): string {
  if (header === undefined) return '';
  const h = header.trim().toLowerCase();
  const withoutPort = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.replace(/:\d*$/, '');
  return withoutPort.replace(/\.$/, '');
}

function lookup(policies: Record<string, MtaStsPolicyConfig>, host: string): MtaStsPolicyConfig | undefined {
  const byHost = new Map(Object.entries(policies).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ''), v]));
  return byHost.get(host) ?? (host.startsWith('mta-sts.') ? byHost.get(host.slice(8)) : undefined);
}

/** Starts the policy server; resolves once it listens. */
export async function startMtaStsServer(opts: MtaStsServerOptions): Promise<LabMtaStsServer> {
  const host = opts.host ?? '127.0.0.1';
  const requests: string[] = [];
  const { cert, key } = mtaStsCertificate();
  const ca = fs.readFileSync(path.join(labCertDir(), 'ca.pem'));

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const name = hostName(req.headers.host);
    const url = req.url ?? '/';
    requests.push(`${req.method ?? 'GET'} https://${name}${url}`);
    const reply = (status: number, body: string, contentType = 'text/plain', headers = {}): void => {
      res.writeHead(status, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(body),
        ...headers,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (url.split('?')[0] !== MTA_STS_POLICY_PATH) return reply(404, 'not found\n');
    const policy = lookup(opts.policies, name);
    if (policy === undefined) return reply(404, 'no MTA-STS policy for this host\n');
    if (typeof policy === 'string') return reply(200, policy);
    return reply(policy.status, policy.body ?? '', policy.contentType, policy.headers);
  };

  // The chain (leaf + lab CA) is what a correctly configured server sends.
  const server = https.createServer({ cert: Buffer.concat([cert, ca]), key }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Bad clients (a plain-text request, a failed handshake) must not crash the lab.
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_err, socket) => socket.destroy());
  // Raw sockets, so close() also ends connections still in the TLS handshake.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    requests,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
