/**
 * The HTML reporter: one self-contained file an administrator can mail to a colleague, open
 * offline or print. A fleet summary (status chart, target counts, what changed since the previous
 * run), a sortable table with one row per target, then the details of every target: its checks
 * grouped by endpoint and area, with evidence and remediation, and optionally the SMTP transcripts.
 *
 * Streaming: `target()` renders a target's details straight into a {@link Spool} and keeps only a
 * small row for the fleet table; `end()` writes the page head, the summary and the table from the
 * rows, then the spooled details. Memory stays flat however many targets an audit has.
 *
 * Safety: every piece of text passes through `sanitize` (control characters) and is HTML-escaped,
 * element ids derive from a counter (never from a name), and a Content-Security-Policy allows only
 * the inline stylesheet and script shipped here, by their SHA-256 hashes, so text a server sent
 * cannot run or load anything even if it got past the escaping.
 */
import { createHash } from 'node:crypto';
import type { EndpointFacts, HostFacts, TlsHandshakeFacts } from '../model/artifacts.js';
import type { AddressFacts } from '../model/dns-artifacts.js';
import type { CheckChange, RunChanges, TargetChange } from '../model/changes.js';
import { regressionCount } from '../model/changes.js';
import { STATUSES, isDomainFacts } from '../model/results.js';
import type {
  CheckResult,
  RenderOptions,
  Status,
  StatusCounts,
  TargetReport,
  TargetState,
} from '../model/results.js';
import { domainFactFields, reverseSummary } from './dns-summary.js';
import {
  MTA_DISPLAY,
  STATUS_SYMBOL,
  areaRank,
  areaTitle,
  checkGroup,
  endpointKey,
  fleetName,
  formatDuration,
  formatSeconds,
  plural,
  replyText,
  sanitize,
  statusWord,
  tlsMode,
} from './format.js';
import { HTML_SCRIPT, HTML_STYLE } from './html-assets.js';
import type { ReportSink, ReportWriter, RunFooter, RunHeader, SinkFactory } from './sink.js';
import { Spool } from './spool.js';

const PROBLEMS: ReadonlySet<Status> = new Set<Status>(['fail', 'warn', 'error']);
const MS_PER_DAY = 86_400_000;
/** The order of the status chart: good news first, as the issue lists them. */
const CHART_ORDER: readonly Status[] = ['pass', 'warn', 'fail', 'error', 'info', 'skip'];
const STATE_RANK: Readonly<Record<TargetState, number>> = { scanned: 0, partial: 1, unreachable: 2 };

