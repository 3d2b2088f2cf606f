/** Country calling codes the estate's national numbers belong to, by ISO 3166 country. */
const CALLING_CODES: Readonly<Record<string, string>> = { FR: '33', BE: '32', CH: '41', LU: '352', MC: '377', ES: '34', IT: '39', DE: '49', GB: '44' };

/**
 * A phone number in E.164 (`+33612345678`), from any of the forms the legacy systems keep:
 * national (`06 12 34 56 78`, `06.12.34.56.78`, `0612345678`), international with spaces
 * (`+33 6 12 34 56 78`) or with the `00` prefix (`0033612345678`). National numbers are read
 * in `defaultCountry`. Returns null for anything that cannot be a phone number, rather than
 * passing a legacy format on.
 */
export function toE164(raw: string | null | undefined, defaultCountry = 'FR'): string | null {
  if (raw == null) return null;
  const compact = raw.trim().replace(/[\s.\-()/]/g, '');
  if (compact === '') return null;
  let international: string;
  if (compact.startsWith('+')) international = compact.slice(1);
  else if (compact.startsWith('00')) international = compact.slice(2);
  else if (compact.startsWith('0')) {
    const code = CALLING_CODES[defaultCountry];
    if (!code) throw new RangeError(`toE164: no calling code known for country ${JSON.stringify(defaultCountry)}`);
    international = code + compact.slice(1);
  } else return null;
  // A French number written `+33 (0)6…` keeps a trunk 0 after the country code.
  if (international.startsWith('330')) international = `33${international.slice(3)}`;
  if (!/^[1-9]\d{6,14}$/.test(international)) return null;
  if (international.startsWith('33') && international.length !== 11) return null;
  return `+${international}`;
}

/** The French national form (`0612345678`) of an E.164 number, as the loyalty system searches. */
export function frenchNational(e164: string): string | null {
  return /^\+33\d{9}$/.test(e164) ? `0${e164.slice(3)}` : null;
}
