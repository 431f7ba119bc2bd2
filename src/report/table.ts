/**
 * The table reporter: what an administrator reads while fixing a host.
 *
 * Per target a header (name, state, addresses with their reverse DNS), per endpoint a few lines of
 * facts (greeting, TLS, certificate, AUTH) and its checks grouped by area, each failure with its
 * evidence and a one-line fix; last, the counts and the policy. A domain target shows the DNS facts
 * of the domain in its header and its domain-level checks, then each MX host's port-25 probe as a
 * host target would show it. Every status is a symbol plus a word, so the output reads
 * the same without colour, and with colour off it contains no escape sequence at all. Everything a
 * server sent passes through `sanitize` first: a banner must not be able to drive the terminal.
 */
import { Chalk } from 'chalk';
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { EndpointFacts, HostFacts, TlsHandshakeFacts } from '../model/artifacts.js';
import type { AddressFacts, DomainFacts } from '../model/dns-artifacts.js';
import { STATUSES, isDomainFacts } from '../model/results.js';
import type {
  CheckResult,
  RenderOptions,
  Report,
  Status,
  StatusCounts,
  TargetReport,
} from '../model/results.js';
import { domainFactFields, reverseSummary } from './dns-summary.js';
import { paint, renderChangesLines } from './changes-text.js';
import type { ReportSink, ReportWriter, RunFooter, RunHeader, SinkFactory } from './sink.js';
import { Spool } from './spool.js';
import {
  MTA_DISPLAY,
  STATUS_SYMBOL,
  areaRank,
  areaTitle,
  checkGroup,
  endpointKey,
  fleetName,
  endpointLabel,
  formatDuration,
  formatSeconds,
  plural,
  replyText,
  sanitize,
  statusLabel,
  textWidth,
  truncate,
  wrap,
} from './format.js';

/** Lines are kept to this many columns where practical (messages wrap, evidence is cut). */
export const TABLE_WIDTH = 120;

/** Evidence lines shown per check unless `verbose`. */
export const MAX_EVIDENCE_LINES = 6;

const PROBLEMS: ReadonlySet<Status> = new Set<Status>(['fail', 'warn', 'error']);
const MS_PER_DAY = 86_400_000;

interface Ctx {
  opts: RenderOptions;
  c: ChalkInstance;
  /** Width of the check-id column, the same for the whole report so columns line up. */
  idWidth: number;
}

/** Renders the report as text for a terminal (or a file, with `color: false`). */
export function renderTable(report: Report, opts: RenderOptions): string {
  // Colour is decided by the caller (--no-color, NO_COLOR, TTY); never by chalk's own detection.
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const ids = report.targets.flatMap((t) => t.checks.map((r) => textWidth(r.id)));
  const ctx: Ctx = { opts, c, idWidth: Math.min(24, Math.max(12, ...ids)) };

  const blocks: string[][] = [];
  for (const target of report.targets) {
    const lines = renderTarget(target, ctx);
    if (lines.length > 0) blocks.push(lines);
  }
  const rows = report.targets.map(rowOf);
  if (!opts.quiet && report.targets.length > 1) blocks.push(fleetTable(rows, ctx));
  blocks.push(summaryLines(summaryOf(report, rows), ctx));
  return blocks.map((b) => b.join('\n')).join('\n\n') + '\n';
}

/** What the fleet table and the summary keep of a target. */
interface TargetRow {
  title: string;
  state: TargetReport['state'];
  summary: StatusCounts;
  durationMs: number;
}

function rowOf(t: TargetReport): TargetRow {
  // A host listed with its port (mail.example.edu:2525) is shown so: one host may be listed per port.
  const title = fleetName(t) === (t.displayName || t.name) ? targetTitle(t) : sanitize(fleetName(t));
  return { title, state: t.state, summary: t.summary, durationMs: t.durationMs };
}

interface RunSummary {
  summary: StatusCounts;
  durationMs: number;
  policy: Report['policy'];
  tool: Report['tool'];
  targets: number;
  partial: number;
  unreachable: number;
  /** Targets the run was asked for, when it was interrupted before finishing them. */
  planned?: number;
}

