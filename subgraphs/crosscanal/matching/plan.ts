import { createHash } from 'node:crypto';
import type { MatchEdge, Resolution } from './resolve.js';
import { compareKeys, recordId, type SourceRecord } from './records.js';
import { RULE_STRENGTH, type Evidence, type LinkRule } from './rules.js';

/** One record's link to its golden customer, as stored. */
export interface CustomerLink {
  /** The record ({@link recordId}). */
  record: string;
  customerId: string;
  rule: LinkRule;
  /** The record it was matched against; null for ORIGIN. */
  matchedWith: string | null;
  evidence: Evidence[];
  /** Since when the record belongs to this customer. */
  linkedAt: string;
  /** `sync` for the rules, a steward's name for a manual link. */
  linkedBy: string;
}

/** What happened to a record or a customer, for the audit trail. */
export interface LinkEvent {
  action: 'LINKED' | 'MOVED' | 'EXPLAINED' | 'MERGED';
  customerId: string;
  /** The record concerned; null for a customer-level event (MERGED). */
  record: string | null;
  /** MOVED: the customer the record left. MERGED: the customer merged away. */
  previousCustomerId: string | null;
  rule: LinkRule | null;
  evidence: Evidence[];
}

export interface LinkPlan {
  /** Links that are new or differ from the current ones; the rest stay as they are. */
  changed: CustomerLink[];
  /** Golden ids created, each with its founding record. */
  created: { customerId: string; origin: string }[];
  /** Golden ids that no longer hold a record, and the customer they now resolve to. */
  merged: { from: string; into: string }[];
  events: LinkEvent[];
  /** Every link of the records planned, changed or not. */
  links: Map<string, CustomerLink>;
}

export interface PlanOptions {
  /** Now, as an ISO instant: the linkedAt of new links. */
  now: string;
  /** Who links: `sync` by default. */
  actor?: string;
  /** True when a golden id is already in use (held, or merged away); new ids avoid them. */
  isTaken?: (customerId: string) => boolean;
}

/**
 * Turns a resolution into golden ids and explained links, keeping what it can of the
 * current state so that re-running changes nothing: a customer keeps its id while it keeps
 * most of its records, a link keeps its explanation while that match still holds, and its
 * date while the record stays with the same customer. A component that gathers several
 * customers keeps the id of the one with most records there (the smaller id on a tie); the
 * others are merged into it and keep resolving to it.
 *
 * `current` must hold the links of every record of every customer the resolution touches
 * (the sync widens an incremental scope until it does).
 */
export function planLinks(
  resolution: Resolution,
  records: ReadonlyMap<string, SourceRecord>,
  current: ReadonlyMap<string, CustomerLink>,
  { now, actor = 'sync', isTaken = () => false }: PlanOptions,
): LinkPlan {
  const adjacency = new Map<string, MatchEdge[]>();
  for (const edge of resolution.edges) {
    push(adjacency, edge.a, edge);
    push(adjacency, edge.b, edge);
  }
  const order = new Map<string, number>();
  [...records.values()].sort(compareKeys).forEach((r, i) => order.set(recordId(r), i));
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;

  const components = [...resolution.components].sort((x, y) => y.length - x.length || rank(x[0]!) - rank(y[0]!));
  const claimed = new Set<string>();
  const holders = new Map<string, Map<string, number>>();
  const plan: LinkPlan = { changed: [], created: [], merged: [], events: [], links: new Map() };
  const held = new Set([...current.values()].map((link) => link.customerId));

  for (const component of components) {
    const counts = new Map<string, number>();
    for (const id of component) {
      const link = current.get(id);
      if (link) counts.set(link.customerId, (counts.get(link.customerId) ?? 0) + 1);
    }
    for (const [customerId, n] of counts) {
      if (!holders.has(customerId)) holders.set(customerId, new Map());
      holders.get(customerId)!.set(component[0]!, n);
    }
    const choices = [...counts.entries()].filter(([id]) => !claimed.has(id)).sort((x, y) => y[1] - x[1] || compareIds(x[0], y[0]));
    let customerId = choices[0]?.[0];
    let origin: string;
    if (customerId === undefined) {
      origin = earliest(component, records, rank);
      customerId = newCustomerId(origin, (id) => claimed.has(id) || held.has(id) || isTaken(id));
      plan.created.push({ customerId, origin });
    } else {
      const id = customerId;
      origin = component.find((r) => current.get(r)?.customerId === id && current.get(r)?.rule === 'ORIGIN') ?? earliest(component, records, rank);
    }
    claimed.add(customerId);
    explain(component, customerId, origin);
  }

  // Customers left without a record resolve to where most of their records went.
  for (const [customerId, where] of holders) {
    if (claimed.has(customerId)) continue;
    const [target] = [...where.entries()].sort((x, y) => y[1] - x[1] || rank(x[0]) - rank(y[0]));
    const into = plan.links.get(target![0])!.customerId;
    plan.merged.push({ from: customerId, into });
    plan.events.push({ action: 'MERGED', customerId: into, record: null, previousCustomerId: customerId, rule: null, evidence: [] });
  }
  return plan;

  function explain(component: string[], customerId: string, origin: string): void {
    const members = new Set(component);
    const parentEdge = spanningTree(origin, members, adjacency, rank);
    for (const id of component) {
      const before = current.get(id);
      const sameCustomer = before?.customerId === customerId;
      let next: CustomerLink;
      const kept = sameCustomer && stillHolds(before!, id, origin, members, adjacency);
      if (kept) {
        next = { ...before!, evidence: kept === true ? before!.evidence : kept };
      } else if (id === origin) {
        next = { record: id, customerId, rule: 'ORIGIN', matchedWith: null, evidence: [], linkedAt: sameCustomer ? before!.linkedAt : now, linkedBy: actor };
      } else {
        const edge = parentEdge.get(id)!;
        next = {
          record: id,
          customerId,
          rule: edge.rule,
          matchedWith: edge.a === id ? edge.b : edge.a,
          evidence: edge.evidence,
          linkedAt: sameCustomer ? before!.linkedAt : now,
          linkedBy: actor,
        };
      }
      plan.links.set(id, next);
      if (!before) {
        plan.changed.push(next);
        plan.events.push({ action: 'LINKED', customerId, record: id, previousCustomerId: null, rule: next.rule, evidence: next.evidence });
      } else if (!sameCustomer) {
        plan.changed.push(next);
        plan.events.push({ action: 'MOVED', customerId, record: id, previousCustomerId: before.customerId, rule: next.rule, evidence: next.evidence });
      } else if (!sameLink(before, next)) {
        plan.changed.push(next);
        plan.events.push({ action: 'EXPLAINED', customerId, record: id, previousCustomerId: null, rule: next.rule, evidence: next.evidence });
      }
    }
  }
}

