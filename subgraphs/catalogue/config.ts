import { internalSecretFromEnv } from '../shared/principal.js';
/** Where the catalogue subgraph listens by default. */
export const DEFAULT_PORT = 4204;

/** Where the PIM answers by default (the stand-in's default address); `/pim/v2` is appended. */
export const DEFAULT_PIM_URL = 'http://127.0.0.1:4104';

export interface CatalogueSubgraphConfig {
  /** `CROSSCANAL_INTERNAL_SECRET`: shared with the gateway, which signs each request's principal with it. */
  internalSecret: string;
  port: number;
  host: string;
  /** The PIM's base address. */
  pimUrl: string;
  /** Shared cache for every replica; undefined: in-process memory. */
  redisUrl: string | undefined;
  /** Per PIM call attempt; undefined: the source's default (3 s). */
  timeoutMs: number | undefined;
}

/**
 * Reads the process configuration once: `SUBGRAPH_CATALOGUE_PORT` (default 4204, 0 for any
 * free port), `SUBGRAPH_CATALOGUE_HOST` (default 127.0.0.1), `LEGACY_CATALOGUE_URL` (default
 * http://127.0.0.1:4104), `REDIS_URL` (optional) and `SUBGRAPH_CATALOGUE_TIMEOUT_MS`
 * (optional). A malformed value throws, naming the variable.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): CatalogueSubgraphConfig {
  return {
    internalSecret: internalSecretFromEnv(env),
    port: integer(env, 'SUBGRAPH_CATALOGUE_PORT', 0, 65535) ?? DEFAULT_PORT,
    host: env.SUBGRAPH_CATALOGUE_HOST || '127.0.0.1',
    pimUrl: url(env, 'LEGACY_CATALOGUE_URL', ['http:', 'https:']) ?? DEFAULT_PIM_URL,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    timeoutMs: integer(env, 'SUBGRAPH_CATALOGUE_TIMEOUT_MS', 1, 600_000),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name} must be a URL, got ${JSON.stringify(raw)}`);
  }
  if (!protocols.includes(parsed.protocol)) throw new Error(`${name} must be a ${protocols.join(' or ')} URL, got ${JSON.stringify(raw)}`);
  return raw;
}
