import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/inventory/csv.js';
import { formatIssue, parseInventory } from '../../src/inventory/loader.js';

const texts = (csv: string) => readCsv(csv).records.map((r) => r.fields.map((f) => f.text));

function issuesOf(text: string): string[] {
  const r = parseInventory(text, 'i.csv', 'csv');
  return r.ok ? [] : r.issues.map(formatIssue);
}

describe('readCsv (RFC 4180)', () => {
  it('splits records and fields, with quotes, doubled quotes and line breaks inside quotes', () => {
    const { records, problems } = readCsv(
      'kind,name,note\r\nhost,a.example,"a, b"\r\nhost, b.example ,"say ""hi""\nsecond line",\n',
    );
    expect(problems).toEqual([]);
    expect(records.map((r) => r.fields.map((f) => f.text))).toEqual([
      ['kind', 'name', 'note'],
      ['host', 'a.example', 'a, b'],
      ['host', 'b.example', 'say "hi"\nsecond line', ''],
    ]);
    // Positions: the line and 1-based column where each field starts (the quote if quoted).
    expect(records[2]!.fields.map((f) => [f.line, f.column, f.quoted])).toEqual([
      [3, 1, false],
      [3, 7, false],
      [3, 18, true],
      [4, 14, false],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it('skips blank lines and # comments between records, and a byte order mark', () => {
    expect(texts('\uFEFF# comment\nkind,name\n\n   \n  # another\nhost,a\n')).toEqual([
      ['kind', 'name'],
      ['host', 'a'],
    ]);
    expect(readCsv('\uFEFFkind\n').records[0]!.fields[0]!.column).toBe(1);
    expect(texts('a,"# not a comment\n# still the field"\n')).toEqual([
      ['a', '# not a comment\n# still the field'],
    ]);
  });

  it('reports an unclosed quote, text after a closing quote and a quote in an unquoted field', () => {
    expect(readCsv('a,"b\nc,d\n').problems).toEqual([
      {
        line: 1,
        column: 3,
        message: 'a quoted field is never closed: a field that starts with " must end with "',
      },
    ]);
    expect(readCsv('a,"b"c,d\n')).toMatchObject({
      records: [{ fields: [{ text: 'a' }, { text: 'b' }, { text: 'd' }] }],
      problems: [
        {
          line: 1,
          column: 6,
          message:
            'text after the closing quote of a quoted field; quote the whole field and double any " inside it ("")',
        },
      ],
    });
    expect(readCsv('x\na,b"c\n').problems).toEqual([
      {
        line: 2,
        column: 4,
        message: 'a " inside an unquoted field; quote the whole field and double any " inside it ("")',
      },
    ]);
  });

  it('handles old Mac line ends and a missing final line break', () => {
    expect(texts('a,b\rc,d')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(texts('')).toEqual([]);
    expect(texts('a,')).toEqual([['a', '']]);
  });
});

describe('CSV inventories', () => {
  it.each([
    [
      '',
      'i.csv:1:1: (top level): the file holds no inventory; expected a header row (kind,name,ports,roles,policy,checks,credentials_user,password_env,password_file,token_env,token_file,dkim_selectors,dns_only,note) and a row per host or domain',
    ],
    [
      'kind,name\n,,\n',
      'i.csv:1:1: (top level): the inventory lists no hosts and no domains; add a row per host or domain below the header',
    ],
    [
      'kind;name\nhost;a\n',
      'i.csv:1:1: (header): the header is separated by ";"; mailcheck reads comma-separated values (save or export as CSV with commas)',
    ],
    [
      'host,a.example\n',
      'i.csv:1:1: (header): the first row must be a header naming the columns, e.g. kind,name,ports,roles,policy (columns: kind, name, ports, roles, policy, checks, credentials_user, password_env, password_file, token_env, token_file, dkim_selectors, dns_only, note)',
    ],
    [
      'name,ports\na.example,25\n',
      'i.csv:1:1: (header): the header has no "kind" column (columns: kind, name, ports, roles, policy, checks, credentials_user, password_env, password_file, token_env, token_file, dkim_selectors, dns_only, note)',
    ],
    ['kind,name,name\nhost,a\n', 'i.csv:1:11: name: column "name" appears twice in the header'],
    ['kind,name,,note\nhost,a.example,,x\n', 'i.csv:1:11: (column 3): empty column name in the header'],
    [
      'kind,name\nhost,a.example,extra\n',
      'i.csv:2:16: (row): this row has 3 fields but the header names 2 columns',
    ],
    ['kind,name\n,a.example\n', 'i.csv:2:1: kind: expected a kind (host or domain)'],
    ['kind,name\nhost,\n', 'i.csv:2:1: name: a host row needs a name'],
    [
      'kind,name,dns_only\nhost,b.example,yes\n',
      'i.csv:2:16: dns_only: dns_only applies to domain rows only',
    ],
    [
      'kind,name,dns_only\ndomain,a.example,maybe\n',
      'i.csv:2:18: dns_only: expected true or false, got the string "maybe"',
    ],
    [
      'kind,name,ports\nhost,a.example:25,25\n',
      'i.csv:2:19: ports: "a.example:25" already names port 25; give the port in the host or in ports, not both',
    ],
    [
      'kind,name,ports\nhost,a.example,smtp\n',
      'i.csv:2:16: ports: expected a port number (1-65535), got the string "smtp"',
    ],
    [
      'kind,name,credentials_user,password_env\nhost,a.example,u,1BAD\n',
      "i.csv:2:18: password_env: expected the name of an environment variable (letters, digits and _, not starting with a digit), got a string that is not one; write the variable's name here, never the secret itself",
    ],
    [
      'kind,name,credentials_user,password_env,password_file\nhost,a.example,u,PW,pw.txt\n',
      'i.csv:2:21: password_file: give either password_env or password_file, not both',
    ],
    [
      'kind,name,credentials_user\nhost,a.example,u\n',
      'i.csv:2:16: credentials_user: credentials need a password or token by reference: password_env, password_file, token_env or token_file',
    ],
    [
      'kind,name\ndomain,"example.edu, example.org"\n',
      'i.csv:2:8: name: "example.edu, example.org" is not a valid host name (IDNA conversion failed)',
    ],
    [
      'kind,name,Token\nhost,a.example,x\n',
      expect.stringMatching(
        /^i\.csv:1:11: token: inline secrets .* use token_env: VARIABLE or token_file: PATH$/,
      ),
    ],
  ])('%j', (text, issue) => {
    expect(issuesOf(text)).toEqual([issue]);
  });

  it('reads the checks column as CHECK_ID=SEVERITY pairs', () => {
    const r = parseInventory(
      'kind,name,checks\nhost,a.example,smtp.vrfy=off; tls.cert_chain:fail\n',
      'i.csv',
      'csv',
    );
    expect(r.ok && r.inventory.entries[0]!.checks).toEqual(
      new Map([
        ['smtp.vrfy', { severity: 'off' }],
        ['tls.cert_chain', { severity: 'fail' }],
      ]),
    );
    expect(issuesOf('kind,name,checks\nhost,a.example,smtp.vrfy=warning tls.protocol=off nope\n')).toEqual([
      'i.csv:2:16: checks: "warning" is not a severity (fail, warn, info, off); did you mean "warn"?',
      'i.csv:2:16: checks: unknown check id "tls.protocol"; did you mean "tls.protocols"?',
      'i.csv:2:16: checks: expected CHECK_ID=SEVERITY (e.g. smtp.vrfy=off), got "nope"',
    ]);
  });

  it('accepts header names in any case and order, and rows shorter than the header', () => {
    const r = parseInventory(
      'Name,Kind,DNS Only,Roles\nexample.edu,DOMAIN,no\nsmtp.example.edu,host\n',
      'i.csv',
      'csv',
    );
    expect(r.ok && r.inventory.entries.map((e) => [e.kind, e.displayName, e.roles])).toEqual([
      ['domain', 'example.edu', ['mx']],
      ['host', 'smtp.example.edu', []],
    ]);
  });
});
