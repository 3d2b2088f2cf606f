/**
 * `digits` without the zeros it ends with (`"500"` → `"5"`, `"000"` → `""`): the decimals of a
 * fraction that count.
 *
 * A loop from the end, not `replace(/0+$/, '')`: a regex engine tries that pattern at each
 * zero of a run that a later digit ends (`1.000…001`), each try reading the rest of the run, so
 * n zeros cost n² steps: 100 KB of them held a core for about 10 s, 256 KiB for over a minute.
 * Amounts come from legacy systems and from clients of the stand-ins, unbounded in length.
 */
export function withoutTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 0x30 /* 0 */) end -= 1;
  return digits.slice(0, end);
}
