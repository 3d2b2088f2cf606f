import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeSupergraph } from './compose.js';
import { SUBGRAPHS, SUPERGRAPH_PATH } from './subgraphs.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the checked-in supergraph', () => {
  it('composes without errors and without hints that matter', async () => {
    const { hints } = await composeSupergraph(root);
    expect(hints).toEqual([]);
  });

  it('is what the subgraphs compose to today (run `npm run compose` after changing an SDL)', async () => {
    const { supergraphSdl } = await composeSupergraph(root);
    expect(await readFile(join(root, SUPERGRAPH_PATH), 'utf8')).toBe(supergraphSdl);
  });

  it('goes stale when a subgraph SDL changes without recomposing', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'crosscanal-compose-'));
    try {
      for (const { sdl } of SUBGRAPHS) await cp(join(root, sdl), join(copy, sdl), { recursive: true });
      const changed = join(copy, SUBGRAPHS[0]!.sdl);
      await writeFile(changed, `${await readFile(changed, 'utf8')}\nextend type Query {\n  stalenessProbe: Boolean\n}\n`);
      const { supergraphSdl } = await composeSupergraph(copy);
      expect(supergraphSdl).not.toBe(await readFile(join(root, SUPERGRAPH_PATH), 'utf8'));
      expect(supergraphSdl).toContain('stalenessProbe');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('names every composition error', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'crosscanal-compose-'));
    try {
      const broken = [
        { name: 'a', sdl: 'a.graphql', url: 'http://a/' },
        { name: 'b', sdl: 'b.graphql', url: 'http://b/' },
      ];
      await writeFile(join(copy, 'a.graphql'), 'type Query { thing: Int }');
      await writeFile(join(copy, 'b.graphql'), 'type Query { thing: String }');
      await expect(composeSupergraph(copy, broken)).rejects.toThrow(/composition failed:\n- .*thing/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
