import type { Random } from './random.js';
import { EMAIL_PROVIDERS, FIRST_NAMES, FRANCHISES, LAST_NAMES, STREETS, type FranchiseSeed } from './vocabulary.js';

/** A real person behind the records; the generator's ground truth, never shown to a resolver. */
export interface Person {
  id: string;
  household: Household;
  isHead: boolean;
  firstName: string;
  lastName: string;
  birthDate: string;
  /** Canonical address, lower-case; each system may store a messier copy. */
  email: string;
  /** E.164, personal; null for the few without one. */
  mobile: string | null;
}

export interface Household {
  id: string;
  franchise: FranchiseSeed;
  storeIndex: number;
  street: string;
  postcode: string;
  city: string;
  /** E.164 landline shared by every member, or null. */
  landline: string | null;
  members: Person[];
}

export interface PeopleOptions {
  /** The number of the first person (`P0000001`) and household (`H000001`): a cohort carries on from the one before. */
  firstPerson?: number;
  firstHousehold?: number;
  /** Emails and phone numbers taken already (by earlier cohorts): the new people get others, and theirs are added. */
  emails?: Set<string>;
  phones?: Set<string>;
}

/** Makes `count` people in households of one to four, spread over the franchises' regions. */
export function generatePeople(
  random: Random,
  count: number,
  { firstPerson = 1, firstHousehold = 1, emails = new Set(), phones = new Set() }: PeopleOptions = {},
): { people: Person[]; households: Household[] } {
  const people: Person[] = [];
  const households: Household[] = [];

  const uniquePhone = (make: () => string): string => {
    let phone = make();
    while (phones.has(phone)) phone = make();
    phones.add(phone);
    return phone;
  };

  while (people.length < count) {
    const size = Math.min(random.weighted([[1, 58], [2, 22], [3, 12], [4, 8]] as const), count - people.length);
    const franchise = random.weighted(FRANCHISES.map((f) => [f, f.stores.length] as const));
    const storeIndex = random.int(0, franchise.stores.length - 1);
    const store = franchise.stores[storeIndex]!;
    const hasLandline = random.chance(size > 1 ? 0.55 : 0.15);
    const household: Household = {
      id: `H${String(firstHousehold + households.length).padStart(6, '0')}`,
      franchise,
      storeIndex,
      street: `${random.int(1, 120)} ${random.pick(STREETS)}`,
      postcode: store.postcode,
      city: store.city,
      landline: hasLandline ? uniquePhone(() => `+33${franchise.areaDigit}${digits(random, 8)}`) : null,
      members: [],
    };
    households.push(household);
    const familyName = random.pick(LAST_NAMES);
    for (let i = 0; i < size; i++) {
      // A partner keeps their own surname now and then; children carry the family's.
      const lastName = i === 1 && random.chance(0.3) ? random.pick(LAST_NAMES) : familyName;
      const firstName = random.pick(FIRST_NAMES);
      const adult = i < 2;
      const person: Person = {
        id: `P${String(firstPerson + people.length).padStart(7, '0')}`,
        household,
        isHead: i === 0,
        firstName,
        lastName,
        birthDate: isoDate(adult ? random.int(1950, 2003) : random.int(2004, 2010), random.int(1, 12), random.int(1, 28)),
        email: uniqueEmail(random, emails, firstName, lastName),
        mobile: random.chance(adult ? 0.97 : 0.92) ? uniquePhone(() => `+33${random.pick(['6', '7'])}${digits(random, 8)}`) : null,
      };
      household.members.push(person);
      people.push(person);
    }
  }
  return { people, households };
}

/** Lower-case ASCII form of a name for an email local part: "Élodie Le Gall" → "elodie", "legall". */
export function asciiSlug(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

function uniqueEmail(random: Random, taken: Set<string>, first: string, last: string): string {
  const f = asciiSlug(first);
  const l = asciiSlug(last);
  const local = random.pick([`${f}.${l}`, `${f}${l}`, `${f[0]}.${l}`, `${l}.${f}`, `${f}.${l}${random.int(1, 99)}`]);
  const provider = random.pick(EMAIL_PROVIDERS);
  let email = `${local}@${provider}`;
  for (let n = 2; taken.has(email); n++) email = `${local}${n}@${provider}`;
  taken.add(email);
  return email;
}

export function digits(random: Random, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(random.int(0, 9));
  return out;
}

function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
