/**
 * The open-relay battery against scripted lab servers (closed, open, auth-required,
 * accept-then-reject-at-DATA), raw servers that drop the session or say 421 part-way, the whole
 * lab, and real Postfix. Whatever the server does, no DATA is ever sent.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import authRequired from '../../../src/checks/auth/required.js';
import relayOpen from '../../../src/checks/relay/open.js';
import { startLab, type Lab } from '../../../src/lab/lab.js';
import type { ScriptedServer } from '../../../src/lab/scripted-server.js';
import type { PortProfile, RelayFacts } from '../../../src/model/artifacts.js';
import { ConnectionLimiter } from '../../../src/probe/limiter.js';
import {
  DEFAULT_RELAY_DOMAIN,
  MAX_RECONNECTS,
  addressLiteral,
  parentDomain,
  probeRelay,
  RelayDomainError,
  relayForms,
  serverNameOf,
  validateRelayDomain,
} from '../../../src/probe/smtp/relay.js';
import { Deadline } from '../../../src/probe/smtp/session.js';
import { endpoint, reply, runCheck } from '../../helpers/facts.js';
import { startPostfix, type PostfixInstance } from '../../helpers/postfix.js';
import { renderMessage } from '../../helpers/render.js';
import { LAB_TLS as TLS, loopbackTarget as target } from '../../helpers/probe.js';
import { describeWithPostfix, endpointSchemaViolations, smtpProbeFixture } from '../../helpers/smtp-probe.js';

const USER = { user: 'alice', password: 'wonderland' };

const { settings, scripted, listenRaw } = smtpProbeFixture(['smtp', 'relay']);

async function relayOn(server: { port: number }, profile: PortProfile = 'smtp', s = settings()) {
  return probeRelay(target(server.port, profile), s, new Deadline(15_000));
}

/** Runs both checks on the facts, as the runner would on that port. */
function judge(facts: RelayFacts, profile: PortProfile = 'smtp', credentialsGiven = false) {
  const ep = endpoint({ relay: facts, profile, port: profile === 'smtp' ? 25 : 587 });
  const open = runCheck(relayOpen, ep);
  const required = runCheck(authRequired, ep, { credentialsGiven });
  return {
    open,
    required,
    openText: renderMessage(relayOpen, open),
    requiredText: renderMessage(authRequired, required),
  };
}

/** The JSON report's schema violations for endpoints carrying these relay facts. */
const schemaViolations = (...all: RelayFacts[]) =>
  endpointSchemaViolations(all.map((relay) => endpoint({ relay })));

/** MAIL commands that reached the server, and the RSETs that followed them. */
function transactions(server: ScriptedServer) {
  const cmds = server.stats.commands;
  return {
    mail: cmds.filter((c) => /^MAIL /i.test(c)).length,
    rset: cmds.filter((c) => c === 'RSET').length,
  };
}

