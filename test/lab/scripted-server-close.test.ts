/**
 * close() must leave nothing behind: tests and the demo start and stop many lab servers in one
 * process. In a file of its own so that no other test's sockets pollute the resource count.
 */
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { labCertPath } from '../../src/lab/lab.js';
import { startScriptedServer } from '../../src/lab/scripted-server.js';
import { RawClient } from './raw-client.js';

const goodTls = {
  key: fs.readFileSync(labCertPath('good.key')),
  cert: fs.readFileSync(labCertPath('good-chain.pem')),
};

function count(kinds: string[]): number {
  return process.getActiveResourcesInfo().filter((r) => kinds.includes(r)).length;
}
const SOCKETS = ['TCPSocketWrap', 'TCPServerWrap'];
const TIMERS = ['Timeout', 'Immediate'];

it('close() ends open connections mid-drip, mid-delay and mid-handshake and leaves no sockets or timers', async () => {
  const socketsBefore = count(SOCKETS);
  const drip = await startScriptedServer({
    hostname: 'a.example',
    hostile: 'drip-greeting',
    dripIntervalMs: 10,
  });
  const slow = await startScriptedServer({ hostname: 'b.example', tls: goodTls, replyDelayMs: 5000 });
  const endless = await startScriptedServer({ hostname: 'c.example', hostile: 'endless-multiline' });
  const stall = await startScriptedServer({
    hostname: 'd.example',
    tls: goodTls,
    hostile: 'starttls-silence',
  });
  const a = await RawClient.connect(drip.port);
  const b = await RawClient.connect(slow.port);
  const c = await RawClient.connect(endless.port);
  const d = await RawClient.connect(stall.port);
  await d.readReply();
  expect(await d.command('STARTTLS')).toMatchObject({ code: 220 });
  const handshake = d.startTls().then(
    () => 'completed',
    () => 'failed',
  );
  b.send('EHLO c.test');
  c.send('EHLO c.test');
  // Pause c so the endless reply fills the socket buffers and the server waits for 'drain'.
  c.socket.pause();
  await a.waitForBytes(3);
  expect(count(SOCKETS)).toBe(socketsBefore + 4 + 8);
  // The drip interval and the slow server's reply timer are running now, besides the runner's own.
  const timersOpen = count(TIMERS);

  await Promise.all([drip.close(), slow.close(), endless.close(), stall.close()]);
  c.socket.resume();
  await Promise.all([a.waitClosed(), b.waitClosed(), c.waitClosed()]);
  expect(await handshake).toBe('failed');
  await drip.close(); // idempotent
  await new Promise((r) => setImmediate(r));

  expect(count(SOCKETS)).toBe(socketsBefore);
  expect(count(TIMERS)).toBeLessThanOrEqual(timersOpen - 2);
  expect([drip, slow, endless, stall].map((s) => s.stats.connections)).toEqual([1, 1, 1, 1]);
});
