/**
 * MTA-STS rules the check applies (RFC 8461): the TXT record's syntax (§3.1), the MX pattern
 * match (§4.1) and how the fetch is shown in evidence.
 */
import type { MtaStsFacts } from '../../model/dns-artifacts.js';
import { parseFieldList } from '../common/field-list.js';

/** RFC 8461 §3.1: only records that start with `v=STSv1` count. */
export function isStsRecord(text: string): boolean {
  return /^v=STSv1(?:[;\s]|$)/.test(text);
}

/** `v=STSv1; id=20261121T01;` → the id, or why the record is not valid. */
export function parseStsRecord(text: string): { id?: string; errors: string[] } {
  const { fields, problems: errors } = parseFieldList(text);
  const id = fields.get('id');
  // sts-id = 1*32(ALPHA / DIGIT)
  if (id === undefined) errors.push('no id= field');
  else if (!/^[A-Za-z0-9]{1,32}$/.test(id)) errors.push(`id "${id}" is not 1 to 32 letters and digits`);
  return id !== undefined && errors.length === 0 ? { id, errors } : { errors };
}

function bare(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * RFC 8461 §4.1: a pattern is a host name, or `*.` and a domain, where the wildcard stands for
 * exactly one leftmost label (`*.example.edu` matches mx1.example.edu, not a.b.example.edu, not
 * example.edu). mailauth's validateMx accepts any depth, so we match ourselves.
 */
export function mxMatches(pattern: string, host: string): boolean {
  const p = bare(pattern);
  const h = bare(host);
  if (!p.startsWith('*.')) return p === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

/** The media type of a Content-Type header, lower case, parameters dropped. */
export function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

/** Why a fetch gave no usable policy (RFC 8461 §3.3), or undefined when it did. */
export function fetchProblem(fetch: NonNullable<MtaStsFacts['fetch']>): string | undefined {
  if (fetch.error !== undefined) return fetch.error;
  if (fetch.status !== 200) return `HTTP status ${fetch.status ?? 'none'} (must be 200)`;
  const type = mediaType(fetch.contentType);
  if (type !== 'text/plain') return `Content-Type ${fetch.contentType ?? '(none)'} (must be text/plain)`;
  if (fetch.body === undefined) return 'no policy body';
  return undefined;
}

/** Evidence lines for the fetch: request and status, then the certificate. */
export function fetchEvidence(fetch: NonNullable<MtaStsFacts['fetch']>): string[] {
  const lines: string[] = [];
  const status = fetch.status !== undefined ? `HTTP ${fetch.status}` : 'no response';
  const type = fetch.contentType !== undefined ? `, Content-Type: ${fetch.contentType}` : '';
  lines.push(`GET ${fetch.url} → ${status}${type}${fetch.redirected ? ' (redirect not followed)' : ''}`);
  const c = fetch.certificate;
  if (c) {
    const valid = c.authorized ? 'valid' : `NOT valid (${c.authorizationError ?? 'unknown error'})`;
    lines.push(`certificate: subject ${c.subject}; issuer ${c.issuer}; notAfter ${c.validTo}; ${valid}`);
  }
  if (fetch.error !== undefined) lines.push(`error: ${fetch.error}`);
  return lines;
}
