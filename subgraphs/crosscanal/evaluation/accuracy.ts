import type { Generated } from '../../../legacy/generator/generate.js';
import type { LocalRecord } from '../../../legacy/generator/model.js';
import { emailKey, isPersonalLine, nameKey } from '../matching/keys.js';
import { phonesOf, posKind, recordId, parseRecordId, type SourceRecord } from '../matching/records.js';
import { UnionFind } from '../matching/unionFind.js';
import type { CrosswalkStore } from '../store/crosswalkStore.js';
import { EVIDENCE_KINDS, EstateEvidence, type EvidenceKind } from './evidence.js';
import { exactEmailClusters, pairwiseScore, type PairwiseScore } from './pairwise.js';

/**
 * How well the crosswalk matches the generator's ground truth. Read by tests, the accuracy
 * report and the benchmark only.
 */
export interface Accuracy {
  /** The crosswalk's customers. */
  crosswalk: PairwiseScore;
  /** The naive baseline: records with exactly the same email string are one customer. */
  exactEmail: PairwiseScore;
  /**
   * The most any resolver could find from the records' shared values: within each true
   * person, records joined by any shared email or phone, as if an oracle knew which sharings
   * are safe.
   */
  ceiling: PairwiseScore;
  /**
   * The crosswalk measured against the ceiling instead of the truth: its recall is the share
   * of the pairs the records' shared values support that the crosswalk found.
   */
  linkable: PairwiseScore;
  /**
   * Every true pair by the strongest evidence directly between its two records (`NONE`: not
   * even a surname), and how many of them the crosswalk found (directly or through others).
   */
  evidence: EvidenceRow[];
  /**
   * True pairs reachable within their person through chains of evidence, each level adding
   * kinds to the one before: shared email or phone (the {@link ceiling}), then documents,
   * then full name and postcode, then a surname alone.
   */
  reachable: { through: string; pairs: number }[];
  /**
   * The crosswalk measured against everything reachable through any evidence at all: its
   * recall is the share of the pairs that carry any evidence that the crosswalk found.
   */
  anyEvidence: PairwiseScore;
  /** True pairs no chain of evidence reaches, by the kinds of their two records. */
  noEvidence: { pairs: number; byKinds: Record<string, number> };
  /**
   * A trial of the rule the figures ask for most: merging two customers whose named records
   * agree on first name, last name and postcode when that key belongs to those two customers
   * only and no email, mobile or birth date disagrees. Not a rule of the crosswalk: measured
   * to show why it is not one.
   */
  namePostcodeTrial: { merges: number; wrongMerges: number; score: PairwiseScore };
  /**
   * Pairs of named records (web accounts, members) on one landline whose first and last
   * names agree, and how many of them are two different people (the father and his son):
   * why a landline with names is never a rule.
   */
  landlineWithNames: { pairs: number; differentPeople: number };
  /** The pairs kept apart for a steward, and the true pairs the crosswalk missed that they point at. */
  candidates: { pairs: number; samePerson: number; missedPairsFlagged: number };
  /**
   * Pairs of two different people whose records carry one phone: the family landline, and the
   * mobile of a relative that a web account holds from a parcel sent to them.
   */
  sharedPhonePairs: number;
  /** Of those, pairs the crosswalk put in one customer. */
  sharedPhoneMerged: number;
  /** Pairs of two different people whose records carry one landline (the family landline). */
  sharedLandlinePairs: number;
  /** Of those, pairs the crosswalk put in one customer (must be 0: a landline alone merges nobody). */
  sharedLandlineMerged: number;
  /** Pairs of two different people whose records carry one email. */
  sharedEmailPairs: number;
  /** Of those, pairs the crosswalk put in one customer (must be 0). */
  sharedEmailMerged: number;
}

export interface EvidenceRow {
  kind: EvidenceKind | 'NONE';
  pairs: number;
  found: number;
}

/** One true pair the crosswalk did not put in one customer. */
export interface MissedPair {
  a: SourceRecord;
  b: SourceRecord;
  /** The strongest evidence directly between them; null when none. */
  evidence: EvidenceKind | null;
  /** The postcodes the evaluation knows for them (a web account's billing postcode). */
  postcodes: [string | null, string | null];
}

/** Two records of one person and the evidence directly between them, strongest first. */
interface DirectPair {
  a: string;
  b: string;
  kinds: EvidenceKind[];
}

