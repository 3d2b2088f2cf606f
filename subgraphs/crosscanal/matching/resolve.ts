import { emailKey, isPersonalLine, nameKey } from './keys.js';
import { compareKeys, phonesOf, posKind, recordId, type SourceRecord } from './records.js';
import type { CandidateReason, Evidence, MatchRule } from './rules.js';
import { UnionFind } from './unionFind.js';

/** Two records the rules join: `a` sorts before `b`. */
export interface MatchEdge {
  a: string;
  b: string;
  rule: MatchRule;
  evidence: Evidence[];
}

/** Two records that look alike but are not certain: kept for a steward, never merged. */
export interface CandidatePair {
  a: string;
  b: string;
  /** The rule the pair fell short of. */
  rule: MatchRule;
  reason: CandidateReason;
  evidence: Evidence[];
}

export interface Resolution {
  /** Each customer's records (record ids), in record order; components in order of their first record. */
  components: string[][];
  /** Every pair the rules join, including pairs already joined through others. */
  edges: MatchEdge[];
  /** Pairs left apart, each in two different components. */
  candidates: CandidatePair[];
  /** Values shared by more records than `maxGroup`: treated as no evidence at all. */
  skippedGroups: { field: Evidence['field']; value: string; records: number }[];
}

export interface ResolveOptions {
  /**
   * An email or phone carried by more records than this is a shop's or a company's, not a
   * person's (staff keying the store number, a generic address): it joins nobody. Default 25.
   */
  maxGroup?: number;
  /**
   * The records resolved are a part of a larger estate (a batch of the full build): how many
   * records of the whole estate carry a value, for the values that carry more than
   * `maxGroup` there. A group is counted at the larger of this and what the records resolved
   * hold, so that a batch skips exactly the groups the whole estate would.
   */
  estateGroups?: EstateGroups;
}

/** Records a value may be carried by and still be evidence ({@link ResolveOptions.maxGroup}). */
export const DEFAULT_MAX_GROUP = 25;

/**
 * Group sizes across a whole estate, by the key the rules group on. Only sizes above
 * `maxGroup` matter; a value missing counts as no larger than what is resolved.
 */
export interface EstateGroups {
  /** Named records (web accounts, members) carrying each email, as compared. */
  emails: ReadonlyMap<string, number>;
  /** Named records carrying each phone, first or second. */
  phones: ReadonlyMap<string, number>;
  /** Till records keyed with each phone, plus the named records carrying it. */
  tillPhones: ReadonlyMap<string, number>;
}

/**
 * Resolves records into customers with the deterministic rules of {@link ./rules.ts}: cards
 * first, then emails and phones with name agreement between named records (web accounts,
 * loyalty members), then phones keyed at tills against the customers so formed. Pure: the
 * same records always give the same answer, whatever their order.
 */
