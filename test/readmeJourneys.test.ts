import { readFile } from 'node:fs/promises';
import { parse, validate } from 'graphql';
import { composeSupergraph } from '../schema/compose.js';
import { Supergraph } from '@apollo/federation-internals';

// The README's journey examples are written for users to paste: each must stay valid against
// the graph as it is composed today (the first queries are run against the demo estate by
// readme.e2e.test.ts).
test("every example of the README's journeys is a valid operation of the composed graph", async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Journeys across channels'), readme.indexOf('## What runs'));
  const blocks = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(6);
  const { supergraphSdl } = await composeSupergraph(process.cwd());
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  for (const block of blocks) {
    const errors = validate(api, parse(block)).map((e) => e.message);
    expect({ block, errors }).toEqual({ block, errors: [] });
  }
});
