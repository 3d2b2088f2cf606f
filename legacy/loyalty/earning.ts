/**
 * The programme's earning rule for purchases, as the generator applies it to every till
 * receipt scanned with a card (`legacy/generator/generate.ts`, `loyaltyPointsAndTiers`):
 * one point per whole euro paid, rounded down (`floor(total_cents / 100)`), whatever the
 * member's tier, with no offer applied (a POINTS_MULTIPLIER offer is not taken into account
 * there either). A purchase under 1 € earns a movement of 0 points.
 */

/** The one currency the programme earns points in, as every system of the estate uses. */
export const PROGRAMME_CURRENCY = 'EUR';

/** Points a purchase of `amountCents` euro cents earns. */
export function purchasePoints(amountCents: number): number {
  return Math.floor(amountCents / 100);
}

/** Euro cents of a decimal amount with at most two decimals ("59.9" → 5990). */
export function amountCents(amount: string): number {
  const [whole = '0', fraction = ''] = amount.split('.');
  if (!/^\d+$/.test(whole) || !/^\d{0,2}$/.test(fraction)) throw new Error(`amountCents needs a positive decimal with at most 2 decimals, got ${JSON.stringify(amount)}`);
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Cents as the programme writes an amount: two decimals ("59.90"). */
export function formatCents(cents: number): string {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
