/**
 * The CSV form of an inventory, for people who keep hosts in a spreadsheet: a small RFC 4180
 * reader (comma-separated fields, double quotes around a field that holds commas, quotes ("")
 * or line breaks, CRLF or LF line ends), then the rows read as hosts and domains. Every field
 * keeps the line and column where it starts, so problems are reported there. Blank lines and
 * lines starting with `#` between records are skipped; a UTF-8 byte order mark (as spreadsheets
 * write it) is ignored.
 */
import { REGISTRY, findCheck } from '../checks/index.js';
import type { Severity } from '../model/results.js';
import type { PolicyRole } from '../policy/builtin.js';
import type { EntryOverride } from '../policy/entries.js';
import { SEVERITIES } from '../policy/params.js';
import { didYouMean } from '../policy/suggest.js';
import type { CredentialRef, InventoryChecks, InventoryIssue, InventoryParseResult } from './types.js';
import {
  EMPTY_INVENTORY,
  boolOf,
  credentialsOf,
  domainOf,
  envNameOf,
  fileRefOf,
  finish,
  hostOf,
  inlineSecretMessage,
  policyOf,
  portsOf,
  rolesOf,
  selectorsOf,
  sorted,
  userOf,
  type CredentialParts,
  type Draft,
  type DomainDraft,
  type HostDraft,
  type Item,
  type Report,
} from './values.js';

/** The columns of a CSV inventory; `kind` and `name` are required, the rest optional, any order. */
export const CSV_COLUMNS = [
  'kind',
  'name',
  'ports',
  'roles',
  'policy',
  'checks',
  'credentials_user',
  'password_env',
  'password_file',
  'token_env',
  'token_file',
  'dkim_selectors',
  'dns_only',
  'note',
] as const;

/** One field, with the position of its first character (the opening quote when quoted). */
export interface CsvField {
  /** The field's text: unquoted and unescaped; surrounding blanks of an unquoted field trimmed. */
  text: string;
  line: number;
  column: number;
  quoted: boolean;
}

export interface CsvRecord {
  line: number;
  fields: CsvField[];
}

/** A syntax problem; lines and columns count from 1. */
export interface CsvProblem {
  line: number;
  column: number;
  message: string;
}

export interface CsvText {
  records: CsvRecord[];
  problems: CsvProblem[];
}

const BLANK = /[ \t]/;

/** Splits CSV text into records and fields; never throws. */
export function readCsv(input: string): CsvText {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const column = (at: number): number => at - lineStart + 1;

  /** Whether a line break starts at `at`, and how long it is. */
  const breakAt = (at: number): number => {
    const c = text[at];
    if (c === '\n') return 1;
    if (c === '\r') return text[at + 1] === '\n' ? 2 : 1;
    return 0;
  };
  const newLine = (at: number, length: number): void => {
    line++;
    lineStart = at + length;
  };
  /** Index of the next line break (or the end of the text) from `at`. */
  const lineEnd = (at: number): number => {
    let j = at;
    while (j < text.length && breakAt(j) === 0) j++;
    return j;
  };

  while (i < text.length) {
    // Between records: skip blank lines and comment lines whole.
    const end = lineEnd(i);
    const physical = text.slice(i, end).trim();
    if (physical === '' || physical.startsWith('#')) {
      const br = breakAt(end);
      if (br === 0) break;
      newLine(end, br);
      i = end + br;
      continue;
    }

    const record: CsvRecord = { line, fields: [] };
    for (;;) {
      while (i < text.length && BLANK.test(text[i]!)) i++;
      const field: CsvField = { text: '', line, column: column(i), quoted: false };
      if (text[i] === '"') {
        field.quoted = true;
        const open = { line, column: column(i) };
        i++;
        let value = '';
        let closed = false;
        while (i < text.length) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          const br = breakAt(i);
          if (br > 0) {
            value += '\n';
            newLine(i, br);
            i += br;
            continue;
          }
          value += c;
          i++;
        }
        field.text = value;
        if (!closed) {
          problems.push({
            ...open,
            message: 'a quoted field is never closed: a field that starts with " must end with "',
          });
          record.fields.push(field);
          records.push(record);
          return { records, problems };
        }
        while (i < text.length && BLANK.test(text[i]!)) i++;
        if (i < text.length && text[i] !== ',' && breakAt(i) === 0) {
          problems.push({
            line,
            column: column(i),
            message:
              'text after the closing quote of a quoted field; quote the whole field and double any " inside it ("")',
          });
          while (i < text.length && text[i] !== ',' && breakAt(i) === 0) i++;
        }
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && breakAt(i) === 0) i++;
        const raw = text.slice(start, i);
        const quote = raw.indexOf('"');
        if (quote >= 0) {
          problems.push({
            line,
            column: column(start + quote),
            message: 'a " inside an unquoted field; quote the whole field and double any " inside it ("")',
          });
        }
        field.text = raw.trim();
      }
      record.fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      const br = breakAt(i);
      if (br > 0) {
        newLine(i, br);
        i += br;
      }
      break;
    }
    records.push(record);
  }
  return { records, problems };
}

