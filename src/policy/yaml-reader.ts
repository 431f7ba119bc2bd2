/**
 * Reading a policy file's YAML with positions: a parsed document plus a line counter, and every
 * problem recorded as `file:line:column: key: message`. Positions come from the YAML parser's own
 * node ranges; nothing here parses YAML by hand.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { shown } from './params.js';

/** One problem in a policy file. Lines and columns count from 1. */
export interface PolicyIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the key concerned, e.g. `checks.tls.protocols.params.minVersion`. */
  key: string;
  message: string;
}

/** `file:line:column: key: message`, the form editors and CI logs link to. */
export function formatIssue(i: PolicyIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.key}: ${i.message}`;
}

/** Reads YAML nodes and records every problem with its position. */
export class PolicyReader {
  readonly issues: PolicyIssue[] = [];
  private readonly lines = new LineCounter();
  readonly doc: Document.Parsed;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, {
      lineCounter: this.lines,
      keepSourceTokens: true,
      prettyErrors: false,
      uniqueKeys: true,
    });
  }

  private at(offset: number, key: string, message: string): void {
    const { line, col } = this.lines.linePos(offset);
    this.issues.push({ file: this.file, line, column: col, key, message });
  }

  /** An issue at a node (or at `fallback`, e.g. the key, when the node has no position). */
  issue(
    node: Node | null | undefined,
    fallback: Node | null | undefined,
    key: string,
    message: string,
  ): void {
    const offset = node?.range?.[0] ?? fallback?.range?.[0] ?? 0;
    this.at(offset, key, message);
  }

  /** YAML syntax errors (and parser warnings), each with the key they belong to; true if any. */
  syntaxIssues(): boolean {
    const problems = [...this.doc.errors, ...this.doc.warnings];
    for (const e of problems) {
      const kind = e.name === 'YAMLWarning' ? 'YAML warning' : 'YAML syntax error';
      this.at(e.pos[0], keyAt(this.doc.contents, e.pos[0]), `${kind}: ${e.message}`);
    }
    if (problems.length > 0) return true;
    try {
      // Aliases that expand into a huge document ("billion laughs") stop here, not in a check.
      this.doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      this.at(0, '(top level)', `YAML error: ${(err as Error).message}`);
      return true;
    }
    return false;
  }

  /** The node an alias points at, so `*anchor` values are judged like what they stand for. */
  deref(node: unknown): Node | null {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return (node as Node | null) ?? null;
  }

  /** The JS value of a node (null for an empty value). */
  value(node: Node | null): unknown {
    return node === null ? null : (node.toJS(this.doc) as unknown);
  }

  /** A key as text; non-scalar keys are reported and skipped. */
  keyOf(pair: Pair, prefix: string): string | undefined {
    const k = pair.key as Node | null;
    if (isScalar(k) && k.value !== null && typeof k.value !== 'object') return String(k.value);
    this.issue(k, pair.value as Node | null, prefix || '(top level)', 'keys must be plain names');
    return undefined;
  }

  /**
   * The top-level pairs of a file that must hold a `what` (a policy, an inventory) with these keys:
   * undefined, with the problem recorded, when it is empty or not a mapping.
   */
  topLevelPairs(what: string, keys: readonly string[]): Pair[] | undefined {
    const root = this.doc.contents as Node | null;
    const expected = `the keys ${keys.join(', ')}`;
    if (root === null || (isScalar(root) && root.value === null)) {
      this.issue(root, null, '(top level)', `the file holds no ${what}; expected ${expected}`);
      return undefined;
    }
    return this.pairs(root, '(top level)', `a mapping with ${expected}`);
  }

  /** The pairs of a mapping; null (every item commented out) is an empty mapping. */
  pairs(node: Node | null, key: string, what: string, fallback?: Node | null): Pair[] | undefined {
    const n = this.deref(node);
    if (n === null || (isScalar(n) && n.value === null)) return [];
    if (isMap(n)) return n.items as Pair[];
    this.issue(node, fallback, key, `expected ${what}, got ${shown(this.value(n))}`);
    return undefined;
  }
}

/**
 * The dotted key a syntax error belongs to: the innermost pair whose value spans the error or
 * whose key starts at it (an unclosed `{` is reported where the next key starts, but belongs to
 * the pair it opened, which spans it at the same depth), else the key nearest before it.
 */
function keyAt(root: unknown, offset: number): string {
  let inner = { depth: -1, spans: false, key: '' };
  let before = { start: -1, key: '(top level)' };
  const consider = (keyNode: Node | null, valueNode: Node | null, full: string, depth: number): void => {
    const start = keyNode?.range?.[0] ?? valueNode?.range?.[0];
    const end = valueNode?.range?.[2] ?? keyNode?.range?.[2];
    if (start === undefined || end === undefined) return;
    const spans = start < offset && offset <= end;
    if (
      (spans || start === offset) &&
      (depth > inner.depth || (depth === inner.depth && spans && !inner.spans))
    )
      inner = { depth, spans, key: full };
    if (start <= offset && start > before.start) before = { start, key: full };
  };
  const visit = (node: unknown, prefix: string, depth: number): void => {
    if (isMap(node)) {
      for (const item of node.items) {
        const k = item.key as Node | null;
        const full = `${prefix}${prefix ? '.' : ''}${isScalar(k) ? String(k.value) : '?'}`;
        consider(k, item.value as Node | null, full, depth);
        visit(item.value, full, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        consider(null, item as Node | null, `${prefix}[${i}]`, depth);
        visit(item, `${prefix}[${i}]`, depth + 1);
      });
    }
  };
  visit(root, '', 0);
  return inner.depth >= 0 ? inner.key : before.key;
}