function summaryOf(
  report: Pick<Report, 'summary' | 'durationMs' | 'policy' | 'tool'>,
  rows: TargetRow[],
): RunSummary {
  return {
    summary: report.summary,
    durationMs: report.durationMs,
    policy: report.policy,
    tool: report.tool,
    targets: rows.length,
    partial: rows.filter((r) => r.state === 'partial').length,
    unreachable: rows.filter((r) => r.state === 'unreachable').length,
  };
}

/**
 * The table format for audits, streamed: the fleet summary first (one row per target with its
 * counts), then the details of every target with a problem (everything with --verbose), then what
 * changed since the previous run, then the summary line. Details are spooled as targets finish;
 * only the rows stay in memory. With --quiet the fleet table lists only targets with problems.
 */
export const tableSink: SinkFactory = (out: ReportWriter, opts: RenderOptions): ReportSink => {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  // Details show problems only, unless --verbose asks for everything.
  const ctx: Ctx = { opts: { ...opts, quiet: !opts.verbose }, c, idWidth: 24 };
  const rows: TargetRow[] = [];
  const details = new Spool();
  let header: RunHeader | undefined;
  return {
    begin(h) {
      header = h;
    },
    target(t) {
      rows.push(rowOf(t));
      const lines = renderTarget(t, ctx);
      if (lines.length > 0) details.write(`${lines.join('\n')}\n\n`);
    },
    end(footer: RunFooter) {
      const shown = opts.quiet ? rows.filter((r) => r.state !== 'scanned' || hasProblems(r.summary)) : rows;
      if (shown.length > 0) out.write(`${fleetTable(shown, ctx).join('\n')}\n\n`);
      details.drainTo(out);
      if (footer.changes) {
        const lines = renderChangesLines(footer.changes, { color: opts.color, limit: 50 });
        out.write(`${lines.join('\n')}\n\n`);
      }
      const run: RunSummary = {
        ...summaryOf({ ...header!, summary: footer.summary, durationMs: footer.durationMs }, rows),
        ...(footer.interrupted ? { planned: footer.plannedCount } : {}),
      };
      out.write(`${summaryLines(run, ctx).join('\n')}\n`);
    },
  };
};

function hasProblems(s: StatusCounts): boolean {
  return s.fail + s.warn + s.error > 0;
}

const colorStatus = paint;

function isProblem(r: CheckResult): boolean {
  return PROBLEMS.has(r.status);
}

/** "name" or "unicode-name (punycode-name)". */
function targetTitle(t: TargetReport): string {
  const display = sanitize(t.displayName || t.name);
  return t.displayName && t.displayName !== t.name ? `${display} (${sanitize(t.name)})` : display;
}

function renderTarget(t: TargetReport, ctx: Ctx): string[] {
  const { c, opts } = ctx;
  const showAll = !opts.quiet;
  if (!showAll && t.state === 'scanned' && !t.checks.some(isProblem)) return [];

  const state =
    t.state === 'unreachable'
      ? c.red.bold('UNREACHABLE')
      : t.state === 'partial'
        ? `${c.yellow('partial scan')} in ${formatDuration(t.durationMs)}`
        : `scanned in ${formatDuration(t.durationMs)}`;
  const out = [`${c.bold(targetTitle(t))} — ${state}`];
  const facts = t.facts;
  if (showAll && isDomainFacts(facts)) out.push(...domainFactLines(facts.domain, ctx));
  if (showAll && !isDomainFacts(facts)) out.push(...addressLines(facts, facts.reverse, ctx));
  if (showAll && t.roles.length > 0) out.push(targetField('roles', t.roles.map(sanitize).join(', ')));
  if (t.error) out.push(targetField('error', c.red(sanitize(`${t.error.code}: ${t.error.message}`))));
  if (t.state === 'unreachable') return out;

  const hosts = isDomainFacts(facts) ? facts.mxHosts : [facts];
  // Target-level checks, and any naming an endpoint we have no facts for, go first.
  const known = new Set(hosts.flatMap((h) => h.endpoints.map((ep) => endpointKey(ep.address, ep.port))));
  const general = t.checks.filter((r) => r.endpoint === undefined || !known.has(r.endpoint));
  const generalShown = showAll ? general : general.filter(isProblem);
  if (generalShown.length > 0) {
    out.push('', `  ${c.bold(t.kind === 'domain' ? 'Domain' : 'Host')}`);
    out.push(...checkLines(generalShown, 4, ctx, showAll));
  }
  if (!isDomainFacts(facts)) {
    out.push(...endpointSections(facts, t, ctx, new Set()));
    return out;
  }

  // Each MX host as a host target renders, under a title naming the domain and the MX.
  const shown = new Set<string>();
  const reverse = facts.domain.addresses;
  for (const host of facts.mxHosts) {
    const sections = endpointSections(host, t, ctx, shown);
    if (!showAll && sections.length === 0 && !host.resolution?.failure) continue;
    const priority = facts.domain.mx?.hosts.find((h) => h.name === host.host)?.priority;
    const mxName = host.displayName && host.displayName !== host.host ? host.displayName : host.host;
    const title = `${targetTitle(t)} › MX${priority === undefined ? '' : ` ${priority}`} ${sanitize(mxName)}`;
    out.push('', c.bold(title));
    if (showAll) out.push(...addressLines(host, host.reverse ?? reverse, ctx));
    const failure = host.resolution?.failure;
    if (failure) out.push(targetField('error', c.red(sanitize(`${failure.code}: ${failure.message}`))));
    out.push(...sections);
  }
  return out;
}

