/**
 * Small pure helpers shared by checks. The runner renders the generic message ids `error` and
 * `skip` as "{reason}" when a check does not define its own template for them.
 */
import type { EndpointFacts, SmtpReply } from '../model/artifacts.js';
import type { Finding } from './types.js';

/** A finding for facts we could not gather: never pass, never fail. */
export function cannotJudge(reason: string, evidence?: string[]): Finding {
  return { status: 'error', messageId: 'error', data: { reason }, evidence };
}

/** A finding for a check that does not apply here, with the reason. */
export function notApplicable(reason: string): Finding {
  return { status: 'skip', messageId: 'skip', data: { reason } };
}

/**
 * The reason a fact is missing: the session failure if the session died before gathering it,
 * else the generic "not gathered" note naming the fact.
 */
export function missingReason(endpoint: EndpointFacts, what: string): string {
  const f = endpoint.failure ?? endpoint.connect.failure;
  return f ? `${what} not available: ${f.message}` : `${what} not available`;
}

/** Reply lines as they appeared on the wire: "250-first", "250 last". */
export function replyLines(reply: SmtpReply): string[] {
  return reply.lines.map((l, i) => `${reply.code}${i === reply.lines.length - 1 ? ' ' : '-'}${l}`);
}

/** The whole reply on one line, for messages: "530 5.7.0 Must issue a STARTTLS command first". */
export function replyOneLine(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.join(' / ')}`.trim();
}

/** Whether a port behaves as submission (587-like or 465-like) rather than MX/relay. */
export function isSubmission(endpoint: EndpointFacts): boolean {
  return endpoint.profile === 'submission' || endpoint.profile === 'smtps';
}
