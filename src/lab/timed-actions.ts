/**
 * Timekeeping for one scripted-server connection: a FIFO of actions each due at a given time
 * (how replies model network latency), and a set of timers that all stop together when the
 * connection closes. Nothing here outlives clear().
 */
import { performance } from 'node:perf_hooks';

/** Runs actions strictly in the order scheduled, none before its due time. */
export class ActionQueue {
  private readonly items: { due: number; run: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /**
   * `batch`, when given, wraps every run of the actions due together (a connection corks its
   * socket in it, so that they leave in one write).
   */
  constructor(
    private readonly capacity: number,
    private readonly batch: (run: () => void) => void = (run) => run(),
  ) {}

  /** Queues `run` for `due` (a performance.now() time); false when the queue is full. */
  schedule(due: number, run: () => void): boolean {
    if (this.stopped) return true;
    if (this.items.length >= this.capacity) return false;
    this.items.push({ due, run });
    this.flush();
    return true;
  }

  /** Drops everything queued and stops the timer for good. */
  clear(): void {
    this.stopped = true;
    this.items.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    // Actions due now run synchronously, so without a delay no timer is ever involved.
    if (this.items.length === 0 || this.stopped || this.timer !== undefined) return;
    if (this.items[0].due - performance.now() >= 1) return this.wait();
    this.batch(() => {
      while (this.items.length > 0 && !this.stopped && this.timer === undefined) {
        const head = this.items[0];
        if (head.due - performance.now() >= 1) return this.wait();
        this.items.shift();
        head.run();
      }
    });
  }

  /** Sets the timer for the head of the queue. */
  private wait(): void {
    const wait = this.items[0].due - performance.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, Math.ceil(wait));
  }
}

/** Timeouts, intervals and immediates that are all cancelled by one clear(). */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private stopped = false;

  /** Runs `fn` after `ms` (at once when 0). */
  later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Runs `fn` every `ms`. */
  every(ms: number, fn: () => void): void {
    if (this.stopped) return;
    this.timers.add(setInterval(fn, ms));
  }

  /** Runs `fn` on the next turn of the event loop. */
  soon(fn: () => void): void {
    if (this.stopped) return;
    const i = setImmediate(() => {
      this.immediates.delete(i);
      fn();
    });
    this.immediates.add(i);
  }

  clear(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const i of this.immediates) clearImmediate(i);
    this.timers.clear();
    this.immediates.clear();
  }
}