type Column = (typeof CSV_COLUMNS)[number];

const HOST_ONLY: readonly Column[] = [
  'ports',
  'credentials_user',
  'password_env',
  'password_file',
  'token_env',
  'token_file',
];
const DOMAIN_ONLY: readonly Column[] = ['dkim_selectors', 'dns_only'];

/** The CSV `checks` cell: `smtp.vrfy=off tls.cert_chain=fail` (severities only). */
function csvChecks(cell: string, report: Report): InventoryChecks | undefined {
  const out = new Map<string, EntryOverride>();
  let ok = true;
  for (const token of cell.split(/[\s;,]+/).filter(Boolean)) {
    const m = /^([^=:]+)[=:](.*)$/.exec(token);
    if (!m) {
      report(`expected CHECK_ID=SEVERITY (e.g. smtp.vrfy=off), got "${token}"`);
      ok = false;
      continue;
    }
    const [, id, severity] = m as unknown as [string, string, string];
    if (!findCheck(id)) {
      report(
        `unknown check id "${id}"${didYouMean(
          id,
          REGISTRY.map((c) => c.id),
        )}`,
      );
      ok = false;
    } else if (!(SEVERITIES as readonly string[]).includes(severity)) {
      report(`"${severity}" is not a severity (${SEVERITIES.join(', ')})${didYouMean(severity, SEVERITIES)}`);
      ok = false;
    } else out.set(id, { severity: severity as Severity });
  }
  return ok ? out : undefined;
}

/** Where CSV problems are reported: the field (or row start) and the column name as the key. */
type CsvReporter = (at: { line: number; column: number }, key: string) => Report;

/** The columns the header names, by position (undefined for a refused or unknown column). */
interface CsvHeader {
  columns: (Column | undefined)[];
  /** Fields in the header row. */
  width: number;
  /** A column that would hold secrets was refused (rows then lack their credential reference). */
  secretColumn: boolean;
}