describe('the relay forms', () => {
  const forms = relayForms({
    relayDomain: 'relay.example',
    serverName: 'mx1.campus.example',
    localDomain: 'campus.example',
    ipLiteral: '[192.0.2.1]',
  });

  it('cover every variant of nmap smtp-open-relay, plus a local-domain sender', () => {
    expect(forms).toHaveLength(17);
    const pairs = forms.map((f) => `${f.from} -> ${f.to}`);
    expect(pairs).toEqual([
      ' -> relay-test@relay.example',
      'mailcheck-probe@relay.example -> relay-test@relay.example',
      'mailcheck-probe@mx1.campus.example -> relay-test@relay.example',
      'mailcheck-probe@campus.example -> relay-test@relay.example',
      'mailcheck-probe@[192.0.2.1] -> relay-test@relay.example',
      'mailcheck-probe@[192.0.2.1] -> relay-test%relay.example@[192.0.2.1]',
      'mailcheck-probe@[192.0.2.1] -> relay-test%relay.example@mx1.campus.example',
      'mailcheck-probe@[192.0.2.1] -> "relay-test@relay.example"',
      'mailcheck-probe@[192.0.2.1] -> "relay-test%relay.example"',
      'mailcheck-probe@[192.0.2.1] -> relay-test@relay.example@[192.0.2.1]',
      'mailcheck-probe@[192.0.2.1] -> "relay-test@relay.example"@[192.0.2.1]',
      'mailcheck-probe@[192.0.2.1] -> relay-test@relay.example@mx1.campus.example',
      'mailcheck-probe@[192.0.2.1] -> @[192.0.2.1]:relay-test@relay.example',
      'mailcheck-probe@[192.0.2.1] -> @mx1.campus.example:relay-test@relay.example',
      'mailcheck-probe@[192.0.2.1] -> relay.example!relay-test',
      'mailcheck-probe@[192.0.2.1] -> relay.example!relay-test@[192.0.2.1]',
      'mailcheck-probe@[192.0.2.1] -> relay.example!relay-test@mx1.campus.example',
    ]);
    expect(new Set(forms.map((f) => f.form)).size).toBe(17);
    // Source routes end at the foreign domain; the tricks addressed to this host are "routed".
    expect(forms.filter((f) => f.kind === 'foreign').map((f) => f.form)).toEqual([
      'null-sender',
      'foreign-sender',
      'server-name-sender',
      'local-domain-sender',
      'ip-literal-sender',
      'source-route-ip',
      'source-route-name',
    ]);
  });

  it('drops the local-domain sender when the server name is the domain itself', () => {
    const p = {
      relayDomain: 'r.example',
      serverName: 'campus.example',
      localDomain: 'campus.example',
      ipLiteral: '[192.0.2.1]',
    };
    expect(relayForms(p)).toHaveLength(16);
  });

  it('writes IPv6 literals as RFC 5321 §4.1.3 says, and finds the server name', () => {
    expect(addressLiteral('2001:db8::1')).toBe('[IPv6:2001:db8::1]');
    expect(addressLiteral('192.0.2.1')).toBe('[192.0.2.1]');
    const t = target(25);
    expect(serverNameOf(reply(220, 'MX1.Campus.Example ESMTP'), undefined, t)).toBe('mx1.campus.example');
    expect(serverNameOf(reply(220, 'ESMTP ready'), reply(250, 'relay.campus.example'), t)).toBe(
      'relay.campus.example',
    );
    expect(serverNameOf(reply(220, 'ESMTP ready'), reply(250, 'hello'), t)).toBe('[127.0.0.1]');
    expect(parentDomain('mx1.campus.example')).toBe('campus.example');
    expect(parentDomain('campus.example')).toBe('campus.example');
  });

  it('validates --relay-domain: a domain name, nothing that could reach the command line', () => {
    expect(validateRelayDomain(' Relay-Check.Campus.Example. ')).toBe('relay-check.campus.example');
    for (const bad of [
      'localhost',
      'relay.example\r\n',
      'relay.example>\r\nDATA',
      'relay example',
      '-x.example',
      '',
    ]) {
      expect(() => validateRelayDomain(bad)).toThrow(RelayDomainError);
    }
    expect(() => validateRelayDomain('a.example\r\nDATA')).toThrow(/"a\.example\\x0d\\x0aDATA"/);
  });

  it('uses the same default relay domain as the relay.open check', () => {
    expect(relayOpen.defaultParams.relayDomain).toBe(DEFAULT_RELAY_DOMAIN);
    expect(DEFAULT_RELAY_DOMAIN.endsWith('.example')).toBe(true);
  });
});

