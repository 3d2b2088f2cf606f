import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpRefusal } from '../subgraphs/shared/graphqlHttp.js';
import type { Principal } from '../subgraphs/shared/principal.js';

/**
 * Persisted-operation safelists: a client bound to one (the mobile app, partners' integrations)
 * may run only the operations of its manifest, sent by id (`extensions.persistedQuery.sha256Hash`
 * or `documentId`) or in full. Nothing it sends registers a new operation: automatic persisted
 * queries are off for it. Manifests use Apollo's persisted query manifest format, so the
 * clients' own tooling (`generate-persisted-query-manifest`) writes them.
 */

interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface Safelist {
  name: string;
  /** Operation text by its SHA-256. */
  readonly operations: ReadonlyMap<string, ManifestOperation>;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Reads a manifest and checks that every id is its operation's SHA-256. */
export function loadSafelist(path: string): Safelist {
  const resolved = isAbsolute(path) ? path : join(ROOT, path);
  let manifest: { format?: unknown; version?: unknown; operations?: unknown };
  try {
    manifest = JSON.parse(readFileSync(resolved, 'utf8'));
  } catch (error) {
    throw new Error(`persisted-operation manifest ${path} cannot be read: ${(error as Error).message}`);
  }
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
    throw new Error(`${path} is not an apollo-persisted-query-manifest of version 1`);
  }
  const operations = new Map<string, ManifestOperation>();
  for (const operation of manifest.operations as ManifestOperation[]) {
    if (typeof operation?.body !== 'string' || sha256(operation.body) !== operation.id) {
      throw new Error(`${path}: operation ${JSON.stringify(operation?.name)} has an id that is not the SHA-256 of its body`);
    }
    operations.set(operation.id, operation);
  }
  return { name: path, operations };
}

export interface Safelists {
  /** The safelist a principal's requests are held to; undefined: any operation. */
  forPrincipal(principal: Principal): Safelist | undefined;
  /** Every operation of every list, once. */
  operations(): ManifestOperation[];
}

export function createSafelists(byClient: Readonly<Record<string, string>>, byRole: Readonly<Record<string, string>>): Safelists {
  const cache = new Map<string, Safelist>();
  const load = (path: string) => {
    let list = cache.get(path);
    if (!list) cache.set(path, (list = loadSafelist(path)));
    return list;
  };
  const clients = new Map(Object.entries(byClient).map(([client, path]) => [client, load(path)]));
  const roles = new Map(Object.entries(byRole).map(([role, path]) => [role, load(path)]));
  return {
    forPrincipal: (principal) => (principal.client ? clients.get(principal.client) : undefined) ?? roles.get(principal.role),
    operations: () => [...new Map([...cache.values()].flatMap((list) => [...list.operations])).values()],
  };
}

function notAllowed(message: string): HttpRefusal {
  return new HttpRefusal(403, 'PERSISTED_QUERY_NOT_ALLOWED', message);
}

/** The operation id a request names, if any. */
function requestedId(payload: Record<string, unknown>): string | undefined {
  const documentId = payload.documentId;
  if (typeof documentId === 'string') return documentId.replace(/^sha256:/, '');
  const persisted = (payload.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

/**
 * Rewrites a request of a safelisted client into a plain one carrying the listed operation's
 * text, or refuses it. `payload` is the JSON body of a POST or the parameters of a GET.
 */
export function applySafelist(list: Safelist, payload: Record<string, unknown>): Record<string, unknown> {
  const id = requestedId(payload);
  const query = typeof payload.query === 'string' ? payload.query : undefined;
  const operation = id !== undefined ? list.operations.get(id) : query !== undefined ? list.operations.get(sha256(query)) : undefined;
  if (!operation) {
    throw notAllowed(
      id !== undefined
        ? `operation ${JSON.stringify(id.slice(0, 80))} is not in this client's safelist (${list.name}): send one of its persisted operations`
        : "this client may only run the persisted operations of its safelist; send one by id (extensions.persistedQuery.sha256Hash)",
    );
  }
  if (query !== undefined && query !== operation.body) throw notAllowed('the query sent is not the persisted operation its id names');
  const { extensions, documentId: _, ...rest } = payload;
  const { persistedQuery: __, ...otherExtensions } = (extensions as Record<string, unknown> | undefined) ?? {};
  return { ...rest, query: operation.body, ...(Object.keys(otherExtensions).length > 0 ? { extensions: otherExtensions } : {}) };
}