/** Reads the header row; undefined when no row can be read with it. */
function csvHeader(header: CsvRecord, reporter: CsvReporter): CsvHeader | undefined {
  const first = header.fields[0]!;
  const headerReport = reporter(first, '(header)');
  const known = CSV_COLUMNS.join(', ');
  if (header.fields.length === 1 && first.text.includes(';')) {
    headerReport(
      'the header is separated by ";"; mailcheck reads comma-separated values (save or export as CSV with commas)',
    );
    return undefined;
  }
  const names = header.fields.map((h) =>
    h.text
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  if (!names.includes('kind') && /^(host|domain)$/i.test(first.text)) {
    headerReport(
      `the first row must be a header naming the columns, e.g. kind,name,ports,roles,policy (columns: ${known})`,
    );
    return undefined;
  }
  const columns: (Column | undefined)[] = [];
  let secretColumn = false;
  header.fields.forEach((h, i) => {
    const name = names[i]!;
    const report = reporter(h, name || `(column ${i + 1})`);
    const secret = name ? inlineSecretMessage(name) : undefined;
    columns[i] = undefined;
    if (secret) {
      report(secret);
      secretColumn = true;
    } else if (name === '') report('empty column name in the header');
    else if (!(CSV_COLUMNS as readonly string[]).includes(name))
      report(`unknown column "${h.text}" (columns: ${known})${didYouMean(name, CSV_COLUMNS)}`);
    else if (columns.includes(name as Column)) report(`column "${name}" appears twice in the header`);
    else columns[i] = name as Column;
  });
  const missing = (['kind', 'name'] as const).filter((c) => !names.includes(c));
  for (const required of missing) headerReport(`the header has no "${required}" column (columns: ${known})`);
  // Without kind and name no row can be read; the message about the header says it all.
  return missing.length > 0 ? undefined : { columns, width: header.fields.length, secretColumn };
}

/** The cells of one row by column, skipping empty ones; where to report on each. */
class CsvRow {
  private readonly cells = new Map<Column, CsvField>();
  /** Where the row starts, for problems with a cell that is missing. */
  readonly start: { line: number; column: number };

  constructor(
    readonly record: CsvRecord,
    header: CsvHeader,
    readonly reporter: CsvReporter,
  ) {
    record.fields.forEach((f, i) => {
      const c = header.columns[i];
      if (c !== undefined && f.text !== '') this.cells.set(c, f);
    });
    this.start = { line: record.line, column: record.fields[0]!.column };
    const extra = record.fields.slice(header.width).find((f) => f.text !== '');
    if (extra) {
      reporter(
        extra,
        '(row)',
      )(`this row has ${record.fields.length} fields but the header names ${header.width} columns`);
    }
  }

  has(c: Column): boolean {
    return this.cells.has(c);
  }

  cell(c: Column): { text: string; report: Report; at: CsvField } | undefined {
    const f = this.cells.get(c);
    return f && { text: f.text, report: this.reporter(f, c), at: f };
  }

  /** A list cell: values separated by spaces, `;` or `,`; digits become numbers if asked. */
  items(c: Column, asNumber: boolean): Item[] {
    const f = this.cell(c);
    if (!f) return [];
    return f.text
      .split(/[\s;,]+/)
      .filter(Boolean)
      .map((t) => ({ value: asNumber && /^\d+$/.test(t) ? Number(t) : t, report: f.report }));
  }
}

const CREDENTIAL_COLUMNS: Record<keyof CredentialParts, Column> = {
  user: 'credentials_user',
  passwordEnv: 'password_env',
  passwordFile: 'password_file',
  tokenEnv: 'token_env',
  tokenFile: 'token_file',
};

/** The credential columns of a host row, if any is filled in. */
function csvCredentials(row: CsvRow, file: string, secretColumn: boolean): CredentialRef | null | undefined {
  const fields = Object.keys(CREDENTIAL_COLUMNS) as (keyof CredentialParts)[];
  const present = fields.filter((k) => row.has(CREDENTIAL_COLUMNS[k]));
  if (present.length === 0) return undefined;
  const blockColumn = CREDENTIAL_COLUMNS[present[0]!];
  const block = row.cell(blockColumn)!;
  const parts: CredentialParts = {};
  for (const k of present) {
    const c = row.cell(CREDENTIAL_COLUMNS[k])!;
    const read = k === 'user' ? userOf : k.endsWith('Env') ? envNameOf : fileRefOf;
    parts[k] = read(c.text, c.report) ?? null;
  }
  // The CSV key is the column alone: at.key stays empty and problems name the column.
  const at = { file, line: block.at.line, column: block.at.column, key: '' };
  const ref = credentialsOf(
    parts,
    at,
    'credentials_user',
    (field) =>
      field === 'block' ? block.report : (row.cell(CREDENTIAL_COLUMNS[field])?.report ?? block.report),
    secretColumn,
  );
  return ref ?? null;
}

/** One data row as a host or domain; undefined after reporting why it is not one. */
function csvEntry(row: CsvRow, file: string, dir: string, header: CsvHeader): Draft | undefined {
  const kindCell = row.cell('kind');
  const nameCell = row.cell('name');
  const kind = kindCell?.text.toLowerCase();
  if (kind !== 'host' && kind !== 'domain') {
    if (kindCell)
      kindCell.report(
        `unknown kind "${kindCell.text}" (expected host or domain)${didYouMean(kindCell.text, ['host', 'domain'])}`,
      );
    else row.reporter(row.start, 'kind')('expected a kind (host or domain)');
    return undefined;
  }
  if (!nameCell) row.reporter(row.start, 'name')(`a ${kind} row needs a name`);
  for (const c of kind === 'host' ? DOMAIN_ONLY : HOST_ONLY)
    row.cell(c)?.report(`${c} applies to ${kind === 'host' ? 'domain' : 'host'} rows only`);

  const common: { roles?: PolicyRole[]; policy?: string; checks?: InventoryChecks; note?: string } = {};
  if (row.has('roles')) {
    const r = rolesOf(row.items('roles', false));
    if (r) common.roles = r;
  }
  const policy = row.cell('policy');
  if (policy) {
    const p = policyOf(policy.text, dir, policy.report);
    if (p !== undefined) common.policy = p;
  }
  const checks = row.cell('checks');
  if (checks) {
    const c = csvChecks(checks.text, checks.report);
    if (c && c.size > 0) common.checks = c;
  }
  const note = row.cell('note');
  if (note) common.note = note.text;
  const report = nameCell?.report ?? (() => {});

  if (kind === 'host') {
    const spec = nameCell && hostOf(nameCell.text, nameCell.report);
    const draft: Omit<HostDraft, 'spec'> = { kind: 'host', line: row.record.line, report, ...common };
    const ports = row.cell('ports');
    if (ports) {
      draft.portsReport = ports.report;
      const p = portsOf(row.items('ports', true), ports.report);
      if (p) draft.ports = p;
    }
    const credentials = csvCredentials(row, file, header.secretColumn);
    if (credentials) draft.credentials = credentials;
    return spec && { ...draft, spec };
  }
  const name = nameCell && domainOf(nameCell.text, nameCell.report);
  const draft: Omit<DomainDraft, 'name'> = { kind: 'domain', line: row.record.line, report, ...common };
  if (row.has('dkim_selectors')) {
    const s = selectorsOf(row.items('dkim_selectors', false));
    if (s) draft.dkimSelectors = s;
  }
  const dnsOnly = row.cell('dns_only');
  if (dnsOnly) {
    const t = dnsOnly.text.toLowerCase();
    const b = ['true', 'yes', '1'].includes(t)
      ? true
      : ['false', 'no', '0'].includes(t)
        ? false
        : dnsOnly.text;
    const v = boolOf(b, dnsOnly.report);
    if (v !== undefined) draft.dnsOnly = v;
  }
  return name && { ...draft, name };
}

/**
 * Reads a CSV inventory: a header row naming the columns, then one row per host or domain.
 * Never throws; every problem comes back as an issue.
 */
export function csvInventory(text: string, file: string, dir: string): InventoryParseResult {
  const issues: InventoryIssue[] = [];
  const { records, problems } = readCsv(text);
  for (const p of problems) issues.push({ file, ...p, key: '(csv)' });
  const reporter: CsvReporter = (at, key) => (message) =>
    issues.push({ file, line: at.line, column: at.column, key, message });

  const [first, ...rows] = records;
  if (first === undefined) {
    if (issues.length === 0)
      reporter(
        { line: 1, column: 1 },
        '(top level)',
      )(
        `the file holds no inventory; expected a header row (${CSV_COLUMNS.join(',')}) and a row per host or domain`,
      );
    return { ok: false, issues: sorted(issues) };
  }
  const header = csvHeader(first, reporter);
  if (!header) return { ok: false, issues: sorted(issues) };

  const drafts: Draft[] = [];
  let count = 0;
  for (const record of rows) {
    if (record.fields.every((f) => f.text === '')) continue; // a spreadsheet's empty row: ",,,,"
    count++;
    const draft = csvEntry(new CsvRow(record, header, reporter), file, dir, header);
    if (draft) drafts.push(draft);
  }
  if (count === 0 && issues.length === 0) {
    reporter(
      { line: first.line, column: 1 },
      '(top level)',
    )(`${EMPTY_INVENTORY}; add a row per host or domain below the header`);
  }
  const entries = finish(drafts, {});
  if (issues.length > 0) return { ok: false, issues: sorted(issues) };
  return { ok: true, inventory: { file, dir, entries } };
}
