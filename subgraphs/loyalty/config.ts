import { internalSecretFromEnv } from '../shared/principal.js';
/** Where the loyalty subgraph listens and what it wraps, read once from the environment. */
export interface LoyaltySubgraphConfig {
  /** `CROSSCANAL_INTERNAL_SECRET`: shared with the gateway, which signs each request's principal with it. */
  internalSecret: string;
  /** `SUBGRAPH_LOYALTY_PORT`, default 4202; 0 picks a free port. */
  port: number;
  /** `SUBGRAPH_LOYALTY_HOST`, default 127.0.0.1. */
  host: string;
  /** `LEGACY_LOYALTY_URL`: the SOAP endpoint, default http://127.0.0.1:4102/LoyaltyService. */
  legacyUrl: string;
  /** `REDIS_URL`: shared cache; in-process memory when unset. */
  redisUrl: string | undefined;
  /** `SUBGRAPH_LOYALTY_TIMEOUT_MS`: per-attempt timeout of a legacy call; LegacySource's default when unset. */
  timeoutMs: number | undefined;
}

export const DEFAULT_PORT = 4202;
export const DEFAULT_LEGACY_URL = 'http://127.0.0.1:4102/LoyaltyService';

/** Reads and validates the configuration; throws naming the variable at fault. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LoyaltySubgraphConfig {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const portRaw = value('SUBGRAPH_LOYALTY_PORT');
  const port = portRaw === undefined ? DEFAULT_PORT : /^\d{1,5}$/.test(portRaw) ? Number(portRaw) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new Error(`SUBGRAPH_LOYALTY_PORT must be a port number from 0 to 65535, got ${JSON.stringify(env.SUBGRAPH_LOYALTY_PORT)}`);

  const legacyUrl = value('LEGACY_LOYALTY_URL') ?? DEFAULT_LEGACY_URL;
  if (!isUrl(legacyUrl, ['http:', 'https:'])) throw new Error(`LEGACY_LOYALTY_URL must be an http(s) URL of the SOAP endpoint, got ${JSON.stringify(legacyUrl)}`);

  const redisUrl = value('REDIS_URL');
  // The value may carry a password: it is not repeated in the message.
  if (redisUrl !== undefined && !isUrl(redisUrl, ['redis:', 'rediss:'])) throw new Error('REDIS_URL must be a redis:// or rediss:// URL');

  const timeoutRaw = value('SUBGRAPH_LOYALTY_TIMEOUT_MS');
  const timeoutMs = timeoutRaw === undefined ? undefined : /^\d{1,7}$/.test(timeoutRaw) ? Number(timeoutRaw) : NaN;
  if (timeoutMs !== undefined && !(timeoutMs >= 1)) {
    throw new Error(`SUBGRAPH_LOYALTY_TIMEOUT_MS must be a whole number of milliseconds from 1 to 9999999, got ${JSON.stringify(timeoutRaw)}`);
  }

  return { internalSecret: internalSecretFromEnv(env), port, host: value('SUBGRAPH_LOYALTY_HOST') ?? '127.0.0.1', legacyUrl, redisUrl, timeoutMs };
}

function isUrl(text: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
