/**
 * dns2's Packet codec, and only that. The package's one export is its index, which also loads its
 * UDP, TCP and DoH servers and clients (node:http, node:https): about 25 ms of every start-up, for
 * code mailcheck never runs. The codec is packet.js at the package's root; it is loaded by path.
 * test/probe/dns/packet.test.ts checks it is the very object the index exports.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type dns2 from 'dns2';

const require = createRequire(import.meta.url);

export const Packet = require(
  path.join(path.dirname(require.resolve('dns2/package.json')), 'packet.js'),
) as typeof dns2.Packet;
export type DnsPacket = InstanceType<typeof Packet>;
