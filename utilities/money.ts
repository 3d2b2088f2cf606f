import { withoutTrailingZeros } from './decimal.js';

/** Money as the graph carries it: integer minor units and an ISO 4217 code. */
export interface Money {
  amount: number;
  currency: string;
}

/** Minor-unit exponents that differ from 2. */
const EXPONENTS: Readonly<Record<string, number>> = { JPY: 0, KRW: 0, ISK: 0, CLP: 0, BHD: 3, KWD: 3, OMR: 3, TND: 3, JOD: 3 };

export function minorUnitExponent(currency: string): number {
  if (!/^[A-Z]{3}$/.test(currency)) throw new RangeError(`currency must be an ISO 4217 code of three capital letters, got ${JSON.stringify(currency)}`);
  return EXPONENTS[currency] ?? 2;
}

/**
 * Reads a decimal amount as legacy systems write it (`"129.90"`, `"-5"`, `"0.5"`, or a
 * number from a `numeric` column) into minor units, exactly, without going through a float.
 * Throws a RangeError naming the value when it is not a decimal or has more decimals than
 * the currency has minor units.
 */
export function moneyFromDecimal(value: string | number, currency: string): Money {
  const exponent = minorUnitExponent(currency);
  const text = typeof value === 'number' ? value.toFixed(exponent) : value.trim();
  const match = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(value)}`);
  const [, sign, whole, fraction = ''] = match;
  const significant = withoutTrailingZeros(fraction);
  if (significant.length > exponent) throw new RangeError(`${JSON.stringify(value)} has more decimals than ${currency} has minor units (${exponent})`);
  const amount = Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, '0').slice(0, exponent) || '0');
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount out of range: ${JSON.stringify(value)}`);
  return { amount: sign === '-' && amount !== 0 ? -amount : amount, currency };
}

/** Minor units as they are (cents columns), with the currency checked. */
export function moneyFromMinor(amount: number, currency: string): Money {
  minorUnitExponent(currency);
  if (!Number.isSafeInteger(amount)) throw new RangeError(`minor units must be an integer, got ${amount}`);
  return { amount, currency };
}
