import { isValidGtin, toGtin14 } from '../../../utilities/gtin.js';

/** The kinds of code a product is known by, as the graph names them (`ProductAliasKind`). */
export type ReferenceKind = 'CATALOGUE_REF' | 'GTIN' | 'WEB_SKU' | 'SUPPLIER_REF' | 'POS_LOCAL_CODE';

/** The order readings are reported in when one product is found several ways: the most specific first. */
export const KIND_ORDER: readonly ReferenceKind[] = ['CATALOGUE_REF', 'GTIN', 'WEB_SKU', 'SUPPLIER_REF', 'POS_LOCAL_CODE'];

/**
 * One way to read what was typed: a kind of code, the code in its lookup form (see
 * {@link lookupCode}), and for a POS local code the franchise it was asked in (null: any).
 */
export interface Reading {
  kind: ReferenceKind;
  code: string;
  franchise: string | null;
}

/** Longest reference `productByReference` takes; longer is no product code. */
export const MAX_REFERENCE_LENGTH = 64;

const CATALOGUE_REF = /^(\d{3})[.\s-]*(\d{3})[.\s-]*(\d{2})$/;
const GTIN_LENGTHS = new Set([8, 12, 13, 14]);
const FRANCHISE = /^[A-Z0-9_-]{1,16}$/;

/**
 * A catalogue reference in the one form the catalogue prints, `702.611.50`: the same eight
 * digits written without dots, or with spaces or hyphens between the groups, are the same
 * reference. Null for anything else.
 */
export function catalogueRefOf(value: string): string | null {
  const match = CATALOGUE_REF.exec(value.trim());
  return match ? `${match[1]}.${match[2]}.${match[3]}` : null;
}

/**
 * The GTIN-14 a code stands for when it is a GTIN once spaces and hyphens are dropped:
 * `3307773902317`, `0 3307773 902317` and a UPC-12 `012345678905` (the EAN-13
 * `0012345678905`) all compare by this form. Null when it is no GTIN (wrong length, wrong
 * check digit).
 */
export function gtinKeyOf(value: string): string | null {
  const digits = value.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits) || !GTIN_LENGTHS.has(digits.length) || !isValidGtin(digits)) return null;
  return toGtin14(digits);
}

/** A GTIN-14 written as an EAN-13 when it fits (a leading zero dropped), as the catalogue keeps it. */
export function displayGtin(gtin14: string): string {
  return gtin14.startsWith('0') ? gtin14.slice(1) : gtin14;
}

/**
 * The lookup form of a SKU, a supplier reference or a local code: without spaces, upper
 * case. Systems write them in upper case; people type them in any case.
 */
export function lookupCode(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

/** A franchise code as the tills write it (`NRD`), or null when `value` cannot be one. */
export function franchiseOf(value: string): string | null {
  const code = value.trim().toUpperCase();
  return FRANCHISE.test(code) ? code : null;
}

/** Why `ref` cannot be a product code, or null when it can be read. */
export function referenceProblem(ref: string): string | null {
  const trimmed = ref.trim();
  if (trimmed === '') return 'ref must not be empty';
  if (trimmed.length > MAX_REFERENCE_LENGTH) return `ref must be at most ${MAX_REFERENCE_LENGTH} characters, got ${trimmed.length}`;
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return `ref must be printable text, got ${JSON.stringify(trimmed)}`;
  return null;
}

/**
 * Every way `ref` can be read, most specific first. Eight digits read as a catalogue
 * reference and, when the check digit fits, as an EAN-8 too; a GTIN of any length as its
 * GTIN-14; anything without inner spaces as a web SKU, a supplier reference and a local code
 * (in `franchise` when given, else in any franchise). The index decides which readings name
 * a product; none is preferred here.
 */
export function readReference(ref: string, franchise: string | null = null): Reading[] {
  const trimmed = ref.trim();
  const readings: Reading[] = [];
  const catalogueRef = catalogueRefOf(trimmed);
  if (catalogueRef !== null) readings.push({ kind: 'CATALOGUE_REF', code: catalogueRef, franchise: null });
  const gtin = gtinKeyOf(trimmed);
  if (gtin !== null) readings.push({ kind: 'GTIN', code: gtin, franchise: null });
  const code = lookupCode(trimmed);
  // Codes never hold inner spaces: "702 611 50" is a reference typed loosely, not a SKU.
  if (code !== '' && !/\s/.test(trimmed)) {
    readings.push({ kind: 'WEB_SKU', code, franchise: null });
    readings.push({ kind: 'SUPPLIER_REF', code, franchise: null });
    readings.push({ kind: 'POS_LOCAL_CODE', code, franchise });
  }
  return readings;
}

/**
 * The form an unknown reference is recorded under, so that the ways of typing one code
 * count together: a catalogue reference dotted, a GTIN as an EAN-13 (or GTIN-14), anything
 * else without spaces in upper case.
 */
export function recordedForm(ref: string): string {
  const trimmed = ref.trim();
  const catalogueRef = catalogueRefOf(trimmed);
  if (catalogueRef !== null) return catalogueRef;
  const gtin = gtinKeyOf(trimmed);
  if (gtin !== null) return displayGtin(gtin);
  return lookupCode(trimmed);
}