/** What the evaluation reads of a generated estate. */
export type Scored = Pick<Generated, 'estate' | 'truth'>;

/** The record id the crosswalk gives a ground-truth record. */
export function truthRecordId(record: LocalRecord): string {
  switch (record.system) {
    case 'ecommerce':
      return recordId({ system: 'ECOMMERCE', franchise: null, localId: String(record.id) });
    case 'loyalty':
      return recordId({ system: 'LOYALTY', franchise: null, localId: record.id });
    case 'pos':
      return recordId({ system: 'POS', franchise: record.franchise, localId: `client:${record.clientId}` });
    case 'pos-phone':
      return recordId({ system: 'POS', franchise: record.franchise, localId: `phone:${record.phone}` });
  }
}

/** The kind of record, in words, for the breakdowns. */
export function recordKind(id: string): string {
  const key = parseRecordId(id);
  if (key.system === 'ECOMMERCE') return 'web account';
  if (key.system === 'LOYALTY') return 'member';
  const kind = posKind(key.localId);
  return kind === 'card' ? 'till card' : kind === 'phone' ? 'till phone' : 'OUE client';
}

/** Scores what the store holds against the estate's ground truth. */
export async function measureAccuracy(store: CrosswalkStore, generated: Scored): Promise<Accuracy> {
  const { truth, predicted, records, evidence, byPerson } = await load(store, generated);

  const { ecommerce, loyalty } = generated.estate;
  const baseline = exactEmailClusters([
    ...ecommerce.customers.map((c) => ({ record: recordId({ system: 'ECOMMERCE', franchise: null, localId: String(c.id) }), email: c.email })),
    ...loyalty.members.map((m) => ({ record: recordId({ system: 'LOYALTY', franchise: null, localId: m.member_id }), email: m.email })),
  ]);
  for (const id of truth.keys()) if (!baseline.has(id)) baseline.set(id, `record:${id}`);

  // Direct evidence of every true pair, and what the crosswalk made of it.
  const rows = new Map<EvidenceKind | 'NONE', EvidenceRow>([...EVIDENCE_KINDS, 'NONE' as const].map((kind) => [kind, { kind, pairs: 0, found: 0 }]));
  const direct = new Map<string, DirectPair[]>();
  for (const [person, ids] of byPerson) {
    const pairs: DirectPair[] = [];
    eachPair(ids, (a, b) => {
      const kinds = evidence.kinds(a, b);
      const row = rows.get(kinds[0] ?? 'NONE')!;
      row.pairs += 1;
      if (predicted.get(a) === predicted.get(b)) row.found += 1;
      pairs.push({ a, b, kinds });
    });
    direct.set(person, pairs);
  }

  const levels: { through: string; kinds: EvidenceKind[] }[] = [
    { through: 'a shared email or phone', kinds: ['EMAIL', 'MOBILE', 'LANDLINE'] },
    { through: '+ a document (web order returned at a till, quote finished online)', kinds: ['EMAIL', 'MOBILE', 'LANDLINE', 'DOCUMENT'] },
    { through: '+ full name and postcode', kinds: ['EMAIL', 'MOBILE', 'LANDLINE', 'DOCUMENT', 'NAME_POSTCODE'] },
    { through: '+ a surname alone', kinds: [...EVIDENCE_KINDS] },
  ];
  const closures = levels.map(({ kinds }) => closure(truth, direct, new Set(kinds)));
  const ceiling = closures[0]!;
  const any = closures.at(-1)!;
  const noEvidence = { pairs: 0, byKinds: {} as Record<string, number> };
  for (const pairs of direct.values()) {
    for (const { a, b } of pairs) {
      if (any.get(a) === any.get(b)) continue;
      noEvidence.pairs += 1;
      const kinds = [recordKind(a), recordKind(b)].sort().join(' ~ ');
      noEvidence.byKinds[kinds] = (noEvidence.byKinds[kinds] ?? 0) + 1;
    }
  }
  const inStore = (clusters: Map<string, string>) => new Map([...clusters].filter(([id]) => predicted.has(id)));

  const candidates = await candidateFigures(store, truth, predicted, direct);
  const phonesOfId = (id: string) => phonesOf(records.get(id) ?? { phone: null });
  const phones = sharedValuePairs(truth, predicted, phonesOfId);
  const landlines = sharedValuePairs(truth, predicted, (id) => phonesOfId(id).filter((phone) => !isPersonalLine(phone)));
  const emails = sharedValuePairs(truth, predicted, (id) => [emailKey(records.get(id)?.email)].filter((key): key is string => key !== null));

  return {
    crosswalk: pairwiseScore(truth, predicted),
    exactEmail: pairwiseScore(truth, baseline),
    ceiling: pairwiseScore(truth, ceiling),
    linkable: pairwiseScore(inStore(ceiling), predicted),
    evidence: [...rows.values()],
    reachable: levels.map(({ through }, i) => ({ through, pairs: pairwiseScore(truth, closures[i]!).correctPairs })),
    anyEvidence: pairwiseScore(inStore(any), predicted),
    noEvidence,
    namePostcodeTrial: namePostcodeTrial(truth, predicted, records, evidence),
    landlineWithNames: landlineWithNames(truth, records),
    candidates,
    sharedPhonePairs: phones.pairs,
    sharedPhoneMerged: phones.merged,
    sharedLandlinePairs: landlines.pairs,
    sharedLandlineMerged: landlines.merged,
    sharedEmailPairs: emails.pairs,
    sharedEmailMerged: emails.merged,
  };
}