describe('probeRelay against scripted servers', () => {
  it('passes a closed relay: every form refused, each transaction reset, no DATA', async () => {
    const server = await scripted({ relay: 'closed' });
    const { facts, transcript } = await relayOn(server);
    const b = facts.unauthenticated;
    expect(b.failure).toBeUndefined();
    expect(b.attempts).toHaveLength(17);
    expect(b.attempts.every((a) => a.rcpt && a.rcpt.reply.code >= 500)).toBe(true);
    expect(b.attempts[0]!.rcpt!.reply.lines[0]).toContain('Relay access denied');
    expect(facts.serverName).toBe('mail.lab.example');
    // The control: an unknown local user is refused, so the server is not a catch-all.
    expect(facts.catchAll?.reply.code).toBe(550);
    const { open, openText } = judge(facts);
    expect(open.status).toBe('pass');
    expect(openText).toBe(`Refused all 17 relay attempts to ${DEFAULT_RELAY_DOMAIN} (554 x17)`);
    const { mail, rset } = transactions(server);
    expect(rset).toBe(mail);
    expect(server.stats.dataCommands).toBe(0);
    // A session takes at most 10 refusals (Postfix slows down past smtpd_soft_error_limit): the
    // first form alone, 9 more on the same session, then 7 and the control on a fresh one.
    expect(b.sessions).toBe(2);
    expect(b.reconnects).toBe(0);
    expect(server.stats.connections).toBe(2);
    expect(transcript.filter((e) => e.dir === 'C' && e.text === 'QUIT')).toHaveLength(2);
    const refusalsPerSession = [0, 0];
    let session = -1;
    for (const e of transcript) {
      if (e.dir === '*' && e.text.startsWith('relay test: connection')) session += 1;
      if (e.dir === 'S' && /^[45]\d\d /.test(e.text)) refusalsPerSession[session]! += 1;
    }
    expect(refusalsPerSession).toEqual([10, 8]);
  });

  it('fails an open relay and shows each accepting form with its commands and replies', async () => {
    const server = await scripted({ relay: 'open' });
    const { facts } = await relayOn(server);
    const { open, openText } = judge(facts);
    expect(open.status).toBe('fail');
    expect(openText).toMatch(
      /^Open relay: accepted RCPT to mailcheck-relay-test\.example from a stranger in 17 of 17 forms \(null-sender, /,
    );
    expect(open.evidence?.slice(0, 2)).toEqual([
      'MAIL FROM:<> -> 250 2.1.0 Ok',
      `RCPT TO:<relay-test@${DEFAULT_RELAY_DOMAIN}> -> 250 2.1.5 Ok`,
    ]);
    expect(server.stats.dataCommands).toBe(0);
  });

  it('reports a server that accepts at RCPT and refuses at DATA as accepting foreign RCPT, without sending DATA', async () => {
    const server = await scripted({ relay: 'reject-at-data' });
    const { facts } = await relayOn(server);
    const { open } = judge(facts);
    expect(open.status).toBe('fail');
    expect(open.data?.accepted).toBe(17);
    expect(server.stats.dataCommands).toBe(0);
    expect(server.stats.commands.some((c) => /^(DATA|BDAT)\b/i.test(c))).toBe(false);
  });

  it('upgrades when MAIL needs STARTTLS, stops at the 530 for authentication, and relays after AUTH', async () => {
    const server = await scripted({
      tls: TLS,
      requireTls: true,
      relay: 'auth-required',
      users: { [USER.user]: USER.password },
    });
    const { facts } = await relayOn(server, 'submission', settings({ credentials: USER }));
    const b = facts.unauthenticated;
    expect(b.tlsRequired?.reply.code).toBe(530);
    expect(b.stopped?.reason).toBe('auth-required');
    expect(b.stopped?.exchange.reply.lines[0]).toBe('5.7.0 Authentication required');
    expect(b.attempts).toHaveLength(1);
    expect(b.attempts[0]!.overTls).toBe(true);
    expect(facts.auth?.success).toBe(true);
    expect(facts.authenticated?.attempts.filter((a) => a.rcpt?.reply.code === 250).length).toBeGreaterThan(0);

    const { open, openText, required, requiredText } = judge(facts, 'submission', true);
    expect(open.status).toBe('pass');
    expect(openText).toBe(
      'Relaying needs authentication: 530 5.7.0 Authentication required (stopped at form null-sender)',
    );
    expect(required.status).toBe('pass');
    expect(requiredText).toBe(
      `Mail to ${DEFAULT_RELAY_DOMAIN} is refused without AUTH (530 5.7.0 Authentication required) and accepted after AUTH PLAIN`,
    );
    expect(server.stats.dataCommands).toBe(0);
    // One connection: the battery, the login and the authenticated battery share it.
    expect(server.stats.connections).toBe(1);
    expect(server.stats.commands.filter((c) => c.startsWith('AUTH'))).toEqual(['AUTH PLAIN <redacted>']);
  });

  it('does not log in without verified TLS, and says why', async () => {
    const server = await scripted({ relay: 'auth-required', authBeforeTls: true, users: { alice: 'x' } });
    const { facts } = await relayOn(server, 'submission', settings({ credentials: USER }));
    expect(facts.auth?.refused).toMatch(/cleartext/);
    expect(facts.authenticated).toBeUndefined();
    expect(server.stats.authAttempts).toBe(0);
    const { required, requiredText } = judge(facts, 'submission', true);
    expect(required.status).toBe('pass');
    expect(requiredText).toContain('relaying after AUTH not tested: no TLS session');
  });

  it('warns when even an authenticated user cannot relay', async () => {
    // A closed relay that ignores AUTH for relaying: the scripted server always lets
    // authenticated users relay, so script the refusal with a raw server instead.
    const port = await rawServer({ pipelining: true, auth: true, authRelay: false });
    const { facts } = await probeRelay(
      target(port, 'submission'),
      settings({ credentials: USER, allowPlaintextAuth: true }),
      new Deadline(10_000),
    );
    expect(facts.auth?.success).toBe(true);
    const { required, requiredText } = judge(facts, 'submission', true);
    expect(required.status).toBe('warn');
    expect(requiredText).toBe(
      `Mail to ${DEFAULT_RELAY_DOMAIN} is refused even after AUTH PLAIN (554 5.7.1 Relay access denied): users cannot send to other domains through this port`,
    );
  });

  it('sends the forms (MAIL, RCPT, RSET each) in a few writes with PIPELINING, one by one without it', async () => {
    const piped = await rawServer({ pipelining: true });
    const withP = await probeRelay(target(piped), settings(), new Deadline(10_000));
    expect(withP.facts.unauthenticated.attempts.every((a) => a.pipelined)).toBe(true);
    expect(withP.facts.unauthenticated.attempts).toHaveLength(17);
    const batches = rawChunks.filter((c) => c.some((l) => l.startsWith('MAIL ')));
    // The first form alone (its answer tells what a form costs), then as many as a session's
    // refusal budget allows: 9 more, then the last 7 with the catch-all control and QUIT.
    expect(batches.map((b) => b.filter((l) => l.startsWith('MAIL ')).length)).toEqual([1, 9, 8]);
    for (const b of batches) {
      const forms = b.at(-1) === 'QUIT' ? b.slice(0, -1) : b;
      expect(forms.length % 3).toBe(0);
      for (let i = 0; i < forms.length; i += 3) {
        expect(forms[i]).toMatch(/^MAIL FROM:/);
        expect(forms[i + 1]).toMatch(/^RCPT TO:/);
        expect(forms[i + 2]).toBe('RSET');
      }
    }
    expect(batches.at(-1)!.at(-1)).toBe('QUIT');

    rawChunks.length = 0;
    const plain = await rawServer({ pipelining: false });
    const withoutP = await probeRelay(target(plain), settings(), new Deadline(10_000));
    expect(withoutP.facts.unauthenticated.attempts.some((a) => a.pipelined)).toBe(false);
    expect(withoutP.facts.unauthenticated.attempts).toHaveLength(17);
    expect(rawChunks.every((c) => c.length === 1)).toBe(true);
    expect(rawChunks.filter((c) => c[0]!.startsWith('RCPT ')).length).toBe(18);
  });

  it('reconnects after a 421 part-way and finishes the battery', async () => {
    // Like Postfix's smtpd_hard_error_limit: 421 and close after 5 refused recipients.
    const port = await rawServer({ pipelining: true, closeAfterRcpts: 5, say421: true });
    const { facts } = await probeRelay(target(port), settings(), new Deadline(10_000));
    const b = facts.unauthenticated;
    expect(b.failure).toBeUndefined();
    expect(b.attempts).toHaveLength(17);
    expect(b.reconnects).toBe(3);
    expect(rawConnections).toBe(4);
    expect(judge(facts).open.status).toBe('pass');
  });

  it('gives up after a bounded number of reconnects when the server keeps dropping the session', async () => {
    const port = await rawServer({ pipelining: false, closeAfterRcpts: 2 });
    const { facts } = await probeRelay(target(port), settings(), new Deadline(10_000));
    const b = facts.unauthenticated;
    expect(b.reconnects).toBe(MAX_RECONNECTS);
    expect(rawConnections).toBe(MAX_RECONNECTS + 1);
    expect(b.failure?.message).toMatch(/gave up after 3 reconnect\(s\) with \d+ of 17 forms tried/);
    const { open, openText } = judge(facts);
    expect(open.status).toBe('error');
    expect(openText).toMatch(/^relay test incomplete \(\d+ of 17 forms tried\): .*gave up after 3 reconnect/);
    expect(rawData).toBe(0);
  });

  it('does not come back to a server that drops the session before answering any form', async () => {
    const port = await rawServer({ pipelining: true, closeAfterRcpts: 0 });
    const { facts } = await probeRelay(target(port), settings(), new Deadline(10_000));
    expect(rawConnections).toBe(1);
    expect(facts.unauthenticated.attempts).toHaveLength(0);
    expect(facts.unauthenticated.failure?.code).toMatch(/CLOSED|ECONNRESET/);
    expect(judge(facts).open.status).toBe('error');
  });

  it('records a refused connection as the reason', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const { facts } = await probeRelay(target(free), settings(), new Deadline(5_000));
    expect(facts.unauthenticated.failure?.code).toBe('ECONNREFUSED');
    expect(judge(facts).openText).toMatch(/connection refused/);
  });
});

