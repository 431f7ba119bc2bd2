/**
 * Builders for calling probes directly (relay battery, test message): settings with the lab CA
 * trusted and a small per-address cap, and a loopback endpoint target.
 */
import { readFileSync } from 'node:fs';
import type { Requirement } from '../../src/checks/types.js';
import { labCertPath } from '../../src/lab/lab.js';
import type { PortProfile } from '../../src/model/artifacts.js';
import type { EndpointTarget, ProbeSettings } from '../../src/probe/endpoint.js';
import { ConnectionLimiter } from '../../src/probe/limiter.js';
import { loadTrustStore } from '../../src/probe/tls/trust.js';

const trust = loadTrustStore(labCertPath('ca.pem'));

/** The lab's good certificate and key, for scripted servers offering STARTTLS. */
export const LAB_TLS = {
  key: readFileSync(labCertPath('good.key')),
  cert: readFileSync(labCertPath('good-chain.pem')),
};

export function probeSettings(needs: Requirement[], over: Partial<ProbeSettings> = {}): ProbeSettings {
  return {
    ehloName: 'client.lab.example',
    stepTimeoutMs: 2000,
    trust,
    allowPlaintextAuth: false,
    needs: new Set<Requirement>(needs),
    limiter: new ConnectionLimiter(2),
    ...over,
  };
}

export function loopbackTarget(
  port: number,
  profile: PortProfile = 'smtp',
  host = '127.0.0.1',
): EndpointTarget {
  return { host, address: host, family: 4, port, profile, explicit: true };
}
