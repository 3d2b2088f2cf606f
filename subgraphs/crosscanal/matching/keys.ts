import { emailKey } from '../../../utilities/email.js';

/**
 * A name as compared by the rules: accents, case, spaces, hyphens and apostrophes removed,
 * so that `Élodie` typed `Elodie` and `LE GALL` keyed `Le Gall` agree. Null when no letter
 * is left (a blank is never evidence).
 */
export function nameKey(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const key = raw
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  return key === '' ? null : key;
}

/** The email as compared by the rules (trimmed, lower-cased), or null. */
export { emailKey };

/**
 * Prefixes of numbers issued to one person (mobile ranges of the numbering plans the estate
 * meets). A landline or a box number belongs to a household and is never evidence of one
 * person on its own.
 */
const PERSONAL_PREFIXES = ['+336', '+337', '+324', '+417', '+3526', '+3776', '+346', '+347', '+393', '+4915', '+4916', '+4917', '+447'];

/** True when an E.164 number is a mobile line, i.e. normally one person's. */
export function isPersonalLine(e164: string): boolean {
  return PERSONAL_PREFIXES.some((prefix) => e164.startsWith(prefix));
}
