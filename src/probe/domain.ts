/**
 * Probes one mail domain: every DNS gatherer the selected checks need, in parallel where the
 * answers are independent, then (unless --dns-only) a port-25 probe of every MX through the
 * engine. All lookups share the run's resolver, so each (name, type) is asked once.
 */
import type { HostFacts } from '../model/artifacts.js';
import type { DomainFacts } from '../model/dns-artifacts.js';
import type { DomainReportFacts } from '../model/results.js';
import type { Requirement } from '../checks/types.js';
import { gatherMx } from './dns/mx.js';
import { gatherAddresses } from './dns/reverse.js';
import { gatherTlsa } from './dns/tlsa.js';
import { gatherSpf } from './dns/spf.js';
import { gatherDmarc } from './dns/dmarc.js';
import { gatherDkim } from './dns/dkim.js';
import { gatherMtaSts } from './dns/mta-sts.js';
import { gatherTlsRpt } from './dns/tls-rpt.js';
import { probeHost, type HostProbeSettings } from './host.js';

export interface DomainTarget {
  domain: string;
  displayName: string;
}

export interface DomainProbeSettings extends HostProbeSettings {
  /** --dkim-selector values, asked in addition to the common selectors. */
  dkimSelectors: string[];
  /** DNSBL zones to look every mail host address up in. */
  dnsblZones: string[];
  /** Addresses whose authorisation by the domain's SPF is evaluated (spf.authorizes). */
  spfAddresses: string[];
  /** Skip the port-25 probes of the MX hosts. */
  dnsOnly: boolean;
  /** Test and lab hook: where the MTA-STS policy server listens and which CA it uses. */
  mtaSts?: { port?: number; ca?: string[] };
  /** Test and lab hook: the port the MX hosts listen on instead of 25. */
  mxPort?: number;
  now: Date;
}

/** The addresses of every MX host, each with the MX names that use it. */
function mxAddresses(facts: DomainFacts): { address: string; family: 4 | 6; usedBy: string[] }[] {
  const byAddress = new Map<string, { address: string; family: 4 | 6; usedBy: string[] }>();
  for (const h of facts.mx?.hosts ?? []) {
    const all = [
      ...h.a.records.map((a) => ({ address: a, family: 4 as const })),
      ...h.aaaa.records.map((a) => ({ address: a, family: 6 as const })),
    ];
    for (const a of all) {
      const seen = byAddress.get(a.address) ?? { ...a, usedBy: [] };
      if (!seen.usedBy.includes(h.name)) seen.usedBy.push(h.name);
      byAddress.set(a.address, seen);
    }
  }
  return [...byAddress.values()];
}

export async function probeDomain(target: DomainTarget, s: DomainProbeSettings): Promise<DomainReportFacts> {
  const resolver = s.resolver.scoped();
  const { needs } = s;
  const d = target.domain;
  const facts: DomainFacts = { domain: d, displayName: target.displayName };

  // Independent of the MX set: ask them all at once.
  const independent = Promise.all([
    needs.has('spf') || needs.has('spf-eval')
      ? gatherSpf(resolver, d, {
          evaluate: needs.has('spf-eval') ? s.spfAddresses.map((address) => ({ address })) : [],
        }).then((f) => void (facts.spf = f))
      : undefined,
    needs.has('dmarc') ? gatherDmarc(resolver, d).then((f) => void (facts.dmarc = f)) : undefined,
    needs.has('dkim')
      ? gatherDkim(resolver, d, { selectors: s.dkimSelectors, now: s.now }).then((f) => void (facts.dkim = f))
      : undefined,
    needs.has('mta-sts')
      ? gatherMtaSts(resolver, d, { ca: s.trust.ca, ...s.mtaSts, timeoutMs: s.stepTimeoutMs }).then(
          (f) => void (facts.mtaSts = f),
        )
      : undefined,
    needs.has('tls-rpt') ? gatherTlsRpt(resolver, d).then((f) => void (facts.tlsRpt = f)) : undefined,
  ]);

  const wantsMx = ['dns-mx', 'dns-reverse', 'dnsbl', 'tlsa', 'mx-probe', 'mta-sts'].some((r) =>
    needs.has(r as Requirement),
  );
  let mxHosts: HostFacts[] = [];
  if (wantsMx) {
    facts.mx = await gatherMx(resolver, d);
    const names = facts.mx.hosts.filter((h) => !h.ipLiteral).map((h) => h.name);
    const probing =
      needs.has('mx-probe') && !s.dnsOnly
        ? Promise.all(
            names.map((name) =>
              probeHost(
                {
                  host: name,
                  displayName: name,
                  ports: [{ port: s.mxPort ?? 25, profile: 'smtp', explicit: true }],
                },
                // An MX is probed as a sending MTA would see it: no login, whatever --auth-user says.
                { ...s, resolver, credentials: undefined },
              ),
            ),
          )
        : Promise.resolve([]);
    const [addresses, tlsa, probes] = await Promise.all([
      needs.has('dns-reverse') || needs.has('dnsbl')
        ? gatherAddresses(resolver, mxAddresses(facts), {
            dnsbl: needs.has('dnsbl') ? s.dnsblZones : [],
            // RFC 5782 §5: ask each list for its test entry too, so a dead zone is not read as "not listed".
            dnsblTestEntry: needs.has('dnsbl') && s.dnsblZones.length > 0,
          })
        : undefined,
      needs.has('tlsa') ? gatherTlsa(resolver, names) : undefined,
      probing,
    ]);
    if (addresses) facts.addresses = addresses;
    if (tlsa) facts.tlsa = tlsa;
    mxHosts = probes;
  }
  await independent;
  facts.dnsQueries = resolver.stats();
  return { domain: facts, mxHosts };
}
