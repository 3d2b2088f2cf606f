import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, type CodegenConfig } from '@graphql-codegen/cli';
import { codegenConfig, subgraphTypesPath, TYPED_CLIENT_DIR } from './codegen.js';
import { SUBGRAPHS } from './subgraphs.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Imports one plugin at a time: Jest links an ES module imported by several `import()`s at
 * once wrongly ("request for … is not in cache"), and the CLI loads every output's plugins together.
 */
let importing: Promise<unknown> = Promise.resolve();
const importInTurn: NonNullable<CodegenConfig['pluginLoader']> = (name) => {
  const next = importing.then(() => import(name), () => import(name));
  importing = next.catch(() => undefined);
  return next;
};

/** What codegen would write, by path relative to `dir`, without writing it. */
async function generated(dir: string, only?: string): Promise<Map<string, string>> {
  const config = { ...codegenConfig(dir), pluginLoader: importInTurn };
  if (only) config.generates = { [only]: config.generates[only]! };
  const files: Array<{ filename: string; content: string }> = await generate(config, false);
  return new Map(files.map((file) => [relative(dir, resolve(dir, file.filename)), file.content]));
}

describe('the checked-in generated types', () => {
  it('are what GraphQL Code Generator makes today (run `npm run codegen` after changing an SDL or an operation)', async () => {
    const files = await generated(root);
    expect([...files.keys()].sort()).toEqual([...SUBGRAPHS.map(({ sdl }) => subgraphTypesPath(sdl)), `${TYPED_CLIENT_DIR}/generated/operations.ts`].sort());
    const stale: string[] = [];
    for (const [path, content] of files) {
      const checkedIn = existsSync(join(root, path)) ? await readFile(join(root, path), 'utf8') : null;
      if (checkedIn !== content) stale.push(`${path} is ${checkedIn === null ? 'missing' : 'stale'}: run \`npm run codegen\``);
    }
    expect(stale).toEqual([]);
  });

  it('go stale when a subgraph SDL changes without regenerating', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'crosscanal-codegen-'));
    try {
      for (const { sdl } of SUBGRAPHS) await cp(join(root, sdl), join(copy, sdl), { recursive: true });
      const { sdl } = SUBGRAPHS.find(({ name }) => name === 'catalogue')!;
      await writeFile(join(copy, sdl), `${await readFile(join(copy, sdl), 'utf8')}\nextend type Query {\n  stalenessProbe(size: Int!): Boolean\n}\n`);
      const path = subgraphTypesPath(sdl);
      const content = (await generated(copy, path)).get(path)!;
      expect(content).not.toBe(await readFile(join(root, path), 'utf8'));
      expect(content).toContain('stalenessProbe?: Resolver<Maybe<ResolversTypes[\'Boolean\']>, ParentType, ContextType, RequireFields<QueryStalenessProbeArgs, \'size\'>>;');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
