/**
 * The HTML reporter: golden files for the sample report (with and without changes), and the
 * properties a self-contained, hostile-input-proof page must keep: everything escaped, nothing
 * loaded from elsewhere, a CSP that allows exactly the inline style and script it ships, one
 * fleet row per target with working anchors, and details streamed through the spool.
 *
 * After an intended change, regenerate and review the diff:
 *   UPDATE_GOLDEN=1 npx vitest run test/report/html.test.ts && git diff test/fixtures/reports
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RunChanges } from '../../src/model/changes.js';
import type { CheckResult, RenderOptions, Report, TargetReport } from '../../src/model/results.js';
import { HTML_SCRIPT } from '../../src/report/html-assets.js';
import { escapeHtml, htmlSink } from '../../src/report/html.js';
import type { RunFooter } from '../../src/report/sink.js';
import { renderWith } from '../../src/report/sink.js';
import { PLAIN, loadSample, loadChanges, expectGolden } from '../helpers/golden.js';

function render(report: Report, opts: RenderOptions = PLAIN, changes?: RunChanges): string {
  return renderWith(htmlSink, report, opts, changes);
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Every match of a global regex's first group. */
function all(re: RegExp, text: string): string[] {
  return [...text.matchAll(re)].map((m) => m[1]!);
}

/** A small host target whose every server-controlled string is hostile. */
function hostileTarget(): TargetReport {
  const evil = "<script>alert(1)</script>\"onmouseover=alert(2) 'x' & \u001b[31mred";
  const check: CheckResult = {
    id: 'smtp.greeting',
    status: 'fail',
    severity: 'fail',
    endpoint: '127.0.0.1:25',
    messageId: 'bad',
    message: `greeting says ${evil}`,
    evidence: [`220 ${evil}`],
    remediation: { summary: `fix ${evil}`, mta: { name: 'postfix', text: `set ${evil}` } },
  };
  return {
    kind: 'host',
    name: 'evil.example',
    displayName: '<img src=x onerror=alert(3)>.example',
    input: 'evil.example',
    roles: ['<b>relay</b>'],
    state: 'partial',
    error: { code: 'CLOSED', message: `closed after ${evil}` },
    checks: [check],
    summary: { pass: 0, fail: 1, warn: 0, info: 0, skip: 0, error: 0 },
    facts: {
      host: 'evil.example',
      displayName: 'evil.example',
      addresses: [{ address: '127.0.0.1', family: 4 }],
      endpoints: [
        {
          host: 'evil.example',
          address: '127.0.0.1',
          family: 4,
          port: 25,
          profile: 'smtp',
          explicit: true,
          connect: { ok: true, ms: 1 },
          greeting: { reply: { code: 220, lines: [evil] }, ms: 1 },
          timings: [{ stage: 'GREETING', label: '220 greeting', ms: 1 }],
          transcript: [{ t: 1, dir: 'S', text: `220 ${evil}` }],
          ms: 2,
        },
      ],
    },
    startedAt: '2026-11-21T12:00:00.000Z',
    durationMs: 5,
  };
}

function hostileReport(): Report {
  const sample = loadSample();
  return {
    ...sample,
    policy: { name: '<script>alert(4)</script>', source: 'file' },
    options: { ehlo: '"><script>alert(5)</script>' },
    targets: [hostileTarget()],
    summary: { pass: 0, fail: 1, warn: 0, info: 0, skip: 0, error: 0 },
  };
}

describe('html report: golden files', () => {
  it('renders the sample report exactly as saved', () => {
    expectGolden(render(loadSample()), 'sample.html.golden');
  });

  it('renders the sample report with changes since the previous run exactly as saved', () => {
    expectGolden(render(loadSample(), PLAIN, loadChanges()), 'sample-changes.html.golden');
  });
});

