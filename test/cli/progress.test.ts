/**
 * The audit's progress bar (src/cli/progress.ts): the line's layout, redraw throttling on the
 * events' own clock, clearing, the decision to show it at all, and — through `mailcheck audit` on
 * the lab — frames on a terminal and not a byte of them anywhere else.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Progress, clock, progressFor, progressLine, type ProgressCounts } from '../../src/cli/progress.js';
import type { TargetReport } from '../../src/model/results.js';
import { mailcheck, startAuditLab, type AuditLab, type CliRun } from '../helpers/audit.js';

/** Carriage return and "erase line": each frame starts with it, clear() writes only it. */
const ERASE = '\r\x1b[2K';

const counts = (done: number, total: number, failing = 0, unreachable = 0): ProgressCounts => ({
  done,
  total,
  failing,
  unreachable,
});

describe('clock', () => {
  it('formats m:ss and h:mm:ss', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(7_000)).toBe('0:07');
    expect(clock(7_499)).toBe('0:07');
    expect(clock(750_000)).toBe('12:30');
    expect(clock(3_723_000)).toBe('1:02:03');
    expect(clock(-5)).toBe('0:00');
  });
});

describe('progressLine', () => {
  it('draws a 30-column bar, the counts, the elapsed time and an ETA from the pace so far', () => {
    // 5 of 20 in 10 s: 15 more at 2 s each.
    expect(progressLine(counts(5, 20, 1), 10_000, 100)).toBe(
      `[${'#'.repeat(8)}${'-'.repeat(22)}] 5/20 targets · 1 failing · 0:10 elapsed · ETA 0:30`,
    );
    expect(progressLine(counts(20, 20, 3), 40_000, 100)).toBe(
      `[${'#'.repeat(30)}] 20/20 targets · 3 failing · 0:40 elapsed · ETA 0:00`,
    );
  });

  it('has no ETA before the first target finished', () => {
    const line = progressLine(counts(0, 20), 3_000, 100);
    expect(line).toMatch(/^\[-{30}\] 0\/20 targets · 0 failing · 0:03 elapsed · ETA –$/);
  });

  it('mentions unreachable targets only when there are some', () => {
    expect(progressLine(counts(4, 10, 1, 2), 4_000, 120)).toContain(' · 1 failing · 2 unreachable · ');
    expect(progressLine(counts(4, 10, 1, 0), 4_000, 120)).not.toContain('unreachable');
  });

  it('narrows the bar to fit the terminal, and drops it when there is no room', () => {
    const tail = ' 5/20 targets · 1 failing · 0:10 elapsed · ETA 0:30';
    const narrow = progressLine(counts(5, 20, 1), 10_000, tail.length + 3 + 10);
    expect(narrow).toBe(`[${'#'.repeat(3)}${'-'.repeat(7)}]${tail}`);
    const tiny = progressLine(counts(5, 20, 1), 10_000, 30);
    expect(tiny).not.toContain('[');
    expect(tiny).toBe(tail.trim().slice(0, 29));
  });

  it('never fills the last column of the terminal (no wrap)', () => {
    for (let width = 10; width <= 160; width++) {
      for (const c of [counts(0, 5000), counts(1234, 5000, 17, 3), counts(5000, 5000, 100, 20)]) {
        expect(progressLine(c, 3_725_000, width).length, `width ${width}`).toBeLessThan(width);
      }
    }
  });
});

