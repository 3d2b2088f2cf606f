import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { isInterfaceType, isObjectType, parse, printSchema } from 'graphql';
import { readAccessPolicy } from '../subgraphs/shared/access.js';
import { composeSupergraph } from './compose.js';
import { API_SCHEMA_PATH, SUBGRAPHS, SUPERGRAPH_PATH } from './subgraphs.js';

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

  it('has its API schema beside it, as composed today (run `npm run compose` after changing an SDL)', async () => {
    const { apiSdl } = await composeSupergraph(root);
    expect(await readFile(join(root, API_SCHEMA_PATH), 'utf8')).toBe(apiSdl);
  });

  it('has the API schema the gateway serves from it, without federation internals', async () => {
    process.env.APOLLO_TELEMETRY_DISABLED = 'true';
    const gateway = new ApolloGateway({ supergraphSdl: await readFile(join(root, SUPERGRAPH_PATH), 'utf8') });
    try {
      const { schema } = await gateway.load();
      const apiSdl = await readFile(join(root, API_SCHEMA_PATH), 'utf8');
      expect(apiSdl).toBe(`${printSchema(schema)}\n`);
      expect(apiSdl).not.toMatch(/join__|link__|@link|@join__|@inaccessible|_entities|_service|_Any/);
    } finally {
      await gateway.stop();
    }
  });

  it('goes stale when a subgraph SDL changes without recomposing', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'crosscanal-compose-'));
    try {
      for (const { sdl } of SUBGRAPHS) await cp(join(root, sdl), join(copy, sdl), { recursive: true });
      const changed = join(copy, SUBGRAPHS[0]!.sdl);
      await writeFile(changed, `${await readFile(changed, 'utf8')}\nextend type Query {\n  stalenessProbe: Boolean\n}\n`);
      const { supergraphSdl, apiSdl } = await composeSupergraph(copy);
      expect(supergraphSdl).not.toBe(await readFile(join(root, SUPERGRAPH_PATH), 'utf8'));
      expect(supergraphSdl).toContain('stalenessProbe');
      expect(apiSdl).not.toBe(await readFile(join(root, API_SCHEMA_PATH), 'utf8'));
      expect(apiSdl).toContain('stalenessProbe: Boolean');
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
      // Federation 2 subgraphs, as the access directives added to every SDL need.
      const fed2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@composeDirective"])';
      await writeFile(join(copy, 'a.graphql'), `${fed2}\ntype Query { thing: Int }`);
      await writeFile(join(copy, 'b.graphql'), `${fed2}\ntype Query { thing: String }`);
      await expect(composeSupergraph(copy, broken)).rejects.toThrow(/composition failed:\n- .*thing/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});

describe('access in the supergraph', () => {
  it('declares who may read every field of the API (@access on the field or its type)', async () => {
    process.env.APOLLO_TELEMETRY_DISABLED = 'true';
    const supergraphSdl = await readFile(join(root, SUPERGRAPH_PATH), 'utf8');
    const gateway = new ApolloGateway({ supergraphSdl });
    try {
      const { schema } = await gateway.load();
      const policy = readAccessPolicy(parse(supergraphSdl));
      const undeclared: string[] = [];
      let fields = 0;
      for (const type of Object.values(schema.getTypeMap())) {
        if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
        for (const field of Object.values(type.getFields())) {
          fields += 1;
          if (!policy.rule(type.name, field.name)) undeclared.push(`${type.name}.${field.name}`);
        }
      }
      expect(fields).toBeGreaterThan(300);
      expect(undeclared).toEqual([]);
    } finally {
      await gateway.stop();
    }
  });

  it('carries the contact points marketing sees only with consent, with their channel', () => {
    return readFile(join(root, SUPERGRAPH_PATH), 'utf8').then((sdl) => {
      expect(Object.fromEntries(readAccessPolicy(parse(sdl)).contacts)).toEqual({
        'LoyaltyMembership.email': 'EMAIL',
        'LoyaltyMembership.emailKey': 'EMAIL',
        'LoyaltyMembership.phone': 'PHONE',
        'LoyaltyMembership.mobile': 'SMS',
        'WebAccount.email': 'EMAIL',
        'WebAccount.emailKey': 'EMAIL',
      });
    });
  });
});