describe('the relay battery across the whole lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('sends no DATA to any lab server, with or without credentials, and judges each one', async () => {
    const s = settings({
      credentials: lab?.credentials,
      allowPlaintextAuth: true,
      limiter: new ConnectionLimiter(4),
    });
    const verdicts: Record<string, string> = {};
    const gathered: RelayFacts[] = [];
    for (const ls of lab.servers) {
      const { facts } = await probeRelay(target(ls.port, ls.profile, ls.host), s, new Deadline(15_000));
      verdicts[ls.name] = judge(facts, ls.profile).open.status;
      gathered.push(facts);
    }
    // What the probe records is what the shipped JSON Schema describes.
    expect(gathered.some((f) => f.authenticated && f.auth?.success)).toBe(true);
    expect(gathered.some((f) => f.unauthenticated.stopped)).toBe(true);
    expect(schemaViolations(...gathered)).toEqual([]);
    for (const mx of lab.mxServers) {
      const t = {
        ...target(lab.mxPort, 'smtp', mx.address),
        family: (mx.address.includes(':') ? 6 : 4) as 4 | 6,
      };
      await probeRelay(t, s, new Deadline(15_000));
    }
    const all = [...lab.servers.map((l) => l.server), ...lab.mxServers.map((m) => m.server)];
    expect(all.reduce((n, srv) => n + srv.stats.dataCommands, 0)).toBe(0);
    expect(all.every((srv) => !srv.stats.commands.some((c) => /^(DATA|BDAT)\b/i.test(c)))).toBe(true);
    // Every lab server saw the battery.
    expect(all.every((srv) => srv.stats.commands.some((c) => c.startsWith('RCPT TO:')))).toBe(true);
    expect(verdicts['compliant-mx']).toBe('pass');
    expect(verdicts['legacy']).toBe('fail');
  });
});

