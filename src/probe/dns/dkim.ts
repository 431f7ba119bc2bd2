/**
 * DKIM gatherer: the key record (TXT) at `<selector>._domainkey.<domain>` (RFC 6376 §3.6.2.1) for
 * the selectors the administrator named and a list of commonly used ones. DNS offers no way to
 * list a domain's selectors, so anything else stays unseen; the checks say so.
 */
import type { DkimSelectorFacts } from '../../model/dns-artifacts.js';
import { lookupJoinedTxt, type TxtResolver } from './tls-rpt.js';

/**
 * Selectors that large providers and common signing software use by default. Each row's comment
 * says who uses it; dated forms are added by {@link commonDkimSelectors}.
 */
export const COMMON_DKIM_SELECTORS: readonly string[] = [
  'google', // Google Workspace
  'selector1', // Microsoft 365 / Exchange Online (first of the rotating pair)
  'selector2', // Microsoft 365 / Exchange Online (second of the pair)
  'default', // cPanel, Plesk, OpenDKIM examples
  'dkim', // many hosting panels
  'mail', // rspamd and amavis examples
  'smtp',
  'mx',
  'k1', // Mailchimp / Mandrill
  'k2',
  's1', // SendGrid and many self-hosted setups
  's2',
  'fm1', // Fastmail
  'mandrill',
  'amazonses', // Amazon SES (legacy non-Easy-DKIM)
  'zoho', // Zoho Mail
];

/** UTC year and month, month as two digits. */
function yearMonth(d: Date): { y: number; m: string } {
  return { y: d.getUTCFullYear(), m: String(d.getUTCMonth() + 1).padStart(2, '0') };
}

/**
 * The common selectors plus dated ones for the current and previous year and month (rotation
 * schemes such as `2026`, `202611`, `s2026`): 24 names, in the order they are reported.
 */
export function commonDkimSelectors(now: Date): string[] {
  const cur = yearMonth(now);
  const prev = yearMonth(new Date(Date.UTC(cur.y, now.getUTCMonth() - 1, 1)));
  const dated = [
    `${cur.y}`,
    `${cur.y - 1}`,
    `${cur.y}${cur.m}`,
    `${prev.y}${prev.m}`,
    `s${cur.y}`,
    `s${cur.y - 1}`,
    `s${cur.y}${cur.m}`,
    `s${prev.y}${prev.m}`,
  ];
  return [...COMMON_DKIM_SELECTORS, ...dated.filter((s, i) => dated.indexOf(s) === i)];
}

/** A selector as asked: trimmed, lower case (DNS names are case-insensitive), no trailing dot. */
function normalise(selector: string): string {
  return selector.trim().toLowerCase().replace(/\.$/, '');
}

export interface GatherDkimOptions {
  /** --dkim-selector values. */
  selectors?: string[];
  /** The scan's clock, for the dated selectors. */
  now: Date;
}

/**
 * Looks up the configured selectors and the common ones, all in parallel. Configured selectors
 * come first and are marked `configured`; a common one that was also configured is asked once.
 */
export async function gatherDkim(
  resolver: TxtResolver,
  domain: string,
  opts: GatherDkimOptions,
): Promise<DkimSelectorFacts[]> {
  const apex = domain.replace(/\.$/, '');
  const configured = (opts.selectors ?? []).map(normalise).filter((s) => s !== '');
  const wanted = new Map<string, boolean>();
  for (const s of configured) wanted.set(s, true);
  for (const s of commonDkimSelectors(opts.now)) if (!wanted.has(s)) wanted.set(s, false);
  return Promise.all(
    [...wanted].map(async ([selector, isConfigured]) => ({
      selector,
      configured: isConfigured,
      lookup: await lookupJoinedTxt(resolver, `${selector}._domainkey.${apex}`),
    })),
  );
}
