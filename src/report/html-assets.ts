/**
 * The stylesheet and script that the HTML report inlines. Both are constant: the report's
 * Content-Security-Policy allows exactly these two texts by their SHA-256 hashes, so nothing else
 * (an injected `<script>`, a `style` attribute, a remote resource) can run or load.
 *
 * Rules for editing: no `style="…"` attributes anywhere in the report (the policy blocks them), no
 * `url(…)` or `@import` (the report is one self-contained file), and the script must leave the page
 * fully readable when it does not run (it only adds sorting, expand/collapse buttons and opens the
 * details before printing).
 */

/** The report's stylesheet: light and dark screen themes, and a plain print layout. */
export const HTML_STYLE = `
:root {
  color-scheme: light dark;
  --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --panel: #f6f8fa; --border: #d1d9e0; --link: #0550ae;
  --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --info: #0969da; --skip: #6e7781; --error: #8250df;
  --pass-bg: #dafbe1; --fail-bg: #ffebe9; --warn-bg: #fff8c5; --info-bg: #ddf4ff; --skip-bg: #eff2f5;
  --error-bg: #fbefff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23; --border: #3d444d; --link: #6cb6ff;
    --pass: #3fb950; --fail: #ff7b72; --warn: #d29922; --info: #58a6ff; --skip: #9198a1; --error: #bc8cff;
    --pass-bg: #12261e; --fail-bg: #2d1519; --warn-bg: #2b2111; --info-bg: #121d2f; --skip-bg: #212830;
    --error-bg: #251a38;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body {
  margin: 0 auto; padding: 1.5rem 1.25rem 3rem; max-width: 78rem;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
}
h1 { font-size: 1.75rem; margin: 0 0 .5rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
h4 { font-size: 1rem; margin: 1.25rem 0 .4rem; }
h5 { font-size: .95rem; margin: 1rem 0 .4rem; }
h4 .mono, h5 .mono { font-size: .95em; }
a { color: var(--link); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .85em; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; }
.muted, .punycode { color: var(--muted); }
.punycode { font-size: .8em; font-weight: normal; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}
.meta { display: flex; flex-wrap: wrap; gap: .25rem 2rem; margin: 0; }
.meta div { display: flex; gap: .4rem; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; font-weight: 600; }
.banner { margin: 1rem 0; padding: .6rem .9rem; border: 1px solid var(--warn); border-left-width: .35rem;
  background: var(--warn-bg); border-radius: .3rem; }
.options summary { cursor: pointer; color: var(--muted); margin-top: .5rem; }
.options ul { margin: .3rem 0; padding-left: 1.2rem; }
.verdict { font-size: 1.05rem; font-weight: 600; margin: .25rem 0 1rem; }
.verdict.v-fail { color: var(--fail); } .verdict.v-error { color: var(--error); }
.verdict.v-warn { color: var(--warn); } .verdict.v-pass { color: var(--pass); }
.overview { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.stats { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr));
  gap: .6rem; flex: 1 1 18rem; }
.stats li { border: 1px solid var(--border); border-radius: .4rem; padding: .5rem .75rem; background: var(--panel); }
.stats .n { display: block; font-size: 1.6rem; font-weight: 700; line-height: 1.1; }
.stats .s-partial .n { color: var(--warn); } .stats .s-unreachable .n { color: var(--fail); }
.chart-box { flex: 2 1 26rem; margin: 0; }
.chart-box figcaption { color: var(--muted); font-size: .9rem; }
.chart { width: 100%; max-width: 40rem; height: auto; display: block; }
.chart text { fill: var(--fg); font-size: 13px; font-family: inherit; }
.chart .track { fill: var(--panel); }
.f-pass { fill: var(--pass); } .f-fail { fill: var(--fail); } .f-warn { fill: var(--warn); }
.f-info { fill: var(--info); } .f-skip { fill: var(--skip); } .f-error { fill: var(--error); }
.badge { display: inline-block; padding: 0 .45em; border-radius: .8em; border: 1px solid currentColor;
  font-size: .78rem; font-weight: 600; white-space: nowrap; line-height: 1.5; }
.b-pass { color: var(--pass); background: var(--pass-bg); } .b-fail { color: var(--fail); background: var(--fail-bg); }
.b-warn { color: var(--warn); background: var(--warn-bg); } .b-info { color: var(--info); background: var(--info-bg); }
.b-skip { color: var(--skip); background: var(--skip-bg); } .b-error { color: var(--error); background: var(--error-bg); }
.b-scanned { color: var(--pass); background: var(--pass-bg); } .b-partial { color: var(--warn); background: var(--warn-bg); }
.b-unreachable { color: var(--fail); background: var(--fail-bg); } .b-absent { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid var(--border); }
thead th { background: var(--panel); font-weight: 600; white-space: nowrap; }
caption { text-align: left; color: var(--muted); padding: .25rem 0; caption-side: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: var(--muted); }
td.hot-fail { color: var(--fail); font-weight: 700; } td.hot-error { color: var(--error); font-weight: 700; }
td.hot-warn { color: var(--warn); font-weight: 700; }
.fleet-wrap { overflow-x: auto; }
.fleet thead th { position: sticky; top: 0; }
.fleet tbody tr:hover { background: var(--panel); }
th button.sort { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; }
th button.sort::after { content: " \\2195"; color: var(--muted); }
th[aria-sort="ascending"] button.sort::after { content: " \\25B2"; color: var(--fg); }
th[aria-sort="descending"] button.sort::after { content: " \\25BC"; color: var(--fg); }
.sort-hint, .toolbar { display: none; }
.js .sort-hint { display: inline; }
.js .toolbar { display: flex; gap: .5rem; margin: .5rem 0; }
.toolbar button { font: inherit; font-size: .85rem; padding: .2rem .7rem; border: 1px solid var(--border);
  background: var(--panel); color: var(--fg); border-radius: .3rem; cursor: pointer; }
.target { border: 1px solid var(--border); border-radius: .5rem; margin: .9rem 0; border-left-width: .35rem; }
.target.t-fail { border-left-color: var(--fail); } .target.t-error { border-left-color: var(--error); }
.target.t-warn { border-left-color: var(--warn); } .target.t-ok { border-left-color: var(--pass); }
.target > details > summary { cursor: pointer; padding: .6rem .9rem; background: var(--panel); border-radius: .4rem;
  display: flex; flex-wrap: wrap; align-items: baseline; gap: .3rem .7rem; list-style: none; }
.target > details > summary::-webkit-details-marker { display: none; }
.target > details > summary::before { content: "\\25B8"; color: var(--muted); }
.target > details[open] > summary::before { content: "\\25BE"; }
.target > details > summary h3 { display: inline; margin: 0; font-size: 1.1rem; }
.target .counts { display: inline-flex; flex-wrap: wrap; gap: .3rem; }
.target .dur { color: var(--muted); margin-left: auto; }
.target-body { padding: .2rem .9rem .9rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .6rem 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.facts ul { list-style: none; margin: 0; padding: 0; }
.target-error { color: var(--fail); }
.endpoint { margin-top: 1rem; }
.endpoint > h4, .endpoint > h5, .group-title { border-bottom: 1px dashed var(--border); padding-bottom: .2rem; }
.checks { margin: .4rem 0; }
.checks td:first-child { width: 6.5rem; }
.checks td:nth-child(2) { width: 12rem; }
.checks tr.area th { background: none; border-bottom: 1px solid var(--border); padding-top: .8rem; color: var(--muted);
  font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; }
.checks .msg { margin: 0; }
.evidence { background: var(--panel); border-left: 3px solid var(--border); padding: .3rem .5rem; }
.fix { margin: .25rem 0 0; }
.fix strong { color: var(--info); }
.collapsed summary { cursor: pointer; color: var(--muted); }
.collapsed ul { margin: .3rem 0; padding-left: 1.2rem; }
.transcript { margin: .6rem 0; }
.transcript > summary { cursor: pointer; font-weight: 600; }
.timings { width: auto; margin: .4rem 0; }
.timings td, .timings th { padding: .1rem .6rem; }
pre.dialogue { background: var(--panel); padding: .5rem .7rem; border-radius: .3rem; }
.dialogue .t { color: var(--muted); }
.dialogue .d-C { color: var(--info); } .dialogue .d-S { color: var(--pass); } .dialogue .d-x { color: var(--muted); }
.changes h3 .n { color: var(--muted); font-weight: normal; }
.changes table { margin-bottom: .5rem; }
.changes td.change { white-space: nowrap; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--border); padding-top: .5rem; }
@media print {
  :root {
    --fg: #000; --muted: #444; --bg: #fff; --panel: #fff; --border: #999; --link: #000;
    --pass: #0b5d1e; --fail: #a40e26; --warn: #6f4e00; --info: #0a4fa3; --skip: #555; --error: #5e2ca5;
    --pass-bg: #fff; --fail-bg: #fff; --warn-bg: #fff; --info-bg: #fff; --skip-bg: #fff; --error-bg: #fff;
  }
  :root { color-scheme: light; }
  html, body { background: #fff; color: #000; }
  body { font-size: 10pt; max-width: none; padding: 0; }
  a { text-decoration: none; color: inherit; }
  .toolbar, .sort-hint, .js .toolbar, .js .sort-hint, th button.sort::after { display: none; }
  .fleet thead th { position: static; }
  .fleet-wrap { overflow: visible; }
  thead { display: table-header-group; }
  tr, .stats li, .banner, .chart-box { break-inside: avoid; page-break-inside: avoid; }
  .target { break-inside: avoid; page-break-inside: avoid; border-left-width: 1px; }
  .target > details > summary::before, .target > details[open] > summary::before { content: none; }
  h2, h3, h4, h5 { break-after: avoid; page-break-after: avoid; }
  .chart .track { fill: #eee; }
  .chart text { fill: #000; }
}
`;

