/**
 * GS1 check digits (GTIN-8/12/13/14, GLN, and the restricted-circulation EAN-13 that
 * loyalty cards use): weights 3,1,3,1… from the rightmost data digit.
 */

/** The check digit for a string of data digits (the code without its last digit). */
export function gs1CheckDigit(dataDigits: string): number {
  if (!/^\d+$/.test(dataDigits)) {
    throw new Error(`GS1 data digits must be digits only, got ${JSON.stringify(dataDigits)}`);
  }
  let sum = 0;
  for (let i = dataDigits.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) {
    sum += (dataDigits.charCodeAt(i) - 48) * weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** Appends the check digit: `withCheckDigit('629104150021')` is `'6291041500213'`. */
export function withCheckDigit(dataDigits: string): string {
  return dataDigits + gs1CheckDigit(dataDigits);
}

const GTIN_LENGTHS = new Set([8, 12, 13, 14]);

/** True for a GTIN-8, -12, -13 or -14 whose check digit is right. */
export function isValidGtin(code: string): boolean {
  if (!/^\d+$/.test(code) || !GTIN_LENGTHS.has(code.length)) return false;
  return gs1CheckDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
}

/** A GTIN of any length as the 14-digit form used to compare codes across systems. */
export function toGtin14(code: string): string {
  if (!isValidGtin(code)) throw new Error(`not a valid GTIN: ${JSON.stringify(code)}`);
  return code.padStart(14, '0');
}
