/**
 * What the bench expects a scan of one fleet host to cost: the round trips on its critical path
 * (the floor of its wall time is that count times the latency L), the TCP connections it opens,
 * and the round trips its connections hold per-address slots for. The numbers come from the
 * engine's own plan (src/probe/plan.ts), given how the fleet's servers behave; the bench only adds
 * the DNS answer the scan waits for before it connects.
 *
 * The fleet charges L as a network would (ScriptedServerOptions.latencyModel `network`): the TCP
 * handshake, every reply or pipelined group of replies, every server flight of a TLS handshake.
 * Those are the plan's units, so wall / (round trips × L) is a fair ratio.
 */
import { COMPLIANT_HOST_BEHAVIOUR } from '../src/lab/fleet-behaviour.js';
import { FULL_SCAN, planHost, type HostPlan, type PortBehaviour } from '../src/probe/plan.js';

export interface HostScanModel {
  /** Round trips on the critical path: the DNS answer (A and AAAA asked together), then the ports' plan. */
  roundTrips: number;
  /** TCP connections the scan opens to the host. */
  connections: number;
  /** Round trips all connections together hold a per-address slot for (the cap's bound is this / cap). */
  slotRoundTrips: number;
  /** Every (name, type) the scan asks once: A and AAAA of the name, PTR of its address. */
  dnsDistinct: number;
  /** Where the figures come from. */
  source: string;
  plan: HostPlan;
}

/**
 * The fleet's three servers (src/lab/fleet.ts) in the plan's terms: the lab's compliant trio, whose
 * values test/probe/plan.test.ts holds the engine to. The scan names every port and gives
 * credentials, so it may log in on each, and does where AUTH is offered over verified TLS.
 */
export const FLEET_BEHAVIOUR: readonly PortBehaviour[] = COMPLIANT_HOST_BEHAVIOUR;

/** The expected cost of one full host scan of a fleet host. */
export function expectedHostScan(): HostScanModel {
  const plan = planHost(FLEET_BEHAVIOUR, FULL_SCAN);
  return {
    roundTrips: 1 + plan.criticalPath,
    connections: plan.connections,
    slotRoundTrips: plan.slotRoundTrips,
    dnsDistinct: 3,
    source: 'src/probe/plan.ts planHost (+1 for the DNS answer)',
    plan,
  };
}

/**
 * The floor of an audit of `n` identical hosts, `concurrency` at a time: as many waves as it takes,
 * each as long as one host's critical path, or as long as the per-address cap lets a host's
 * connections through, whichever is longer.
 */
export function expectedAuditRoundTrips(
  n: number,
  concurrency: number,
  host: HostScanModel,
  connectionsPerAddress?: number,
): number {
  return Math.ceil(n / Math.max(1, concurrency)) * hostFloor(host, connectionsPerAddress);
}

/** One host's floor: its critical path, or the DNS answer and its slot round trips spread over the cap if longer. */
export function hostFloor(host: HostScanModel, connectionsPerAddress?: number): number {
  const capBound =
    connectionsPerAddress === undefined ? 0 : 1 + Math.ceil(host.slotRoundTrips / connectionsPerAddress);
  return Math.max(host.roundTrips, capBound);
}
