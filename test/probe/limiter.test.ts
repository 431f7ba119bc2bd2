import { describe, expect, it } from 'vitest';
import { ConnectionLimiter } from '../../src/probe/limiter.js';

describe('ConnectionLimiter', () => {
  it('caps simultaneous holders per address and hands slots over in order', async () => {
    const l = new ConnectionLimiter(2);
    const a = await l.acquire('192.0.2.1');
    const b = await l.acquire('192.0.2.1');
    const order: string[] = [];
    const c = l.acquire('192.0.2.1').then((r) => (order.push('c'), r));
    const d = l.acquire('192.0.2.1').then((r) => (order.push('d'), r));
    const other = await l.acquire('192.0.2.2'); // another address is not held up
    await Promise.resolve();
    expect(order).toEqual([]);
    a();
    a(); // idempotent: the second call frees nothing
    await c;
    expect(order).toEqual(['c']);
    b();
    await d;
    expect(order).toEqual(['c', 'd']);
    other();
  });

  it('gives up after the timeout instead of waiting forever for a stuck slot', async () => {
    const l = new ConnectionLimiter(1);
    await l.acquire('192.0.2.1');
    const start = Date.now();
    await expect(l.acquire('192.0.2.1', 50)).rejects.toThrow(/no free connection slot/);
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('rejects a nonsensical cap', () => {
    expect(() => new ConnectionLimiter(0)).toThrow(RangeError);
  });
});
