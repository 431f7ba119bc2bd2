/**
 * How the lab's compliant servers answer, in the terms of the connection plan (src/probe/plan.ts):
 * the compliant trio of the lab (lab.ts: compliant-mx, compliant-submission, compliant-smtps) and
 * the three services of every fleet host (fleet.ts), which are set up the same way. The bench
 * (bench/critical-path.ts) derives its expected round trips and connections from these, and
 * test/probe/plan.test.ts holds the engine to the plan on the lab's servers with the same values,
 * so the two cannot drift apart.
 *
 * The values describe a scan that names every port and gives credentials: it may log in on each
 * port, and does where AUTH is offered over verified TLS (submission and smtps).
 */
import type { PortBehaviour } from '../probe/plan.js';
import type { FleetService } from './fleet.js';

/** What a scripted server with the lab's modern TLS settings offers: PIPELINING, TLS 1.2 and 1.3. */
export const MODERN_TLS_BEHAVIOUR = { pipelining: true, tls: 'TLSv1.3', minTls: 'TLSv1.2' } as const;

/** The compliant servers per service: no VRFY/EXPN, closed relay, AUTH only after TLS. */
export const COMPLIANT_BEHAVIOUR: Readonly<Record<FleetService, PortBehaviour>> = {
  // MX-like: STARTTLS offered but not required, no AUTH, strangers' relay forms refused.
  smtp: {
    ...MODERN_TLS_BEHAVIOUR,
    profile: 'smtp',
    starttls: true,
    tlsRequired: false,
    vrfy: 'refused',
    expn: 'refused',
    relay: 'refused',
    credentials: true,
  },
  // Submission: STARTTLS required before MAIL, 530 without AUTH, relaying after AUTH PLAIN.
  submission: {
    ...MODERN_TLS_BEHAVIOUR,
    profile: 'submission',
    starttls: true,
    tlsRequired: true,
    vrfy: 'refused',
    expn: 'refused',
    relay: 'auth-required',
    credentials: true,
    login: { roundTrips: 1, relay: 'accepted' },
  },
  // Implicit TLS: AUTH over the TLS session, 530 without it, relaying after AUTH PLAIN.
  smtps: {
    ...MODERN_TLS_BEHAVIOUR,
    profile: 'smtps',
    starttls: false,
    tlsRequired: false,
    vrfy: 'refused',
    expn: 'refused',
    relay: 'auth-required',
    credentials: true,
    login: { roundTrips: 1, relay: 'accepted' },
  },
};

/** The three ports of a fleet host (and the lab's compliant trio) in scan order: smtp, submission, smtps. */
export const COMPLIANT_HOST_BEHAVIOUR: readonly PortBehaviour[] = [
  COMPLIANT_BEHAVIOUR.smtp,
  COMPLIANT_BEHAVIOUR.submission,
  COMPLIANT_BEHAVIOUR.smtps,
];
