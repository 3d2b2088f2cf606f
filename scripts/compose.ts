import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildSafelistManifests } from '../gateway/safelistManifests.js';
import { composeSupergraph } from '../schema/compose.js';
import { API_SCHEMA_PATH, SUPERGRAPH_PATH } from '../schema/subgraphs.js';

// `npm run compose`: recomposes the checked-in supergraph and its API schema from the
// subgraphs' SDL, and the safelisted clients' persisted-operation manifests from their operations.
const root = process.cwd();
try {
  const { supergraphSdl, apiSdl, hints } = await composeSupergraph(root);
  for (const hint of hints) console.warn(`hint ${hint}`);
  await writeFile(join(root, SUPERGRAPH_PATH), supergraphSdl);
  console.log(`wrote ${SUPERGRAPH_PATH}${hints.length ? ` (${hints.length} hints to read)` : ''}`);
  await writeFile(join(root, API_SCHEMA_PATH), apiSdl);
  console.log(`wrote ${API_SCHEMA_PATH}`);
  for (const [path, manifest] of await buildSafelistManifests(root)) {
    await writeFile(join(root, path), manifest);
    console.log(`wrote ${path}`);
  }
  if (hints.length) process.exitCode = 2;
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
