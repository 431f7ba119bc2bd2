/**
 * The audit's progress bar: one line on stderr, redrawn in place, with counts and an ETA. Only on
 * a terminal: cron mail and CI logs get nothing (the caller decides; see {@link progressFor}).
 * Redraws are throttled by the clock of the events themselves — no timer keeps the process busy.
 */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressCounts {
  done: number;
  total: number;
  /** Targets with at least one failing check. */
  failing: number;
  unreachable: number;
}

const REDRAW_MS = 100;
const BAR_MAX = 30;

/** "0:07", "12:30", "1:02:03". */
export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** The progress line for these counts, fitted to `width` columns. */
export function progressLine(c: ProgressCounts, elapsedMs: number, width: number): string {
  const pct = c.total === 0 ? 1 : c.done / c.total;
  // ETA from the average pace so far; unknown until something finished.
  const eta = c.done === 0 ? '–' : clock((elapsedMs / c.done) * (c.total - c.done));
  const tail =
    ` ${c.done}/${c.total} targets · ${c.failing} failing` +
    (c.unreachable > 0 ? ` · ${c.unreachable} unreachable` : '') +
    ` · ${clock(elapsedMs)} elapsed · ETA ${eta}`;
  const room = Math.min(BAR_MAX, width - tail.length - 3);
  if (room < 5) return tail.trim().slice(0, Math.max(0, width - 1));
  const filled = Math.round(pct * room);
  return `[${'#'.repeat(filled)}${'-'.repeat(room - filled)}]${tail}`;
}

export class Progress {
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly out: ProgressStream,
    private readonly now: () => number = () => performance.now(),
    private readonly started = now(),
  ) {}

  /** Redraws the line unless it was drawn less than 100 ms ago (the last update always draws). */
  update(c: ProgressCounts): void {
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS && c.done < c.total) return;
    this.lastDraw = t;
    const width = this.out.columns ?? 80;
    this.out.write(`\r\x1b[2K${progressLine(c, t - this.started, width)}`);
    this.drawn = true;
  }

  /** Clears the line so the report starts on a clean terminal line. */
  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** A progress bar when stderr is a terminal and the user did not ask for quiet; else nothing. */
export function progressFor(
  stderr: ProgressStream,
  opts: { quiet?: boolean; progress?: boolean },
): Progress | undefined {
  if (opts.progress === false || opts.quiet === true || stderr.isTTY !== true) return undefined;
  return new Progress(stderr);
}
