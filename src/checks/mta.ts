/**
 * Which MTA is answering, from what it says about itself (greeting) and how it behaves (EHLO).
 * Remediation text is chosen from the result, so a wrong guess is worse than "unknown": every
 * rule below matches a string the product really emits, never a loose heuristic.
 */
import type { EndpointFacts, SmtpReply } from '../model/artifacts.js';
import type { MtaIdentity } from './types.js';
import { replyLines } from './util.js';

/** Host names Microsoft 365 (Exchange Online) answers with. */
const MICROSOFT_365_HOST = /(?:^|\.)(?:outlook\.com|office365\.com|outlook\.office365\.com)$/i;

/** A dotted version number: 4.96, 3.7.6, 8.17.1, 6.0.3790.4675. */
const VERSION = String.raw`(\d+(?:\.\d+){1,3})`;

interface BannerRule {
  /** Matches one greeting line (the text after the code). */
  pattern: RegExp;
  identify(m: RegExpExecArray, host: string): Omit<MtaIdentity, 'evidence'>;
}

function withVersion(name: MtaIdentity['name'], product: string, version?: string) {
  return version ? { name, product: `${product} ${version}`, version } : { name, product };
}

/** Greeting rules, most specific first. */
const BANNER_RULES: BannerRule[] = [
  // "Microsoft ESMTP MAIL Service ready at ..." (Exchange 2007+ and Exchange Online);
  // Exchange 2003 / IIS SMTP adds ", Version: 6.0.3790.4675".
  {
    pattern: new RegExp(String.raw`\bMicrosoft ESMTP MAIL Service\b(?:, Version: ${VERSION})?`, 'i'),
    identify: (m, host) =>
      MICROSOFT_365_HOST.test(host)
        ? { name: 'exchange', product: 'Microsoft 365 (Exchange Online)' }
        : withVersion('exchange', 'Microsoft Exchange', m[1]),
  },
  // "ESMTP Exim 4.96 Tue, 21 Nov 2023 ..." (default smtp_banner includes $version_number).
  {
    pattern: new RegExp(String.raw`\bExim\b(?:\s+${VERSION})?`, 'i'),
    identify: (m) => withVersion('exim', 'Exim', m[1]),
  },
  // "ESMTP Sendmail 8.17.1/8.17.1; date": binary version / configuration version.
  {
    pattern: new RegExp(String.raw`\bSendmail\b(?:\s+${VERSION})?`, 'i'),
    identify: (m) => withVersion('sendmail', 'Sendmail', m[1]),
  },
  // "ESMTP Postfix", "ESMTP Postfix (Debian/GNU)", "ESMTP Postfix (3.7.6)" with $mail_version.
  {
    pattern: new RegExp(String.raw`\bPostfix\b(?:\s+\(?${VERSION}\)?)?`, 'i'),
    identify: (m) => withVersion('postfix', 'Postfix', m[1]),
  },
  { pattern: /\bOpenSMTPD\b/i, identify: () => ({ name: 'opensmtpd', product: 'OpenSMTPD' }) },
  // Gmail / Google Workspace: "ESMTP <session id> - gsmtp". Nothing to configure on our side.
  { pattern: /\s-\sgsmtp\b/i, identify: () => ({ name: 'unknown', product: 'Google (gsmtp)' }) },
  // mailcheck's own lab servers (src/lab) announce themselves in the banner.
  {
    pattern: /\bmailcheck-lab\b/i,
    identify: () => ({ name: 'unknown', product: 'the mailcheck lab server' }),
  },
];

/** EHLO keywords only Microsoft Exchange advertises. */
const EXCHANGE_KEYWORDS = ['X-ANONYMOUSTLS', 'X-EXPS', 'XEXCH50', 'X-LINK2STATE', 'XRDST', 'XSHADOWREQUEST'];

/**
 * The text of each line with the line as it appeared on the wire. With `skipName`, the first
 * word of the first line (the server's name) is left out, so "postfix.example.edu" names no MTA.
 */
function lines(reply: SmtpReply, skipName = false): { text: string; wire: string }[] {
  const wire = replyLines(reply);
  return reply.lines.map((text, i) => ({
    text: skipName && i === 0 ? text.trim().replace(/^\S+/, '') : text,
    wire: wire[i],
  }));
}

/**
 * Identifies the MTA behind an endpoint from its greeting and EHLO reply.
 *
 * Greeting banners win (they name the product); EHLO behaviour is the fallback for banners that
 * hide the product: Exchange's private keywords, smtp-server's "Nice to meet you".
 */
export function identifyMta(endpoint: EndpointFacts): MtaIdentity {
  const greeting = endpoint.greeting?.reply;
  const ehloReply = endpoint.ehlo?.reply ?? endpoint.ehloTls?.reply;
  const host = greetingHost(endpoint);

  if (greeting) {
    for (const line of lines(greeting, true)) {
      for (const rule of BANNER_RULES) {
        const m = rule.pattern.exec(line.text);
        if (m) return { ...rule.identify(m, host), evidence: line.wire };
      }
    }
  }
  if (ehloReply) {
    const [first, ...keywords] = lines(ehloReply);
    for (const kw of keywords) {
      const word = kw.text.split(/\s+/)[0].toUpperCase();
      if (EXCHANGE_KEYWORDS.includes(word)) {
        const product = MICROSOFT_365_HOST.test(host)
          ? 'Microsoft 365 (Exchange Online)'
          : 'Microsoft Exchange';
        return { name: 'exchange', product, evidence: kw.wire };
      }
    }
    // smtp-server's default EHLO greeting line is "<name> Nice to meet you, <client>".
    if (first && /\bNice to meet you\b/.test(first.text)) {
      return { name: 'smtp-server', product: 'smtp-server (Nodemailer)', evidence: first.wire };
    }
  }
  return { name: 'unknown', product: 'unknown', evidence: greeting ? replyLines(greeting)[0] : '' };
}

/** The first word of the greeting (the name the server gives), or of the EHLO reply. */
function greetingHost(endpoint: EndpointFacts): string {
  const text = endpoint.greeting?.reply.lines[0] ?? endpoint.ehlo?.reply.lines[0] ?? '';
  return text.trim().split(/\s+/)[0] ?? '';
}
