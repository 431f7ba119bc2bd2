/**
 * Memory of long fleet runs. An audit keeps little live data (about 35 MB of JavaScript heap at the
 * default concurrency, whatever the inventory's length) but allocates a lot of short-lived data per
 * target: sockets, TLS wrappers, replies, the target's report. V8 sets the next heap limit after a
 * full collection at a multiple of the live data that it chooses from its own GC speed, up to 4×,
 * so over minutes the heap (and the process's RSS with it) grows towards several times what is
 * actually in use. Measured with the fleet bench, 2,000 targets at the default concurrency: heap
 * 72 → 148 MB and peak RSS 217 MB with V8's choice; heap 75 → 88 MB and peak RSS 149 MB with a
 * fixed factor of 1.5, at the same speed within the noise.
 */
import v8 from 'node:v8';

/** The heap may grow to live data × (1 + this / 100) before the next full collection. */
export const AUDIT_HEAP_GROWING_PERCENT = 50;

/**
 * Makes V8 grow the heap by a fixed factor over the live data instead of its own choice. V8 reads
 * the flag at every full collection, so it takes effect when set at run time.
 */
export function boundHeapGrowth(percent = AUDIT_HEAP_GROWING_PERCENT): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
