/**
 * RunChanges between two stored runs: every classification rule on one pair of runs, asserted in
 * full, plus the sample report diffed against a changed copy of itself.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import { regressionCount, type RunChanges } from '../../src/model/changes.js';
import type { TargetReport } from '../../src/model/results.js';
import { loadSample, result, target, tempDir, writeRun } from './helpers.js';

const stores: HistoryStore[] = [];
function newStore(): HistoryStore {
  const s = HistoryStore.open(path.join(tempDir(), 'h.db'));
  stores.push(s);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

const EP = '192.0.2.1:25';
const EP465 = '192.0.2.1:465';
const T1 = '2026-11-20T02:00:00.000Z';
const T2 = '2026-11-21T02:00:00.000Z';

function before(): TargetReport[] {
  return [
    target('a.example', [
      result('smtp.vrfy', 'pass', { endpoint: EP }),
      result('tls.protocols', 'fail', { endpoint: EP }),
      result('tls.ciphers', 'pass', { endpoint: EP }),
      result('auth.before_tls', 'pass', { endpoint: EP }),
      result('tls.cert_expiry', 'pass', {
        endpoint: EP,
        data: { days: 200, validTo: '2027-06-08T00:00:00Z' },
      }),
      result('dns.ptr', 'pass'),
      result('smtp.connect', 'error', { endpoint: EP465, severity: 'fail' }),
    ]),
    target('b.example', [result('smtp.connect', 'pass', { endpoint: '192.0.2.2:25' })]),
    target('c.example', [], { error: 'c.example does not exist (NXDOMAIN)' }),
    target('d.example', [result('dmarc.policy', 'error', { severity: 'warn' })], { kind: 'domain' }),
    target('old.example', [result('smtp.vrfy', 'fail', { endpoint: '192.0.2.9:25' })]),
  ];
}

function after(): TargetReport[] {
  return [
    target('new.example', [
      result('smtp.connect', 'pass', { endpoint: '192.0.2.5:25' }),
      result('relay.open', 'fail', { endpoint: '192.0.2.5:25', message: 'relays for strangers' }),
      result('smtp.helo_name', 'error', { endpoint: '192.0.2.5:25', severity: 'warn' }),
      result('tls.starttls', 'error', {
        endpoint: '192.0.2.5:25',
        severity: 'fail',
        message: 'STARTTLS timed out',
      }),
      result('tls.cert_expiry', 'pass', {
        endpoint: '192.0.2.5:25',
        data: { days: 25, validTo: '2026-12-16T00:00:00Z' },
      }),
      result('tls.cert_expiry', 'fail', {
        endpoint: '192.0.2.5:587',
        messageId: 'not-yet-valid',
        data: { days: 400, validFrom: '2027-01-01T00:00:00Z' },
      }),
    ]),
    target('a.example', [
      result('smtp.vrfy', 'fail', { endpoint: EP, message: 'VRFY tells users apart' }),
      result('tls.protocols', 'pass', { endpoint: EP, message: 'TLS 1.2 and 1.3 only' }),
      result('tls.ciphers', 'warn', { endpoint: EP }),
      result('auth.before_tls', 'pass', { endpoint: EP }),
      result('tls.cert_expiry', 'warn', {
        endpoint: EP,
        messageId: 'expiring',
        message: 'the certificate expires in 12 days',
        data: { days: 12, validTo: '2026-12-03T00:00:00Z' },
      }),
      result('dns.ptr', 'error', { severity: 'fail', message: 'PTR lookup timed out' }),
    ]),
    target('b.example', [], { error: 'b.example does not exist (NXDOMAIN)' }),
    target('c.example', [
      result('smtp.connect', 'pass', { endpoint: '192.0.2.3:25' }),
      result('smtp.vrfy', 'warn', { endpoint: '192.0.2.3:25' }),
      result('tls.protocols', 'fail', { endpoint: '192.0.2.3:25' }),
    ]),
    target('d.example', [], { kind: 'domain' }),
  ];
}

const EXPECTED_CHECKS: Pick<RunChanges, 'newFailures' | 'fixed' | 'otherChanges'> = {
  newFailures: [
    {
      targetKind: 'host',
      target: 'a.example',
      displayName: 'a.example',
      check: 'smtp.vrfy',
      endpoint: EP,
      before: 'pass',
      after: 'fail',
      message: 'VRFY tells users apart',
    },
    {
      targetKind: 'host',
      target: 'a.example',
      displayName: 'a.example',
      check: 'dns.ptr',
      before: 'pass',
      after: 'error',
      message: 'PTR lookup timed out',
    },
    {
      targetKind: 'host',
      target: 'c.example',
      displayName: 'c.example',
      check: 'tls.protocols',
      endpoint: '192.0.2.3:25',
      before: 'absent',
      after: 'fail',
      message: 'tls.protocols is fail',
    },
    {
      targetKind: 'host',
      target: 'new.example',
      displayName: 'new.example',
      check: 'relay.open',
      endpoint: '192.0.2.5:25',
      before: 'absent',
      after: 'fail',
      message: 'relays for strangers',
    },
    {
      targetKind: 'host',
      target: 'new.example',
      displayName: 'new.example',
      check: 'tls.starttls',
      endpoint: '192.0.2.5:25',
      before: 'absent',
      after: 'error',
      message: 'STARTTLS timed out',
    },
    {
      targetKind: 'host',
      target: 'new.example',
      displayName: 'new.example',
      check: 'tls.cert_expiry',
      endpoint: '192.0.2.5:587',
      before: 'absent',
      after: 'fail',
      message: 'tls.cert_expiry is fail',
    },
  ],
  fixed: [
    {
      targetKind: 'host',
      target: 'a.example',
      displayName: 'a.example',
      check: 'tls.protocols',
      endpoint: EP,
      before: 'fail',
      after: 'pass',
      message: 'TLS 1.2 and 1.3 only',
    },
    {
      targetKind: 'host',
      target: 'a.example',
      displayName: 'a.example',
      check: 'smtp.connect',
      endpoint: EP465,
      before: 'error',
      after: 'absent',
      message: 'smtp.connect is error',
    },
  ],
  otherChanges: [
    {
      targetKind: 'host',
      target: 'a.example',
      displayName: 'a.example',
      check: 'tls.ciphers',
      endpoint: EP,
      before: 'pass',
      after: 'warn',
      message: 'tls.ciphers is warn',
    },
    {
      targetKind: 'host',
      target: 'a.example',
      displayName: 'a.example',
      check: 'tls.cert_expiry',
      endpoint: EP,
      before: 'pass',
      after: 'warn',
      message: 'the certificate expires in 12 days',
    },
    {
      targetKind: 'host',
      target: 'c.example',
      displayName: 'c.example',
      check: 'smtp.vrfy',
      endpoint: '192.0.2.3:25',
      before: 'absent',
      after: 'warn',
      message: 'smtp.vrfy is warn',
    },
    {
      targetKind: 'domain',
      target: 'd.example',
      displayName: 'd.example',
      check: 'dmarc.policy',
      before: 'error',
      after: 'absent',
      message: 'dmarc.policy is error',
    },
  ],
};

describe('RunChanges between two runs', () => {
  it('classifies every kind of change', () => {
    const store = newStore();
    const r1 = writeRun(store, T1, before());
    const r2 = writeRun(store, T2, after());
    const changes = store.changes(r1, r2);
    expect(changes).toEqual({
      previous: { id: r1, startedAt: T1 },
      current: { id: r2, startedAt: T2 },
      ...EXPECTED_CHECKS,
      newlyUnreachable: [
        {
          targetKind: 'host',
          target: 'b.example',
          displayName: 'b.example',
          reason: 'b.example does not exist (NXDOMAIN)',
        },
      ],
      recovered: [
        {
          targetKind: 'host',
          target: 'c.example',
          displayName: 'c.example',
          reason: 'c.example does not exist (NXDOMAIN)',
        },
      ],
      added: [{ targetKind: 'host', target: 'new.example', displayName: 'new.example' }],
      removed: [{ targetKind: 'host', target: 'old.example', displayName: 'old.example' }],
      expiringCertificates: [
        {
          targetKind: 'host',
          target: 'a.example',
          displayName: 'a.example',
          endpoint: EP,
          days: 12,
          validTo: '2026-12-03T00:00:00Z',
        },
      ],
    });
    expect(regressionCount(changes)).toBe(7);
    expect(store.changesSincePrevious(r2)).toEqual(changes);
  });

  it('lists certificates within a given number of days, whatever their status', () => {
    const store = newStore();
    const r1 = writeRun(store, T1, before());
    const r2 = writeRun(store, T2, after());
    const within = (days: number) =>
      store.changes(r1, r2, { expiryWarnDays: days }).expiringCertificates.map((c) => [c.target, c.days]);
    expect(within(30)).toEqual([
      ['a.example', 12],
      ['new.example', 25],
    ]);
    expect(within(20)).toEqual([['a.example', 12]]);
    expect(within(5)).toEqual([]);
  });

  it('finds nothing between two identical runs, but still lists expiring certificates', () => {
    const store = newStore();
    const r1 = writeRun(store, T1, after());
    const r2 = writeRun(store, T2, after());
    const changes = store.changes(r1, r2);
    expect(changes.expiringCertificates.map((c) => c.target)).toEqual(['a.example']);
    expect({ ...changes, expiringCertificates: [] }).toEqual({
      previous: { id: r1, startedAt: T1 },
      current: { id: r2, startedAt: T2 },
      newFailures: [],
      fixed: [],
      otherChanges: [],
      newlyUnreachable: [],
      recovered: [],
      added: [],
      removed: [],
      expiringCertificates: [],
    });
  });

  it('counts an added target that is unreachable as newly unreachable', () => {
    const store = newStore();
    const r1 = writeRun(store, T1, [target('a.example', [])]);
    const r2 = writeRun(store, T2, [target('a.example', []), target('z.example', [], { error: 'NXDOMAIN' })]);
    const changes = store.changes(r1, r2);
    const z = { targetKind: 'host', target: 'z.example', displayName: 'z.example', reason: 'NXDOMAIN' };
    expect(changes.added).toEqual([z]);
    expect(changes.newlyUnreachable).toEqual([z]);
  });

  it('reports no removed targets for a run that did not scan everything it planned', () => {
    const store = newStore();
    const r1 = writeRun(store, T1, before());
    const killed = writeRun(store, T2, after().slice(0, 2), 'running', { plannedTargets: 5 });
    const interrupted = writeRun(store, T2, after().slice(0, 2), 'interrupted', { plannedTargets: 5 });
    for (const id of [killed, interrupted]) {
      const changes = store.changes(r1, id);
      expect(changes.removed).toEqual([]);
      expect(changes.newFailures.map((c) => `${c.target} ${c.check}`)).toEqual([
        'a.example smtp.vrfy',
        'a.example dns.ptr',
        'new.example relay.open',
        'new.example tls.starttls',
        'new.example tls.cert_expiry',
      ]);
    }
    // A run still being written is not named as the current run.
    expect(store.changes(r1, killed).current).toBeUndefined();
    expect(store.changes(r1, interrupted).current).toEqual({ id: interrupted, startedAt: T2 });
  });

  it('matches repeated results of one check on one endpoint by their order', () => {
    const store = newStore();
    const twice = (a: 'pass' | 'fail', b: 'pass' | 'fail') =>
      target(
        'd.example',
        [result('smtp.connect', a, { endpoint: EP }), result('smtp.connect', b, { endpoint: EP })],
        {
          kind: 'domain',
        },
      );
    const r1 = writeRun(store, T1, [twice('pass', 'fail')]);
    const r2 = writeRun(store, T2, [twice('pass', 'pass')]);
    const changes = store.changes(r1, r2);
    expect(changes.newFailures).toEqual([]);
    expect(changes.fixed.map((c) => [c.check, c.before, c.after])).toEqual([
      ['smtp.connect', 'fail', 'pass'],
    ]);
  });

  it('diffs the sample report against a changed copy of itself', () => {
    const store = newStore();
    const sample = loadSample();
    const r1 = writeRun(store, T1, sample.targets);
    const changed = structuredClone(sample.targets);
    const host = changed[0]!;
    const vrfy = host.checks.find((c) => c.id === 'smtp.vrfy' && c.endpoint === '127.0.0.1:25')!;
    vrfy.status = 'pass';
    vrfy.message = 'VRFY is disabled';
    const r2 = writeRun(store, T2, changed);
    const changes = store.changes(r1, r2);
    expect(changes.fixed).toEqual([
      {
        targetKind: 'host',
        target: 'mail.lab.example',
        displayName: 'mail.lab.example',
        check: 'smtp.vrfy',
        endpoint: '127.0.0.1:25',
        before: 'fail',
        after: 'pass',
        message: 'VRFY is disabled',
      },
    ]);
    expect(changes.newFailures).toEqual([]);
    expect(changes.otherChanges).toEqual([]);
    // The sample's certificate results are warnings 12 days out (older data names: daysLeft, notAfter).
    expect(changes.expiringCertificates.map((c) => [c.target, c.endpoint, c.days, c.validTo])).toEqual([
      ['lab.example', '127.0.0.1:25', 12, '2026-12-03T12:00:00.000Z'],
      ['mail.lab.example', '127.0.0.1:25', 12, '2026-12-03T12:00:00.000Z'],
      ['mail.lab.example', '127.0.0.1:587', 12, '2026-12-03T12:00:00.000Z'],
    ]);
  });
});