/** What the fleet table keeps of a target once its details are spooled. */
interface Row {
  /** 1-based, in finishing order; the details anchor is `t-<index>`. */
  index: number;
  kind: TargetReport['kind'];
  name: string;
  displayName: string;
  input: string;
  roles: string[];
  state: TargetState;
  summary: StatusCounts;
  durationMs: number;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Sanitised and escaped: the only way any text reaches the page. */
function h(text: string | number): string {
  return escapeHtml(sanitize(String(text)));
}

/** The CSP source expression allowing exactly `text` as an inline element's content. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The Content-Security-Policy of the report: nothing but its own inline stylesheet and script. */
export function contentSecurityPolicy(style: string = HTML_STYLE, script: string = HTML_SCRIPT): string {
  return [
    "default-src 'none'",
    `style-src ${cspHash(style)}`,
    `script-src ${cspHash(script)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The streaming HTML reporter. */
export const htmlSink: SinkFactory = (out: ReportWriter, opts: RenderOptions): ReportSink => {
  let header: RunHeader | undefined;
  const rows: Row[] = [];
  const details = new Spool();
  return {
    begin(runHeader: RunHeader) {
      header = runHeader;
    },
    target(t: TargetReport) {
      const index = rows.length + 1;
      rows.push({
        index,
        kind: t.kind,
        name: t.name,
        displayName: fleetName(t),
        input: t.input,
        roles: [...t.roles],
        state: t.state,
        summary: { ...t.summary },
        durationMs: t.durationMs,
      });
      details.write(renderTarget(t, index, opts));
    },
    end(footer: RunFooter) {
      try {
        out.write(renderTop(header, footer, rows));
        details.drainTo(out);
        out.write(renderBottom(header));
      } finally {
        details.dispose();
      }
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Page head, fleet summary, changes and fleet table (written at the end, from the rows)

function utcTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return h(iso);
  const text = new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return `<time datetime="${h(iso)}">${h(text)}</time>`;
}

function badge(status: Status, text: string = statusWord(status)): string {
  const symbol = STATUS_SYMBOL[status] ?? '';
  return `<span class="badge b-${h(status)}"><span aria-hidden="true">${symbol}</span> ${h(text)}</span>`;
}

function stateBadge(state: TargetState): string {
  return `<span class="badge b-${h(state)}">${h(state)}</span>`;
}

function renderTop(header: RunHeader | undefined, footer: RunFooter, rows: Row[]): string {
  const tool = header ? `${header.tool.name} ${header.tool.version}` : 'mailcheck';
  const started = header?.startedAt;
  const title = `mailcheck report${started ? ` — ${started.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : ''}`;
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Our own constant text (keywords, quotes, base64): nothing in it needs escaping in an attribute.
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">`,
    '<meta name="color-scheme" content="light dark">',
    `<meta name="generator" content="${h(tool)}">`,
    `<title>${h(title)}</title>`,
    `<style>${HTML_STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    '<h1>mailcheck report</h1>',
    '<dl class="meta">',
  ];
  const meta = (label: string, value: string) => out.push(`<div><dt>${h(label)}</dt><dd>${value}</dd></div>`);
  meta('Tool', h(tool));
  if (header) {
    const source = header.policy.source === 'built-in' ? 'built-in' : 'file';
    meta('Policy', `${h(header.policy.name)} <span class="muted">(${source})</span>`);
    meta('Started', utcTime(header.startedAt));
  }
  meta('Duration', h(formatSeconds(footer.durationMs)));
  meta(
    'Targets',
    footer.interrupted ? h(`${footer.targetCount} of ${footer.plannedCount}`) : h(footer.targetCount),
  );
  out.push('</dl>');
  if (footer.interrupted) {
    out.push(
      `<p class="banner" role="alert"><strong>Interrupted:</strong> ${h(
        `the run was stopped after ${footer.targetCount} of ${plural(footer.plannedCount, 'target')} finished; this report covers only those.`,
      )}</p>`,
    );
  }
  if (header && Object.keys(header.options).length > 0) out.push(optionsBlock(header.options));
  out.push('</header>', '<main>');
  out.push(summarySection(footer, rows));
  if (footer.changes) out.push(changesSection(footer.changes, rows));
  out.push(fleetSection(rows));
  out.push(
    '<section id="details" aria-labelledby="details-h">',
    '<h2 id="details-h">Target details</h2>',
    '<div class="toolbar"><button type="button" id="expand-all">Expand all</button>' +
      '<button type="button" id="collapse-all">Collapse all</button></div>',
  );
  if (rows.length === 0) out.push('<p class="muted">No target finished.</p>');
  return out.join('\n') + '\n';
}

function renderBottom(header: RunHeader | undefined): string {
  const tool = header ? `${header.tool.name} ${header.tool.version}` : 'mailcheck';
  const schema = header ? ` · report schema ${header.schemaVersion}` : '';
  return [
    '</section>',
    '</main>',
    `<footer>${h(`Generated by ${tool}${schema}.`)} Transcripts and evidence are redacted: credentials never appear.</footer>`,
    `<script>${HTML_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Scan options that change results (timeouts, resolvers, EHLO name), for the record. */
function optionsBlock(options: Record<string, unknown>): string {
  const items = Object.entries(options).map(
    ([k, v]) =>
      `<li><code>${h(k)}</code>: ${h(typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)))}</li>`,
  );
  return `<details class="options"><summary>Scan options</summary><ul>${items.join('')}</ul></details>`;
}

function summarySection(footer: RunFooter, rows: Row[]): string {
  const s = footer.summary;
  const checks = STATUSES.reduce((n, k) => n + s[k], 0);
  const byState = (st: TargetState) => rows.filter((r) => r.state === st).length;
  const failing = rows.filter((r) => r.summary.fail > 0).length;
  const unreachable = byState('unreachable');

  const verdict: string[] = [];
  let tone: Status = 'pass';
  if (s.fail > 0) {
    verdict.push(`${plural(s.fail, 'check')} failed on ${plural(failing, 'target')}`);
    tone = 'fail';
  }
  if (unreachable > 0) {
    verdict.push(`${plural(unreachable, 'target')} could not be scanned`);
    if (tone === 'pass') tone = 'fail';
  }
  if (s.error > 0) {
    verdict.push(`${plural(s.error, 'check')} could not be judged`);
    if (tone === 'pass') tone = 'error';
  }
  if (s.warn > 0) {
    verdict.push(plural(s.warn, 'warning'));
    if (tone === 'pass') tone = 'warn';
  }
  if (verdict.length === 0) verdict.push(rows.length > 0 ? 'every check passed' : 'nothing was scanned');

  const stats: [string, number, string][] = [
    ['targets', rows.length, ''],
    ['scanned', byState('scanned'), 's-scanned'],
    ['partial', byState('partial'), 's-partial'],
    ['unreachable', unreachable, 's-unreachable'],
    ['checks', checks, ''],
  ];
  return [
    '<section id="summary" aria-labelledby="summary-h">',
    '<h2 id="summary-h">Fleet summary</h2>',
    `<p class="verdict v-${tone}">${badge(tone, statusWord(tone))} ${h(capitalise(verdict.join(' · ')))}</p>`,
    '<div class="overview">',
    '<ul class="stats">',
    ...stats.map(
      ([label, n, cls]) => `<li${cls ? ` class="${cls}"` : ''}><span class="n">${n}</span> ${h(label)}</li>`,
    ),
    '</ul>',
    statusChart(s),
    '</div>',
    '</section>',
  ].join('\n');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Horizontal bars, one per status, each labelled with its word and count (not colour alone). */
function statusChart(s: StatusCounts): string {
  const rowH = 28;
  const labelW = 70;
  const barMax = 480;
  const max = Math.max(1, ...CHART_ORDER.map((k) => s[k]));
  const total = STATUSES.reduce((n, k) => n + s[k], 0);
  const height = CHART_ORDER.length * rowH + 4;
  const description = CHART_ORDER.map((k) => `${statusWord(k)} ${s[k]}`).join(', ');
  const bars = CHART_ORDER.map((k, i) => {
    const y = i * rowH + 4;
    const w = s[k] === 0 ? 0 : Math.max(2, Math.round((s[k] / max) * barMax * 10) / 10);
    return [
      `<g><title>${h(`${statusWord(k)}: ${plural(s[k], 'check')}`)}</title>`,
      `<text x="0" y="${y + 15}">${STATUS_SYMBOL[k]} ${statusWord(k)}</text>`,
      `<rect class="track" x="${labelW}" y="${y}" width="${barMax}" height="20" rx="3"/>`,
      w > 0 ? `<rect class="f-${k}" x="${labelW}" y="${y}" width="${w}" height="20" rx="3"/>` : '',
      `<text x="${labelW + barMax + 8}" y="${y + 15}">${s[k]}</text></g>`,
    ].join('');
  });
  return [
    '<figure class="chart-box">',
    `<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 ${labelW + barMax + 60} ${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="chart-title">${h(`Check results by status (${plural(total, 'check')})`)}</title>`,
    `<desc id="chart-desc">${h(description)}</desc>`,
    ...bars,
    '</svg>',
    `<figcaption>${h(`Check results by status, ${plural(total, 'check')} in all.`)}</figcaption>`,
    '</figure>',
  ].join('\n');
}

function countCell(n: number, status: Status): string {
  const cls = n === 0 ? 'num zero' : PROBLEMS.has(status) ? `num hot-${status}` : 'num';
  return `<td class="${cls}">${n}</td>`;
}

/** "display name" linked to its details, with the punycode form under it when it differs. */
function targetLink(row: Pick<Row, 'index' | 'name' | 'displayName'>): string {
  const differs = row.displayName !== row.name;
  const link = `<a href="#t-${row.index}"${differs ? ` title="${h(row.name)}"` : ''}>${h(row.displayName)}</a>`;
  return differs ? `${link}<br><small class="punycode">${h(row.name)}</small>` : link;
}

function fleetSection(rows: Row[]): string {
  const head: [string, 'text' | 'number'][] = [
    ['Target', 'text'],
    ['Kind', 'text'],
    ['Roles', 'text'],
    ['State', 'number'],
    ['Pass', 'number'],
    ['Warn', 'number'],
    ['Fail', 'number'],
    ['Error', 'number'],
    ['Duration', 'number'],
  ];
  const body = rows.map((r) =>
    [
      `<tr data-i="${r.index}">`,
      `<td data-sort="${h(r.displayName.toLowerCase())}">${targetLink(r)}</td>`,
      `<td>${h(r.kind)}</td>`,
      `<td>${r.roles.length > 0 ? h(r.roles.join(', ')) : '<span class="muted">—</span>'}</td>`,
      `<td data-sort="${STATE_RANK[r.state]}">${stateBadge(r.state)}</td>`,
      countCell(r.summary.pass, 'pass'),
      countCell(r.summary.warn, 'warn'),
      countCell(r.summary.fail, 'fail'),
      countCell(r.summary.error, 'error'),
      `<td class="num" data-sort="${Math.round(r.durationMs)}">${h(formatDuration(r.durationMs))}</td>`,
      '</tr>',
    ].join(''),
  );
  return [
    '<section id="targets" aria-labelledby="targets-h">',
    '<h2 id="targets-h">Targets</h2>',
    '<div class="fleet-wrap">',
    '<table class="fleet" id="fleet">',
    `<caption>${h(`${plural(rows.length, 'target')}, in the order their scans finished.`)}` +
      '<span class="sort-hint"> Select a column heading to sort.</span></caption>',
    '<thead><tr>' +
      head
        .map(
          ([label, type]) =>
            `<th scope="col" data-type="${type}"${type === 'number' && label !== 'State' ? ' class="num"' : ''}>${label}</th>`,
        )
        .join('') +
      '</tr></thead>',
    '<tbody>',
    ...body,
    '</tbody>',
    '</table>',
    '</div>',
    '</section>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Changes since the previous run

function changesSection(c: RunChanges, rows: Row[]): string {
  const anchors = new Map<string, number>();
  for (const r of rows) anchors.set(`${r.kind}\u0000${r.input}`, r.index);
  const target = (x: { targetKind: 'host' | 'domain'; target: string; displayName: string }) => {
    const index = anchors.get(`${x.targetKind}\u0000${x.target}`);
    const name = h(x.displayName || x.target);
    return index === undefined ? name : `<a href="#t-${index}">${name}</a>`;
  };

  const regressions = regressionCount(c);
  const out = [
    '<section id="changes" class="changes" aria-labelledby="changes-h">',
    '<h2 id="changes-h">Changes since the previous run</h2>',
    `<p class="muted">Compared with run #${h(c.previous.id)} of ${utcTime(c.previous.startedAt)}` +
      `${c.current ? ` (this run is #${h(c.current.id)})` : ''}.</p>`,
  ];
  const parts = [
    c.newFailures.length > 0 ? plural(c.newFailures.length, 'new failure') : '',
    c.newlyUnreachable.length > 0 ? `${plural(c.newlyUnreachable.length, 'target')} newly unreachable` : '',
  ].filter(Boolean);
  out.push(
    regressions > 0
      ? `<p class="verdict v-fail">${badge('fail', 'REGRESSIONS')} ${h(`${plural(regressions, 'regression')}: ${parts.join(', ')}`)}</p>`
      : `<p class="verdict v-pass">${badge('pass', 'NO REGRESSIONS')} No new failures and no newly unreachable target.</p>`,
  );

  const checkTable = (list: CheckChange[]) =>
    [
      '<table>',
      '<thead><tr><th scope="col">Target</th><th scope="col">Check</th><th scope="col">Endpoint</th>' +
        '<th scope="col">Change</th><th scope="col">Message</th></tr></thead>',
      '<tbody>',
      ...list.map(
        (x) =>
          `<tr><td>${target(x)}</td><td><code>${h(x.check)}</code></td>` +
          `<td>${x.endpoint ? `<span class="mono">${h(x.endpoint)}</span>` : '<span class="muted">—</span>'}</td>` +
          `<td class="change">${statusOrAbsent(x.before)} → ${statusOrAbsent(x.after)}</td><td>${h(x.message)}</td></tr>`,
      ),
      '</tbody>',
      '</table>',
    ].join('\n');
  const targetTable = (list: TargetChange[], reason: boolean) =>
    [
      '<table>',
      `<thead><tr><th scope="col">Target</th><th scope="col">Kind</th>${reason ? '<th scope="col">Reason</th>' : ''}</tr></thead>`,
      '<tbody>',
      ...list.map(
        (x) =>
          `<tr><td>${target(x)}</td><td>${h(x.targetKind)}</td>${reason ? `<td>${x.reason ? h(x.reason) : '<span class="muted">—</span>'}</td>` : ''}</tr>`,
      ),
      '</tbody>',
      '</table>',
    ].join('\n');
  const block = (title: string, n: number, body: () => string) => {
    if (n > 0) out.push(`<h3>${h(title)} <span class="n">(${n})</span></h3>`, body());
  };

  block('New failures (regressions)', c.newFailures.length, () => checkTable(c.newFailures));
  block('Newly unreachable (regressions)', c.newlyUnreachable.length, () =>
    targetTable(c.newlyUnreachable, true),
  );
  block('Fixed', c.fixed.length, () => checkTable(c.fixed));
  block('Recovered', c.recovered.length, () => targetTable(c.recovered, true));
  block('Expiring certificates', c.expiringCertificates.length, () =>
    [
      '<table>',
      '<thead><tr><th scope="col">Target</th><th scope="col">Endpoint</th><th scope="col" class="num">Days left</th>' +
        '<th scope="col">Valid to</th></tr></thead>',
      '<tbody>',
      ...c.expiringCertificates.map(
        (x) =>
          `<tr><td>${target(x)}</td>` +
          `<td>${x.endpoint ? `<span class="mono">${h(x.endpoint)}</span>` : '<span class="muted">—</span>'}</td>` +
          `<td class="num ${x.days < 0 ? 'hot-fail' : 'hot-warn'}">${x.days < 0 ? h(`expired ${-x.days} d ago`) : h(x.days)}</td>` +
          `<td>${x.validTo ? utcTime(x.validTo) : '<span class="muted">unknown</span>'}</td></tr>`,
      ),
      '</tbody>',
      '</table>',
    ].join('\n'),
  );
  block('Added targets', c.added.length, () => targetTable(c.added, false));
  block('Removed targets', c.removed.length, () => targetTable(c.removed, false));
  block('Other status changes', c.otherChanges.length, () => checkTable(c.otherChanges));
  const total =
    c.newFailures.length +
    c.newlyUnreachable.length +
    c.fixed.length +
    c.recovered.length +
    c.expiringCertificates.length +
    c.added.length +
    c.removed.length +
    c.otherChanges.length;
  if (total === 0) out.push('<p>Nothing changed since the previous run.</p>');
  out.push('</section>');
  return out.join('\n');
}

function statusOrAbsent(s: Status | 'absent'): string {
  return s === 'absent' ? '<span class="badge b-absent">absent</span>' : badge(s);
}

// ---------------------------------------------------------------------------------------------
// Per-target details (rendered as each target finishes, into the spool)

interface Ctx {
  opts: RenderOptions;
  /** The target's start, to say how many days a certificate has left. */
  now: number;
}

function isProblem(r: CheckResult): boolean {
  return PROBLEMS.has(r.status);
}

/** The colour of a target's section edge: its worst outcome. */
function targetTone(t: TargetReport): string {
  if (t.state === 'unreachable' || t.summary.fail > 0) return 't-fail';
  if (t.summary.error > 0) return 't-error';
  if (t.summary.warn > 0 || t.state === 'partial') return 't-warn';
  return 't-ok';
}

function renderTarget(t: TargetReport, index: number, opts: RenderOptions): string {
  const ctx: Ctx = { opts, now: Date.parse(t.startedAt) };
  const id = `t-${index}`;
  const display = t.displayName || t.name;
  const open = t.summary.fail > 0 || t.state === 'unreachable';
  const counts = CHART_ORDER.filter((k) => t.summary[k] > 0).map((k) => badge(k, `${t.summary[k]} ${k}`));
  const out = [
    `<section class="target ${targetTone(t)}" id="${id}" aria-labelledby="${id}-h">`,
    `<details${open ? ' open' : ''}>`,
    `<summary><h3 id="${id}-h">${h(display)}` +
      `${display !== t.name ? ` <span class="punycode">${h(t.name)}</span>` : ''}</h3>` +
      ` <span class="muted">${h(t.kind)}</span> ${stateBadge(t.state)}` +
      (counts.length > 0 ? ` <span class="counts">${counts.join(' ')}</span>` : '') +
      ` <span class="dur">${h(formatDuration(t.durationMs))}</span></summary>`,
    '<div class="target-body">',
  ];

  const facts: [string, string][] = [];
  if (t.input !== t.name && t.input !== display) facts.push(['Input', h(t.input)]);
  if (t.roles.length > 0) facts.push(['Roles', h(t.roles.join(', '))]);
  const f = t.facts;
  if (isDomainFacts(f)) {
    for (const [label, lines] of domainFactFields(f.domain, opts.verbose))
      facts.push([label, lineList(lines)]);
  } else {
    const addresses = addressList(f, f.reverse);
    if (addresses) facts.push(['Addresses', addresses]);
  }
  if (t.error)
    facts.push(['Error', `<span class="target-error">${h(`${t.error.code}: ${t.error.message}`)}</span>`]);
  out.push(factList(facts));

  if (t.state !== 'unreachable') out.push(...targetChecks(t, ctx, id));
  out.push('</div>', '</details>', '</section>', '');
  return out.join('\n');
}

function factList(facts: [string, string][]): string {
  if (facts.length === 0) return '';
  return `<dl class="facts">${facts.map(([k, v]) => `<dt>${h(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function lineList(lines: string[]): string {
  if (lines.length === 1) return `<span class="mono">${h(lines[0]!)}</span>`;
  return `<ul>${lines.map((l) => `<li class="mono">${h(l)}</li>`).join('')}</ul>`;
}

/** Each address with its PTR names and FCrDNS outcome, marked with a status badge. */
function addressList(host: HostFacts, reverse: readonly AddressFacts[] | undefined): string | undefined {
  if (host.addresses.length === 0) return undefined;
  const items = host.addresses.map((a) => {
    const r = reverseSummary(a.address, reverse);
    return `<li><span class="mono">${h(r.text)}</span>${r.mark ? ` ${badge(r.mark.status, r.mark.label)}` : ''}</li>`;
  });
  return `<ul>${items.join('')}</ul>`;
}

function targetChecks(t: TargetReport, ctx: Ctx, id: string): string[] {
  const facts = t.facts;
  const hosts = isDomainFacts(facts) ? facts.mxHosts : [facts];
  const out: string[] = [];
  // Target-level checks, and any naming an endpoint we have no facts for, come first.
  const known = new Set(hosts.flatMap((x) => x.endpoints.map((ep) => endpointKey(ep.address, ep.port))));
  const general = t.checks.filter((r) => r.endpoint === undefined || !known.has(r.endpoint));
  if (general.length > 0) {
    out.push(`<h4 class="group-title">${t.kind === 'domain' ? 'Domain' : 'Host'}</h4>`);
    out.push(checkTable(general, ctx));
  }
  const shown = new Set<string>();
  if (!isDomainFacts(facts)) {
    for (const ep of facts.endpoints) out.push(endpointSection(ep, t, ctx, shown, 4));
    return out;
  }
  facts.mxHosts.forEach((host, i) => {
    const priority = facts.domain.mx?.hosts.find((x) => x.name === host.host)?.priority;
    const name = host.displayName && host.displayName !== host.host ? host.displayName : host.host;
    out.push(
      `<h4 class="group-title" id="${id}-mx-${i + 1}">MX${priority === undefined ? '' : ` ${h(priority)}`} ${h(name)}</h4>`,
    );
    const rows: [string, string][] = [];
    const addresses = addressList(host, host.reverse ?? facts.domain.addresses);
    if (addresses) rows.push(['Addresses', addresses]);
    const failure = host.resolution?.failure;
    if (failure)
      rows.push(['Error', `<span class="target-error">${h(`${failure.code}: ${failure.message}`)}</span>`]);
    out.push(factList(rows));
    for (const ep of host.endpoints) out.push(endpointSection(ep, t, ctx, shown, 5));
  });
  return out;
}

/** One endpoint: its facts, its checks by area, and (with --transcript) its dialogue. */
function endpointSection(
  ep: EndpointFacts,
  t: TargetReport,
  ctx: Ctx,
  shown: Set<string>,
  level: 4 | 5,
): string {
  const key = endpointKey(ep.address, ep.port);
  // A check belongs to the first section with its endpoint (MX hosts may share an address).
  const checks = shown.has(key) ? [] : t.checks.filter((r) => r.endpoint === key);
  shown.add(key);
  const mode = tlsMode(ep);
  const out = [
    '<section class="endpoint">',
    `<h${level}><span class="mono">${h(key)}</span> <span class="muted">(${h(ep.profile)}${mode ? `, ${h(mode)}` : ''})</span>` +
      `${ep.connect.ok ? ` <span class="muted">· ${h(formatDuration(ep.ms))}</span>` : ''}</h${level}>`,
  ];
  const connected = ep.connect.ok;
  const collapsed = connected ? [] : checks.filter((r) => r.status === 'error' || r.status === 'skip');
  const listed = checks.filter((r) => !collapsed.includes(r));
  const reason = ep.connect.failure?.message ?? ep.failure?.message ?? 'no connection';

  if (connected) out.push(factList(endpointFacts(ep, ctx)));
  else if (collapsed.length === 0) out.push(factList([['Connect', h(reason)]]));
  if (listed.length > 0) out.push(checkTable(listed, ctx));
  if (collapsed.length > 0) out.push(collapsedBlock(collapsed, reason));
  if (ctx.opts.transcript && ((ep.transcript?.length ?? 0) > 0 || (ep.timings?.length ?? 0) > 0)) {
    out.push(transcript(ep));
  }
  out.push('</section>');
  return out.join('\n');
}

/** The checks of an endpoint that never connected: one line with the reason, the list folded. */
function collapsedBlock(collapsed: CheckResult[], reason: string): string {
  const errors = collapsed.filter((r) => r.status === 'error').length;
  const skips = collapsed.length - errors;
  const what = [
    errors > 0 ? `${plural(errors, 'check')} could not be judged` : '',
    skips > 0 ? `${skips} ${skips === 1 ? 'was' : 'were'} skipped` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const items = collapsed.map((r) => `<li>${badge(r.status)} <code>${h(r.id)}</code> ${h(r.message)}</li>`);
  return [
    `<p>${badge(errors > 0 ? 'error' : 'skip')} ${h(`not connected: ${reason}`)}</p>`,
    `<details class="collapsed"><summary>${h(what)}</summary><ul>${items.join('')}</ul></details>`,
  ].join('\n');
}

/** Greeting, capabilities, TLS, certificate and AUTH of a connected endpoint. */
function endpointFacts(ep: EndpointFacts, ctx: Ctx): [string, string][] {
  const facts: [string, string][] = [];
  if (ep.greeting) {
    facts.push([
      'Greeting',
      `<span class="mono">${h(replyText(ep.greeting.reply))}</span> <span class="muted">· ${h(formatDuration(ep.greeting.ms))}</span>`,
    ]);
  }
  const caps = ep.ehloTls?.capabilities ?? ep.ehlo?.capabilities;
  if (caps && caps.raw.length > 0) {
    const where = ep.ehloTls ? (ep.profile === 'smtps' ? '' : ' (after STARTTLS)') : '';
    facts.push([`ESMTP${where}`, `<span class="mono">${h(caps.raw.join(' · '))}</span>`]);
  }
  const tls = tlsSummary(ep);
  if (tls) facts.push(['TLS', h(tls)]);
  const cert = certFacts(ep.tls?.handshake, ctx.now);
  facts.push(...cert);
  const auth = authSummary(ep);
  if (auth) facts.push(['AUTH', h(auth)]);
  if (ep.failure) facts.push(['Stopped', `<span class="target-error">${h(ep.failure.message)}</span>`]);
  return facts;
}

function tlsSummary(ep: EndpointFacts): string | undefined {
  const hs = ep.tls?.handshake;
  if (hs?.ok) {
    const parts = [
      hs.protocol ?? 'unknown protocol',
      hs.cipher?.standardName ?? hs.cipher?.name ?? 'unknown cipher',
      hs.ephemeralKey ? (hs.ephemeralKey.name ?? hs.ephemeralKey.type) : 'no forward secrecy',
    ];
    return parts.join(' · ');
  }
  if (hs && !hs.ok) return `handshake failed: ${hs.failure?.message ?? 'unknown reason'}`;
  if (ep.starttls?.failure) return `STARTTLS failed: ${ep.starttls.failure.message}`;
  if (ep.starttls && !ep.starttls.offered) return 'not offered (no STARTTLS in EHLO)';
  return undefined;
}

/** The leaf certificate: subject, names, key, signature, validity; chain and name-match problems. */
function certFacts(hs: TlsHandshakeFacts | undefined, now: number): [string, string][] {
  const leaf = hs?.chain[0];
  if (!hs || !leaf) return [];
  const out: [string, string][] = [['Certificate', `<span class="mono">${h(leaf.subject)}</span>`]];
  if (leaf.subjectAltNames.length > 0) {
    out.push(['Names', `<span class="mono">${h(leaf.subjectAltNames.join(', '))}</span>`]);
  }
  out.push(['Issuer', `<span class="mono">${h(leaf.issuer)}</span>`]);
  const key = leaf.keyBits ? `${leaf.keyType} ${leaf.keyBits}` : leaf.keyType;
  out.push(['Key', h(`${key}${leaf.curve ? ` (${leaf.curve})` : ''} · ${leaf.signatureAlgorithm}`)]);
  const to = Date.parse(leaf.validTo);
  let validity = `until ${leaf.validTo}`;
  let status: Status | undefined;
  if (!Number.isNaN(to)) {
    const day = new Date(to).toISOString().slice(0, 10);
    const days = Number.isNaN(now) ? undefined : Math.floor((to - now) / MS_PER_DAY);
    if (days === undefined) validity = `until ${day}`;
    else if (days < 0) {
      validity = `expired ${day} (${plural(-days, 'day')} ago)`;
      status = 'fail';
    } else validity = `until ${day} (${plural(days, 'day')} left)`;
  }
  out.push(['Valid', status ? badge(status, validity) : h(validity)]);
  const problems: string[] = [];
  if (hs.validation && !hs.validation.authorized)
    problems.push(`untrusted: ${hs.validation.error ?? 'chain invalid'}`);
  if (hs.hostname && !hs.hostname.matches) problems.push(`does not match ${hs.hostname.name}`);
  if (problems.length > 0) out.push(['Problems', h(problems.join(' · '))]);
  return out;
}

function authSummary(ep: EndpointFacts): string | undefined {
  const list = (mechs: string[]) => (mechs.length > 0 ? mechs.join(' ') : 'none');
  const parts: string[] = [];
  if (ep.profile !== 'smtps' && ep.ehlo) parts.push(`before TLS: ${list(ep.ehlo.capabilities.auth)}`);
  if (ep.ehloTls) {
    parts.push(`${ep.profile === 'smtps' ? 'in TLS' : 'after TLS'}: ${list(ep.ehloTls.capabilities.auth)}`);
  }
  if (ep.auth) {
    const a = ep.auth;
    const outcome = a.refused ? `not tried (${a.refused})` : a.success ? 'succeeded' : 'failed';
    parts.push(`login ${a.mechanism}: ${outcome}`);
  }
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/** Check rows grouped by area, in the order the runner gave them within an area. */
function checkTable(checks: CheckResult[], ctx: Ctx): string {
  const { opts } = ctx;
  const listed = opts.quiet ? checks.filter(isProblem) : checks;
  const hidden = checks.length - listed.length;
  const areas = [...new Set(listed.map(checkGroup))].sort((a, b) => areaRank(a) - areaRank(b));
  const out: string[] = [];
  if (listed.length > 0) {
    out.push(
      '<table class="checks">',
      '<thead><tr><th scope="col">Status</th><th scope="col">Check</th><th scope="col">Result</th></tr></thead>',
    );
    for (const area of areas) {
      out.push(
        '<tbody>',
        `<tr class="area"><th scope="rowgroup" colspan="3">${h(areaTitle(area))}</th></tr>`,
      );
      for (const r of listed.filter((x) => checkGroup(x) === area)) out.push(checkRow(r, opts));
      out.push('</tbody>');
    }
    out.push('</table>');
  }
  if (hidden > 0) {
    out.push(`<p class="muted">${h(`${plural(hidden, 'check')} without problems not shown (--quiet).`)}</p>`);
  }
  return out.join('\n');
}

function checkRow(r: CheckResult, opts: RenderOptions): string {
  const cell = [`<p class="msg">${h(r.message)}</p>`];
  if (r.evidence.length > 0) cell.push(`<pre class="evidence">${r.evidence.map(h).join('\n')}</pre>`);
  const rem = r.remediation;
  if (rem && (opts.verbose || (r.status !== 'pass' && r.status !== 'skip'))) {
    if (rem.summary) cell.push(`<p class="fix"><strong>Fix:</strong> ${h(rem.summary)}</p>`);
    if (rem.mta?.text) {
      const mta = MTA_DISPLAY[rem.mta.name] ?? rem.mta.name;
      cell.push(`<p class="fix"><strong>${h(mta)}:</strong> ${h(rem.mta.text)}</p>`);
    }
  }
  return `<tr class="s-${h(r.status)}"><td>${badge(r.status)}</td><td><code>${h(r.id)}</code></td><td>${cell.join('')}</td></tr>`;
}

/** Step timings and the (already redacted) SMTP dialogue of an endpoint, folded. */
function transcript(ep: EndpointFacts): string {
  const timings = ep.timings ?? [];
  const entries = ep.transcript ?? [];
  const out = [
    `<details class="transcript"><summary>${h(`SMTP transcript (${plural(entries.length, 'line')})`)}</summary>`,
  ];
  if (timings.length > 0) {
    out.push(
      '<table class="timings"><caption>Step timings</caption>',
      '<thead><tr><th scope="col">Stage</th><th scope="col">Step</th><th scope="col" class="num">Time</th></tr></thead>',
      '<tbody>',
      ...timings.map(
        (s) =>
          `<tr><td>${h(s.stage)}</td><td class="mono">${h(s.label)}</td><td class="num">${h(formatDuration(s.ms))}</td></tr>`,
      ),
      '</tbody></table>',
    );
  }
  if (entries.length > 0) {
    const lines = entries.map((e) => {
      const time = `${Math.round(e.t)} ms`.padStart(8);
      const dir = e.dir === 'C' || e.dir === 'S' ? e.dir : 'x';
      const tag = dir === 'x' ? '* ' : `${dir}:`;
      return `<span class="t">${h(time)}</span> <span class="d-${dir}">${h(tag)} ${h(e.text)}</span>`;
    });
    out.push(`<pre class="dialogue">${lines.join('\n')}</pre>`);
  }
  out.push('</details>');
  return out.join('\n');
}
