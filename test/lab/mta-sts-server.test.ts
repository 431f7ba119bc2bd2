/**
 * The lab's MTA-STS policy server, fetched as a policy fetcher would (RFC 8461 §3.3): HTTPS to
 * the server's port with SNI and Host `mta-sts.<domain>`, trusting only the lab CA.
 */
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { labCertPath } from '../../src/lab/lab.js';
import { MTA_STS_POLICY_PATH, startMtaStsServer } from '../../src/lab/mta-sts-server.js';
import type { LabMtaStsServer } from '../../src/lab/mta-sts-server.js';
import { BROKEN_DOMAIN, GOOD_DOMAIN, GOOD_MTA_STS_POLICY, labMtaStsPolicies } from '../../src/lab/zones.js';

const ca = fs.readFileSync(labCertPath('ca.pem'));

interface Fetched {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  authorized: boolean;
}

function fetch(
  server: LabMtaStsServer,
  host: string,
  opts: { path?: string; method?: string; agent?: https.Agent; anyName?: boolean } = {},
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: server.port,
        servername: host,
        headers: { host },
        path: opts.path ?? MTA_STS_POLICY_PATH,
        method: opts.method ?? 'GET',
        ca,
        agent: opts.agent ?? false,
        // For hosts the lab certificate does not name: the chain is still checked, the name is not.
        ...(opts.anyName ? { checkServerIdentity: () => undefined } : {}),
      },
      (res) => {
        // Read now: a kept-alive socket is detached from the response by its end.
        const authorized = (res.socket as TLSSocket).authorized;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            authorized,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let server: LabMtaStsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('MTA-STS policy server', () => {
  it('serves the policy by Host header as text/plain over a certificate valid for mta-sts.<domain>', async () => {
    server = await startMtaStsServer({ policies: labMtaStsPolicies() });
    const res = await fetch(server, `mta-sts.${GOOD_DOMAIN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.authorized).toBe(true);
    expect(res.body).toBe(GOOD_MTA_STS_POLICY);
    expect(res.body).toMatch(/^version: STSv1\r\nmode: enforce\r\n/);
    expect(res.body).toContain('max_age: 604800');
  });

  it('answers 404 for broken.example, unknown hosts and other paths', async () => {
    server = await startMtaStsServer({ policies: labMtaStsPolicies() });
    expect((await fetch(server, `mta-sts.${BROKEN_DOMAIN}`)).status).toBe(404);
    expect((await fetch(server, 'mta-sts.weak.example')).status).toBe(404);
    expect((await fetch(server, `mta-sts.${GOOD_DOMAIN}`, { path: '/mta-sts.txt' })).status).toBe(404);
    expect((await fetch(server, `mta-sts.${GOOD_DOMAIN}`, { method: 'POST' })).status).toBe(405);
  });

  it('serves configured statuses, bodies, content types and headers; a bare domain key works too', async () => {
    server = await startMtaStsServer({
      policies: {
        'a.example': 'version: STSv1\nmode: testing\nmx: *.a.example\nmax_age: 86400\n',
        'mta-sts.html.example': { status: 200, body: '<html></html>', contentType: 'text/html' },
        'mta-sts.moved.example': { status: 301, headers: { location: 'https://elsewhere.example/' } },
        'mta-sts.down.example': { status: 503, body: 'try later' },
      },
    });
    const bare = await fetch(server, 'mta-sts.a.example', { anyName: true });
    expect([bare.status, bare.body]).toEqual([
      200,
      'version: STSv1\nmode: testing\nmx: *.a.example\nmax_age: 86400\n',
    ]);
    const html = await fetch(server, 'mta-sts.html.example', { anyName: true });
    expect([html.status, html.headers['content-type']]).toEqual([200, 'text/html']);
    const moved = await fetch(server, 'mta-sts.moved.example', { anyName: true });
    expect([moved.status, moved.headers.location]).toEqual([301, 'https://elsewhere.example/']);
    const down = await fetch(server, 'MTA-STS.Down.Example.', { anyName: true });
    expect([down.status, down.body]).toEqual([503, 'try later']);
  });

  it('logs every request with its method, Host name and path', async () => {
    server = await startMtaStsServer({ policies: labMtaStsPolicies() });
    await fetch(server, `mta-sts.${GOOD_DOMAIN}`);
    await fetch(server, `mta-sts.${BROKEN_DOMAIN}`, { path: '/x' });
    expect(server.requests).toEqual([
      `GET https://mta-sts.${GOOD_DOMAIN}${MTA_STS_POLICY_PATH}`,
      `GET https://mta-sts.${BROKEN_DOMAIN}/x`,
    ]);
  });

  it('presents a certificate that does not cover other names', async () => {
    server = await startMtaStsServer({ policies: labMtaStsPolicies() });
    await expect(fetch(server, 'mta-sts.other.example')).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    // The lab CA is needed: without it the chain does not validate.
    await expect(
      new Promise((resolve, reject) => {
        https
          .get(
            { host: '127.0.0.1', port: server!.port, servername: `mta-sts.${GOOD_DOMAIN}`, agent: false },
            resolve,
          )
          .on('error', reject);
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SIGNATURE|ISSUER/) });
  });

  it('close() ends kept-alive connections and ones still before the handshake, and frees the port', async () => {
    server = await startMtaStsServer({ policies: labMtaStsPolicies() });
    const agent = new https.Agent({ keepAlive: true });
    const res = await fetch(server, `mta-sts.${GOOD_DOMAIN}`, { agent });
    expect(res.status).toBe(200);
    const silent = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));
    const silentClosed = new Promise((resolve) => silent.once('close', resolve));
    const port = server.port;
    const started = performance.now();
    await server.close();
    await silentClosed;
    expect(performance.now() - started).toBeLessThan(1000);
    await server.close(); // idempotent
    const again = await startMtaStsServer({ policies: {}, port });
    expect(again.port).toBe(port);
    await again.close();
    agent.destroy();
  });
});
