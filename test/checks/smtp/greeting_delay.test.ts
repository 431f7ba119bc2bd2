import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/smtp/greeting_delay.js';
import { endpoint, reply, runCheck } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const after = (ms: number) => endpoint({ greeting: { reply: reply(220, 'mail.lab.example ESMTP'), ms } });

describe('smtp.greeting_delay', () => {
  it('passes on a prompt greeting', () => {
    const f = runCheck(check, after(42));
    expect(f.status).toBe('pass');
    expect(renderMessage(check, f)).toBe('Greeting after 42 ms');
  });

  it('warns above the threshold and mentions a deliberate greet pause', () => {
    const f = runCheck(check, after(12_500));
    expect(f.status).toBe('warn');
    const text = renderMessage(check, f);
    expect(text).toContain('12500 ms');
    expect(text).toContain('postscreen');
  });

  it('takes the threshold from params', () => {
    expect(runCheck(check, after(3_000), { params: { warnMs: 2_000 } }).status).toBe('warn');
    expect(runCheck(check, after(10_000)).status).toBe('pass');
  });

  it('errors without a greeting', () => {
    const f = runCheck(check, endpoint({ greeting: undefined }));
    expect(f.status).toBe('error');
    renderMessage(check, f);
  });
});
