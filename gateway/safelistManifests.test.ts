import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { parse, validate, type GraphQLSchema } from 'graphql';
import { SUPERGRAPH_PATH } from '../schema/subgraphs.js';
import { allows, readAccessPolicy, type AccessPolicy } from '../subgraphs/shared/access.js';
import type { Principal } from '../subgraphs/shared/principal.js';
import { analyseOperation, checkOperationLimits, DEFAULT_OPERATION_LIMITS, readCostDirectives, type CostDirectives } from './operationLimits.js';
import { buildSafelistManifests, SAFELISTS_DIR } from './safelistManifests.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Who runs each safelist: the mobile app acts for one signed-in customer, a partner's
 * integration for its franchise (docs/access.md). A new safelist must say here who runs it.
 */
const RUNS_AS: Readonly<Record<string, Principal>> = {
  [`${SAFELISTS_DIR}/mobile.json`]: { role: 'customer', actor: 'app-user', customerId: 'gc-1', client: 'crosscanal-mobile' },
  [`${SAFELISTS_DIR}/partner.json`]: { role: 'partner', actor: 'nrd-integration', franchise: 'NRD' },
};

interface Operation {
  id: string;
  name: string;
  type: string;
  body: string;
}

let built: Map<string, string>;
let gateway: ApolloGateway;
let schema: GraphQLSchema;
let policy: AccessPolicy;
let costDirectives: CostDirectives;

beforeAll(async () => {
  built = await buildSafelistManifests(root);
  const supergraphSdl = await readFile(join(root, SUPERGRAPH_PATH), 'utf8');
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  gateway = new ApolloGateway({ supergraphSdl });
  ({ schema } = await gateway.load());
  const supergraph = parse(supergraphSdl);
  policy = readAccessPolicy(supergraph);
  costDirectives = readCostDirectives(supergraph);
});

afterAll(async () => {
  await gateway?.stop();
});

function operationsOf(path: string): Operation[] {
  return (JSON.parse(built.get(path)!) as { operations: Operation[] }).operations;
}

describe('the checked-in safelist manifests', () => {
  it('are what the safelist folders build today (run `npm run compose` after changing an operation)', async () => {
    expect(built.size).toBeGreaterThan(0);
    for (const [path, text] of built) {
      expect({ path, text: await readFile(join(root, path), 'utf8') }).toEqual({ path, text });
    }
  });

  it('go stale when an operation changes without rebuilding', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'crosscanal-safelists-'));
    try {
      await cp(join(root, SAFELISTS_DIR), join(copy, SAFELISTS_DIR), { recursive: true });
      const changed = join(copy, SAFELISTS_DIR, 'mobile', 'Stores.graphql');
      await writeFile(changed, (await readFile(changed, 'utf8')).replace('city', 'city\n    openingHours'));
      const rebuilt = await buildSafelistManifests(copy);
      const manifest = `${SAFELISTS_DIR}/mobile.json`;
      expect(rebuilt.get(manifest)).toContain('openingHours');
      expect(rebuilt.get(manifest)).not.toBe(await readFile(join(root, manifest), 'utf8'));
      expect(rebuilt.get(`${SAFELISTS_DIR}/partner.json`)).toBe(await readFile(join(root, SAFELISTS_DIR, 'partner.json'), 'utf8'));
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('have no manifest left over from a folder that is gone', async () => {
    const checkedIn = (await readdir(join(root, SAFELISTS_DIR))).filter((file) => file.endsWith('.json')).map((file) => `${SAFELISTS_DIR}/${file}`);
    expect(checkedIn.sort()).toEqual([...built.keys()].sort());
  });

  it('each say who runs them', () => {
    expect([...built.keys()].sort()).toEqual(Object.keys(RUNS_AS).sort());
  });

  it('hold operations that validate against the gateway\'s API schema', () => {
    for (const path of built.keys()) {
      for (const { name, body } of operationsOf(path)) {
        const errors = validate(schema, parse(body)).map((error) => error.message);
        expect({ path, name, errors }).toEqual({ path, name, errors: [] });
      }
    }
  });

  it('hold operations within the default operation limits', () => {
    for (const path of built.keys()) {
      for (const { name, body } of operationsOf(path)) {
        const shape = analyseOperation(schema, parse(body), { costDirectives, defaultListSize: DEFAULT_OPERATION_LIMITS.defaultListSize, operationName: name });
        expect(shape).not.toBeNull();
        const broken = checkOperationLimits(shape!, { ...DEFAULT_OPERATION_LIMITS }).map((error) => error.message);
        expect({ path, name, broken }).toEqual({ path, name, broken: [] });
      }
    }
  });

  it('hold operations that select only fields the role of their client may read', () => {
    for (const path of built.keys()) {
      const principal = RUNS_AS[path]!;
      for (const { name, body } of operationsOf(path)) {
        expect({ path, name, role: principal.role, denied: denied(principal, name, body) }).toEqual({ path, name, role: principal.role, denied: [] });
      }
    }
  });

  it('would be refused to another role: the check above can fail', () => {
    const mobile = operationsOf(`${SAFELISTS_DIR}/mobile.json`).find((operation) => operation.name === 'MyCard')!;
    const partner = operationsOf(`${SAFELISTS_DIR}/partner.json`).find((operation) => operation.name === 'FranchiseReceipt')!;
    expect(denied(RUNS_AS[`${SAFELISTS_DIR}/partner.json`]!, mobile.name, mobile.body)).toContain('Query.me');
    expect(denied(RUNS_AS[`${SAFELISTS_DIR}/mobile.json`]!, partner.name, partner.body)).toContain('Query.storeSale');
  });
});

/** The coordinates an operation selects that `principal`'s role may not read. */
function denied(principal: Principal, name: string, body: string): string[] {
  const shape = analyseOperation(schema, parse(body), { costDirectives, defaultListSize: DEFAULT_OPERATION_LIMITS.defaultListSize, operationName: name });
  expect(shape?.coordinates.size).toBeGreaterThan(0);
  return [...shape!.coordinates].filter((coordinate) => {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    return !fieldName.startsWith('__') && !allows(policy.rule(typeName, fieldName), principal);
  });
}
