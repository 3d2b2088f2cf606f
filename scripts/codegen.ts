import { generate } from '@graphql-codegen/cli';
import { codegenConfig } from '../schema/codegen.js';

// `npm run codegen`: writes the types GraphQL Code Generator makes from the subgraphs' SDL and
// from the typed client example's operations against schema/api.graphql (schema/codegen.ts).
try {
  for (const { filename } of await generate(codegenConfig(process.cwd()), true)) console.log(`wrote ${filename}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