/** The true pairs the crosswalk missed, with their records, at most `perKind` of each kind of evidence. */
export async function missedPairs(store: CrosswalkStore, generated: Scored, perKind: number): Promise<MissedPair[]> {
  const { predicted, records, evidence, byPerson } = await load(store, generated);
  const taken = new Map<string, number>();
  const missed: MissedPair[] = [];
  for (const ids of byPerson.values()) {
    eachPair(ids, (a, b) => {
      if (predicted.get(a) === predicted.get(b)) return;
      const kind = evidence.between(a, b);
      const n = taken.get(kind ?? 'NONE') ?? 0;
      if (n >= perKind) return;
      taken.set(kind ?? 'NONE', n + 1);
      missed.push({ a: records.get(a)!, b: records.get(b)!, evidence: kind, postcodes: [evidence.postcode(a), evidence.postcode(b)] });
    });
  }
  return missed;
}

/** A score as one line: `precision 100.00 % recall 73.68 % (1302 of 1767 pairs)`. */
export function formatScore(score: PairwiseScore): string {
  return `precision ${percent(score.precision)}  recall ${percent(score.recall)}  (${score.correctPairs} of ${score.truePairs} true pairs found, ${score.predictedPairs} pairs predicted)`;
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

/** The accuracy as lines of the report. */
export function formatAccuracy(accuracy: Accuracy): string[] {
  const total = accuracy.crosswalk.truePairs;
  const share = (n: number) => `${n} (${percent(total === 0 ? 1 : n / total)})`;
  const trial = accuracy.namePostcodeTrial;
  return [
    `  crosswalk      ${formatScore(accuracy.crosswalk)}`,
    `  exact email    ${formatScore(accuracy.exactEmail)}`,
    '',
    `  evidence directly between the two records of each true pair (strongest kind):`,
    ...accuracy.evidence.map((row) => `    ${row.kind.padEnd(14)} ${String(row.pairs).padStart(7)} pairs ${String(row.found).padStart(7)} found`),
    `  true pairs reachable within their person through chains of:`,
    ...accuracy.reachable.map((level) => `    ${level.through.padEnd(70)} ${share(level.pairs)}`),
    `  no evidence at all: ${share(accuracy.noEvidence.pairs)} true pairs`,
    ...Object.entries(accuracy.noEvidence.byKinds)
      .sort((x, y) => y[1] - x[1])
      .map(([kinds, n]) => `    ${kinds.padEnd(30)} ${n}`),
    `  crosswalk recall of the pairs a shared email or phone supports: ${percent(accuracy.linkable.recall)} (${accuracy.linkable.correctPairs} of ${accuracy.linkable.truePairs})`,
    `  crosswalk recall of the pairs that carry any evidence:          ${percent(accuracy.anyEvidence.recall)} (${accuracy.anyEvidence.correctPairs} of ${accuracy.anyEvidence.truePairs})`,
    `  trial, merging on full name + postcode: ${trial.merges} merges, ${trial.wrongMerges} of two different people; ${formatScore(trial.score)}`,
    `  named records on one landline with both names agreeing: ${accuracy.landlineWithNames.pairs} pairs, ${accuracy.landlineWithNames.differentPeople} of two different people`,
    `  candidates kept for a steward: ${accuracy.candidates.pairs} pairs, ${accuracy.candidates.samePerson} of one person; they point at ${accuracy.candidates.missedPairsFlagged} missed true pairs`,
    `  people sharing a landline (the family landline): ${accuracy.sharedLandlinePairs} pairs, ${accuracy.sharedLandlineMerged} merged`,
    `  people sharing any phone (a landline, or a mobile a parcel for a relative carries): ${accuracy.sharedPhonePairs} pairs, ${accuracy.sharedPhoneMerged} merged`,
    `  people sharing an email: ${accuracy.sharedEmailPairs} pairs, ${accuracy.sharedEmailMerged} merged`,
  ];
}

/** Missed pairs with every field of their two records, for study. */
export function formatMisses(missed: MissedPair[]): string {
  const line = (record: SourceRecord, postcode: string | null) =>
    [
      `${recordKind(recordId(record))} ${record.system}${record.franchise ? `/${record.franchise}` : ''} ${record.localId}`,
      `name ${record.firstName ?? '-'} ${record.lastName ?? '-'}`,
      `born ${record.birthDate ?? '-'}`,
      `postcode ${postcode ?? '-'}`,
      `email ${record.email ?? '-'}`,
      `phone ${phonesOf(record).join(', ') || '-'}`,
      `cards ${record.cards.map((c) => `${c.number} ${c.status}`).join(', ') || '-'}`,
    ].join(' | ');
  return [
    'missed true pairs, by the evidence between them:',
    ...missed.map((m) => [`  ${m.evidence ?? 'NONE'}`, `    ${line(m.a, m.postcodes[0])}`, `    ${line(m.b, m.postcodes[1])}`].join('\n')),
  ].join('\n');
}

async function load(store: CrosswalkStore, generated: Scored) {
  const truth = new Map<string, string>();
  for (const person of generated.truth.persons) for (const record of person.records) truth.set(truthRecordId(record), person.personId);
  const links = await store.allLinks();
  const predicted = new Map([...links].map(([id, link]) => [id, link.customerId]));
  const records = new Map((await store.allRecords()).map((r) => [recordId(r), r]));
  const evidence = new EstateEvidence(records, generated.estate);
  const byPerson = new Map<string, string[]>();
  for (const [id, person] of truth) {
    if (!predicted.has(id)) continue;
    const ids = byPerson.get(person);
    if (ids) ids.push(id);
    else byPerson.set(person, [id]);
  }
  return { truth, predicted, records, evidence, byPerson };
}

/** Records joined within each person through the direct evidence of the given kinds. */
function closure(truth: Map<string, string>, direct: Map<string, DirectPair[]>, kinds: Set<EvidenceKind>): Map<string, string> {
  const sets = new UnionFind();
  for (const id of truth.keys()) sets.add(id);
  for (const pairs of direct.values()) for (const pair of pairs) if (pair.kinds.some((kind) => kinds.has(kind))) sets.union(pair.a, pair.b);
  return new Map([...truth.keys()].map((id) => [id, sets.find(id)]));
}

function namePostcodeTrial(truth: Map<string, string>, predicted: Map<string, string>, records: Map<string, SourceRecord>, evidence: EstateEvidence): Accuracy['namePostcodeTrial'] {
  const sets = new UnionFind();
  for (const customer of predicted.values()) sets.add(customer);
  const members = new Map<string, string[]>();
  for (const [id, customer] of predicted) {
    const list = members.get(customer);
    if (list) list.push(id);
    else members.set(customer, [id]);
  }
  const byKey = new Map<string, Set<string>>();
  for (const [id, record] of records) {
    if (record.system === 'POS' || !predicted.has(id)) continue;
    const first = nameKey(record.firstName);
    const last = nameKey(record.lastName);
    const postcode = evidence.postcode(id);
    if (first === null || last === null || postcode === null) continue;
    const key = `${first}|${last}|${postcode}`;
    byKey.set(key, (byKey.get(key) ?? new Set()).add(predicted.get(id)!));
  }
  const values = (customer: string, of: (r: SourceRecord) => string | null) =>
    new Set(members.get(customer)!.map((id) => of(records.get(id)!)).filter((v): v is string => v !== null));
  const disagree = (x: Set<string>, y: Set<string>) => x.size > 0 && y.size > 0 && ![...x].some((v) => y.has(v));
  let merges = 0;
  let wrongMerges = 0;
  for (const customers of byKey.values()) {
    if (customers.size !== 2) continue;
    const [x, y] = [...customers] as [string, string];
    const conflict = [(r: SourceRecord) => emailKey(r.email), (r: SourceRecord) => phonesOf(r).find(isPersonalLine) ?? null, (r: SourceRecord) => r.birthDate].some(
      (of) => disagree(values(x, of), values(y, of)),
    );
    if (conflict) continue;
    merges += 1;
    const people = (customer: string) => new Set(members.get(customer)!.map((id) => truth.get(id)).filter((p) => p !== undefined));
    const px = people(x);
    if (![...people(y)].every((p) => px.has(p)) || px.size > 1) wrongMerges += 1;
    sets.union(x, y);
  }
  const merged = new Map([...predicted].map(([id, customer]) => [id, sets.find(customer)]));
  return { merges, wrongMerges, score: pairwiseScore(truth, merged) };
}

function landlineWithNames(truth: Map<string, string>, records: Map<string, SourceRecord>): Accuracy['landlineWithNames'] {
  const byLine = new Map<string, string[]>();
  for (const [id, record] of records) {
    if (record.system === 'POS' || !truth.has(id)) continue;
    for (const line of phonesOf(record).filter((phone) => !isPersonalLine(phone))) byLine.set(line, [...(byLine.get(line) ?? []), id]);
  }
  let pairs = 0;
  let differentPeople = 0;
  for (const ids of byLine.values()) {
    eachPair(ids, (a, b) => {
      const [x, y] = [records.get(a)!, records.get(b)!];
      const first = nameKey(x.firstName);
      const last = nameKey(x.lastName);
      if (first === null || last === null || first !== nameKey(y.firstName) || last !== nameKey(y.lastName)) return;
      pairs += 1;
      if (truth.get(a) !== truth.get(b)) differentPeople += 1;
    });
  }
  return { pairs, differentPeople };
}

async function candidateFigures(
  store: CrosswalkStore,
  truth: Map<string, string>,
  predicted: Map<string, string>,
  direct: Map<string, { a: string; b: string }[]>,
): Promise<Accuracy['candidates']> {
  const stored = await store.allCandidates();
  const flagged = new Set<string>();
  let samePerson = 0;
  for (const { a, b } of stored) {
    const [pa, pb] = [truth.get(a), truth.get(b)];
    if (pa !== undefined && pa === pb) samePerson += 1;
    const [ca, cb] = [predicted.get(a), predicted.get(b)];
    if (ca !== undefined && cb !== undefined) flagged.add(customerPair(ca, cb));
  }
  let missedPairsFlagged = 0;
  for (const pairs of direct.values()) {
    for (const { a, b } of pairs) {
      const [ca, cb] = [predicted.get(a)!, predicted.get(b)!];
      if (ca !== cb && flagged.has(customerPair(ca, cb))) missedPairsFlagged += 1;
    }
  }
  return { pairs: stored.length, samePerson, missedPairsFlagged };
}

function customerPair(x: string, y: string): string {
  return x < y ? `${x}\n${y}` : `${y}\n${x}`;
}

/** Pairs of different people whose records carry one value, and how many of them share a customer. */
function sharedValuePairs(
  truth: Map<string, string>,
  predicted: Map<string, string>,
  valuesOf: (id: string) => readonly string[],
): { pairs: number; merged: number } {
  const holders = new Map<string, Map<string, string[]>>();
  for (const [id, person] of truth) {
    for (const value of valuesOf(id)) {
      const byPerson = holders.get(value) ?? new Map<string, string[]>();
      byPerson.set(person, [...(byPerson.get(person) ?? []), id]);
      holders.set(value, byPerson);
    }
  }
  let pairs = 0;
  let merged = 0;
  for (const byPerson of holders.values()) {
    const people = [...byPerson.values()];
    eachPair(people, (x, y) => {
      pairs += 1;
      const customers = new Set(x.map((id) => predicted.get(id)));
      if (y.some((id) => customers.has(predicted.get(id)))) merged += 1;
    });
  }
  return { pairs, merged };
}

function eachPair<T>(items: readonly T[], visit: (x: T, y: T) => void): void {
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) visit(items[i]!, items[j]!);
}