/** A field of a target's header: "  name       value". */
function targetField(name: string, value: string): string {
  return `  ${name.padEnd(10)} ${value}`;
}

/** Continuation lines of a multi-line header field line up under its first value. */
const FIELD_INDENT = ' '.repeat(13);

/**
 * The addresses of a host, each with its PTR name and forward confirmation when the reverse DNS
 * was looked up: "127.0.0.1 → mail.example.edu ✔ FCrDNS". Packed into lines of at most the table
 * width, breaking between addresses.
 */
function addressLines(host: HostFacts, reverse: readonly AddressFacts[] | undefined, ctx: Ctx): string[] {
  const { c } = ctx;
  if (host.addresses.length === 0) return [];
  const items = host.addresses.map((a) => {
    const r = reverseSummary(a.address, reverse);
    const plain = sanitize(r.text);
    if (!r.mark) return { plain, styled: plain };
    const mark = `${STATUS_SYMBOL[r.mark.status]} ${sanitize(r.mark.label)}`;
    return { plain: `${plain} ${mark}`, styled: `${plain} ${colorStatus(c, r.mark.status, mark)}` };
  });
  const lines: string[] = [];
  let line = '';
  let width = 0;
  for (const item of items) {
    const w = textWidth(item.plain);
    if (line && FIELD_INDENT.length + width + 2 + w > TABLE_WIDTH) {
      lines.push(`${line},`);
      line = '';
      width = 0;
    }
    line += line ? `, ${item.styled}` : item.styled;
    width += (width > 0 ? 2 : 0) + w;
  }
  lines.push(line);
  return lines.map((l, i) => (i === 0 ? targetField('addresses', l) : `${FIELD_INDENT}${l}`));
}

/** The compact DNS facts of a domain target: MX, SPF, DMARC, DKIM, MTA-STS, TLS-RPT, TLSA. */
function domainFactLines(d: DomainFacts, ctx: Ctx): string[] {
  const { opts } = ctx;
  const width = TABLE_WIDTH - FIELD_INDENT.length;
  const fit = (text: string) => (opts.verbose ? sanitize(text) : truncate(sanitize(text), width));
  return domainFactFields(d, opts.verbose).flatMap(([label, [first = '', ...rest]]) => [
    targetField(label, fit(first)),
    ...rest.map((l) => `${FIELD_INDENT}${fit(l)}`),
  ]);
}

/**
 * The sections of a host's endpoints, each with its checks. A check belongs to the first section
 * with its endpoint (`shown` remembers them across MX hosts that share an address).
 */
function endpointSections(host: HostFacts, t: TargetReport, ctx: Ctx, shown: Set<string>): string[] {
  const out: string[] = [];
  for (const ep of host.endpoints) {
    const key = endpointKey(ep.address, ep.port);
    const checks = shown.has(key) ? [] : t.checks.filter((r) => r.endpoint === key);
    shown.add(key);
    const lines = renderEndpoint(ep, checks, t, ctx);
    if (lines.length > 0) out.push('', ...lines);
  }
  return out;
}

