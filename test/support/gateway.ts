import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import type { DocumentNode } from 'graphql';
import { gatewayConfigFromEnv } from '../../gateway/config.js';
import { openDevIssuer, type DevIssuer } from '../../gateway/devIssuer.js';
import { startGateway, type RunningGateway } from '../../gateway/server.js';
import { SUBGRAPHS } from '../../schema/subgraphs.js';
import { TEST_INTERNAL_SECRET } from './grant.js';

export interface TestGateway {
  url: string;
  /** Signs bearer tokens the gateway accepts. */
  tokens: DevIssuer;
  /** Its query plans. */
  plans: RunningGateway['plans'];
  stop(): Promise<void>;
}

/**
 * The head of a test subgraph's SDL: federation's link and the access directive, composed into
 * the supergraph so that the gateway's access policy reads it. Fields need `@access` to be served.
 */
export const TEST_SUBGRAPH_LINKS = `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective"])
    @link(url: "https://crosscanal.dev/access/v1.0", import: ["@access"])
    @composeDirective(name: "@access")
  directive @access(roles: [String!]!) on FIELD_DEFINITION | OBJECT | INTERFACE
`;

/**
 * The gateway on port 0 over `supergraphPath` (default the checked-in one), sharing the test
 * secret with subgraphs the harnesses started, trusting a development issuer of its own.
 * Subgraphs left out of `subgraphUrls` point at a closed port.
 */
export async function startTestGateway(
  subgraphUrls: Record<string, string>,
  { env = {}, supergraphPath }: { env?: NodeJS.ProcessEnv; supergraphPath?: string } = {},
): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'crosscanal-gateway-'));
  const tokens = await openDevIssuer(join(dir, 'dev-issuer'));
  const unreachable = Object.fromEntries(SUBGRAPHS.map((s) => [s.name, 'http://127.0.0.1:9/']));
  let gateway: RunningGateway;
  try {
    const config = gatewayConfigFromEnv({ ...env, GATEWAY_PORT: '0', CROSSCANAL_INTERNAL_SECRET: TEST_INTERNAL_SECRET, GATEWAY_DEV_ISSUER_DIR: join(dir, 'dev-issuer') });
    gateway = await startGateway({
      ...config,
      supergraphPath: supergraphPath ?? fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url)),
      subgraphUrls: { ...unreachable, ...subgraphUrls },
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: gateway.url,
    tokens,
    plans: gateway.plans,
    async stop() {
      await gateway.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A supergraph composed from a test's own subgraphs, in a temporary folder that `remove` deletes. */
export async function composeTestSupergraph(services: Array<{ name: string; url: string; typeDefs: DocumentNode }>): Promise<{ supergraphPath: string; remove(): Promise<void> }> {
  const composed = composeServices(services);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const dir = await mkdtemp(join(tmpdir(), 'crosscanal-supergraph-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  await writeFile(supergraphPath, composed.supergraphSdl);
  return { supergraphPath, remove: () => rm(dir, { recursive: true, force: true }) };
}