export function resolveRecords(records: readonly SourceRecord[], { maxGroup = DEFAULT_MAX_GROUP, estateGroups }: ResolveOptions = {}): Resolution {
  const sorted = [...records].sort(compareKeys);
  const ids = sorted.map(recordId);
  const byId = new Map(sorted.map((r, i) => [ids[i]!, r]));
  const order = new Map(ids.map((id, i) => [id, i]));
  const sets = new UnionFind();
  for (const id of ids) sets.add(id);

  const edges: MatchEdge[] = [];
  const candidates: CandidatePair[] = [];
  const skippedGroups: Resolution['skippedGroups'] = [];
  const pair = (x: string, y: string): [string, string] => (order.get(x)! < order.get(y)! ? [x, y] : [y, x]);
  const join = (x: string, y: string, rule: MatchRule, evidence: Evidence[]) => {
    const [a, b] = pair(x, y);
    edges.push({ a, b, rule, evidence });
    sets.union(a, b);
  };
  const keep = (x: string, y: string, rule: MatchRule, reason: CandidateReason, evidence: Evidence[]) => {
    const [a, b] = pair(x, y);
    candidates.push({ a, b, rule, reason, evidence });
  };

  const named = ids.filter((id) => byId.get(id)!.system !== 'POS');
  const tills = ids.filter((id) => {
    const r = byId.get(id)!;
    const kind = r.system === 'POS' ? posKind(r.localId) : null;
    return kind === 'phone' || kind === 'client';
  });
  const seenCards = ids.filter((id) => {
    const r = byId.get(id)!;
    return r.system === 'POS' && posKind(r.localId) === 'card';
  });

  // Cards: a party identifier, exact.
  const holdersOfCard = new Map<string, string[]>();
  for (const id of named) {
    for (const card of byId.get(id)!.cards) push(holdersOfCard, card.number, id);
  }
  for (const [number, holders] of holdersOfCard) {
    for (const other of holders.slice(1)) keep(holders[0]!, other, 'CARD_NUMBER', 'CARD_SHARED', [{ field: 'CARD_NUMBER', value: number }]);
  }
  for (const id of seenCards) {
    const number = byId.get(id)!.localId.slice('card:'.length);
    const holders = holdersOfCard.get(number) ?? [];
    const evidence: Evidence[] = [{ field: 'CARD_NUMBER', value: number }];
    if (holders.length === 1) join(id, holders[0]!, 'CARD_NUMBER', evidence);
    else for (const holder of holders) keep(id, holder, 'CARD_NUMBER', 'CARD_SHARED', evidence);
  }

  // Emails between named records: first names must agree.
  for (const [email, group] of groupBy(named, (id) => emailKey(byId.get(id)!.email))) {
    const size = Math.max(group.length, estateGroups?.emails.get(email) ?? 0);
    if (size > maxGroup) {
      skippedGroups.push({ field: 'EMAIL', value: email, records: size });
      continue;
    }
    eachPair(group, (x, y) => {
      const fx = nameKey(byId.get(x)!.firstName);
      const fy = nameKey(byId.get(y)!.firstName);
      const evidence: Evidence[] = [{ field: 'EMAIL', value: email }];
      if (fx !== null && fx === fy) join(x, y, 'EMAIL', [...evidence, { field: 'FIRST_NAME', value: fx }]);
      else keep(x, y, 'EMAIL', fx === null || fy === null ? 'NAME_MISSING' : 'FIRST_NAME_DIFFERS', evidence);
    });
  }

  // Phones between named records: first and last names must agree.
  const namedByPhone = groupByEach(named, (id) => phonesOf(byId.get(id)!));
  for (const [phone, group] of namedByPhone) {
    const size = Math.max(group.length, estateGroups?.phones.get(phone) ?? 0);
    if (size > maxGroup) {
      skippedGroups.push({ field: 'PHONE', value: phone, records: size });
      continue;
    }
    const personal = isPersonalLine(phone);
    eachPair(group, (x, y) => {
      const rx = byId.get(x)!;
      const ry = byId.get(y)!;
      const [fx, fy, lx, ly] = [nameKey(rx.firstName), nameKey(ry.firstName), nameKey(rx.lastName), nameKey(ry.lastName)];
      const evidence: Evidence[] = [{ field: 'PHONE', value: phone }];
      const firstAgrees = fx !== null && fx === fy;
      const lastAgrees = lx !== null && lx === ly;
      if (firstAgrees && lastAgrees && !personal) {
        // Namesakes in one household (a father and son) share the landline: not one person.
        keep(x, y, 'PHONE_NAME', 'SHARED_LINE', [...evidence, { field: 'FIRST_NAME', value: fx }, { field: 'LAST_NAME', value: lx }]);
      } else if (firstAgrees && lastAgrees) {
        join(x, y, 'PHONE_NAME', [...evidence, { field: 'FIRST_NAME', value: fx }, { field: 'LAST_NAME', value: lx }]);
      } else if (firstAgrees || lastAgrees) {
        const missing = fx === null || fy === null || lx === null || ly === null;
        keep(x, y, 'PHONE_NAME', missing ? 'NAME_MISSING' : 'NAME_DIFFERS', [
          ...evidence,
          ...(firstAgrees ? [{ field: 'FIRST_NAME' as const, value: fx }] : []),
          ...(lastAgrees ? [{ field: 'LAST_NAME' as const, value: lx }] : []),
        ]);
      }
    });
  }

  // Phones keyed at tills, against the customers formed so far.
  for (const [phone, group] of groupBy(tills, (id) => byId.get(id)!.phone)) {
    const holders = namedByPhone.get(phone) ?? [];
    const size = Math.max(group.length + holders.length, estateGroups?.tillPhones.get(phone) ?? 0);
    if (size > maxGroup) {
      skippedGroups.push({ field: 'PHONE', value: phone, records: size });
      continue;
    }
    const holdersBySet = groupBy(holders, (id) => sets.find(id));
    const phoneEvidence: Evidence = { field: 'PHONE', value: phone };
    if (!isPersonalLine(phone)) {
      for (const till of group) {
        for (const members of holdersBySet.values()) keep(till, members[0]!, 'MOBILE_PHONE', 'SHARED_LINE', [phoneEvidence]);
      }
      eachPair(group, (x, y) => keep(x, y, 'MOBILE_PHONE', 'SHARED_LINE', [phoneEvidence]));
      continue;
    }
    if (holdersBySet.size > 1) {
      for (const till of group) {
        for (const members of holdersBySet.values()) keep(till, members[0]!, 'MOBILE_PHONE', 'SEVERAL_HOLDERS', [phoneEvidence]);
      }
      continue;
    }
    if (holdersBySet.size === 1) {
      const surnames = new Set(holders.map((id) => nameKey(byId.get(id)!.lastName)).filter((s): s is string => s !== null));
      for (const till of group) {
        const surname = nameKey(byId.get(till)!.lastName);
        if (surname === null) join(till, holders[0]!, 'MOBILE_PHONE', [phoneEvidence]);
        else if (surnames.has(surname)) join(till, holders[0]!, 'MOBILE_PHONE', [phoneEvidence, { field: 'LAST_NAME', value: surname }]);
        else keep(till, holders[0]!, 'MOBILE_PHONE', 'SURNAME_DIFFERS', [phoneEvidence]);
      }
      continue;
    }
    // Nobody else holds the number: the tills' records of it are one person, unless their surnames disagree.
    const surnames = new Set(group.map((id) => nameKey(byId.get(id)!.lastName)).filter((s): s is string => s !== null));
    const [anchor, ...others] = group;
    for (const till of others) {
      if (surnames.size > 1) keep(anchor!, till, 'MOBILE_PHONE', 'SURNAME_DIFFERS', [phoneEvidence]);
      else join(anchor!, till, 'MOBILE_PHONE', surnames.size === 1 ? [phoneEvidence, { field: 'LAST_NAME', value: [...surnames][0]! }] : [phoneEvidence]);
    }
  }

  const components = [...groupBy(ids, (id) => sets.find(id)).values()];
  const seen = new Set<string>();
  const apart = candidates
    .filter((c) => sets.find(c.a) !== sets.find(c.b))
    .filter((c) => {
      const key = `${c.a}\n${c.b}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { components, edges, candidates: apart, skippedGroups };
}

/** Groups ids under each of their keys (an id with two phones joins two groups); groups keep the ids' order. */
function groupByEach(ids: readonly string[], keysOf: (id: string) => readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const id of ids) for (const key of keysOf(id)) push(groups, key, id);
  return groups;
}

/** Groups ids by a key, skipping null keys; groups keep the ids' order. */
function groupBy(ids: readonly string[], keyOf: (id: string) => string | null): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const key = keyOf(id);
    if (key !== null) push(groups, key, id);
  }
  return groups;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function eachPair(ids: readonly string[], visit: (x: string, y: string) => void): void {
  for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) visit(ids[i]!, ids[j]!);
}