function renderEndpoint(ep: EndpointFacts, checks: CheckResult[], t: TargetReport, ctx: Ctx): string[] {
  const { c, opts } = ctx;
  const connected = ep.connect.ok;
  // An endpoint that never connected: one line with the reason instead of a wall of errors.
  const collapsed = connected ? [] : checks.filter((r) => r.status === 'error' || r.status === 'skip');
  const listed = checks.filter((r) => !collapsed.includes(r) && (!opts.quiet || isProblem(r)));
  if (opts.quiet && listed.length === 0 && !collapsed.some(isProblem)) return [];

  const out = [
    `  ${c.bold(sanitize(endpointLabel(ep)))}${connected ? c.gray(` · ${formatDuration(ep.ms)}`) : ''}`,
  ];
  const reason = ep.connect.failure?.message ?? ep.failure?.message ?? 'no connection';
  if (!opts.quiet && connected) out.push(...factLines(ep, t, ctx));
  // A port that did not answer and was not judged (a default guess) still says why.
  if (!opts.quiet && !connected && collapsed.length === 0)
    out.push(`    ${c.gray('connect'.padEnd(10))} ${sanitize(reason)}`);
  if (opts.transcript && ep.transcript?.length) out.push(...transcriptLines(ep, ctx));
  // A blank line between the facts and the checks, where there are both.
  if (out.length > 1 && listed.length > 0 && !opts.quiet) out.push('');
  out.push(...checkLines(listed, 4, ctx, !opts.quiet));
  if (collapsed.length > 0 && (!opts.quiet || collapsed.some(isProblem))) {
    const errors = collapsed.filter((r) => r.status === 'error').length;
    const skips = collapsed.length - errors;
    const what = [
      errors > 0 ? `${plural(errors, 'check')} could not be judged` : '',
      skips > 0 ? `${skips} ${skips === 1 ? 'was' : 'were'} skipped` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    const row = statusRow(errors > 0 ? 'error' : 'skip', '', `not connected: ${sanitize(reason)}`, 4, ctx, 0);
    const detail = ' '.repeat(4 + textWidth(statusLabel('error')) + 2);
    out.push(...row, `${detail}${c.gray(`${what} (all listed in --format json)`)}`);
  }
  return out;
}

/** The compact facts of a connected endpoint: greeting, TLS, certificate, AUTH. */
function factLines(ep: EndpointFacts, t: TargetReport, ctx: Ctx): string[] {
  const { c, opts } = ctx;
  const width = TABLE_WIDTH - 15;
  const field = (name: string, value: string) => `    ${c.gray(name.padEnd(10))} ${truncate(value, width)}`;
  const out: string[] = [];

  if (ep.greeting) {
    out.push(
      field('greeting', `${sanitize(replyText(ep.greeting.reply))} · ${formatDuration(ep.greeting.ms)}`),
    );
  }
  if (opts.verbose) {
    const caps = ep.ehloTls?.capabilities ?? ep.ehlo?.capabilities;
    if (caps) out.push(field('ESMTP', sanitize(caps.raw.join(', ')) || 'none'));
  }
  const tls = tlsSummary(ep);
  if (tls) out.push(field('TLS', tls));
  const cert = certSummary(ep.tls?.handshake, Date.parse(t.startedAt));
  if (cert) out.push(field('cert', cert));
  const auth = authSummary(ep);
  if (auth) out.push(field('AUTH', auth));
  if (ep.failure) out.push(field('stopped', c.red(sanitize(ep.failure.message))));
  return out;
}

function tlsSummary(ep: EndpointFacts): string | undefined {
  const hs = ep.tls?.handshake;
  if (hs?.ok) {
    const parts = [
      hs.protocol ?? 'unknown protocol',
      hs.cipher?.standardName ?? hs.cipher?.name ?? 'unknown cipher',
    ];
    if (hs.ephemeralKey) parts.push(hs.ephemeralKey.name ?? hs.ephemeralKey.type);
    else parts.push('no forward secrecy');
    return sanitize(parts.join(' · '));
  }
  if (hs && !hs.ok) return `handshake failed: ${sanitize(hs.failure?.message ?? 'unknown reason')}`;
  if (ep.starttls?.failure) return `STARTTLS failed: ${sanitize(ep.starttls.failure.message)}`;
  if (ep.starttls && !ep.starttls.offered) return 'not offered (no STARTTLS in EHLO)';
  return undefined;
}

function certSummary(hs: TlsHandshakeFacts | undefined, now: number): string | undefined {
  const leaf = hs?.chain[0];
  if (!leaf) return undefined;
  const parts = [leaf.commonName ? `CN=${leaf.commonName}` : leaf.subject];
  parts.push(leaf.keyBits ? `${leaf.keyType} ${leaf.keyBits}` : leaf.keyType);
  const to = Date.parse(leaf.validTo);
  if (Number.isNaN(to)) parts.push(`valid to ${leaf.validTo}`);
  else {
    const day = new Date(to).toISOString().slice(0, 10);
    const days = Number.isNaN(now) ? undefined : Math.floor((to - now) / MS_PER_DAY);
    if (days === undefined) parts.push(`expires ${day}`);
    else if (days < 0) parts.push(`EXPIRED ${day} (${plural(-days, 'day')} ago)`);
    else parts.push(`expires ${day} (in ${plural(days, 'day')})`);
  }
  if (hs?.validation && !hs.validation.authorized)
    parts.push(`untrusted: ${hs.validation.error ?? 'chain invalid'}`);
  if (hs?.hostname && !hs.hostname.matches) parts.push(`does not match ${hs.hostname.name}`);
  return sanitize(parts.join(' · '));
}

function authSummary(ep: EndpointFacts): string | undefined {
  const list = (mechs: string[]) => (mechs.length > 0 ? mechs.join(' ') : 'none');
  const parts: string[] = [];
  if (ep.profile !== 'smtps' && ep.ehlo) parts.push(`before TLS: ${list(ep.ehlo.capabilities.auth)}`);
  if (ep.ehloTls)
    parts.push(`${ep.profile === 'smtps' ? 'in TLS' : 'after TLS'}: ${list(ep.ehloTls.capabilities.auth)}`);
  if (ep.auth) {
    const a = ep.auth;
    parts.push(
      `login ${a.mechanism}: ${a.refused ? `not tried (${a.refused})` : a.success ? 'succeeded' : 'failed'}`,
    );
  }
  return parts.length > 0 ? sanitize(parts.join(' · ')) : undefined;
}

function transcriptLines(ep: EndpointFacts, ctx: Ctx): string[] {
  const { c } = ctx;
  const out = [`    ${c.gray('transcript')}`];
  for (const e of ep.transcript) {
    const time = `${Math.round(e.t)}ms`.padStart(7);
    const dir = e.dir === '*' ? '* ' : `${e.dir}:`;
    out.push(`    ${c.gray(time)} ${dir} ${sanitize(e.text)}`);
  }
  return out;
}

/** Check rows grouped by area (with headings when `headings`), in the order the runner gave. */
function checkLines(checks: CheckResult[], indent: number, ctx: Ctx, headings: boolean): string[] {
  const areas = [...new Set(checks.map(checkGroup))].sort((a, b) => areaRank(a) - areaRank(b));
  const out: string[] = [];
  for (const area of areas) {
    if (headings) out.push(`${' '.repeat(indent)}${ctx.c.bold(sanitize(areaTitle(area)))}`);
    for (const r of checks.filter((x) => checkGroup(x) === area)) {
      out.push(...checkRow(r, headings ? indent + 2 : indent, ctx));
    }
  }
  return out;
}

/** A status symbol and word, an id column and a wrapped message. Returns the lines. */
function statusRow(status: Status, id: string, message: string, indent: number, ctx: Ctx, idWidth: number) {
  const pad = ' '.repeat(indent);
  const label = colorStatus(ctx.c, status, statusLabel(status));
  const idCol = idWidth > 0 ? `${id.padEnd(idWidth)}  ` : '';
  const msgIndent = indent + textWidth(statusLabel(status)) + 2 + textWidth(idCol);
  const [first, ...rest] = wrap(message, Math.max(40, TABLE_WIDTH - msgIndent));
  return [`${pad}${label}  ${idCol}${first}`, ...rest.map((l) => `${' '.repeat(msgIndent)}${l}`)];
}

function checkRow(r: CheckResult, indent: number, ctx: Ctx): string[] {
  const { c, opts } = ctx;
  const out = statusRow(r.status, sanitize(r.id), sanitize(r.message), indent, ctx, ctx.idWidth);
  const detail = ' '.repeat(indent + textWidth(statusLabel(r.status)) + 2);
  const width = TABLE_WIDTH - detail.length - 2;

  if ((isProblem(r) || opts.verbose) && r.evidence.length > 0) {
    const limit = opts.verbose ? r.evidence.length : MAX_EVIDENCE_LINES;
    // When cutting, show one line fewer so the "more" note fits in the limit.
    const shown = r.evidence.length > limit ? r.evidence.slice(0, limit - 1) : r.evidence;
    for (const line of shown) {
      const text = sanitize(line);
      out.push(`${detail}${c.gray('│')} ${c.gray(opts.verbose ? text : truncate(text, width))}`);
    }
    if (shown.length < r.evidence.length) {
      const more = r.evidence.length - shown.length;
      out.push(`${detail}${c.gray('│')} ${c.gray(`… ${plural(more, 'more line')} (--verbose shows all)`)}`);
    }
  }
  const fix = r.remediation && (isProblem(r) || opts.verbose) ? fixText(r) : undefined;
  if (fix) {
    const [first, ...rest] = wrap(sanitize(fix), TABLE_WIDTH - detail.length - 5);
    out.push(`${detail}${c.cyan.bold('fix:')} ${first}`, ...rest.map((l) => `${detail}     ${l}`));
  }
  return out;
}

/** The MTA-specific fix when the MTA was recognised, else the generic one. */
function fixText(r: CheckResult): string | undefined {
  const rem = r.remediation;
  if (!rem) return undefined;
  if (rem.mta?.text) return `${MTA_DISPLAY[rem.mta.name] ?? rem.mta.name}: ${rem.mta.text}`;
  return rem.summary || undefined;
}

/** One row per target, when there are several. */
function fleetTable(rows: readonly TargetRow[], ctx: Ctx): string[] {
  const { c } = ctx;
  const table = new Table({
    head: ['target', 'state', ...STATUSES, 'time'].map((h) => c.bold(h)),
    colAligns: ['left', 'left', ...STATUSES.map(() => 'right' as const), 'right'],
    // No row separators: a compact grid.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    // No colours from cli-table3 itself (it has its own detection); chalk colours the cells.
    style: { head: [], border: [] },
  });
  for (const t of rows) {
    const state =
      t.state === 'scanned' ? t.state : colorStatus(c, t.state === 'partial' ? 'warn' : 'fail', t.state);
    table.push([
      truncate(t.title, 50),
      state,
      ...STATUSES.map((s) => (t.summary[s] > 0 ? colorStatus(c, s, String(t.summary[s])) : '0')),
      formatDuration(t.durationMs),
    ]);
  }
  return table.toString().split('\n');
}

function countsText(counts: StatusCounts, c: ChalkInstance): string {
  const parts = [
    colorStatus(c, 'pass', `${counts.pass} passed`),
    counts.fail > 0 ? colorStatus(c, 'fail', `${counts.fail} failed`) : '0 failed',
  ];
  if (counts.warn > 0) parts.push(colorStatus(c, 'warn', plural(counts.warn, 'warning')));
  if (counts.info > 0) parts.push(colorStatus(c, 'info', `${counts.info} info`));
  if (counts.skip > 0) parts.push(`${counts.skip} skipped`);
  if (counts.error > 0) parts.push(colorStatus(c, 'error', plural(counts.error, 'error')));
  return parts.join(', ');
}

function summaryLines(report: RunSummary, ctx: Ctx): string[] {
  const { c } = ctx;
  const s = report.summary;
  const total = STATUSES.reduce((n, k) => n + s[k], 0);
  const states = (['partial', 'unreachable'] as const)
    .map((st) => [st, report[st]] as const)
    .filter(([, n]) => n > 0)
    .map(([st, n]) => `${n} ${st}`);
  const count =
    report.planned !== undefined
      ? c.yellow(`interrupted: ${report.targets} of ${plural(report.planned, 'target')} finished`)
      : plural(report.targets, 'target');
  const targets = `${count}${states.length > 0 ? ` (${states.join(', ')})` : ''}`;
  const policy = `policy ${sanitize(report.policy.name)}${report.policy.source === 'built-in' ? ' (built-in)' : ''}`;
  return [
    c.bold(`${plural(total, 'check')}: `) + `${countsText(s, c)} in ${formatSeconds(report.durationMs)}`,
    `${targets} · ${policy} · ${report.tool.name} ${sanitize(report.tool.version)}`,
  ];
}
