/**
 * An email as the graph shows it: the address as typed, without the stray spaces legacy
 * forms kept. Null when nothing is left or it is not shaped like an address.
 */
export function displayEmail(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const trimmed = raw.trim();
  return /^[^\s@]+@[^\s@]+$/.test(trimmed) ? trimmed : null;
}

/**
 * The form used to match two emails: trimmed and lower-cased. Provider-specific rewrites
 * (dots, `+tags`) are deliberately left out: they are not safe as the only evidence.
 */
export function emailKey(raw: string | null | undefined): string | null {
  return displayEmail(raw)?.toLowerCase() ?? null;
}
