/**
 * The per-check documentation (docs/checks/<id>.md), found next to the code whether mailcheck
 * runs from source (src/explain/) or from the package (dist/src/explain/), split into sections
 * and rendered for a terminal.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MtaName } from '../model/results.js';

/** The "How to fix" subsection heading of each MTA, as the docs spell it. */
export const MTA_HEADINGS: Readonly<Record<MtaName, string>> = {
  postfix: 'Postfix',
  exim: 'Exim',
  sendmail: 'Sendmail',
  exchange: 'Microsoft Exchange',
  opensmtpd: 'OpenSMTPD',
};

export interface DocSubsection {
  heading: string;
  lines: string[];
}

export interface DocSection {
  /** "What it checks", "Why it matters", "How to fix", ... */
  heading: string;
  /** Text before the first ### subsection. */
  lines: string[];
  subsections: DocSubsection[];
}

export interface CheckDoc {
  /** The title after the id in the first line ("# tls.protocols — Only current TLS versions accepted"). */
  title: string;
  sections: DocSection[];
}

let docsDirCache: string | undefined;

/** docs/checks, searched upwards from this module (src/explain/ or dist/src/explain/). */
export function docsDir(): string {
  if (docsDirCache !== undefined) return docsDirCache;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  const tried: string[] = [];
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'docs', 'checks');
    tried.push(candidate);
    if (existsSync(candidate)) return (docsDirCache = candidate);
    dir = path.dirname(dir);
  }
  throw new Error(`check documentation not found; looked in ${tried.join(', ')}`);
}

/** The raw markdown of a check's doc, or undefined when there is none. */
export function readCheckDoc(id: string): string | undefined {
  // Ids are area.name in lower case; never let one climb out of the docs directory.
  if (!/^[a-z][a-z0-9_]*\.[a-z0-9_]+$/.test(id)) return undefined;
  const file = path.join(docsDir(), `${id}.md`);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Splits a doc into its ## sections and ### subsections (headings inside code blocks are text). */
export function parseCheckDoc(markdown: string): CheckDoc {
  const doc: CheckDoc = { title: '', sections: [] };
  let section: DocSection | undefined;
  let sub: DocSubsection | undefined;
  let fenced = false;
  for (const line of markdown.replace(/\r\n/g, '\n').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (!fenced && /^# /.test(line) && !doc.title && !section) {
      doc.title = line.replace(/^# \S+\s+(—|-)\s+/, '').replace(/^# /, '');
      continue;
    }
    if (!fenced && /^## /.test(line)) {
      section = { heading: line.slice(3).trim(), lines: [], subsections: [] };
      sub = undefined;
      doc.sections.push(section);
      continue;
    }
    if (!fenced && /^### /.test(line) && section) {
      sub = { heading: line.slice(4).trim(), lines: [] };
      section.subsections.push(sub);
      continue;
    }
    (sub ?? section)?.lines.push(line);
  }
  return doc;
}

/** A section by heading (case-insensitive). */
export function sectionOf(doc: CheckDoc, heading: string): DocSection | undefined {
  return doc.sections.find((s) => s.heading.toLowerCase() === heading.toLowerCase());
}

/**
 * Markdown lines for a terminal: code blocks indented without their fences, **bold** and link
 * syntax dropped, inline `code` kept (its backticks also quote m4 in Sendmail examples), runs of
 * blank lines collapsed, leading and trailing blank lines removed.
 */
export function renderMarkdownLines(lines: readonly string[], indent: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of lines) {
    if (line.startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      out.push(line === '' ? '' : `${indent}    ${line}`);
      continue;
    }
    if (line.trim() === '') {
      if (out.length > 0 && out[out.length - 1] !== '') out.push('');
      continue;
    }
    const text = line
      .replace(/\*\*(.+?)\*\*/g, '$1')
      .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
      .replace(/\s+$/, '');
    out.push(`${indent}${text}`);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
