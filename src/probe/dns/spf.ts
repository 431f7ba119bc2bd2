/**
 * SPF gatherer: the domain's SPF record and everything it pulls in through `include:` and
 * `redirect=` (RFC 7208 §5.2, §6.1), as a tree of {@link SpfNode}s, plus mailauth's verdict for
 * the mail host addresses we were asked about. The tree is for linting (lookup counts, void
 * lookups, `ptr`, the final `all`); the verdicts come from mailauth's evaluator, never ours.
 *
 * Conventions the SPF checks rely on (the artifact types have no dedicated fields for them):
 * - `SpfNode.lookup` holds every TXT record at the name, each record's strings joined;
 *   `spfRecords` the ones that start with `v=spf1` and `rawStrings[i]` the character-strings of
 *   `spfRecords[i]` as published.
 * - A child that was not expanded because it closes a loop keeps its (cached) lookup but has no
 *   children and its `via` ends in {@link LOOP_MARK}. Targets with macros (`%{i}` ...) and
 *   targets beyond the depth or node limits get no child node at all; their term is still in
 *   the parent's `lookupTerms`.
 * - `voidLookups` entries read `<term> → <name> <TYPE> <STATUS>`; STATUS NXDOMAIN or NODATA is
 *   a void lookup (RFC 7208 §4.6.4), any other status means the lookup went unanswered.
 */
import type { DNSResolver } from 'mailauth';
import type { DnsLookup, DnsStatus, SpfFacts, SpfNode } from '../../model/dns-artifacts.js';
import type { Resolver } from './resolver.js';

/** The part of the resolver the SPF gatherer uses: ours for the tree, `resolve` for mailauth. */
export type SpfResolver = Pick<Resolver, 'lookup' | 'resolve'>;

/** RFC 7208 §4.6.4 caps lookups at 10, so a deeper include chain can only fail; we stop there. */
export const SPF_MAX_DEPTH = 10;
/** A bound on the whole tree, so a hostile zone cannot make us fetch without end. */
export const SPF_MAX_NODES = 50;
/** Suffix of `via` for a node that closes an include/redirect loop (not expanded again). */
export const LOOP_MARK = ' [loop]';

export interface SpfEvaluationRequest {
  address: string;
  helo?: string;
  /** MAIL FROM; default `postmaster@<domain>`. */
  sender?: string;
}

export interface GatherSpfOptions {
  /** Addresses to run mailauth's SPF evaluation for (spf.authorizes). */
  evaluate?: SpfEvaluationRequest[];
  /** The receiving MTA's name in mailauth's explanations; default "mailcheck". */
  mta?: string;
}

/** RFC 7208 §4.5: a record is SPF when it begins with "v=spf1" followed by a space or its end. */
export function isSpfRecord(text: string): boolean {
  return /^v=spf1(?=\s|$)/i.test(text);
}

const UNANSWERED: ReadonlySet<DnsStatus> = new Set(['SERVFAIL', 'REFUSED', 'TIMEOUT']);

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** One term of a record, as far as the gatherer needs it (the checks validate the syntax). */
interface Term {
  text: string;
  /** Lower-case mechanism or modifier name. */
  name: string;
  modifier: boolean;
  /** The domain-spec, cidr suffix removed; undefined when the term has none. */
  target?: string;
}

function termsOf(record: string): Term[] {
  return record
    .split(/\s+/)
    .slice(1)
    .filter((t) => t !== '')
    .map((text) => {
      const mod = /^([A-Za-z][A-Za-z0-9_.-]*)=(.*)$/s.exec(text);
      if (mod) return { text, name: mod[1]!.toLowerCase(), modifier: true, target: mod[2] };
      const mech = /^[+\-~?]?([A-Za-z0-9]+)(.*)$/s.exec(text);
      if (!mech) return { text, name: '', modifier: false };
      const name = mech[1]!.toLowerCase();
      const rest = mech[2]!;
      // a:host/24//64 → host; the cidr lengths do not change which name is asked.
      const arg = rest.startsWith(':') ? /^(.*?)(\/\d+)?(\/\/\d+)?$/s.exec(rest.slice(1))![1]! : '';
      return { text, name, modifier: false, ...(arg !== '' ? { target: arg } : {}) };
    });
}

const QUERYING = new Set(['include', 'a', 'mx', 'ptr', 'exists']);