describe('html report: escaping', () => {
  it('escapes every character that matters in HTML', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('never lets server-sent or user text become markup, with or without the transcript', () => {
    for (const opts of [PLAIN, { ...PLAIN, transcript: true, verbose: true }]) {
      const html = render(hostileReport(), opts, loadChanges());
      expect(html).not.toMatch(/<script>alert/i);
      expect(html).not.toContain('"onmouseover=');
      expect(html).not.toContain('<img');
      expect(html).not.toContain('<b>relay');
      expect(html).not.toContain('\u001b');
      // The text is there, escaped, and the control character made visible.
      expect(html).toContain('greeting says &lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=alert(2)');
      expect(html).toContain('&#39;x&#39; &amp; \\x1b[31mred');
      expect(html).toContain('&lt;img src=x onerror=alert(3)&gt;.example');
      // Only the report's own script element.
      expect(html).not.toMatch(/<script\s/i);
      expect(html.match(/<script>/g)).toHaveLength(1);
    }
  });

  it('escapes the transcript lines it shows', () => {
    const html = render(hostileReport(), { ...PLAIN, transcript: true });
    expect(html).toMatch(/<span class="d-S">S: 220 &lt;script&gt;alert\(1\)/);
  });
});

describe('html report: a self-contained page', () => {
  const html = render(loadSample(), { ...PLAIN, transcript: true }, loadChanges());

  it('loads nothing from anywhere: no remote src/href, no <link>, no @import, no url()', () => {
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/<(?:img|iframe|object|embed)\b/i);
    // Every link is an in-page anchor.
    for (const href of all(/\bhref="([^"]*)"/g, html)) expect(href).toMatch(/^#t-\d+$/);
  });

  it('declares UTF-8 first and renders Unicode host names as they are', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(html).toContain('smtp.bücher.example');
    expect(html).toContain('title="smtp.xn--bcher-kva.example"');
  });

  it('has a CSP that allows exactly the inline style and script it ships, by hash', () => {
    const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/)?.[1];
    expect(csp).toBeDefined();
    const directives = new Map(
      csp!.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    const styles = all(/<style>([\s\S]*?)<\/style>/g, html);
    const scripts = all(/<script>([\s\S]*?)<\/script>/g, html);
    expect(styles).toHaveLength(1);
    expect(scripts).toHaveLength(1);
    expect(directives.get('style-src')).toEqual([sha256(styles[0]!)]);
    expect(directives.get('script-src')).toEqual([sha256(scripts[0]!)]);
    // The CSP must precede the elements it governs.
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
    // Style attributes would be blocked by the policy: the page must not rely on any.
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it('ships a script that parses', () => {
    expect(() => new Function(HTML_SCRIPT)).not.toThrow();
  });
});

describe('html report: fleet summary and table', () => {
  it('has one sortable row per target whose link resolves to that target’s details', () => {
    const sample = loadSample();
    const html = render(sample);
    const table = html.match(/<table class="fleet" id="fleet">([\s\S]*?)<\/table>/)?.[1] ?? '';
    const rows = all(/<tr data-i="(\d+)">/g, table);
    expect(rows).toEqual(sample.targets.map((_, i) => String(i + 1)));
    const ids = all(/\bid="([^"]*)"/g, html);
    expect(new Set(ids).size).toBe(ids.length);
    const links = all(/<a href="#([^"]+)"/g, table);
    expect(links).toHaveLength(sample.targets.length);
    for (const id of links) expect(ids).toContain(id);
    // Numeric columns sort numerically: they say so and carry a numeric key.
    const heads = all(/<th scope="col" data-type="(\w+)"[^>]*>([^<]*)<\/th>/g, table);
    expect(heads).toEqual([
      'text',
      'text',
      'text',
      'number',
      'number',
      'number',
      'number',
      'number',
      'number',
    ]);
    expect(table).toContain(`data-sort="${sample.targets[0]!.durationMs}"`);
  });

  it('links each target row to a section holding that target’s name', () => {
    const html = render(loadSample());
    const section = html.match(/<section class="target [^"]*" id="t-3"[\s\S]*?<\/section>/)?.[0] ?? '';
    expect(section).toContain('smtp.bücher.example');
    expect(section).toContain('DNS_NXDOMAIN');
  });

  it('charts every status count with its word, not colour alone', () => {
    const sample = loadSample();
    const html = render(sample);
    const svg = html.match(/<svg class="chart"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(svg).toContain('role="img"');
    for (const [status, n] of Object.entries(sample.summary)) {
      expect(svg).toContain(`<title>${status.toUpperCase()}: ${n} check${n === 1 ? '' : 's'}</title>`);
    }
    expect(html).toMatch(/<li class="s-unreachable"><span class="n">1<\/span> unreachable<\/li>/);
    expect(html).toMatch(/<li class="s-partial"><span class="n">2<\/span> partial<\/li>/);
  });

  it('opens the details of targets with failures and leaves clean ones closed', () => {
    const sample = loadSample();
    const clean: TargetReport = {
      ...sample.targets[0]!,
      state: 'scanned',
      error: undefined,
      checks: sample.targets[0]!.checks.filter((c) => c.status === 'pass'),
      summary: { pass: 21, fail: 0, warn: 0, info: 0, skip: 0, error: 0 },
    };
    const html = render({ ...sample, targets: [sample.targets[0]!, clean] });
    expect(html).toMatch(/id="t-1" [^>]*>\n<details open>/);
    expect(html).toMatch(/id="t-2" [^>]*>\n<details>/);
  });

  it('shows the interrupted banner with how many targets finished, only when interrupted', () => {
    const sample = loadSample();
    const parts: string[] = [];
    const sink = htmlSink({ write: (s) => void parts.push(s) }, PLAIN);
    const { targets, summary, durationMs, ...header } = sample;
    sink.begin(header);
    sink.target(targets[0]!);
    sink.target(targets[1]!);
    const footer: RunFooter = {
      durationMs,
      summary,
      targetCount: 2,
      plannedCount: 5,
      interrupted: true,
    };
    sink.end(footer);
    const html = parts.join('');
    expect(html).toMatch(/<p class="banner" role="alert"><strong>Interrupted:<\/strong>/);
    expect(html).toContain('stopped after 2 of 5 targets finished');
    expect(html).toContain('<dd>2 of 5</dd>');
    expect(render(sample)).not.toContain('Interrupted');
  });
});

