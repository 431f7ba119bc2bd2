/**
 * The `name=value; name=value` field list that MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3)
 * TXT records share: fields split at `;`, empty fields ignored, a name given once.
 */

/** The fields of a record by name (last value wins), and what is wrong with its syntax. */
export function parseFieldList(text: string): { fields: Map<string, string>; problems: string[] } {
  const problems: string[] = [];
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const field = part.trim();
    if (field === '') continue;
    const eq = field.indexOf('=');
    if (eq <= 0) {
      problems.push(`"${field}" is not name=value`);
      continue;
    }
    const name = field.slice(0, eq).trim();
    if (fields.has(name)) problems.push(`${name}= appears twice`);
    fields.set(name, field.slice(eq + 1).trim());
  }
  return { fields, problems };
}
