import { planLinks, type CustomerLink, type LinkPlan } from './matching/plan.js';
import { compareKeys, recordId, type SourceRecord } from './matching/records.js';
import { resolveRecords, type CandidatePair, type MatchEdge, type Resolution, type ResolveOptions } from './matching/resolve.js';
import type { LinkRule, MatchRule } from './matching/rules.js';
import { UnionFind } from './matching/unionFind.js';

/** A record a steward placed: it stays with its customer whatever the rules say. */
export interface StewardHold {
  /** The live golden id it stays with (an id merged away already followed to its survivor). */
  customerId: string;
  /** The steward who placed it: the `linkedBy` of its link. */
  actor: string;
}

/** Records a steward merge declared one customer. */
export interface StewardJoin {
  eventId: number;
  actor: string;
  /** Record ids ({@link recordId}). */
  records: readonly string[];
}

/** What stewards decided about a set of records, as the planning below honours it. */
export interface StewardDecisions {
  holds: ReadonlyMap<string, StewardHold>;
  /** In the order they were decided. */
  joins: readonly StewardJoin[];
}

export const NO_DECISIONS: StewardDecisions = { holds: new Map(), joins: [] };

export interface DecidedPlanOptions {
  /** Now, as an ISO instant. */
  now: string;
  /** Who plans: `sync`, or the steward whose decision is being applied. */
  actor?: string;
  isTaken?: (customerId: string) => boolean;
  resolve?: ResolveOptions;
}

export interface DecidedPlan {
  plan: LinkPlan;
  /** The candidate pairs of the records planned. */
  candidates: CandidatePair[];
}

/**
 * The rules' plan for a set of records, with the stewards' decisions on top; the sync and the
 * stewardship mutations both plan through here, so a decision applied now is what every
 * later sync finds again, and re-running changes nothing.
 *
 * - A held record is out of the rules' sight: they neither move it nor join anyone through
 *   it (a record unlinked because it bridged two people must not keep bridging them). It is
 *   linked with rule MANUAL to the customer its steward chose, and follows that customer if
 *   the rules merge it into another.
 * - The records of a steward merge stay one customer: where the rules see several, MANUAL
 *   links join them (a rule still explains whatever a rule can).
 * - A customer left without any record resolves to where most of its records went.
 *
 * `current` must hold the links of every record of every customer the records belong to.
 */
