import { ApiError } from './apiError.js';

/** Reads a write's body, which must be a JSON object; anything else is a 400. */
export function readJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('bad_request', `body must be a JSON object, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError('bad_request', `body must be a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
