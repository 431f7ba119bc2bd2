/**
 * What the byte-level tests of the lab's scripted server share: the certificate it serves, and
 * the servers and raw clients a test opens, closed after each test.
 */
import fs from 'node:fs';
import { afterEach } from 'vitest';
import { labCertPath } from '../../src/lab/lab.js';
import type { ScriptedServer } from '../../src/lab/scripted-server.js';
import type { RawClient } from './raw-client.js';

/** The lab's good certificate with its chain. */
export const goodTls = {
  key: fs.readFileSync(labCertPath('good.key')),
  cert: fs.readFileSync(labCertPath('good-chain.pem')),
};

/** Lists to push a test's servers and clients onto; an afterEach closes them (call once per file). */
export function closedAfterEach(): { servers: ScriptedServer[]; clients: RawClient[] } {
  const servers: ScriptedServer[] = [];
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return { servers, clients };
}
