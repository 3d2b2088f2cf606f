import { SUBGRAPHS, SUPERGRAPH_PATH } from '../schema/subgraphs.js';

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

/** Reads `GATEWAY_PORT`, `GATEWAY_HOST`, `SUPERGRAPH_PATH`, `SUBGRAPH_<NAME>_URL`, `GATEWAY_SUBGRAPH_TIMEOUT_MS`, `NODE_ENV`. */
export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const subgraphUrls: Record<string, string> = {};
  for (const subgraph of SUBGRAPHS) subgraphUrls[subgraph.name] = url(env, `SUBGRAPH_${subgraph.name.toUpperCase()}_URL`, subgraph.url);
  return {
    port: integer(env, 'GATEWAY_PORT', 4000, 0, 65535),
    host: env.GATEWAY_HOST || '127.0.0.1',
    supergraphPath: env.SUPERGRAPH_PATH || SUPERGRAPH_PATH,
    subgraphUrls,
    subgraphTimeoutMs: integer(env, 'GATEWAY_SUBGRAPH_TIMEOUT_MS', 5000, 1, 600_000),
    development: env.NODE_ENV === 'development',
  };
}