describe('html report: changes', () => {
  it('lists regressions first, then newly unreachable, fixed, expiring certificates and removed targets', () => {
    const html = render(loadSample(), PLAIN, loadChanges());
    const section = html.match(/<section id="changes"[\s\S]*?<\/section>/)?.[0] ?? '';
    const headings = all(/<h3>([^<]*) <span/g, section);
    expect(headings).toEqual([
      'New failures (regressions)',
      'Newly unreachable (regressions)',
      'Fixed',
      'Expiring certificates',
      'Removed targets',
      'Other status changes',
    ]);
    expect(section).toContain('3 regressions: 2 new failures, 1 target newly unreachable');
    expect(section).toContain('Compared with run #41 of <time datetime="2026-11-20T12:00:00.000Z">');
    // A changed target still in the run links to its details; a removed one cannot.
    expect(section).toContain('<a href="#t-3">smtp.bücher.example</a>');
    expect(section).toContain('<td>old-relay.lab.example</td>');
    // The summary comes before the changes, the changes before the table.
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="changes"'));
    expect(html.indexOf('id="changes"')).toBeLessThan(html.indexOf('id="targets"'));
  });

  it('has no changes section without changes', () => {
    expect(render(loadSample())).not.toContain('id="changes"');
  });
});

describe('html report: details', () => {
  it('includes transcripts and step timings only with transcript: true', () => {
    const without = render(loadSample());
    expect(without).not.toContain('class="dialogue"');
    expect(without).not.toContain('connecting to 127.0.0.1:25');
    const withT = render(loadSample(), { ...PLAIN, transcript: true });
    expect(withT).toContain('SMTP transcript (');
    expect(withT).toMatch(
      /<span class="t"> +0 ms<\/span> <span class="d-x">\* +connecting to 127\.0\.0\.1:25<\/span>/,
    );
    expect(withT).toContain('<caption>Step timings</caption>');
  });

  it('shows status as a word beside its colour, evidence and the MTA-specific fix', () => {
    const html = render(loadSample());
    expect(html).toContain('<span class="badge b-fail"><span aria-hidden="true">✖</span> FAIL</span>');
    expect(html).toContain('<pre class="evidence">VRFY postmaster → 252 2.0.0 postmaster\n');
    expect(html).toContain(
      '<p class="fix"><strong>Postfix:</strong> set disable_vrfy_command = yes in main.cf, then run postfix reload</p>',
    );
  });

  it('hides passing checks with quiet and says how many', () => {
    const html = render(loadSample(), { ...PLAIN, quiet: true });
    expect(html).not.toContain('<code>smtp.greeting_delay</code>');
    expect(html).toContain('<code>smtp.vrfy</code>');
    expect(html).toMatch(/\d+ checks without problems not shown \(--quiet\)/);
  });
});

