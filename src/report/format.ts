/**
 * Small text helpers shared by the reporters: status symbols and words, durations, endpoint labels,
 * area names, and neutralising server-sent text before it reaches a terminal or a file.
 *
 * Nothing here adds colour; colour belongs to the table reporter alone.
 */
import type { EndpointFacts, SmtpReply } from '../model/artifacts.js';
import type { MtaName, Status } from '../model/results.js';

/** One symbol per status; paired with {@link statusWord} so the meaning survives without colour. */
export const STATUS_SYMBOL: Readonly<Record<Status, string>> = {
  pass: '✔',
  fail: '✖',
  warn: '▲',
  info: 'ℹ',
  skip: '–',
  error: '‼',
};

/** The upper-case word for a status: "PASS", "FAIL", ... */
export function statusWord(status: Status): string {
  return status.toUpperCase();
}

/** Symbol and word, padded to a fixed width so columns line up: "✖ FAIL ", "‼ ERROR". */
export function statusLabel(status: Status): string {
  return `${STATUS_SYMBOL[status]} ${statusWord(status).padEnd(5)}`;
}

/** A duration for humans: "420 ms" under a second, else "1.23 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '? ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return formatSeconds(ms);
}

/** A duration always in seconds with two decimals: "0.42 s" (for run totals). */
export function formatSeconds(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '? s';
  return `${(ms / 1000).toFixed(2)} s`;
}

/** "address:port" with IPv6 addresses in brackets, the form `CheckResult.endpoint` uses. */
export function endpointKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** How TLS is (or would be) used on an endpoint, as far as the facts tell. */
export function tlsMode(ep: EndpointFacts): string | undefined {
  if (ep.profile === 'smtps') return 'implicit TLS';
  if (ep.starttls?.offered) return 'STARTTLS';
  if (ep.ehlo) return 'no STARTTLS';
  return undefined;
}

/** "127.0.0.1:587 (submission, STARTTLS)", "[::1]:465 (smtps, implicit TLS)". */
export function endpointLabel(ep: EndpointFacts): string {
  const mode = tlsMode(ep);
  return `${endpointKey(ep.address, ep.port)} (${ep.profile}${mode ? `, ${mode}` : ''})`;
}

/** Display names of the MTAs we give specific remediation for. */
export const MTA_DISPLAY: Readonly<Record<MtaName, string>> = {
  postfix: 'Postfix',
  exim: 'Exim',
  sendmail: 'Sendmail',
  exchange: 'Exchange',
  opensmtpd: 'OpenSMTPD',
};

/**
 * Heading groups of checks in the order of the specification, with their headings. A group is a
 * check area (the first part of a check id), except where {@link checkGroup} puts two areas under
 * one heading: TLS-RPT with MTA-STS, and a domain-level `tls.dane` under DANE.
 */
export const AREA_TITLES: ReadonlyArray<readonly [area: string, title: string]> = [
  ['smtp', 'SMTP dialogue'],
  ['tls', 'TLS'],
  ['auth', 'AUTH'],
  ['relay', 'Relay'],
  ['data', 'DATA'],
  ['dns', 'DNS'],
  ['spf', 'SPF'],
  ['dkim', 'DKIM'],
  ['dmarc', 'DMARC'],
  ['mta_sts', 'MTA-STS / TLS-RPT'],
  ['dane', 'DANE'],
  ['dnsbl', 'DNSBL'],
];

/** Areas shown under another area's heading: both are about how senders reach the MX over TLS. */
const SHARED_HEADING: Readonly<Record<string, string>> = { tls_rpt: 'mta_sts' };

/** The area of a check id: "tls.cert_expiry" -> "tls". */
export function checkArea(id: string): string {
  const dot = id.indexOf('.');
  return dot > 0 ? id.slice(0, dot) : id;
}

/**
 * The heading group of a result. `tls.dane` judged for a whole domain (no endpoint) is about the
 * TLSA records of the MX set, so it goes with the DNS checks under DANE; on an endpoint it stays
 * with the other TLS checks of that endpoint.
 */
export function checkGroup(r: { id: string; endpoint?: string }): string {
  if (r.id === 'tls.dane' && r.endpoint === undefined) return 'dane';
  const area = checkArea(r.id);
  return SHARED_HEADING[area] ?? area;
}

/** The heading for an area or group; unknown areas are shown as they are. */
export function areaTitle(area: string): string {
  const group = SHARED_HEADING[area] ?? area;
  return AREA_TITLES.find(([a]) => a === group)?.[1] ?? area;
}

/** Sort key of an area or group: specification order, unknown areas last. */
export function areaRank(area: string): number {
  const group = SHARED_HEADING[area] ?? area;
  const i = AREA_TITLES.findIndex(([a]) => a === group);
  return i === -1 ? AREA_TITLES.length : i;
}

/** The whole reply on one line as seen on the wire, lines joined with " / ": "220 mail.example ESMTP". */
export function replyText(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.join(' / ')}`.trim();
}

// C0 controls (including ESC, which starts ANSI sequences), DEL, C1 controls, and the Unicode
// bidirectional overrides and isolates that can make a line display differently from what it is
// ("Trojan Source", CVE-2021-42574).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes server-sent text safe to print: control characters become visible escapes ("\x1b"), so a
 * hostile banner cannot move the cursor, change colours or hide text in the administrator's terminal.
 */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Display width of plain text, counting code points (our text is ASCII, Latin and simple symbols). */
export function textWidth(text: string): number {
  return [...text].length;
}

/** Cuts plain text to `width` columns, ending with "…" when cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

/**
 * Word-wraps plain text to `width` columns. Words longer than a line are cut hard. Returns at least
 * one (possibly empty) line.
 */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(10, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    let rest = word;
    while (textWidth(rest) > w) {
      if (line) {
        lines.push(line);
        line = '';
      }
      const chars = [...rest];
      lines.push(chars.slice(0, w).join(''));
      rest = chars.slice(w).join('');
    }
    if (!line) line = rest;
    else if (textWidth(line) + 1 + textWidth(rest) <= w) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  lines.push(line);
  return lines;
}

/** "1 warning" / "2 warnings". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * How a target is named in fleet views (tables, monitoring lines, test suites): its Unicode name,
 * or for a host listed with its port ("mail.example.edu:2525") what was listed, since one host
 * may be listed once per port and the rows must stay apart. Not sanitised.
 */
export function fleetName(t: {
  kind: 'host' | 'domain';
  input: string;
  name: string;
  displayName: string;
}): string {
  const display = t.displayName || t.name;
  if (t.kind !== 'host' || t.input === t.name || t.input === t.displayName) return display;
  return t.input;
}
