import { badUserInput } from '../shared/errors.js';
import type { SizesUpdate } from './client.js';

/** `LoyaltySizesInput` as GraphQL hands it over: an absent field is undefined, an explicit one may be null. */
export interface LoyaltySizesInput {
  shoeSize?: string | null;
  topSize?: string | null;
  bottomSize?: string | null;
}

const LETTER_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL', 'XXXL'] as const;
/** How tills also print the two largest letter sizes. */
const LETTER_ALIASES: Readonly<Record<string, string>> = { '2XL': 'XXL', '3XL': 'XXXL' };

const SHOE = { min: 16, max: 50 };
const CLOTHING = { min: 30, max: 66 };

type Reader = (raw: string) => string | undefined;

/** An EU shoe size, whole or half: "42", "42.5", "42,5" and "42.0" are read; "42.5" and "42" are sent. */
const shoeSize: Reader = (raw) => {
  const text = raw.replace(',', '.');
  if (!/^\d{2}(\.\d+)?$/.test(text)) return undefined;
  const size = Number(text);
  if (size < SHOE.min || size > SHOE.max || !Number.isInteger(size * 2)) return undefined;
  return String(size);
};

/** A letter size (any case, 2XL/3XL too) or a whole EU size from 30 to 66, as the programme writes it. */
const clothingSize: Reader = (raw) => {
  const letters = raw.toUpperCase();
  if ((LETTER_SIZES as readonly string[]).includes(letters)) return letters;
  if (LETTER_ALIASES[letters]) return LETTER_ALIASES[letters];
  if (!/^\d{2}$/.test(raw)) return undefined;
  const size = Number(raw);
  return size >= CLOTHING.min && size <= CLOTHING.max ? String(size) : undefined;
};

const FIELDS = [
  { field: 'shoeSize', legacy: 'shoe', read: shoeSize, expected: `an EU shoe size from ${SHOE.min} to ${SHOE.max}, whole or half, such as "42" or "42.5"` },
  {
    field: 'topSize',
    legacy: 'top',
    read: clothingSize,
    expected: `one of ${LETTER_SIZES.join(', ')} or a whole EU size from ${CLOTHING.min} to ${CLOTHING.max}, such as "M" or "40"`,
  },
  {
    field: 'bottomSize',
    legacy: 'bottom',
    read: clothingSize,
    expected: `one of ${LETTER_SIZES.join(', ')} or a whole EU size from ${CLOTHING.min} to ${CLOTHING.max}, such as "L" or "42"`,
  },
] as const;

/**
 * The sizes of a `recordLoyaltySizes` as the programme takes them, checked before it is asked:
 * a field left out is left as it is, null or blank clears the size, anything else must be a
 * size of its kind (normalised: trimmed, upper-cased letters, "42,5" → "42.5"). A bad value
 * is BAD_USER_INPUT naming `<argument>.<field>` and showing it; an input without any field
 * too, since it would change nothing.
 */
export function readSizesInput(input: LoyaltySizesInput, argument = 'sizes'): SizesUpdate['sizes'] {
  const sizes: SizesUpdate['sizes'] = {};
  for (const { field, legacy, read, expected } of FIELDS) {
    const raw = input[field];
    if (raw === undefined) continue;
    const trimmed = raw?.trim() ?? '';
    if (trimmed === '') {
      sizes[legacy] = null;
      continue;
    }
    const size = read(trimmed);
    if (size === undefined) throw badUserInput(`${argument}.${field} must be ${expected}, or null to clear it; got ${JSON.stringify(raw)}`, `${argument}.${field}`);
    sizes[legacy] = size;
  }
  if (Object.keys(sizes).length === 0) {
    throw badUserInput(`${argument} must give at least one of ${FIELDS.map((f) => f.field).join(', ')} (null clears one); got none`, argument);
  }
  return sizes;
}