/**
 * Whether a current link's explanation still holds: the origin stays the origin, and a match
 * still exists with the same record by the same rule. Returns the match's evidence when it
 * changed (a name retyped), true when it is the same, false when the link must be explained anew.
 */
function stillHolds(link: CustomerLink, id: string, origin: string, members: Set<string>, adjacency: Map<string, MatchEdge[]>): Evidence[] | boolean {
  if (link.rule === 'ORIGIN') return id === origin;
  if (id === origin || link.matchedWith === null || !members.has(link.matchedWith)) return false;
  const edge = (adjacency.get(id) ?? []).find((e) => e.rule === link.rule && (e.a === link.matchedWith || e.b === link.matchedWith));
  if (!edge) return false;
  return JSON.stringify(edge.evidence) === JSON.stringify(link.evidence) ? true : edge.evidence;
}

/**
 * Explains every record of a component from its origin, each by the strongest match that
 * reaches it from a record already explained (Prim's order, strongest rule first).
 */
function spanningTree(origin: string, members: Set<string>, adjacency: Map<string, MatchEdge[]>, rank: (id: string) => number): Map<string, MatchEdge> {
  const parent = new Map<string, MatchEdge>();
  const reached = new Set([origin]);
  let frontier: { edge: MatchEdge; to: string }[] = [];
  const open = (from: string) => {
    for (const edge of adjacency.get(from) ?? []) {
      const to = edge.a === from ? edge.b : edge.a;
      if (members.has(to) && !reached.has(to)) frontier.push({ edge, to });
    }
  };
  open(origin);
  while (frontier.length > 0) {
    frontier.sort((x, y) => RULE_STRENGTH.indexOf(x.edge.rule) - RULE_STRENGTH.indexOf(y.edge.rule) || rank(x.to) - rank(y.to));
    const { edge, to } = frontier.shift()!;
    if (reached.has(to)) continue;
    reached.add(to);
    parent.set(to, edge);
    frontier = frontier.filter((f) => !reached.has(f.to));
    open(to);
  }
  return parent;
}

function sameLink(a: CustomerLink, b: CustomerLink): boolean {
  return (
    a.customerId === b.customerId &&
    a.rule === b.rule &&
    a.matchedWith === b.matchedWith &&
    a.linkedAt === b.linkedAt &&
    JSON.stringify(a.evidence) === JSON.stringify(b.evidence)
  );
}

/** The record that has been known longest (created first), the first in record order on a tie. */
function earliest(component: string[], records: ReadonlyMap<string, SourceRecord>, rank: (id: string) => number): string {
  return [...component].sort((x, y) => {
    const cx = records.get(x)?.createdAt ?? '\uffff';
    const cy = records.get(y)?.createdAt ?? '\uffff';
    return cx < cy ? -1 : cx > cy ? 1 : rank(x) - rank(y);
  })[0]!;
}

/**
 * A golden id derived from the record that founded the customer, so that two stores built
 * from the same data agree; a suffix avoids an id already used.
 */
export function newCustomerId(origin: string, taken: (id: string) => boolean): string {
  for (let n = 0; ; n++) {
    const digest = createHash('sha256').update(n === 0 ? origin : `${origin}#${n}`).digest('hex');
    const id = `cus_${BigInt(`0x${digest.slice(0, 20)}`).toString(36).padStart(16, '0')}`;
    if (!taken(id)) return id;
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
