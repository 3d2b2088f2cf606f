import { readFile } from 'node:fs/promises';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { parse, type GraphQLSchema } from 'graphql';
import { readAccessPolicy } from '../subgraphs/shared/access.js';
import { listenGraphQL } from '../subgraphs/shared/graphqlHttp.js';
import { loggerFor } from '../subgraphs/shared/logger.js';
import { watchDocumentStore } from '../subgraphs/shared/metrics.js';
import type { LifecycleState } from '../subgraphs/shared/operations.js';
import { internalKey } from '../subgraphs/shared/principal.js';
import { apolloLogger } from '../subgraphs/shared/requestLogger.js';
import { useRequestMetrics } from '../subgraphs/shared/requestMetrics.js';
import { maskErrors } from '../subgraphs/shared/subgraphServer.js';
import { accessDecider, useAccessPolicy } from './accessPolicy.js';
import { createAuthenticator } from './authenticate.js';
import type { GatewayConfig, TrustedIssuer } from './config.js';
import { useCors } from './cors.js';
import { openDevIssuer } from './devIssuer.js';
import { loadExplorer } from './explorer.js';
import { gatewayHandler, type GatewayContext } from './httpHandler.js';
import { readCostDirectives } from './operationLimits.js';
import { createRateLimiter } from './rateLimit.js';
import { gatewayReadiness } from './readiness.js';
import { createSafelists } from './safelist.js';
import { QueryPlanCache, warmQueryPlans } from './planWarmup.js';
import { useResponseCache } from './responseCache.js';
import { createCoalescer } from './coalesce.js';
import { SubgraphDataSource } from './subgraphDataSource.js';
import { useScalarInputs } from './scalarInputs.js';
import { keepResponseOperations } from './operationCache.js';
import { GatewayDocumentStore } from './documentStore.js';
import { installCompiledShaping } from './resultShaping.js';
import { useStaleNotice } from '../subgraphs/shared/staleness.js';

export type { GatewayContext } from './httpHandler.js';

export interface RunningGateway {
  url: string;
  /** The query plans kept (the persisted operations' among them from the start). */
  readonly plans: QueryPlanCache;
  /** `serving` until `stop` starts the drain. */
  readonly state: LifecycleState;
  /**
   * Drains, then stops the gateway: `/healthz` answers 503 at once, no new connection is
   * accepted, and requests in flight finish (within their deadline) before it stops.
   */
  stop(): Promise<void>;
}

/**
 * `@apollo/gateway` reads this at construction: unless the operator turned vendor telemetry on,
 * it must not send usage metrics out nor probe cloud metadata endpoints to describe the host.
 */
function silenceVendorTelemetry(enabled: boolean): void {
  if (!enabled) process.env.APOLLO_TELEMETRY_DISABLED = 'true';
}

