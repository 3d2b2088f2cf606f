/**
 * The platform's decimal strings ("89.90", "12.5", "0"): digits, then at most two decimals,
 * no sign, no leading zero, no exponent, at most 12 digits before the point (its columns are
 * DECIMAL(14,2)). Amounts are added in whole cents, as integers, so that no sum is ever off
 * by a binary fraction.
 */
const DECIMAL = /^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/;

/** The amount of a decimal string in cents, or undefined when it is not one the platform stores. */
export function parseCents(text: string): bigint | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  return BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

/** Cents as the platform writes an amount it computed: two decimals ("138.98", "-5.00"). */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const magnitude = cents < 0n ? -cents : cents;
  return `${sign}${magnitude / 100n}.${String(magnitude % 100n).padStart(2, '0')}`;
}
