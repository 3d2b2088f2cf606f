import { SUBGRAPHS, SUPERGRAPH_PATH } from '../schema/subgraphs.js';
import { internalSecretFromEnv } from '../subgraphs/shared/principal.js';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from './operationLimits.js';

/** A token issuer the gateway trusts: bearer tokens must name it and the audience, and be signed by one of its keys. */
export interface TrustedIssuer {
  issuer: string;
  audience: string;
  /** Its JSON Web Key Set, fetched (and refreshed on an unknown key id) from this URL… */
  jwksUrl?: string;
  /** …or given whole. */
  jwks?: { keys: unknown[] };
}

/** Everything the gateway process reads from its environment, validated once at start. */
export interface GatewayConfig {
  port: number;
  host: string;
  /** Path of the composed supergraph to serve (checked in; never introspected at run time). */
  supergraphPath: string;
  /** Routing URL per subgraph name; defaults come from the composition config. */
  subgraphUrls: Record<string, string>;
  /** How long the gateway waits for one subgraph fetch. */
  subgraphTimeoutMs: number;
  /** Unmasked errors and stack traces. */
  development: boolean;
  /** The secret shared with the subgraphs: the gateway signs each request's principal with it. */
  internalSecret: string;
  /** Issuers whose bearer tokens are accepted. */
  issuers: TrustedIssuer[];
  /**
   * A development issuer's folder (keys made on first use, `npm run token` signs with them);
   * never in production.
   */
  devIssuerDir?: string;
  /** Schema introspection (the explorer's documentation and completion need it). */
  introspection: boolean;
  /**
   * The GraphiQL explorer at `/`, served by the gateway itself (`explorer.ts`), nothing from the
   * network. `GATEWAY_EXPLORER`; by default on wherever introspection is, but never under
   * `NODE_ENV=production` unless set.
   */
  explorer: boolean;
  /** Whole request, all subgraph fetches included: past it, every fetch still running is cancelled. */
  requestDeadlineMs: number;
  /** Largest request body accepted. */
  maxBodyBytes: number;
  limits: OperationLimits;
  /** Origins a browser may call from (CORS); empty: none but the gateway's own. */
  corsOrigins: string[];
  /** Requests per minute per client (the token's client and subject, or the address when anonymous); 0: no limit. */
  rateLimitPerMinute: number;
  /** Requests a client may send at once above its rate. */
  rateLimitBurst: number;
  /** Persisted-operation manifests per client id (the token's `client_id`); those clients may send nothing else. */
  safelistsByClient: Record<string, string>;
  /** Manifests per role, for every client acting in it (partners' integrations). */
  safelistsByRole: Record<string, string>;
  /** Let `@apollo/gateway` send its anonymous usage metrics to its vendor; off unless asked. */
  vendorTelemetry: boolean;
  /** Send identical subgraph reads in flight at once only once (same principal, query and variables); on unless measuring. */
  dedupeFetches: boolean;
  /** Send a request's entity fetches of one turn to one subgraph with one selection as one; on unless measuring. */
  batchEntityFetches: boolean;
  /** Let a query wait for the answer to the same principal's identical query already in flight, rather than run again; on unless measuring. */
  coalesceRequests: boolean;
  /** Send the query fetches of one turn that ask one subgraph the same operation for the same principal as one batched exchange; on unless measuring. */
  batchQueryFetches: boolean;
  /** Keep the operation built to shape each answer beside its parsed document, rather than build it per request; on unless measuring. */
  keepOperations: boolean;
  /** Shape each answer with the compiled walk (`resultShaping.ts`) rather than `@apollo/gateway`'s own; on unless measuring. */
  compileShaping: boolean;
  /** Gateway processes sharing the port (node's cluster module); 1: this process alone. */
  workers: number;
  /** Query plans kept, the persisted operations' planned at start among them. */
  queryPlanCacheSize: number;
  /**
   * Bytes of parsed and validated operations kept, with what the gateway keeps beside each (its
   * federation form, its compiled walk, its measures): `documentStore.ts`.
   */
  documentCacheMaxBytes: number;
  /** Whole answers to queries served again to the same principal for a while; off unless asked (README, "Speed"). */
  responseCache?: { ttlMs: number; maxEntries: number; maxBytes: number };
  /**
   * With tracing on, continue a client's trace (its `traceparent`) instead of starting one per
   * request linked to it. Off unless asked: clients are not trusted to pick trace ids and sampling.
   */
  trustTraceparent: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be on or off, got ${JSON.stringify(env[name])}`);
}

function jsonMap(env: NodeJS.ProcessEnv, name: string, fallback: Record<string, string>): Record<string, string> {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be a JSON object of names to manifest paths, got ${JSON.stringify(raw.slice(0, 80))}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new ConfigError(`${name} must be a JSON object of names to manifest paths, got ${JSON.stringify(raw.slice(0, 80))}`);
  }
  return parsed as Record<string, string>;
}

function issuersFromEnv(env: NodeJS.ProcessEnv): TrustedIssuer[] {
  const issuer = env.GATEWAY_JWT_ISSUER?.trim();
  const jwksUrl = env.GATEWAY_JWKS_URL?.trim();
  const jwksText = env.GATEWAY_JWKS?.trim();
  if (!issuer) {
    if (jwksUrl || jwksText) throw new ConfigError('GATEWAY_JWKS_URL and GATEWAY_JWKS need GATEWAY_JWT_ISSUER: the issuer its tokens must name');
    return [];
  }
  const audience = env.GATEWAY_JWT_AUDIENCE?.trim() || 'crosscanal';
  if (!jwksUrl === !jwksText) throw new ConfigError('GATEWAY_JWT_ISSUER needs its keys: set exactly one of GATEWAY_JWKS_URL and GATEWAY_JWKS');
  if (jwksUrl) {
    const checked = url(env, 'GATEWAY_JWKS_URL', '');
    if (!checked.startsWith('https:') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(checked)) {
      throw new ConfigError(`GATEWAY_JWKS_URL must be https (or http on loopback), got ${JSON.stringify(checked)}`);
    }
    return [{ issuer, audience, jwksUrl: checked }];
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(jwksText!);
  } catch {
    throw new ConfigError('GATEWAY_JWKS must be a JSON Web Key Set ({"keys": [...]})');
  }
  if (!jwks || typeof jwks !== 'object' || !Array.isArray((jwks as { keys?: unknown }).keys)) throw new ConfigError('GATEWAY_JWKS must be a JSON Web Key Set ({"keys": [...]})');
  return [{ issuer, audience, jwks: jwks as { keys: unknown[] } }];
}

/** Manifests the checked-in clients use; GATEWAY_SAFELISTS_BY_CLIENT / _BY_ROLE replace them. */
export const DEFAULT_SAFELISTS_BY_CLIENT: Readonly<Record<string, string>> = { 'crosscanal-mobile': 'gateway/safelists/mobile.json' };
export const DEFAULT_SAFELISTS_BY_ROLE: Readonly<Record<string, string>> = { partner: 'gateway/safelists/partner.json' };

function limitsFromEnv(env: NodeJS.ProcessEnv): OperationLimits {
  const d = DEFAULT_OPERATION_LIMITS;
  return {
    maxTokens: integer(env, 'GATEWAY_MAX_TOKENS', d.maxTokens, 10, 1_000_000),
    maxDepth: integer(env, 'GATEWAY_MAX_DEPTH', d.maxDepth, 1, 1000),
    maxAliases: integer(env, 'GATEWAY_MAX_ALIASES', d.maxAliases, 0, 100_000),
    maxRootFields: integer(env, 'GATEWAY_MAX_ROOT_FIELDS', d.maxRootFields, 1, 100_000),
    maxCost: integer(env, 'GATEWAY_MAX_COST', d.maxCost, 1, 1_000_000_000),
    defaultListSize: integer(env, 'GATEWAY_DEFAULT_LIST_SIZE', d.defaultListSize, 1, 100_000),
  };
}

/**
 * Reads `GATEWAY_*`, `SUBGRAPH_<NAME>_URL`, `SUPERGRAPH_PATH`, `CROSSCANAL_INTERNAL_SECRET` and
 * `NODE_ENV`. Production (`NODE_ENV=production`) refuses the development issuer and defaults
 * introspection off; so does any other NODE_ENV but `development`.
 */
export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const subgraphUrls: Record<string, string> = {};
  for (const subgraph of SUBGRAPHS) subgraphUrls[subgraph.name] = url(env, `SUBGRAPH_${subgraph.name.toUpperCase()}_URL`, subgraph.url);
  const development = env.NODE_ENV === 'development';
  const devIssuerDir = env.GATEWAY_DEV_ISSUER_DIR?.trim() || undefined;
  if (devIssuerDir && env.NODE_ENV === 'production') {
    throw new ConfigError('GATEWAY_DEV_ISSUER_DIR is for development: it cannot be set with NODE_ENV=production');
  }
  const issuers = issuersFromEnv(env);
  if (issuers.length === 0 && !devIssuerDir) {
    throw new ConfigError('the gateway trusts no token issuer: set GATEWAY_JWT_ISSUER with GATEWAY_JWKS_URL or GATEWAY_JWKS (or GATEWAY_DEV_ISSUER_DIR in development)');
  }
  const introspection = flag(env, 'GATEWAY_INTROSPECTION', development);
  const corsOrigins = (env.GATEWAY_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s*]+$/.test(origin)) throw new ConfigError(`GATEWAY_CORS_ORIGINS must list origins like https://shop.example, got ${JSON.stringify(origin)}`);
  }
  return {
    port: integer(env, 'GATEWAY_PORT', 4000, 0, 65535),
    host: env.GATEWAY_HOST || '127.0.0.1',
    supergraphPath: env.SUPERGRAPH_PATH || SUPERGRAPH_PATH,
    subgraphUrls,
    subgraphTimeoutMs: integer(env, 'GATEWAY_SUBGRAPH_TIMEOUT_MS', 5000, 1, 600_000),
    development,
    internalSecret: internalSecretFromEnv(env),
    issuers,
    ...(devIssuerDir ? { devIssuerDir } : {}),
    introspection,
    explorer: flag(env, 'GATEWAY_EXPLORER', introspection && env.NODE_ENV !== 'production'),
    requestDeadlineMs: integer(env, 'GATEWAY_REQUEST_DEADLINE_MS', 15_000, 100, 600_000),
    maxBodyBytes: integer(env, 'GATEWAY_MAX_BODY_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    limits: limitsFromEnv(env),
    corsOrigins,
    rateLimitPerMinute: integer(env, 'GATEWAY_RATE_LIMIT_PER_MINUTE', 1200, 0, 10_000_000),
    rateLimitBurst: integer(env, 'GATEWAY_RATE_LIMIT_BURST', 100, 1, 1_000_000),
    safelistsByClient: jsonMap(env, 'GATEWAY_SAFELISTS_BY_CLIENT', { ...DEFAULT_SAFELISTS_BY_CLIENT }),
    safelistsByRole: jsonMap(env, 'GATEWAY_SAFELISTS_BY_ROLE', { ...DEFAULT_SAFELISTS_BY_ROLE }),
    vendorTelemetry: flag(env, 'GATEWAY_VENDOR_TELEMETRY', false),
    dedupeFetches: flag(env, 'GATEWAY_DEDUPE_FETCHES', true),
    batchEntityFetches: flag(env, 'GATEWAY_BATCH_ENTITY_FETCHES', true),
    batchQueryFetches: flag(env, 'GATEWAY_BATCH_QUERY_FETCHES', true),
    coalesceRequests: flag(env, 'GATEWAY_COALESCE_REQUESTS', true),
    keepOperations: flag(env, 'GATEWAY_KEEP_OPERATIONS', true),
    compileShaping: flag(env, 'GATEWAY_COMPILE_SHAPING', true),
    workers: integer(env, 'GATEWAY_WORKERS', 1, 1, 64),
    queryPlanCacheSize: integer(env, 'GATEWAY_QUERY_PLAN_CACHE_SIZE', 2000, 1, 1_000_000),
    documentCacheMaxBytes: integer(env, 'GATEWAY_DOCUMENT_CACHE_MAX_BYTES', 128 * 1024 * 1024, 0, 64 * 1024 * 1024 * 1024),
    trustTraceparent: flag(env, 'GATEWAY_TRUST_TRACEPARENT', false),
    ...(flag(env, 'GATEWAY_RESPONSE_CACHE', false)
      ? {
          responseCache: {
            ttlMs: integer(env, 'GATEWAY_RESPONSE_CACHE_TTL_MS', 5000, 1, 3_600_000),
            maxEntries: integer(env, 'GATEWAY_RESPONSE_CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000),
            maxBytes: integer(env, 'GATEWAY_RESPONSE_CACHE_MAX_BYTES', 64 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024),
          },
        }
      : {}),
  };
}
