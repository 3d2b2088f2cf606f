/** How the PIM writes a category path in one string: `Chaussures > Running`. */
export const CATEGORY_SEPARATOR = ' > ';

/**
 * Splits `Chaussures > Running` into its segments. Spaces around each `>` are not part of a
 * segment; segments themselves are kept exactly (case and accents matter).
 * Returns null when a segment is empty (`Chaussures >`, `> Running`).
 */
export function parseCategoryPath(text: string): string[] | null {
  const segments = text.split('>').map((segment) => segment.trim());
  return segments.some((segment) => segment === '') ? null : segments;
}

/** True when `path` is `prefix` or lies below it, segment by segment: `Vêtements > Vestes` is not under `Vêtements > Ves`. */
export function isUnder(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}
