import { describe, expect, it } from 'vitest';
import check from '../../../src/checks/relay/open.js';
import type { RelayAttempt, RelayBattery, RelayFacts, SmtpReply } from '../../../src/model/artifacts.js';
import { endpoint, reply, runCheck, smtpsEndpoint, submissionEndpoint } from '../../helpers/facts.js';
import { renderMessage } from '../../helpers/render.js';

const DOMAIN = 'mailcheck-relay-test.example';
const DENIED = reply(554, `5.7.1 <relay-test@${DOMAIN}>: Relay access denied`);
const OK_MAIL = reply(250, '2.1.0 Ok');
const OK_RCPT = reply(250, '2.1.5 Ok');

function attempt(
  form: string,
  rcpt: SmtpReply,
  kind: RelayAttempt['kind'] = 'foreign',
  to = `relay-test@${DOMAIN}`,
): RelayAttempt {
  return {
    form,
    kind,
    mail: { command: 'MAIL FROM:<>', reply: OK_MAIL },
    rcpt: { command: `RCPT TO:<${to}>`, reply: rcpt },
    rset: reply(250, '2.0.0 Ok'),
    overTls: false,
    pipelined: true,
  };
}

function battery(attempts: RelayAttempt[], over: Partial<RelayBattery> = {}): RelayBattery {
  return { authenticated: false, forms: 17, attempts, sessions: 1, reconnects: 0, ...over };
}

function relay(unauthenticated: RelayBattery, over: Partial<RelayFacts> = {}): RelayFacts {
  return {
    relayDomain: DOMAIN,
    serverName: 'mail.lab.example',
    localDomain: 'lab.example',
    ipLiteral: '[127.0.0.1]',
    pipelining: true,
    unauthenticated,
    ms: 30,
    ...over,
  };
}

const allRefused = Array.from({ length: 17 }, (_, i) =>
  attempt(`form-${i}`, DENIED, i < 5 ? 'foreign' : 'routed'),
);
const run = (facts: RelayFacts | undefined, ep = endpoint({ relay: facts })) => {
  const f = runCheck(check, ep);
  return { f, text: renderMessage(check, f) };
};

