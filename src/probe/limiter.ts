import { ProbeError } from '../errors.js';

/**
 * A cap on simultaneous connections per destination address (SPEC §7: at most a few at once per
 * host), shared by every probe of a run. Waiters are served in arrival order.
 */
export class ConnectionLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(readonly perAddress: number) {
    if (!Number.isInteger(perAddress) || perAddress < 1)
      throw new RangeError('perAddress must be a positive integer');
  }

  /**
   * Resolves with a release function once a slot for `address` is free, or rejects after
   * `timeoutMs` (the host's remaining deadline) so a stuck slot can never hang a scan.
   * Release is idempotent.
   */
  async acquire(address: string, timeoutMs = Infinity): Promise<() => void> {
    const n = this.active.get(address) ?? 0;
    if (n < this.perAddress) {
      this.active.set(address, n + 1);
    } else {
      await new Promise<void>((resolve, reject) => {
        const q = this.waiting.get(address) ?? [];
        let timer: NodeJS.Timeout | undefined;
        const wake = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
        if (Number.isFinite(timeoutMs)) {
          timer = setTimeout(() => {
            const i = q.indexOf(wake);
            if (i !== -1) q.splice(i, 1);
            reject(
              new ProbeError('DEADLINE', `no free connection slot for ${address} within ${timeoutMs}ms`, {
                stage: 'CONNECT',
                address,
              }),
            );
          }, timeoutMs);
        }
        q.push(wake);
        this.waiting.set(address, q);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(address);
    };
  }

  private release(address: string): void {
    const next = this.waiting.get(address)?.shift();
    if (next) return next(); // the slot passes straight to the next waiter
    if (this.waiting.get(address)?.length === 0) this.waiting.delete(address);
    const n = (this.active.get(address) ?? 1) - 1;
    if (n <= 0) this.active.delete(address);
    else this.active.set(address, n);
  }
}
