/**
 * EHLO reply parsing: RFC 5321 §4.1.1.1 — the first line is the server's name and greeting,
 * each further line one keyword with optional parameters.
 */
import type { Capabilities, SmtpReply } from '../../model/artifacts.js';

/** Keywords we track, each with the RFC that defines it. */
const FLAGS: Record<string, keyof Capabilities> = {
  PIPELINING: 'pipelining', // RFC 2920
  '8BITMIME': 'eightBitMime', // RFC 6152
  SMTPUTF8: 'smtpUtf8', // RFC 6531
  CHUNKING: 'chunking', // RFC 3030
  DSN: 'dsn', // RFC 3461
  ENHANCEDSTATUSCODES: 'enhancedStatusCodes', // RFC 2034
  REQUIRETLS: 'requireTls', // RFC 8689
  STARTTLS: 'starttls', // RFC 3207
  VRFY: 'vrfy', // RFC 5321 §3.5 (advertised by some servers, e.g. Postfix)
  ETRN: 'etrn', // RFC 1985
};

export function parseCapabilities(reply: SmtpReply): Capabilities {
  const caps: Capabilities = {
    raw: [],
    pipelining: false,
    eightBitMime: false,
    smtpUtf8: false,
    chunking: false,
    dsn: false,
    enhancedStatusCodes: false,
    requireTls: false,
    starttls: false,
    auth: [],
    vrfy: false,
    etrn: false,
  };
  const auth = new Set<string>();
  for (const line of reply.lines.slice(1)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    caps.raw.push(trimmed);
    // "AUTH=LOGIN PLAIN" is the pre-RFC 4954 form some servers still send for old Outlook clients.
    const [keyword = '', ...params] = trimmed.split(/[\s=]+/);
    const kw = keyword.toUpperCase();
    const flag = FLAGS[kw];
    if (flag) (caps[flag] as boolean) = true;
    if (kw === 'SIZE') {
      const n = params[0] === undefined ? NaN : Number(params[0]);
      caps.size = Number.isFinite(n) ? n : null;
    }
    if (kw === 'AUTH') for (const p of params) if (p) auth.add(p.toUpperCase());
  }
  caps.auth = [...auth];
  return caps;
}