describe('Progress', () => {
  function fake(columns = 100) {
    const writes: string[] = [];
    let t = 1_000;
    const out = { write: (s: string) => void writes.push(s), isTTY: true, columns };
    const progress = new Progress(out, () => t);
    return { writes, progress, advance: (ms: number) => (t += ms) };
  }

  it('draws at once, then at most every 100 ms', () => {
    const { writes, progress, advance } = fake();
    progress.update(counts(0, 3));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.startsWith(ERASE)).toBe(true);
    expect(writes[0]!.slice(ERASE.length)).toMatch(/^\[-+\] 0\/3 targets/);
    advance(50);
    progress.update(counts(1, 3));
    advance(49);
    progress.update(counts(1, 3));
    expect(writes).toHaveLength(1);
    advance(1);
    progress.update(counts(2, 3));
    expect(writes).toHaveLength(2);
    // Elapsed time runs from the construction, on the injected clock.
    expect(writes[1]).toContain('2/3 targets · 0 failing · 0:00 elapsed');
  });

  it('always draws the final update, however soon after the last', () => {
    const { writes, progress, advance } = fake();
    progress.update(counts(1, 2));
    advance(1);
    progress.update(counts(2, 2, 1));
    expect(writes).toHaveLength(2);
    expect(writes[1]!.startsWith(ERASE)).toBe(true);
    expect(writes[1]!.slice(ERASE.length)).toMatch(/^\[#{30}\] 2\/2 targets · 1 failing/);
  });

  it('uses the stream width (80 when unknown)', () => {
    const wide = fake(200);
    wide.progress.update(counts(1, 2));
    expect(wide.writes[0]!.length - 5).toBeLessThan(200);
    const writes: string[] = [];
    new Progress({ write: (s: string) => void writes.push(s), isTTY: true }, () => 0).update(
      counts(1, 2, 0, 1),
    );
    expect(writes[0]!.length - 5).toBeLessThan(80);
    expect(writes[0]!.slice(5)).toBe(progressLine(counts(1, 2, 0, 1), 0, 80));
  });

  it('clear() erases a drawn line once, and writes nothing when nothing was drawn', () => {
    const { writes, progress } = fake();
    progress.clear();
    expect(writes).toEqual([]);
    progress.update(counts(0, 1));
    progress.clear();
    expect(writes.at(-1)).toBe(ERASE);
    const n = writes.length;
    progress.clear();
    expect(writes).toHaveLength(n);
  });
});

describe('progressFor', () => {
  const tty = { write: () => true, isTTY: true, columns: 100 };
  it('gives a progress bar on a terminal only, and never with --quiet or --no-progress', () => {
    expect(progressFor(tty, {})).toBeInstanceOf(Progress);
    expect(progressFor(tty, { quiet: false, progress: true })).toBeInstanceOf(Progress);
    expect(progressFor({ write: () => true, isTTY: false }, {})).toBeUndefined();
    expect(progressFor({ write: () => true }, {})).toBeUndefined();
    expect(progressFor(tty, { quiet: true })).toBeUndefined();
    expect(progressFor(tty, { progress: false })).toBeUndefined();
  });
});

describe('mailcheck audit progress on stderr', () => {
  let lab: AuditLab;
  const runs = new Map<string, CliRun>();

  beforeAll(async () => {
    lab = await startAuditLab();
    const cache = path.join(lab.dir, 'dns-cache.json');
    const audit = (name: string, extra: string[], tty?: { columns: number }) =>
      mailcheck(
        ['audit', lab.inventory, ...lab.args, '--format', 'jsonl', '--dns-cache', cache, ...extra],
        tty ? { tty } : {},
      ).then((r) => void runs.set(name, r));
    // The first run records the lab's DNS answers; the others replay them, so they can run at once
    // without overflowing the lab DNS server's receive buffer (see audit-formats.test.ts).
    await audit('tty', [], { columns: 100 });
    await Promise.all([
      audit('pipe', []),
      audit('quiet', ['--quiet'], { columns: 100 }),
      audit('no-progress', ['--no-progress'], { columns: 100 }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await lab?.close();
  });

  const get = (name: string) => {
    const r = runs.get(name);
    if (!r) throw new Error(`no ${name} run`);
    expect(r.code, r.stderr).toBe(1);
    return r;
  };

  it('draws frames in place on a terminal, ending with 20/20 targets, then clears the line', () => {
    const { stderr, stdout } = get('tty');
    expect(stderr.startsWith(`${ERASE}[`)).toBe(true);
    expect(stderr.endsWith(ERASE)).toBe(true);
    const frames = stderr.split(ERASE).filter((f) => f !== '');
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const f of frames) {
      expect(f).toMatch(/^\[[#-]+\] \d+\/20 targets · \d+ failing/);
      expect(f.length).toBeLessThan(100);
    }
    expect(frames[0]).toMatch(/ 0\/20 targets/);
    // The final counts are those of the report.
    const targets = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; target?: TargetReport })
      .flatMap((l) => (l.target ? [l.target] : []));
    expect(targets).toHaveLength(20);
    const failing = targets.filter((t) => t.summary.fail > 0).length;
    const unreachable = targets.filter((t) => t.state === 'unreachable').length;
    expect(unreachable).toBe(2);
    expect(frames.at(-1)).toMatch(
      new RegExp(`^\\[#+\\] 20/20 targets · ${failing} failing · ${unreachable} unreachable · `),
    );
    const done = frames.map((f) => Number(/ (\d+)\/20 targets/.exec(f)![1]));
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // The report itself is untouched by the bar.
    expect(stdout).not.toContain('\x1b');
  });

  it('writes not a byte of progress when stderr is not a terminal, with --quiet or with --no-progress', () => {
    for (const name of ['pipe', 'quiet', 'no-progress']) {
      const { stderr } = get(name);
      expect(stderr, name).toBe('');
    }
  });
});
