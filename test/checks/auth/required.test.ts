import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/auth/required.js';
import type { RelayAttempt, RelayBattery, RelayFacts, SmtpReply } from '../../../src/model/artifacts.js';
import { endpoint, reply, runCheck, submissionEndpoint } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const DOMAIN = 'mailcheck-relay-test.example';
const DENIED = reply(554, `5.7.1 <relay-test@${DOMAIN}>: Relay access denied`);
const AUTH_REQUIRED = reply(530, '5.7.0 Authentication required');
const OK_RCPT = reply(250, '2.1.5 Ok');

function attempt(form: string, rcpt: SmtpReply, kind: RelayAttempt['kind'] = 'foreign'): RelayAttempt {
  return {
    form,
    kind,
    mail: { command: 'MAIL FROM:<>', reply: reply(250, '2.1.0 Ok') },
    rcpt: { command: `RCPT TO:<relay-test@${DOMAIN}>`, reply: rcpt },
    rset: reply(250, '2.0.0 Ok'),
    overTls: true,
    pipelined: true,
  };
}

function battery(attempts: RelayAttempt[], over: Partial<RelayBattery> = {}): RelayBattery {
  return { authenticated: false, forms: 17, attempts, sessions: 1, reconnects: 0, ...over };
}

const stoppedAt530 = battery([attempt('null-sender', AUTH_REQUIRED)], {
  stopped: {
    reason: 'auth-required',
    form: 'null-sender',
    exchange: attempt('null-sender', AUTH_REQUIRED).rcpt!,
  },
});
const LOGIN = {
  mechanism: 'PLAIN',
  overTls: true,
  success: true,
  reply: reply(235, '2.7.0 Authentication successful'),
};

function relay(over: Partial<RelayFacts> = {}): RelayFacts {
  return {
    relayDomain: DOMAIN,
    serverName: 'mail.lab.example',
    localDomain: 'lab.example',
    ipLiteral: '[127.0.0.1]',
    pipelining: true,
    unauthenticated: stoppedAt530,
    ms: 30,
    ...over,
  };
}

function run(
  facts: RelayFacts | undefined,
  credentialsGiven = true,
  ep = submissionEndpoint({ relay: facts }),
) {
  const f = runCheck(check, ep, { credentialsGiven });
  return { f, text: renderMessage(check, f) };
}

describe('auth.required', () => {
  it('passes when mail is refused without AUTH and accepted after it', () => {
    const authenticated = battery([attempt('null-sender', OK_RCPT)], { authenticated: true });
    const { f, text } = run(relay({ auth: LOGIN, authenticated }));
    expect(f.status).toBe('pass');
    expect(text).toBe(
      `Mail to ${DOMAIN} is refused without AUTH (530 5.7.0 Authentication required) and accepted after AUTH PLAIN`,
    );
    expect(f.evidence).toEqual([
      `RCPT TO:<relay-test@${DOMAIN}> -> 530 5.7.0 Authentication required`,
      'AUTH PLAIN -> 235 2.7.0 Authentication successful',
      'MAIL FROM:<> -> 250 2.1.0 Ok',
      `RCPT TO:<relay-test@${DOMAIN}> -> 250 2.1.5 Ok`,
    ]);
  });

  it('passes without credentials, saying the authenticated side was not tested', () => {
    const { f, text } = run(relay({ unauthenticated: battery([attempt('null-sender', DENIED)]) }), false);
    expect(f.status).toBe('pass');
    expect(text).toBe(
      `Mail to ${DOMAIN} is refused without AUTH (554 5.7.1 <relay-test@${DOMAIN}>: Relay access denied); relaying after AUTH not tested: no credentials given (--auth-user and a password)`,
    );
  });

  it('passes with the reason when credentials were given but not used', () => {
    const why = 'TLS is not verified: the certificate chain does not validate (CERT_HAS_EXPIRED)';
    const { text } = run(relay({ authSkipped: why }));
    expect(text).toContain(`relaying after AUTH not tested: ${why}`);
  });

  it('fails when a stranger can send to another domain', () => {
    const open = battery([attempt('null-sender', OK_RCPT), attempt('percent-hack-ip', OK_RCPT, 'routed')]);
    const { f, text } = run(relay({ unauthenticated: open }));
    expect(f.status).toBe('fail');
    expect(text).toBe(`Accepts mail to ${DOMAIN} without authentication: 250 2.1.5 Ok`);
    expect(f.evidence).toEqual([
      'MAIL FROM:<> -> 250 2.1.0 Ok',
      `RCPT TO:<relay-test@${DOMAIN}> -> 250 2.1.5 Ok`,
    ]);
  });

  it('warns when even an authenticated user cannot send to another domain', () => {
    const authenticated = battery([attempt('null-sender', DENIED)], { authenticated: true });
    const { f, text } = run(relay({ auth: LOGIN, authenticated }));
    expect(f.status).toBe('warn');
    expect(text).toBe(
      `Mail to ${DOMAIN} is refused even after AUTH PLAIN (554 5.7.1 <relay-test@${DOMAIN}>: Relay access denied): users cannot send to other domains through this port`,
    );
  });

  it('errors when the unauthenticated battery broke off, or never ran', () => {
    const broken = battery([], {
      failure: { code: 'REPLY_TIMEOUT', message: 'MAIL: no complete reply', stage: 'MAIL' },
    });
    expect(run(relay({ unauthenticated: broken })).text).toBe(
      'relay test incomplete (0 of 17 forms tried): MAIL: no complete reply',
    );
    const { f, text } = run(undefined);
    expect(f.status).toBe('error');
    expect(text).toBe('relay test not available');
  });

  it('skips port 25 unless authenticated relaying was tested there', () => {
    const f = runCheck(check, endpoint({ relay: relay() }), { credentialsGiven: true });
    expect(f.status).toBe('skip');
    const authenticated = battery([attempt('null-sender', OK_RCPT)], { authenticated: true });
    const judged = runCheck(check, endpoint({ relay: relay({ auth: LOGIN, authenticated }) }), {
      credentialsGiven: true,
    });
    expect(judged.status).toBe('pass');
  });
});