/** The terms that make check_host() query DNS (RFC 7208 §4.6.4), in record order. */
function lookupTermsOf(terms: Term[]): Term[] {
  // RFC 7208 §6.1: a redirect is ignored when the record has an "all" mechanism anywhere.
  const hasAll = terms.some((t) => !t.modifier && t.name === 'all');
  return terms.filter((t) => (t.modifier ? t.name === 'redirect' && !hasAll : QUERYING.has(t.name)));
}

/** The DNS-querying terms of one SPF record as published, as the tree records them in `lookupTerms`. */
export function spfLookupTerms(record: string): string[] {
  return lookupTermsOf(termsOf(record)).map((t) => t.text);
}

const hasMacro = (s: string): boolean => s.includes('%');

/** Whether a name can be put in a question: 1-63 octets per label, 253 in all (RFC 1035 §2.3.4). */
function askable(name: string): boolean {
  if (name === '' || Buffer.byteLength(name, 'utf8') > 253) return false;
  return name.split('.').every((l) => l !== '' && Buffer.byteLength(l, 'utf8') <= 63);
}

/** `<term> → <name> <TYPE> <STATUS>` for a void or unanswered lookup, nothing when it answered. */
function voidEntry(
  term: string,
  name: string,
  type: string,
  lookups: DnsLookup<unknown>[],
): string | undefined {
  if (lookups.some((l) => l.status === 'ok')) return undefined;
  const bad = lookups.find((l) => UNANSWERED.has(l.status)) ?? lookups[0]!;
  return `${term} → ${name} ${type} ${bad.status}`;
}

/** Address lookups of a name: void only if neither A nor AAAA has records (as mailauth counts). */
async function addressLookups(resolver: SpfResolver, name: string): Promise<DnsLookup<string>[]> {
  return Promise.all([resolver.lookup<string>(name, 'A'), resolver.lookup<string>(name, 'AAAA')]);
}

/** Void (or unanswered) lookups of the `a`, `mx` and `exists` terms of one record. */
async function voidLookupsOf(resolver: SpfResolver, domain: string, terms: Term[]): Promise<string[]> {
  const perTerm = await Promise.all(
    terms.map(async (t): Promise<(string | undefined)[]> => {
      const target = normalise(t.target ?? domain);
      // Macros expand per message (RFC 7208 §7): without a sender they cannot be asked.
      // A malformed name is a syntax error for spf.record; there is nothing to ask.
      if (hasMacro(target) || !askable(target)) return [];
      if (t.name === 'a')
        return [voidEntry(t.text, target, 'A/AAAA', await addressLookups(resolver, target))];
      if (t.name === 'exists') return [voidEntry(t.text, target, 'A', [await resolver.lookup(target, 'A')])];
      if (t.name !== 'mx') return [];
      const mx = await resolver.lookup<{ exchange: string }>(target, 'MX');
      const own = voidEntry(t.text, target, 'MX', [mx]);
      if (own !== undefined) return [own];
      const hosts = mx.records.map((r) => normalise(r.exchange)).filter(askable);
      return Promise.all(
        hosts.map(async (h) =>
          voidEntry(`${t.text} (MX host ${h})`, h, 'A/AAAA', await addressLookups(resolver, h)),
        ),
      );
    }),
  );
  return perTerm.flat().filter((e): e is string => e !== undefined);
}

/** Fetches and reads one node; its children are attached by the caller, its void lookups land in `background`. */
async function fetchNode(
  resolver: SpfResolver,
  domain: string,
  via: string,
  expand: boolean,
  background: Promise<unknown>[],
): Promise<SpfNode> {
  const raw = await resolver.lookup<string[]>(domain, 'TXT');
  const joined = raw.records.map((strings) => strings.join(''));
  const lookup: DnsLookup<string> = { ...raw, records: joined };
  const chosen = raw.records.filter((strings) => isSpfRecord(strings.join('')));
  const node: SpfNode = {
    domain,
    via,
    lookup,
    spfRecords: chosen.map((strings) => strings.join('')),
    rawStrings: chosen.map((strings) => [...strings]),
    lookupTerms: [],
    voidLookups: [],
    children: [],
  };
  // Several SPF records are a permerror (RFC 7208 §4.5): there is no one record to follow.
  if (chosen.length !== 1 || !expand) return node;
  const terms = lookupTermsOf(termsOf(node.spfRecords[0]!));
  node.lookupTerms = terms.map((t) => t.text);
  // Off the critical path: the next level's TXT lookups need not wait for these answers.
  background.push(voidLookupsOf(resolver, domain, terms).then((v) => (node.voidLookups = v)));
  return node;
}

