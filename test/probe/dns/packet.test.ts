import dns2 from 'dns2';
import { describe, expect, it } from 'vitest';
import { Packet } from '../../../src/probe/dns/packet.js';

describe('dns2 codec loaded on its own', () => {
  it('is the very Packet the package index exports', () => {
    expect(Packet).toBe(dns2.Packet);
  });

  it('encodes and parses a question', () => {
    const q = new Packet();
    q.header.id = 4242;
    q.questions.push({ name: 'example.edu', type: Packet.TYPE.MX, class: Packet.CLASS.IN } as never);
    const back = Packet.parse(q.toBuffer());
    expect(back.header.id).toBe(4242);
    expect(back.questions[0]).toMatchObject({ name: 'example.edu', type: Packet.TYPE.MX });
  });
});
