/**
 * Renders a finding's message the way the runner does ({name} from data; `error`/`skip` fall back
 * to "{reason}") and fails the test when the message id or a placeholder has no value.
 */
import { expect } from 'vitest';
import type { EndpointCheck, Finding } from '../../../src/checks/types.js';

export function renderMessage<P extends object>(check: EndpointCheck<P>, finding: Finding): string {
  const fallback = finding.status === 'error' || finding.status === 'skip' ? '{reason}' : undefined;
  const template = check.messages[finding.messageId] ?? fallback;
  expect(template, `message id "${finding.messageId}" is not in ${check.id}.messages`).toBeDefined();
  return (template as string).replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = finding.data?.[key];
    expect(value, `placeholder {${key}} of ${check.id}/${finding.messageId} has no value`).toBeDefined();
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}

/** Renders every remediation line with the finding's data; placeholders must all resolve. */
export function renderRemediation<P extends object>(check: EndpointCheck<P>, finding: Finding): string[] {
  return Object.values(check.remediation).map((text: string) =>
    text.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = finding.data?.[key];
      expect(value, `remediation placeholder {${key}} of ${check.id} has no value`).toBeDefined();
      return String(value);
    }),
  );
}
