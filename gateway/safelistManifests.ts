import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';

/** Where the safelisted clients' operations live: one folder per client, one operation per `.graphql` file. */
export const SAFELISTS_DIR = 'gateway/safelists';

/**
 * Builds each client's persisted-operation manifest (Apollo's format) from its folder of
 * operations: `gateway/safelists/mobile/*.graphql` becomes `gateway/safelists/mobile.json`.
 * `npm run compose` writes them; a test fails while a checked-in manifest is stale.
 */
export async function buildSafelistManifests(root: string): Promise<Map<string, string>> {
  const base = join(root, SAFELISTS_DIR);
  const manifests = new Map<string, string>();
  for (const entry of (await readdir(base, { withFileTypes: true })).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const files = (await readdir(join(base, entry.name))).filter((file) => file.endsWith('.graphql')).sort();
    const operations = [];
    for (const file of files) {
      const body = (await readFile(join(base, entry.name, file), 'utf8')).trim();
      const definitions = parse(body).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      const only = definitions.length === 1 ? definitions[0]! : undefined;
      if (!only?.name) throw new Error(`${SAFELISTS_DIR}/${entry.name}/${file} must hold exactly one named operation`);
      operations.push({ id: createHash('sha256').update(body).digest('hex'), name: only.name.value, type: only.operation, body });
    }
    manifests.set(`${SAFELISTS_DIR}/${entry.name}.json`, `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`);
  }
  return manifests;
}
