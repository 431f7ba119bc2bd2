/**
 * Test setup: every test file gets the lab's DNS server on loopback, and the in-process CLI
 * (test/helpers/cli.ts) points `host` and `domain` scans at it unless a test names its own
 * --resolver. Scans need DNS (PTR, FCrDNS, names), and tests must never reach the system's.
 */
import { afterAll, beforeAll } from 'vitest';
import { startDnsServer, type LabDnsServer } from '../../src/lab/dns-server.js';
import { LAB_SIGNED_ZONES, labZones } from '../../src/lab/zones.js';

let server: LabDnsServer | undefined;

/** "127.0.0.1:PORT" of this test file's lab DNS server. */
export function testResolver(): string {
  if (!server) throw new Error('the lab DNS server of the test setup is not running');
  return `${server.host}:${server.port}`;
}

beforeAll(async () => {
  server = await startDnsServer({ zones: labZones(), signedZones: [...LAB_SIGNED_ZONES] });
});

afterAll(async () => {
  await server?.close();
  server = undefined;
});