describe('html report: streaming', () => {
  it('writes nothing before end(), then the whole page once', () => {
    const sample = loadSample();
    const parts: string[] = [];
    const sink = htmlSink({ write: (s) => void parts.push(s) }, PLAIN);
    const { targets, summary, durationMs, ...header } = sample;
    sink.begin(header);
    for (const t of targets) sink.target(t);
    expect(parts).toEqual([]);
    sink.end({ durationMs, summary, targetCount: 3, plannedCount: 3, interrupted: false });
    expect(parts.join('')).toBe(render(sample));
  });

  it('keeps every target, in finishing order, when the details spill to a temporary file', () => {
    const sample = loadSample();
    const base = sample.targets[0]!;
    // ~4 KB of multi-byte evidence per target: 120 targets spill well past the in-memory limit.
    const bulk = 'évidence ✔ '.repeat(400);
    const targets = Array.from({ length: 120 }, (_, i) => ({
      ...base,
      name: `host${i}.example`,
      displayName: `hôte${i}.example`,
      input: `host${i}.example`,
      checks: [{ ...base.checks[0]!, evidence: [bulk] }],
    }));
    const html = render({ ...sample, targets });
    expect(html.length).toBeGreaterThan(400_000);
    const order = all(/<section class="target [^"]*" id="t-(\d+)"/g, html).map(Number);
    expect(order).toEqual(targets.map((_, i) => i + 1));
    expect(html.split(bulk)).toHaveLength(targets.length + 1);
    expect(html).toContain('hôte119.example');
    expect(html.endsWith('</html>\n')).toBe(true);
  });
});

/**
 * Just enough of a DOM to run the report's script: elements with attributes, children and
 * listeners, a table, `<details>` elements and the document/window events the script uses.
 */
