/**
 * `mailcheck explain CHECK_ID` as text: what the check verifies, why (its reference), how to fix
 * it per MTA — from docs/checks/<id>.md — plus how each built-in policy judges it and the
 * parameters a policy file can set.
 */
import type { AnyCheck } from '../checks/types.js';
import type { MtaName } from '../model/results.js';
import { BUILTIN_POLICIES } from '../policy/builtin.js';
import { describeSpec, paramSpecs } from '../policy/params.js';
import { flowYaml } from '../policy/render.js';
import { MTA_HEADINGS, parseCheckDoc, readCheckDoc, renderMarkdownLines, type CheckDoc } from './docs.js';

export interface ExplainOptions {
  /** Only this MTA's part of "How to fix". */
  mta?: MtaName;
}

/** Sections printed before the policy table, in this order; any others follow them. */
const SECTION_ORDER = ['What it checks', 'Why it matters', 'How to fix'];

function policyLines(check: AnyCheck): string[] {
  const names = Object.keys(BUILTIN_POLICIES);
  const width = Math.max(...names.map((n) => n.length));
  return names.map((name) => {
    const entry = BUILTIN_POLICIES[name]!.checks[check.id];
    const severity = entry?.severity ?? 'fail';
    const params = entry?.params && Object.keys(entry.params).length > 0 ? flowYaml(entry.params) : '';
    return `  ${name.padEnd(width)}  ${severity.padEnd(4)}  ${params}`.trimEnd();
  });
}

function paramLines(check: AnyCheck): string[] {
  const specs = Object.entries(paramSpecs(check));
  if (specs.length === 0) return ['  none'];
  const defaults = check.defaultParams as Record<string, unknown>;
  const out: string[] = [];
  for (const [name, spec] of specs) {
    out.push(`  ${name} (default ${flowYaml(defaults[name])}): ${describeSpec(spec)}`);
    if (spec.description) out.push(`      ${spec.description}`);
  }
  out.push('', `  In a policy file, under checks:  ${check.id}: ${flowYaml({ params: defaults })}`);
  return out;
}

/** "How to fix" for one MTA: the section's general text, then that MTA's subsection. */
function mtaFix(check: AnyCheck, doc: CheckDoc | undefined, mta: MtaName): string[] {
  const heading = MTA_HEADINGS[mta];
  const fix = doc?.sections.find((s) => s.heading === 'How to fix');
  const sub = fix?.subsections.find((s) => s.heading === heading);
  const out = [`HOW TO FIX (${heading})`];
  const general = renderMarkdownLines(fix?.lines ?? [], '  ');
  if (general.length > 0) out.push(...general, '');
  if (sub) out.push(...renderMarkdownLines(sub.lines, '  '));
  else out.push(`  ${check.remediation[mta] ?? check.remediation.generic}`);
  return out;
}

/** The whole explanation as text, ending with a newline. */
export function renderExplanation(check: AnyCheck, options: ExplainOptions = {}): string {
  const markdown = readCheckDoc(check.id);
  const doc = markdown === undefined ? undefined : parseCheckDoc(markdown);
  const scope = check.scope === 'domain' ? 'judged once per domain' : 'judged per host and port';
  const out: string[] = [
    `${check.id} — ${doc?.title || check.title}`,
    `reference: ${check.reference} · area: ${check.area} · ${scope}`,
    '',
  ];

  if (options.mta) {
    out.push(...mtaFix(check, doc, options.mta));
    return `${out.join('\n')}\n`;
  }

  if (doc) {
    const sections = [
      ...SECTION_ORDER.map((h) => doc.sections.find((s) => s.heading === h)).filter((s) => s !== undefined),
      ...doc.sections.filter((s) => !SECTION_ORDER.includes(s.heading)),
    ];
    for (const section of sections) {
      out.push(section.heading.toUpperCase(), ...renderMarkdownLines(section.lines, '  '));
      for (const sub of section.subsections) {
        out.push('', `  ${sub.heading}`, ...renderMarkdownLines(sub.lines, '    '));
      }
      out.push('');
    }
  } else {
    // No doc shipped for this check: the metadata still says what to do.
    out.push('HOW TO FIX', `  ${check.remediation.generic}`);
    for (const [mta, heading] of Object.entries(MTA_HEADINGS) as [MtaName, string][]) {
      const text = check.remediation[mta];
      if (text) out.push('', `  ${heading}`, `    ${text}`);
    }
    out.push('');
  }

  out.push('SEVERITY IN THE BUILT-IN POLICIES', ...policyLines(check), '');
  out.push('PARAMETERS', ...paramLines(check));
  return `${out.join('\n')}\n`;
}
