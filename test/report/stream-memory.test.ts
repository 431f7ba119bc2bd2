/**
 * Fleets stream: a sink must not keep what it has written (or will write) in memory as targets
 * pile up. Each streaming sink is fed 5,000 synthetic targets (20 checks each, with evidence and a
 * fix); the live heap after a full collection is measured once 1,000 targets are in and again at
 * 5,000, before `end`. A flat sink grows by little between the two; a sink that keeps the targets,
 * or the text it rendered from them, grows by tens of megabytes. A control sink that does exactly
 * that proves the measurement can tell the two apart.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { CheckResult, Status, TargetReport } from '../../src/model/results.js';
import { emptyCounts } from '../../src/model/results.js';
import { csvSink } from '../../src/report/csv.js';
import { junitSink } from '../../src/report/junit.js';
import { nagiosSink } from '../../src/report/nagios.js';
import { prometheusSink } from '../../src/report/prometheus.js';
import type { ReportSink, ReportWriter, SinkFactory } from '../../src/report/sink.js';
import { HEADER, PLAIN, target } from './stream-fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TARGETS = 5_000;
const WARM_UP = 1_000;
const CHECKS_PER_TARGET = 20;
/** Allowed live-heap growth over the last 4,000 targets; a leaking sink grows by 20+ MB. */
const FLAT_BOUND = 8 * 1024 * 1024;

const STATUS_CYCLE: readonly Status[] = ['pass', 'pass', 'pass', 'fail', 'warn', 'info', 'skip', 'error'];

/** A fresh target each call (fresh strings too), so nothing is shared between targets. */
function synthetic(i: number): TargetReport {
  const checks: CheckResult[] = [];
  for (let c = 0; c < CHECKS_PER_TARGET; c++) {
    const status = STATUS_CYCLE[(i + c) % STATUS_CYCLE.length];
    checks.push({
      id: c === 0 ? 'tls.cert_expiry' : `area${c % 5}.check_${c}`,
      status,
      severity: 'fail',
      endpoint: `10.${(i >> 8) & 255}.${i & 255}.${c % 3}:25`,
      messageId: 'm',
      message: `check ${c} on host ${i} came out ${status}, with a message of ordinary length for a report`,
      evidence: [
        `250-host-${i}.fleet.example ESMTP ready for check ${c}`,
        `reply line ${i}/${c} → 550 5.7.1 nope`,
      ],
      remediation: { summary: `Fix check ${c} on host ${i} the way the documentation describes` },
      data: c === 0 ? { days: (i % 90) - 5 } : undefined,
    });
  }
  const t = target(`host-${i}.fleet.example`, checks, { roles: ['relay'] });
  if (i % 97 === 0) return { ...t, state: 'unreachable', checks: [], summary: emptyCounts() };
  return t;
}

/** Counts what it is given and keeps nothing. */
class CountingWriter implements ReportWriter {
  chars = 0;
  write(chunk: string): void {
    this.chars += chunk.length;
  }
}

function liveHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function measure(factory: SinkFactory): { growth: number; chars: number } {
  const out = new CountingWriter();
  const sink: ReportSink = factory(out, PLAIN);
  const summary = emptyCounts();
  sink.begin(HEADER);
  let afterWarmUp = 0;
  for (let i = 0; i < TARGETS; i++) {
    if (i === WARM_UP) afterWarmUp = liveHeap();
    const t = synthetic(i);
    for (const s of Object.keys(summary) as Status[]) summary[s] += t.summary[s];
    sink.target(t);
  }
  const growth = liveHeap() - afterWarmUp;
  sink.end({ durationMs: 1000, summary, targetCount: TARGETS, plannedCount: TARGETS, interrupted: false });
  return { growth, chars: out.chars };
}

/** The mistake the test is there to catch: a CSV sink that buffers its output until the end. */
const bufferingCsvSink: SinkFactory = (out, opts) => {
  const held: string[] = [];
  const inner = csvSink({ write: (s) => void held.push(s) }, opts);
  return {
    begin: (h) => inner.begin(h),
    target: (t) => inner.target(t),
    end: (f) => {
      inner.end(f);
      for (const s of held) out.write(s);
    },
  };
};

const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

describe('streaming sinks keep memory flat', () => {
  it('detects a sink that buffers its output (control)', () => {
    const { growth } = measure(bufferingCsvSink);
    expect(growth, `buffering sink grew by ${MB(growth)}`).toBeGreaterThan(FLAT_BOUND);
  });

  it.each([
    ['csv', csvSink, 10_000_000],
    ['junit', junitSink, 10_000_000],
    ['prometheus', prometheusSink, 10_000_000],
    ['nagios', nagiosSink, 1_000],
  ] as const)('%s: live heap stays flat over 5,000 targets', (_name, factory, minChars) => {
    const { growth, chars } = measure(factory);
    expect(chars, 'the sink wrote its output').toBeGreaterThan(minChars);
    expect(growth, `grew by ${MB(growth)} over ${TARGETS - WARM_UP} targets`).toBeLessThan(FLAT_BOUND);
  });
});