export function planWithDecisions(
  records: readonly SourceRecord[],
  current: ReadonlyMap<string, CustomerLink>,
  decisions: StewardDecisions,
  { now, actor = 'sync', isTaken = () => false, resolve }: DecidedPlanOptions,
): DecidedPlan {
  const held = records.filter((r) => decisions.holds.has(recordId(r))).sort(compareKeys);
  const free = records.filter((r) => !decisions.holds.has(recordId(r)));
  const freeById = new Map(free.map((r) => [recordId(r), r]));
  const { resolution, joinedBy } = joinMerged(resolveRecords(free, resolve), free, decisions.joins);

  const freeLinks = new Map([...current].filter(([id]) => freeById.has(id)));
  const plan = planLinks(resolution, freeById, freeLinks, { now, actor, isTaken });
  // planLinks signs every link it writes with one actor; a merge's links are the steward's.
  for (const link of plan.changed) {
    if (link.rule === 'MANUAL' && link.matchedWith !== null) link.linkedBy = joinedBy.get(pairKey(link.record, link.matchedWith)) ?? link.linkedBy;
  }

  const mergedInto = new Map(plan.merged.map((m) => [m.from, m.into]));
  for (const record of held) {
    const id = recordId(record);
    const hold = decisions.holds.get(id)!;
    const customerId = mergedInto.get(hold.customerId) ?? hold.customerId;
    const before = current.get(id);
    const same = before?.customerId === customerId;
    if (same && before!.rule === 'MANUAL' && before!.matchedWith === null) {
      plan.links.set(id, before!);
      continue;
    }
    const next: CustomerLink = { record: id, customerId, rule: 'MANUAL', matchedWith: null, evidence: [], linkedAt: same ? before!.linkedAt : now, linkedBy: hold.actor };
    plan.links.set(id, next);
    plan.changed.push(next);
    plan.events.push({
      action: !before ? 'LINKED' : same ? 'EXPLAINED' : 'MOVED',
      customerId,
      record: id,
      previousCustomerId: before && !same ? before.customerId : null,
      rule: 'MANUAL',
      evidence: [],
    });
  }

  // Customers a decision emptied (a record a steward moved was their only one) resolve to
  // where their records went; those the rules emptied planLinks has merged already.
  const holding = new Set([...plan.links.values()].map((link) => link.customerId));
  const formerly = new Map<string, string[]>();
  for (const link of current.values()) formerly.set(link.customerId, [...(formerly.get(link.customerId) ?? []), link.record]);
  for (const [customerId, ids] of [...formerly].sort(([a], [b]) => compareText(a, b))) {
    if (holding.has(customerId) || mergedInto.has(customerId)) continue;
    const went = new Map<string, number>();
    for (const id of ids) {
      const to = plan.links.get(id)?.customerId;
      if (to !== undefined) went.set(to, (went.get(to) ?? 0) + 1);
    }
    const [into] = [...went].sort((x, y) => y[1] - x[1] || compareText(x[0], y[0]))[0] ?? [];
    if (into === undefined) continue;
    plan.merged.push({ from: customerId, into });
    mergedInto.set(customerId, into);
    plan.events.push({ action: 'MERGED', customerId: into, record: null, previousCustomerId: customerId, rule: null, evidence: [] });
  }

  const customerOf = (id: string) => plan.links.get(id)?.customerId;
  const candidates = resolution.candidates.filter((c) => customerOf(c.a) !== customerOf(c.b));
  return { plan, candidates };
}

/**
 * Unions the components that a steward merge declared one customer, with a MANUAL edge from
 * the merge's first record to the first record of each other component it touches.
 */
function joinMerged(resolution: Resolution, records: readonly SourceRecord[], joins: readonly StewardJoin[]): { resolution: Resolution; joinedBy: Map<string, string> } {
  const joinedBy = new Map<string, string>();
  if (joins.length === 0) return { resolution, joinedBy };
  const ids = [...records].sort(compareKeys).map(recordId);
  const order = new Map(ids.map((id, i) => [id, i]));
  const sets = new UnionFind();
  for (const id of ids) sets.add(id);
  for (const component of resolution.components) for (const id of component.slice(1)) sets.union(component[0]!, id);

  const edges: MatchEdge[] = [...resolution.edges];
  for (const join of joins) {
    const members = join.records.filter((id) => order.has(id)).sort((x, y) => order.get(x)! - order.get(y)!);
    const hub = members[0];
    if (hub === undefined) continue;
    for (const member of members.slice(1)) {
      if (sets.find(member) === sets.find(hub)) continue;
      const [a, b] = order.get(hub)! < order.get(member)! ? [hub, member] : [member, hub];
      // planLinks takes any link rule on an edge; MatchEdge's type names only the rules' own.
      edges.push({ a, b, rule: MANUAL, evidence: [] });
      joinedBy.set(pairKey(a, b), join.actor);
      sets.union(hub, member);
    }
  }
  const components = new Map<string, string[]>();
  for (const id of ids) {
    const root = sets.find(id);
    components.set(root, [...(components.get(root) ?? []), id]);
  }
  const candidates = resolution.candidates.filter((c) => sets.find(c.a) !== sets.find(c.b));
  return { resolution: { ...resolution, components: [...components.values()], edges, candidates }, joinedBy };
}

const MANUAL = 'MANUAL' as LinkRule as MatchRule;

function pairKey(x: string, y: string): string {
  return x < y ? `${x}\n${y}` : `${y}\n${x}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
