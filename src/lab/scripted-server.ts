/**
 * A byte-exact, scriptable SMTP server on raw `node:net` / `node:tls`, used by `mailcheck demo`,
 * the tests and the benchmark. It behaves like a small Postfix unless told otherwise: options
 * choose TLS (STARTTLS or implicit), AUTH mechanisms and users, VRFY/EXPN and relay policy,
 * reply latency, and a set of hostile misbehaviours (see {@link HostileMode}).
 *
 * It runs inside the installed product, so it depends on nothing but Node. It is a fixture, not
 * a mail server: it never delivers anything and keeps at most a few accepted messages in memory.
 *
 * Layout: scripted-types.ts (options, defaults), scripted-connection.ts (framing, reply queue,
 * TLS upgrade), scripted-commands.ts (SMTP verbs), scripted-auth.ts (SASL), hostile.ts.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Connection } from './scripted-connection.js';
import type { ServerContext } from './scripted-connection.js';
import { resolveOptions } from './scripted-types.js';
import type { ScriptedServer, ScriptedServerOptions, ScriptedTlsOptions } from './scripted-types.js';

export { HOSTILE_MODES } from './scripted-types.js';
export type {
  HostileMode,
  ResolvedOptions,
  ScriptedAuthMechanism,
  ScriptedMessage,
  ScriptedServer,
  ScriptedServerOptions,
  ScriptedServerStats,
  ScriptedTlsOptions,
} from './scripted-types.js';

/**
 * Servers given the same `tls` object share one secure context: parsing a key and certificate
 * costs about 2 ms and 45 kB, which a benchmark fleet of thousands of servers would pay per server.
 * A `tls` object is therefore read once: changing it after a server started with it has no effect.
 */
const contexts = new WeakMap<ScriptedTlsOptions, tls.SecureContext>();

function contextFor(t: ScriptedTlsOptions): tls.SecureContext {
  let context = contexts.get(t);
  if (context === undefined) {
    context = tls.createSecureContext({
      key: t.key,
      cert: t.cert,
      minVersion: t.minVersion,
      maxVersion: t.maxVersion,
      ciphers: t.ciphers,
    });
    contexts.set(t, context);
  }
  return context;
}

/** Starts a scripted server and resolves once it is listening. */
export async function startScriptedServer(opts: ScriptedServerOptions): Promise<ScriptedServer> {
  const options = resolveOptions(opts);
  const needsTls = options.implicitTls || options.hostile === 'tls-on-connect';
  if (needsTls && !options.tls) {
    throw new Error(`scripted server ${options.hostname}: implicit TLS needs the "tls" option`);
  }
  const secureContext = options.tls ? contextFor(options.tls) : undefined;
  const ctx: ServerContext = {
    options,
    stats: { connections: 0, tlsHandshakes: 0, commands: [], dataCommands: 0, authAttempts: 0 },
    messages: [],
    secureContext,
  };

  const connections = new Set<Connection>();
  // Replies are small writes in quick succession; Nagle's algorithm would hold the second one
  // back for a delayed ACK (~40 ms) and distort every latency measurement against the lab.
  const listener = net.createServer({ noDelay: true }, (socket) => {
    ctx.stats.connections += 1;
    const conn = new Connection(ctx, socket);
    connections.add(conn);
    void conn.done.then(() => connections.delete(conn));
    conn.start();
  });

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port, options.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const address = listener.address() as net.AddressInfo;
  options.port = address.port;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
      const open = [...connections];
      for (const conn of open) conn.destroy();
      await Promise.all(open.map((c) => c.done));
      await stopped;
    })();
    return closing;
  };

  return {
    host: options.host,
    port: address.port,
    options,
    stats: ctx.stats,
    messages: ctx.messages,
    close,
  };
}