// --- raw servers for behaviour the scripted server does not have -------------------------------

let rawChunks: string[][] = [];
let rawConnections = 0;
let rawData = 0;
afterEach(() => {
  rawChunks = [];
  rawConnections = 0;
  rawData = 0;
});

interface RawOptions {
  pipelining: boolean;
  /** Offer AUTH PLAIN (accepting anything) in cleartext. */
  auth?: boolean;
  /** Whether an authenticated client may relay; default true. */
  authRelay?: boolean;
  /** Drop the connection at this RCPT of each connection (0: at the first MAIL). */
  closeAfterRcpts?: number;
  /** Say 421 before closing, as Postfix does at its error limit. */
  say421?: boolean;
}

/** A minimal SMTP server on a raw socket that records each received chunk's lines. */
async function rawServer(o: RawOptions): Promise<number> {
  return listenRaw((socket) => {
    rawConnections += 1;
    socket.write('220 raw.lab.example ESMTP\r\n');
    let buf = '';
    let rcpts = 0;
    let authed = false;
    let closed = false;
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      const lines: string[] = [];
      let i: number;
      while ((i = buf.indexOf('\r\n')) !== -1) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
      if (lines.length === 0 || closed) return;
      if (!/^(EHLO|QUIT)/.test(lines[0]!)) rawChunks.push(lines);
      const out: string[] = [];
      for (const line of lines) {
        const verb = line.split(/[ :]/)[0]!.toUpperCase();
        if (verb === 'DATA' || verb === 'BDAT') rawData += 1;
        if (verb === 'EHLO') {
          const ext = [o.pipelining ? 'PIPELINING' : 'SIZE 1000000', ...(o.auth ? ['AUTH PLAIN'] : [])];
          out.push(
            ['raw.lab.example', ...ext]
              .map((l, k, a) => `250${k === a.length - 1 ? ' ' : '-'}${l}`)
              .join('\r\n'),
          );
        } else if (verb === 'AUTH') {
          authed = true;
          out.push('235 2.7.0 Authentication successful');
        } else if (verb === 'MAIL') {
          if (o.closeAfterRcpts === 0) {
            closed = true;
            break;
          }
          out.push('250 2.1.0 Ok');
        } else if (verb === 'RCPT') {
          rcpts += 1;
          if (o.closeAfterRcpts !== undefined && rcpts > o.closeAfterRcpts) {
            closed = true;
            if (o.say421) out.push('421 4.7.0 raw.lab.example Error: too many errors');
            break;
          }
          out.push(authed && o.authRelay !== false ? '250 2.1.5 Ok' : '554 5.7.1 Relay access denied');
        } else if (verb === 'RSET') out.push('250 2.0.0 Ok');
        else if (verb === 'QUIT') {
          out.push('221 2.0.0 Bye');
          closed = true;
        } else out.push('502 5.5.2 Error: command not recognized');
      }
      if (out.length > 0) socket.write(out.join('\r\n') + '\r\n');
      if (closed) socket.end();
      if (closed && !o.say421 && out.length === 0) socket.destroy();
    });
  });
}

