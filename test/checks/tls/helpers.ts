/**
 * Test helpers for the TLS checks: a finding's message (and, for fail/warn, its remediation) must
 * render from the check's metadata with every {placeholder} filled from the finding's data; and a
 * builder for TLS facts whose main handshake differs from the compliant default.
 */
import { expect } from 'vitest';
import type { ProbeFailure, TlsFacts, TlsHandshakeFacts } from '../../../src/model/artifacts.js';
import type { EndpointCheck, Finding } from '../../../src/checks/types.js';
import { tlsFacts } from '../../helpers/facts.js';

/** TLS facts whose main handshake is the compliant one with `over` applied. */
export function withHandshake(over: Partial<TlsHandshakeFacts>, rest: Partial<TlsFacts> = {}): TlsFacts {
  const base = tlsFacts(rest);
  const hs = base.handshake ?? { ok: true, chain: [] };
  return { ...base, handshake: { ...hs, ...over } };
}

/** TLS facts for a failed main handshake. */
export function failedHandshake(failure: ProbeFailure): TlsFacts {
  return tlsFacts({ handshake: { ok: false, failure, chain: [] } });
}

const PLACEHOLDER = /\{(\w+)\}/g;

function fill(template: string, data: Finding['data'], where: string): string {
  return template.replace(PLACEHOLDER, (_, key: string) => {
    const value = data?.[key];
    expect(value, `${where}: no data for {${key}}`).not.toBeUndefined();
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}

/** Renders a finding's message as the runner would; fails the test on an unknown id or a hole. */
export function render<P extends object>(check: EndpointCheck<P>, finding: Finding): string {
  const generic = finding.messageId === 'error' || finding.messageId === 'skip';
  const template = check.messages[finding.messageId] ?? (generic ? '{reason}' : undefined);
  expect(template, `${check.id}: message id "${finding.messageId}" not in messages`).toBeDefined();
  const message = fill(template ?? '', finding.data, `${check.id}/${finding.messageId}`);
  if (finding.status === 'fail' || finding.status === 'warn') {
    for (const [mta, text] of Object.entries(check.remediation)) {
      if (text) fill(text, finding.data, `${check.id} remediation ${mta}`);
    }
  }
  return message;
}
