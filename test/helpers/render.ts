/**
 * Renders a finding the way the runner does (src/runner/judge.ts) and fails the test on anything
 * the runner would have to paper over: a message id missing from the check's `messages`, or a
 * {placeholder} in the message — and, for `fail`/`warn`, in any remediation line — with no value in
 * the finding's data. The generic ids `error` and `skip` fall back to "{reason}" when the check has
 * no template of its own, and only on a finding of that status.
 */
import { expect } from 'vitest';
import type { EndpointCheck, Finding } from '../../src/checks/types.js';

const PLACEHOLDER = /\{(\w+)\}/g;

/** Fills a template from the finding's data, failing the test on a placeholder without a value. */
function fill(template: string, data: Finding['data'], where: string): string {
  return template.replace(PLACEHOLDER, (_, key: string) => {
    const value = data?.[key];
    expect(value, `${where}: no data for {${key}}`).toBeDefined();
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}

/**
 * The finding's message as the runner renders it. For `fail` and `warn` findings every
 * remediation line must render too, since the runner shows the generic one and the MTA's own.
 */
export function renderMessage<P extends object>(check: EndpointCheck<P>, finding: Finding): string {
  const { messageId, status } = finding;
  const generic = (messageId === 'error' || messageId === 'skip') && status === messageId;
  const template = check.messages[messageId] ?? (generic ? '{reason}' : undefined);
  expect(template, `${check.id}: message id "${messageId}" is not in messages`).toBeDefined();
  const message = fill(template ?? '', finding.data, `${check.id}/${messageId}`);
  if (status === 'fail' || status === 'warn') renderRemediation(check, finding);
  return message;
}

/** Every remediation line (generic first, then per MTA) rendered with the finding's data. */
export function renderRemediation<P extends object>(check: EndpointCheck<P>, finding: Finding): string[] {
  return Object.entries(check.remediation).flatMap(([mta, text]) =>
    text === undefined ? [] : [fill(text, finding.data, `${check.id} remediation ${mta}`)],
  );
}