/** Starts the gateway on `config.port` (0 = any free port). */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  silenceVendorTelemetry(config.vendorTelemetry);
  const supergraphSdl = await readFile(config.supergraphPath, 'utf8');
  const supergraph = parse(supergraphSdl);
  const key = internalKey(config.internalSecret);
  const issuers: TrustedIssuer[] = [...config.issuers];
  if (config.devIssuerDir) issuers.push((await openDevIssuer(config.devIssuerDir)).trusted);
  const costDirectives = readCostDirectives(supergraph);
  const accessPolicy = readAccessPolicy(supergraph);
  let apiSchema: GraphQLSchema | undefined;
  const log = loggerFor('gateway');
  const logger = apolloLogger(log);
  /** Where each subgraph is reached, for the readiness probes. */
  const routes = new Map<string, string>();
  const sources: SubgraphDataSource[] = [];
  const safelists = createSafelists(config.safelistsByClient, config.safelistsByRole);
  const plans = new QueryPlanCache(config.queryPlanCacheSize);
  if (config.keepOperations && !keepResponseOperations()) log.warn('@apollo/federation-internals no longer has operationFromDocument where it was: operations are built per request');
  if (config.compileShaping && !installCompiledShaping()) log.warn('@apollo/gateway no longer has computeResponse where it was: answers are shaped by its own');
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger,
    queryPlannerConfig: { cache: plans },
    buildService: ({ name, url }) => {
      const routed = config.subgraphUrls[name] ?? url;
      if (!routed) throw new Error(`no URL for subgraph ${JSON.stringify(name)}: set SUBGRAPH_${name.toUpperCase()}_URL`);
      routes.set(name, routed);
      const source = new SubgraphDataSource({ name, url: routed, key, timeoutMs: config.subgraphTimeoutMs, dedupe: config.dedupeFetches, batchEntities: config.batchEntityFetches, batchQueries: config.batchQueryFetches });
      sources.push(source);
      return source;
    },
  });
  gateway.onSchemaLoadOrUpdate(({ apiSchema: loaded, coreSupergraphSdl }) => {
    // The persisted operations are planned before the first request can ask for them.
    const started = performance.now();
    const warmed = warmQueryPlans(coreSupergraphSdl, safelists.operations(), plans);
    for (const { name, message } of warmed.failed) log.warn({ operation: name, err: { message } }, 'a persisted operation cannot be planned');
    log.info({ planned: warmed.planned, ms: Math.round(performance.now() - started) }, 'persisted operations planned');
    apiSchema = loaded;
  });
  const documentStore = config.documentCacheMaxBytes > 0 ? new GatewayDocumentStore(config.documentCacheMaxBytes) : null;
  watchDocumentStore(() => ({ bytes: documentStore?.bytes ?? 0, documents: documentStore?.size ?? 0 }));
  const server = new ApolloServer<GatewayContext>({
    gateway,
    stopOnTerminationSignals: false,
    logger,
    formatError: maskErrors(config.development, log),
    includeStacktraceInErrorResponses: config.development,
    // Bounded by what the documents and everything kept beside them hold (0: none kept).
    documentStore,
    introspection: config.introspection,
    // Operations found by id in the automatic persisted query cache are parsed here, not by the handler.
    parseOptions: { maxTokens: config.limits.maxTokens },
    // Automatic persisted queries stay on: the handler rewrites a safelisted client's request
    // into the listed operation's text before it gets here, so only the others can register.
    plugins: [
      useAccessPolicy<GatewayContext>({ policy: accessPolicy, costDirectives, limits: config.limits }),
      useScalarInputs<GatewayContext>(),
      useRequestMetrics<GatewayContext>(),
      useStaleNotice<GatewayContext>(),
      ...(config.responseCache ? [useResponseCache<GatewayContext>(config.responseCache)] : []),
      // The explorer is the gateway's own (`explorer.ts`), served before Apollo Server sees the request.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  const handler = gatewayHandler({
    server,
    schema: () => {
      if (!apiSchema) throw new Error('the gateway has not loaded its supergraph yet');
      return apiSchema;
    },
    authenticator: createAuthenticator(issuers),
    cors: useCors(config.corsOrigins),
    rateLimiter: createRateLimiter({ perMinute: config.rateLimitPerMinute, burst: config.rateLimitBurst }),
    safelists,
    limits: config.limits,
    costDirectives,
    access: accessDecider(accessPolicy),
    maxBodyBytes: config.maxBodyBytes,
    requestDeadlineMs: config.requestDeadlineMs,
    trustTraceparent: config.trustTraceparent,
    // Identical queries in flight are joined at the door (coalesce.ts), before Apollo Server.
    ...(config.coalesceRequests ? { coalescer: createCoalescer() } : {}),
    ...(config.explorer ? { explorer: await loadExplorer({ introspection: config.introspection, devTokens: config.devIssuerDir !== undefined }) } : {}),
  });
  const listening = await listenGraphQL(
    server,
    {
      port: config.port,
      host: config.host,
      readiness: gatewayReadiness({ loaded: () => apiSchema !== undefined, subgraphs: () => routes }),
      // A request in flight when the drain starts may run until its deadline.
      drainGraceMs: config.requestDeadlineMs + 1000,
    },
    handler,
  );
  return {
    url: listening.url,
    plans,
    get state() {
      return listening.state;
    },
    stop: async () => {
      await listening.stop();
      for (const source of sources) source.close();
    },
  };
}
