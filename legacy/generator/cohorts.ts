import { EstateWriter, type Manifest } from './files.js';
import { DEFAULT_AS_OF, DEFAULT_SEED, firstCohort, generateCohort, generateEstate, SCALES, type Generated, type ScaleName, type ScaleSpec } from './generate.js';

/**
 * A large estate made cohort after cohort, in the memory of one cohort: each cohort is
 * `cohortPeople` people with the scale's habits, over the catalogue, stores and prices every
 * cohort shares (made from the seed alone, written once); its records carry on the
 * numbering of the cohort before (people, accounts, members, orders, receipts per store…),
 * and its emails, phone numbers and card numbers are unique across the estate, as in an
 * estate made at once. The first cohort is exactly what an estate of that size made at once
 * would be; a person's habits draw on their cohort's stream.
 *
 * What a cohort does not see: a gift sent to someone of another cohort, a household split
 * across two. Both are proportions of the cohort, the same at any size.
 */

/** The tables every cohort makes alike: the first cohort's are the estate's. */
const SHARED = {
  ecommerce: ['products', 'cartRules'],
  loyalty: [],
  pos: ['franchises', 'stores', 'sellers', 'stock', 'prices', 'promotions'],
  catalogue: ['products', 'campaigns'],
} as const;

export interface CohortOptions {
  seed?: string;
  asOf?: string;
}

/** The cohorts of a scale, one at a time; a scale without `cohortPeople` is one cohort. */
export function* generateCohorts(scale: ScaleName | ScaleSpec, { seed = DEFAULT_SEED, asOf = DEFAULT_AS_OF }: CohortOptions = {}): Generator<Generated> {
  const scaleName = typeof scale === 'string' ? scale : 'custom';
  const spec: ScaleSpec = typeof scale === 'string' ? SCALES[scale] : scale;
  const size = spec.cohortPeople ?? spec.people;
  if (!(size > 0)) throw new Error(`cohortPeople must be above 0, got ${JSON.stringify(spec.cohortPeople)}`);
  if (size >= spec.people) {
    yield generateEstate({ seed, scale, asOf });
    return;
  }
  const date = new Date(asOf);
  if (Number.isNaN(date.getTime())) throw new Error(`asOf must be an ISO 8601 date, got ${JSON.stringify(asOf)}`);
  const cohort = firstCohort();
  for (let made = 0; made < spec.people; made += size) {
    const people = Math.min(size, spec.people - made);
    const generated = generateCohort(seed, scaleName, { ...spec, people }, date, cohort);
    if (cohort.index > 1) withoutShared(generated);
    yield generated;
  }
}

/** Generates the scale into `dir`, cohort after cohort, each written before the next is made. */
export async function writeEstateInCohorts(dir: string, scale: ScaleName | ScaleSpec, options: CohortOptions = {}): Promise<Manifest> {
  const writer = await EstateWriter.open(dir);
  for (const generated of generateCohorts(scale, options)) await writer.add(generated);
  return writer.finish();
}

/** A later cohort: the shared tables are the first one's; only its members' own offers are its own. */
function withoutShared(generated: Generated): void {
  const estate = generated.estate as unknown as Record<string, Record<string, unknown[]>>;
  for (const [system, tables] of Object.entries(SHARED)) for (const table of tables) estate[system]![table] = [];
  generated.estate.loyalty.offers = generated.estate.loyalty.offers.filter((offer) => offer.member_id !== null);
}