/** include: and redirect= targets of a node that can be followed, in record order. */
function followable(node: SpfNode): { via: string; target: string }[] {
  return termsOf(`v=spf1 ${node.lookupTerms.join(' ')}`)
    .filter((t) => t.name === 'include' || (t.modifier && t.name === 'redirect'))
    .map((t) => ({
      via: t.modifier ? `redirect=${t.target ?? ''}` : `include:${t.target ?? ''}`,
      target: t.target ?? '',
    }))
    .filter((c) => !hasMacro(c.target) && askable(normalise(c.target)));
}

interface Pending {
  node: SpfNode;
  /** Domains from the apex down to this node, for loop detection. */
  path: string[];
}

/**
 * Builds the tree breadth-first: each level is fetched in parallel, and the node budget is handed
 * out in record order, so the same zones always give the same tree.
 */
async function buildTree(resolver: SpfResolver, apex: string): Promise<SpfNode> {
  const background: Promise<unknown>[] = [];
  const root = await fetchNode(resolver, apex, 'apex', true, background);
  let level: Pending[] = [{ node: root, path: [apex] }];
  let nodes = 1;
  for (let depth = 1; depth <= SPF_MAX_DEPTH && level.length > 0; depth++) {
    const jobs: Promise<Pending | undefined>[] = [];
    for (const parent of level) {
      for (const child of followable(parent.node)) {
        if (nodes >= SPF_MAX_NODES) break;
        nodes++;
        const target = normalise(child.target);
        const loop = parent.path.includes(target);
        jobs.push(
          fetchNode(resolver, target, loop ? child.via + LOOP_MARK : child.via, !loop, background).then(
            (node) => {
              parent.node.children.push(node);
              return loop ? undefined : { node, path: [...parent.path, target] };
            },
          ),
        );
      }
    }
    // Children were pushed as they arrived; put them back in record order.
    const next = await Promise.all(jobs);
    for (const parent of level) {
      const order = followable(parent.node).map((c) => c.via);
      parent.node.children.sort((a, b) => order.indexOf(stripLoop(a.via)) - order.indexOf(stripLoop(b.via)));
    }
    level = next.filter((p): p is Pending => p !== undefined);
  }
  await Promise.all(background);
  return root;
}

function stripLoop(via: string): string {
  return via.endsWith(LOOP_MARK) ? via.slice(0, -LOOP_MARK.length) : via;
}

/** mailauth's SPF verdict for one address; its own failures become temperror, never a throw. */
async function evaluate(
  resolver: SpfResolver,
  domain: string,
  req: SpfEvaluationRequest,
  mta: string,
): Promise<{ address: string; result: string; explanation?: string }> {
  try {
    // Loaded when first needed: mailauth's SPF module takes ~0.3 s to load.
    const { spf: mailauthSpf } = await import('mailauth/lib/spf/index.js');
    const r = await mailauthSpf({
      ip: req.address,
      sender: req.sender ?? `postmaster@${domain}`,
      mta,
      resolver: resolver.resolve.bind(resolver) as unknown as DNSResolver,
      ...(req.helo !== undefined ? { helo: req.helo } : {}),
    });
    return {
      address: req.address,
      result: r.status.result,
      ...(r.status.comment ? { explanation: r.status.comment } : {}),
    };
  } catch (err) {
    return { address: req.address, result: 'temperror', explanation: (err as Error).message };
  }
}

/**
 * The SPF facts of a domain: the record tree from its apex TXT and, for each address in
 * `opts.evaluate`, mailauth's verdict. Never throws; an unanswered apex lookup sets `error`.
 */
export async function gatherSpf(
  resolver: SpfResolver,
  domain: string,
  opts: GatherSpfOptions = {},
): Promise<SpfFacts> {
  const apex = normalise(domain);
  const mta = opts.mta ?? 'mailcheck';
  if (!askable(apex))
    return { error: `${JSON.stringify(domain)} is not a domain name that can be looked up` };
  const [tree, evaluations] = await Promise.all([
    // The resolver answers with data; anything thrown is our bug, reported rather than raised.
    buildTree(resolver, apex).catch((err: unknown) => String((err as Error)?.message ?? err)),
    Promise.all((opts.evaluate ?? []).map((req) => evaluate(resolver, apex, req, mta))),
  ]);
  const facts: SpfFacts =
    typeof tree === 'string' ? { error: `SPF record tree of ${apex}: ${tree}` } : { tree };
  if (typeof tree !== 'string' && UNANSWERED.has(tree.lookup.status))
    facts.error = `TXT ${apex}: ${tree.lookup.status}`;
  if (opts.evaluate) facts.evaluations = evaluations;
  return facts;
}