/**
 * The report's script (plain ES5, no globals): sortable fleet table with `aria-sort`, expand and
 * collapse buttons, every `<details>` opened for printing and restored afterwards, and the target's
 * details opened when a link jumps to it.
 */
export const HTML_SCRIPT = `
(function () {
  'use strict';
  var doc = document;
  doc.documentElement.className += ' js';

  function sortValue(row, col, numeric) {
    var cell = row.cells[col];
    var v = cell.getAttribute('data-sort');
    if (v === null) v = cell.textContent.replace(/\\s+/g, ' ').trim();
    return numeric ? Number(v) : v.toLowerCase();
  }

  function sortTable(table, th, col) {
    var numeric = th.getAttribute('data-type') === 'number';
    var current = th.getAttribute('aria-sort');
    var dir = current ? (current === 'ascending' ? 'descending' : 'ascending') : (numeric ? 'descending' : 'ascending');
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');
    th.setAttribute('aria-sort', dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = sortValue(a, col, numeric);
      var y = sortValue(b, col, numeric);
      var d = numeric ? x - y : x < y ? -1 : x > y ? 1 : 0;
      if (dir === 'descending') d = -d;
      return d || Number(a.getAttribute('data-i')) - Number(b.getAttribute('data-i'));
    });
    for (var j = 0; j < rows.length; j++) body.appendChild(rows[j]);
  }

  var table = doc.getElementById('fleet');
  if (table && table.tHead && table.tBodies.length) {
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) {
      (function (th, col) {
        var button = doc.createElement('button');
        button.type = 'button';
        button.className = 'sort';
        while (th.firstChild) button.appendChild(th.firstChild);
        th.appendChild(button);
        button.addEventListener('click', function () { sortTable(table, th, col); });
      })(heads[i], i);
    }
  }

  function targetDetails() {
    return doc.querySelectorAll('.target > details');
  }
  function setAll(open) {
    var all = targetDetails();
    for (var i = 0; i < all.length; i++) all[i].open = open;
  }
  var expand = doc.getElementById('expand-all');
  var collapse = doc.getElementById('collapse-all');
  if (expand) expand.addEventListener('click', function () { setAll(true); });
  if (collapse) collapse.addEventListener('click', function () { setAll(false); });

  // Jumping to a target (a link in the table, or a URL with its #id) opens its details.
  function openTarget(hash) {
    var id;
    try { id = decodeURIComponent(hash.slice(1)); } catch (e) { return; }
    var el = id ? doc.getElementById(id) : null;
    var d = el && el.querySelector('details');
    if (d) d.open = true;
  }
  doc.addEventListener('click', function (event) {
    var a = event.target && event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (a) openTarget(a.getAttribute('href'));
  });
  window.addEventListener('hashchange', function () { openTarget(location.hash); });
  openTarget(location.hash);

  var reopened = [];
  window.addEventListener('beforeprint', function () {
    var all = doc.querySelectorAll('details');
    for (var i = 0; i < all.length; i++) {
      if (!all[i].open) { all[i].open = true; reopened.push(all[i]); }
    }
  });
  window.addEventListener('afterprint', function () {
    for (var i = 0; i < reopened.length; i++) reopened[i].open = false;
    reopened = [];
  });
})();
`;