// --- real Postfix --------------------------------------------------------------------------------

describeWithPostfix('the relay battery against real Postfix', (available) => {
  const pf: Partial<Record<'compliant' | 'open-relay', PostfixInstance>> = {};
  beforeAll(async () => {
    if (!available) return;
    const [c, o] = await Promise.all([startPostfix('compliant'), startPostfix('open-relay')]);
    pf.compliant = c;
    pf['open-relay'] = o;
  }, 60_000);
  afterAll(async () => {
    await Promise.all(Object.values(pf).map((i) => i?.stop()));
  });

  it('fails the open-relay instance', async () => {
    const { facts } = await relayOn({ port: pf['open-relay']!.ports.smtp });
    const { open } = judge(facts);
    expect(open.status, JSON.stringify(facts.unauthenticated, null, 1)).toBe('fail');
    expect(open.evidence).toContain(`RCPT TO:<relay-test@${DEFAULT_RELAY_DOMAIN}> -> 250 2.1.5 Ok`);
    expect(await pf['open-relay']!.logs()).not.toMatch(/ lost connection after DATA/);
  });

  it('passes the compliant smtp listener: every form refused', async () => {
    const { facts } = await relayOn({ port: pf.compliant!.ports.smtp });
    const { open, openText } = judge(facts);
    expect(open.status, JSON.stringify(facts.unauthenticated, null, 1)).toBe('pass');
    expect(openText).toMatch(/^Refused all 17 relay attempts/);
    expect(facts.unauthenticated.attempts[0]!.rcpt?.reply.lines[0]).toMatch(/Relay access denied/);
  });

  it('on the compliant submission listener: TLS first, refused without AUTH, accepted after it', async () => {
    const p = pf.compliant!;
    const { facts } = await relayOn(
      { port: p.ports.submission },
      'submission',
      settings({ credentials: { user: p.user, password: p.password } }),
    );
    expect(facts.unauthenticated.tlsRequired?.reply.code).toBe(530);
    // Fresh sessions before Postfix's error limit: no "421 too many errors", control answered.
    expect(facts.unauthenticated.reconnects).toBe(0);
    expect(facts.catchAll?.reply.code).toBe(554);
    expect(facts.auth?.success).toBe(true);
    const { open, required, requiredText } = judge(facts, 'submission', true);
    expect(open.status).toBe('pass');
    expect(required.status, JSON.stringify(facts, null, 1)).toBe('pass');
    expect(requiredText).toMatch(
      /is refused without AUTH \(554 5\.7\.1 .*denied\) and accepted after AUTH PLAIN$/,
    );
  });
});
