/**
 * "What changed since the previous run" as text lines: the audit's table report and
 * `mailcheck history diff` print the same section. Everything a server or an inventory could have
 * put in a name, message or reason passes through `sanitize`; with colour off, no escape codes.
 */
import type { ChalkInstance } from 'chalk';
import { Chalk } from 'chalk';
import type { CheckChange, ExpiringCertificate, RunChanges, TargetChange } from '../model/changes.js';
import type { Status } from '../model/results.js';
import { STATUS_SYMBOL, plural, sanitize } from './format.js';

export interface ChangesRenderOptions {
  color: boolean;
  /** Items shown per section before "… and N more" (default: all). */
  limit?: number;
  /** Indentation of the section's lines (default ""). */
  indent?: string;
}

/** A chalk that colours only when asked. */
export function chalkOf(color: boolean): ChalkInstance {
  // Colour is decided by the caller (--no-color, NO_COLOR, TTY), never by chalk's own detection.
  return new Chalk({ level: color ? 1 : 0 });
}

/** A status word or symbol in its colour (`absent`: grey). */
export function paint(c: ChalkInstance, status: Status | 'absent', text: string): string {
  switch (status) {
    case 'pass':
      return c.green(text);
    case 'fail':
      return c.red.bold(text);
    case 'warn':
      return c.yellow(text);
    case 'info':
      return c.cyan(text);
    case 'skip':
    case 'absent':
      return c.gray(text);
    case 'error':
      return c.magenta.bold(text);
  }
}

/** "2026-11-21 12:00 UTC" for an ISO time; anything unparseable is shown as it is. */
export function shortTime(iso: string | undefined): string {
  if (iso === undefined) return '–';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return sanitize(iso);
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function where(x: { displayName: string; endpoint?: string }): string {
  return sanitize(x.endpoint ? `${x.displayName} ${x.endpoint}` : x.displayName);
}

function runLabel(r: { id: number; startedAt: string }): string {
  return `run ${r.id} (${shortTime(r.startedAt)})`;
}

/** One-line tally of a RunChanges: "2 new failures, 1 newly unreachable, 1 fixed". */
export function changesTally(ch: RunChanges): string {
  const parts: string[] = [];
  const add = (n: number, text: string) => {
    if (n > 0) parts.push(`${n} ${text}`);
  };
  add(ch.newFailures.length, ch.newFailures.length === 1 ? 'new failure' : 'new failures');
  add(ch.newlyUnreachable.length, 'newly unreachable');
  add(ch.fixed.length, 'fixed');
  add(ch.recovered.length, 'reachable again');
  add(ch.otherChanges.length, ch.otherChanges.length === 1 ? 'other change' : 'other changes');
  add(ch.added.length, ch.added.length === 1 ? 'new target' : 'new targets');
  add(ch.removed.length, ch.removed.length === 1 ? 'removed target' : 'removed targets');
  add(
    ch.expiringCertificates.length,
    ch.expiringCertificates.length === 1 ? 'certificate expiring' : 'certificates expiring',
  );
  return parts.length > 0 ? parts.join(', ') : 'no changes';
}

function expiryText(x: ExpiringCertificate): string {
  const when = x.days < 0 ? `expired ${plural(-x.days, 'day')} ago` : `expires in ${plural(x.days, 'day')}`;
  return `${when}${x.validTo ? ` (${sanitize(x.validTo.slice(0, 10))})` : ''}`;
}

/**
 * The changes since the previous run as plain text lines (no trailing newlines): a heading with
 * the tally, then one section per kind of change, regressions first. Empty sections are left out;
 * with nothing at all, one line says so. For the audit's table output and `history diff`.
 */
export function renderChangesLines(changes: RunChanges, opts: ChangesRenderOptions): string[] {
  const c = chalkOf(opts.color);
  const ind = opts.indent ?? '';
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  const since = changes.current
    ? `Changes from ${runLabel(changes.previous)} to ${runLabel(changes.current)}`
    : `Changes since ${runLabel(changes.previous)}`;
  const out = [`${ind}${c.bold(since)}: ${changesTally(changes)}`];

  const section = <T>(title: string, items: readonly T[], line: (x: T) => string) => {
    if (items.length === 0) return;
    out.push(`${ind}  ${title} (${items.length})`);
    const shown = items.length > limit ? items.slice(0, limit) : items;
    for (const x of shown) out.push(`${ind}    ${line(x)}`);
    if (shown.length < items.length) out.push(`${ind}    … and ${items.length - shown.length} more`);
  };
  const move = (x: CheckChange) => `${paint(c, x.before, x.before)} → ${paint(c, x.after, x.after)}`;
  const checkLine = (symbol: string) => (x: CheckChange) =>
    `${symbol} ${x.check}  ${where(x)}  ${move(x)}${x.message ? `: ${sanitize(x.message)}` : ''}`;
  const targetLine = (symbol: string) => (x: TargetChange) =>
    `${symbol} ${where(x)}${x.reason ? `: ${sanitize(x.reason)}` : ''}`;

  section(c.red.bold('New failures'), changes.newFailures, checkLine(c.red(STATUS_SYMBOL.fail)));
  section(
    c.red.bold('Newly unreachable'),
    changes.newlyUnreachable,
    targetLine(c.magenta(STATUS_SYMBOL.error)),
  );
  section(c.green('Fixed'), changes.fixed, checkLine(c.green(STATUS_SYMBOL.pass)));
  section(c.green('Reachable again'), changes.recovered, targetLine(c.green(STATUS_SYMBOL.pass)));
  section(
    c.yellow('Certificates expiring'),
    changes.expiringCertificates,
    (x) => `${c.yellow(STATUS_SYMBOL.warn)} ${where(x)}: ${expiryText(x)}`,
  );
  section('Other changes', changes.otherChanges, checkLine('•'));
  section('New targets', changes.added, targetLine('+'));
  section('Removed targets', changes.removed, targetLine('-'));
  return out;
}