describe('relay.open', () => {
  it('passes when every form is refused, counting the reply codes', () => {
    const mixed = [
      ...allRefused.slice(0, 15),
      attempt('x', reply(501, '5.1.3 Bad recipient address syntax'), 'routed'),
    ];
    mixed.push({
      ...attempt('y', DENIED),
      mail: { command: 'MAIL FROM:<a@b.example>', reply: reply(553, 'no') },
      rcpt: undefined,
    });
    const { f, text } = run(relay(battery(mixed)));
    expect(f.status).toBe('pass');
    expect(text).toBe(`Refused all 17 relay attempts to ${DOMAIN} (554 x15, 501 x1, 553 x1)`);
    expect(f.evidence).toEqual([
      'MAIL FROM:<> -> 250 2.1.0 Ok',
      `RCPT TO:<relay-test@${DOMAIN}> -> 554 5.7.1 <relay-test@${DOMAIN}>: Relay access denied`,
      '17 forms refused: 554 x15, 501 x1, 553 x1',
    ]);
  });

  it('passes with the reason when relaying needs authentication (530)', () => {
    const stop = attempt('null-sender', reply(530, '5.7.0 Authentication required'));
    const b = battery([stop], {
      stopped: { reason: 'auth-required', form: 'null-sender', exchange: stop.rcpt! },
      tlsRequired: {
        command: 'MAIL FROM:<>',
        reply: reply(530, '5.7.0 Must issue a STARTTLS command first'),
      },
    });
    const { f, text } = run(relay(b), submissionEndpoint({ relay: relay(b) }));
    expect(f.status).toBe('pass');
    expect(text).toBe(
      'Relaying needs authentication: 530 5.7.0 Authentication required (stopped at form null-sender)',
    );
    expect(f.evidence?.[0]).toBe('MAIL FROM:<> -> 530 5.7.0 Must issue a STARTTLS command first');
  });

  it('passes a server that refuses mail before STARTTLS and cannot do TLS', () => {
    const x = { command: 'MAIL FROM:<>', reply: reply(530, '5.7.0 Must issue a STARTTLS command first') };
    const b = battery([{ ...attempt('null-sender', DENIED), mail: x, rcpt: undefined }], {
      stopped: { reason: 'tls-required', form: 'null-sender', exchange: x },
    });
    const { f, text } = run(relay(b));
    expect(f.status).toBe('pass');
    expect(text).toBe(
      'Mail is refused before STARTTLS and the server offers no TLS: 530 5.7.0 Must issue a STARTTLS command first',
    );
  });

  it('fails an open relay, listing every accepting form with its commands and replies', () => {
    const attempts = [
      attempt('null-sender', OK_RCPT),
      ...allRefused.slice(1, 16),
      attempt('bang-path', OK_RCPT, 'routed', `${DOMAIN}!relay-test`),
    ];
    const { f, text } = run(relay(battery(attempts)));
    expect(f.status).toBe('fail');
    expect(text).toBe(
      `Open relay: accepted RCPT to ${DOMAIN} from a stranger in 2 of 17 forms (null-sender, bang-path)`,
    );
    expect(f.evidence).toEqual([
      'MAIL FROM:<> -> 250 2.1.0 Ok',
      `RCPT TO:<relay-test@${DOMAIN}> -> 250 2.1.5 Ok`,
      'MAIL FROM:<> -> 250 2.1.0 Ok',
      `RCPT TO:<${DOMAIN}!relay-test> -> 250 2.1.5 Ok`,
    ]);
  });

  it('fails on what it saw accepted even when the battery broke off later', () => {
    const b = battery([attempt('null-sender', OK_RCPT)], {
      failure: { code: 'CLOSED', message: 'RCPT: the server closed the connection', stage: 'RCPT' },
    });
    expect(run(relay(b)).f.status).toBe('fail');
  });

  it('warns, not fails, when only routed forms were accepted by a server that accepts any local address', () => {
    const attempts = [...allRefused.slice(0, 16), attempt('percent-hack-name', OK_RCPT, 'routed')];
    const catchAll = { command: 'RCPT TO:<mailcheck-nonexistent-1a2b3c4d@mail.lab.example>', reply: OK_RCPT };
    const { f, text } = run(relay(battery(attempts), { catchAll }));
    expect(f.status).toBe('warn');
    expect(text).toMatch(
      /^Accepted 1 routed recipient forms \(percent-hack-name\), but it accepts any local address too \(250 2\.1\.5 Ok\)/,
    );
    expect(f.evidence?.at(-1)).toBe(
      'RCPT TO:<mailcheck-nonexistent-1a2b3c4d@mail.lab.example> -> 250 2.1.5 Ok',
    );
    // The same acceptance from a server that refuses unknown local users is relaying.
    const strict = { ...catchAll, reply: reply(550, '5.1.1 User unknown') };
    expect(run(relay(battery(attempts), { catchAll: strict })).f.status).toBe('fail');
  });

  it('errors when the battery could not finish, with how far it got', () => {
    const b = battery(allRefused.slice(0, 4), {
      reconnects: 3,
      failure: {
        code: 'CLOSED',
        message:
          'RCPT: the server closed the connection; gave up after 3 reconnect(s) with 4 of 17 forms tried',
        stage: 'RCPT',
      },
    });
    const { f, text } = run(relay(b));
    expect(f.status).toBe('error');
    expect(text).toBe(
      'relay test incomplete (4 of 17 forms tried): RCPT: the server closed the connection; gave up after 3 reconnect(s) with 4 of 17 forms tried',
    );
  });

  it('errors when every attempt was deferred (greylisting), never passes on 4xx alone', () => {
    const deferred = Array.from({ length: 17 }, (_, i) =>
      attempt(`f${i}`, reply(450, '4.7.1 Greylisted, try again later')),
    );
    const { f, text } = run(relay(battery(deferred)));
    expect(f.status).toBe('error');
    expect(text).toBe('every relay attempt was deferred with a 4xx (450 x17); try again later');
  });

  it('errors with the session failure when there are no relay facts', () => {
    const down = endpoint({
      connect: {
        ok: false,
        failure: {
          code: 'ECONNREFUSED',
          message: 'CONNECT: connection refused (127.0.0.1:25)',
          stage: 'CONNECT',
        },
      },
    });
    const { f, text } = run(undefined, down);
    expect(f.status).toBe('error');
    expect(text).toBe('relay test not available: CONNECT: connection refused (127.0.0.1:25)');
  });

  it('applies on every port profile, smtps included', () => {
    expect(runCheck(check, smtpsEndpoint({ relay: relay(battery(allRefused)) })).status).toBe('pass');
  });
});
