import { internalSecretFromEnv } from '../shared/principal.js';
/** The subgraph process's settings, read once from the environment. */
export interface EcommerceSubgraphConfig {
  /** `CROSSCANAL_INTERNAL_SECRET`: shared with the gateway, which signs each request's principal with it. */
  internalSecret: string;
  /** `SUBGRAPH_ECOMMERCE_PORT`, default 4201; 0 picks a free port. */
  port: number;
  /** `SUBGRAPH_ECOMMERCE_HOST`, default 127.0.0.1. */
  host: string;
  /** `LEGACY_ECOMMERCE_URL`, default http://127.0.0.1:4101: the platform, without `/api/v1`. */
  legacyUrl: string;
  /** `REDIS_URL`: the shared cache; unset, an in-process one. */
  redisUrl: string | undefined;
  /** `SUBGRAPH_ECOMMERCE_TIMEOUT_MS`: per call to the platform; unset, the source's default. */
  timeoutMs: number | undefined;
  /** `SUBGRAPH_ECOMMERCE_CURRENCY`, default EUR: the currency of the shop's amount cart rules. */
  shopCurrency: string;
  /** `NODE_ENV=development`: unexpected errors are shown, not masked. */
  development: boolean;
}

export const DEFAULT_PORT = 4201;
export const DEFAULT_LEGACY_URL = 'http://127.0.0.1:4101';

/** Reads and checks the environment; a malformed value throws, naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): EcommerceSubgraphConfig {
  return {
    internalSecret: internalSecretFromEnv(env),
    port: port(env, 'SUBGRAPH_ECOMMERCE_PORT', DEFAULT_PORT),
    host: env.SUBGRAPH_ECOMMERCE_HOST || '127.0.0.1',
    legacyUrl: httpUrl(env, 'LEGACY_ECOMMERCE_URL', DEFAULT_LEGACY_URL),
    redisUrl: redisUrl(env),
    timeoutMs: timeout(env, 'SUBGRAPH_ECOMMERCE_TIMEOUT_MS'),
    shopCurrency: currency(env, 'SUBGRAPH_ECOMMERCE_CURRENCY', 'EUR'),
    development: env.NODE_ENV === 'development',
  };
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(value <= 65535)) throw new Error(`${name} must be a port number from 0 to 65535, got ${JSON.stringify(raw)}`);
  return value;
}

function httpUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http(s) URL such as ${fallback}, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL such as ${fallback}, got ${JSON.stringify(raw)}`);
  return raw;
}

function redisUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.REDIS_URL;
  if (raw === undefined || raw === '') return undefined;
  if (!/^rediss?:\/\/\S+$/.test(raw)) // The value may hold a password: it is not repeated in the message.
    throw new Error('REDIS_URL must be a redis:// or rediss:// URL');
  return raw;
}

function timeout(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1)) throw new Error(`${name} must be a whole number of milliseconds from 1 to 9999999, got ${JSON.stringify(raw)}`);
  return value;
}

function currency(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[A-Z]{3}$/.test(raw)) throw new Error(`${name} must be an ISO 4217 code such as EUR, got ${JSON.stringify(raw)}`);
  return raw;
}