class FakeNode {
  readonly attrs = new Map<string, string>();
  readonly children: FakeNode[] = [];
  parent: FakeNode | undefined;
  readonly listeners = new Map<string, ((event: unknown) => void)[]>();
  open = false;
  className = '';
  type = '';
  constructor(
    readonly tagName: string,
    readonly text = '',
  ) {}
  getAttribute(name: string): string | null {
    return this.attrs.get(name) ?? null;
  }
  setAttribute(name: string, value: string): void {
    this.attrs.set(name, String(value));
  }
  removeAttribute(name: string): void {
    this.attrs.delete(name);
  }
  get textContent(): string {
    return this.text + this.children.map((c) => c.textContent).join('');
  }
  get firstChild(): FakeNode | null {
    return this.children[0] ?? null;
  }
  appendChild(child: FakeNode): FakeNode {
    if (child.parent) child.parent.children.splice(child.parent.children.indexOf(child), 1);
    child.parent = this;
    this.children.push(child);
    return child;
  }
  addEventListener(type: string, fn: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  dispatch(type: string, event: unknown = {}): void {
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }
  /** `tr.cells`, `thead.rows`, `tbody.rows`: the element children. */
  get cells(): FakeNode[] {
    return this.children;
  }
  get rows(): FakeNode[] {
    return this.children;
  }
}

/** Builds the fleet table of a rendered report as fake nodes, runs the script, returns handles. */
function runScript(html: string) {
  const table = html.match(/<table class="fleet" id="fleet">([\s\S]*?)<\/table>/)?.[1] ?? '';
  const strip = (s: string) => s.replace(/<[^>]*>/g, '').replace(/&amp;/g, '&');
  const thead = new FakeNode('thead');
  const headRow = thead.appendChild(new FakeNode('tr'));
  for (const m of table.matchAll(/<th scope="col" data-type="(\w+)"[^>]*>([^<]*)<\/th>/g)) {
    const th = headRow.appendChild(new FakeNode('th'));
    th.setAttribute('data-type', m[1]!);
    th.appendChild(new FakeNode('#text', m[2]!));
  }
  const tbody = new FakeNode('tbody');
  for (const m of table.matchAll(/<tr data-i="(\d+)">([\s\S]*?)<\/tr>/g)) {
    const tr = tbody.appendChild(new FakeNode('tr'));
    tr.setAttribute('data-i', m[1]!);
    for (const td of m[2]!.matchAll(/<td([^>]*)>([\s\S]*?)<\/td>/g)) {
      const cell = tr.appendChild(new FakeNode('td', strip(td[2]!)));
      const sort = td[1]!.match(/data-sort="([^"]*)"/)?.[1];
      if (sort !== undefined) cell.setAttribute('data-sort', sort);
    }
  }
  const fleet = Object.assign(new FakeNode('table'), { tHead: thead, tBodies: [tbody] });
  const details = [new FakeNode('details'), new FakeNode('details'), new FakeNode('details')];
  details[0]!.open = true;
  const document = Object.assign(new FakeNode('#document'), {
    documentElement: { className: '' },
    getElementById: (id: string) => (id === 'fleet' ? fleet : null),
    createElement: (tag: string) => new FakeNode(tag),
    querySelectorAll: () => details,
  });
  const window = new FakeNode('#window');
  new Function('document', 'window', 'location', HTML_SCRIPT)(document, window, { hash: '' });
  const heads = headRow.cells;
  const click = (label: string) => {
    const th = heads.find((h) => h.textContent === label)!;
    th.firstChild!.dispatch('click');
    return th;
  };
  const order = () => tbody.rows.map((r) => Number(r.getAttribute('data-i')));
  const ariaSort = () => heads.map((h) => h.getAttribute('aria-sort'));
  return { document, window, details, heads, click, order, ariaSort };
}

describe('html report: the inline script', () => {
  const html = render(loadSample());

  it('turns each column heading into a sort button and marks the page as scripted', () => {
    const { heads, document } = runScript(html);
    expect(heads).toHaveLength(9);
    for (const th of heads) {
      expect(th.children).toHaveLength(1);
      expect(th.firstChild!.tagName).toBe('button');
    }
    expect(document.documentElement.className).toContain('js');
  });

  it('sorts numeric columns numerically, most first, then toggles; updates aria-sort', () => {
    const { click, order, ariaSort } = runScript(html);
    // Fail counts 6, 3, 0.
    click('Fail');
    expect(order()).toEqual([1, 2, 3]);
    expect(ariaSort()).toEqual([null, null, null, null, null, null, 'descending', null, null]);
    click('Fail');
    expect(order()).toEqual([3, 2, 1]);
    expect(ariaSort()[6]).toBe('ascending');
    // Durations 214, 236, 4 ms: by the number of milliseconds, not the text.
    click('Duration');
    expect(order()).toEqual([2, 1, 3]);
    expect(ariaSort().filter((s) => s !== null)).toEqual(['descending']);
    // State: unreachable first, ties kept in finishing order.
    click('State');
    expect(order()).toEqual([3, 1, 2]);
  });

  it('sorts text columns alphabetically by display name', () => {
    const { click, order, ariaSort } = runScript(html);
    click('Target');
    expect(order()).toEqual([2, 1, 3]);
    expect(ariaSort()[0]).toBe('ascending');
    click('Target');
    expect(order()).toEqual([3, 1, 2]);
  });

  it('opens every details element for printing and restores them afterwards', () => {
    const { window, details } = runScript(html);
    window.dispatch('beforeprint');
    expect(details.map((d) => d.open)).toEqual([true, true, true]);
    window.dispatch('afterprint');
    expect(details.map((d) => d.open)).toEqual([true, false, false]);
  });
});
