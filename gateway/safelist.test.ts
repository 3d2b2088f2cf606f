import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRefusal } from '../subgraphs/shared/graphqlHttp.js';
import type { Principal } from '../subgraphs/shared/principal.js';
import { applySafelist, createSafelists, loadSafelist, type Safelist } from './safelist.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const STORES = 'query Stores {\n  stores { code name }\n}';
const ME = 'query Me($first: Int = 10) {\n  me { id webOrders(first: $first) { number } }\n}';
const STORES_ID = sha256(STORES);
const ME_ID = sha256(ME);

const manifest = (operations: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations, ...extra });

let dir: string;
let mobilePath: string;
let partnerPath: string;
let list: Safelist;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-safelist-'));
  mobilePath = join(dir, 'mobile.json');
  partnerPath = join(dir, 'partner.json');
  await writeFile(mobilePath, manifest([
    { id: STORES_ID, name: 'Stores', type: 'query', body: STORES },
    { id: ME_ID, name: 'Me', type: 'query', body: ME },
  ]));
  await writeFile(partnerPath, manifest([{ id: STORES_ID, name: 'Stores', type: 'query', body: STORES }]));
  list = loadSafelist(mobilePath);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function written(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function refusalOf(run: () => unknown): HttpRefusal {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    if (error instanceof HttpRefusal) return error;
    throw error;
  }
  throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
}

function expectNotAllowed(refusal: HttpRefusal, message: string): void {
  expect(refusal.status).toBe(403);
  expect(refusal.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  expect(refusal.message).toBe(message);
}

describe('loadSafelist', () => {
  it('loads a good manifest, its operations by their SHA-256', () => {
    expect(list.name).toBe(mobilePath);
    expect([...list.operations.keys()].sort()).toEqual([STORES_ID, ME_ID].sort());
    expect(list.operations.get(ME_ID)).toEqual({ id: ME_ID, name: 'Me', type: 'query', body: ME });
  });

  it('loads an empty manifest', async () => {
    expect(loadSafelist(await written('empty.json', manifest([]))).operations.size).toBe(0);
  });

  it('loads a manifest by a path relative to the repository', () => {
    const checkedIn = loadSafelist('gateway/safelists/mobile.json');
    expect(checkedIn.operations.size).toBeGreaterThan(0);
    for (const [id, operation] of checkedIn.operations) expect(sha256(operation.body)).toBe(id);
  });

  it('refuses a manifest whose id is not the SHA-256 of its body, naming the file and the operation', async () => {
    const path = await written('tampered.json', manifest([
      { id: STORES_ID, name: 'Stores', type: 'query', body: STORES },
      { id: STORES_ID, name: 'Sneaky', type: 'query', body: '{ customers { email } }' },
    ]));
    expect(() => loadSafelist(path)).toThrow(`${path}: operation "Sneaky" has an id that is not the SHA-256 of its body`);
    const noBody = await written('no-body.json', manifest([{ id: STORES_ID, name: 'Stores', type: 'query' }]));
    expect(() => loadSafelist(noBody)).toThrow(`${noBody}: operation "Stores" has an id that is not the SHA-256 of its body`);
    const upper = await written('upper.json', manifest([{ id: STORES_ID.toUpperCase(), name: 'Stores', type: 'query', body: STORES }]));
    expect(() => loadSafelist(upper)).toThrow(`${upper}: operation "Stores" has an id`);
  });

  it('refuses a manifest of another format or version, or without operations', async () => {
    const cases = {
      'format.json': JSON.stringify({ format: 'relay-persisted-queries', version: 1, operations: [] }),
      'version.json': manifest([], { version: 2 }),
      'version-text.json': manifest([], { version: '1' }),
      'operations.json': JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: { [STORES_ID]: STORES } }),
      'array.json': JSON.stringify([]),
      'string.json': '"apollo-persisted-query-manifest"',
    };
    for (const [name, text] of Object.entries(cases)) {
      const path = await written(name, text);
      expect(() => loadSafelist(path)).toThrow(`${path} is not an apollo-persisted-query-manifest of version 1`);
    }
  });

  it('refuses a manifest whose JSON is null, naming the file', async () => {
    const path = await written('null.json', 'null');
    expect(() => loadSafelist(path)).toThrow(`${path} is not an apollo-persisted-query-manifest of version 1`);
  });

  it('refuses unreadable JSON and a missing file, naming the file', async () => {
    const broken = await written('broken.json', '{ "format": "apollo-persisted-query-manifest", ');
    expect(() => loadSafelist(broken)).toThrow(`persisted-operation manifest ${broken} cannot be read: `);
    const missing = join(dir, 'missing.json');
    expect(() => loadSafelist(missing)).toThrow(`persisted-operation manifest ${missing} cannot be read: ENOENT`);
  });
});

describe('applySafelist', () => {
  const notListed = (id: string) => `operation "${id}" is not in this client's safelist (${mobilePath}): send one of its persisted operations`;

  it('runs an operation named by extensions.persistedQuery.sha256Hash', () => {
    const payload = { operationName: 'Me', variables: { first: 3 }, extensions: { persistedQuery: { version: 1, sha256Hash: ME_ID } } };
    expect(applySafelist(list, payload)).toEqual({ operationName: 'Me', variables: { first: 3 }, query: ME });
  });

  it('runs an operation named by documentId, with or without its sha256: prefix', () => {
    expect(applySafelist(list, { documentId: `sha256:${STORES_ID}` })).toEqual({ query: STORES });
    expect(applySafelist(list, { documentId: STORES_ID, variables: {} })).toEqual({ variables: {}, query: STORES });
  });

  it('runs an operation sent in full', () => {
    expect(applySafelist(list, { query: ME, variables: { first: 1 } })).toEqual({ query: ME, variables: { first: 1 } });
  });

  it('runs an operation sent in full with its own id', () => {
    const payload = { query: STORES, extensions: { persistedQuery: { version: 1, sha256Hash: STORES_ID } } };
    expect(applySafelist(list, payload)).toEqual({ query: STORES });
  });

  it('keeps other extensions and drops persistedQuery', () => {
    const payload = {
      extensions: { persistedQuery: { version: 1, sha256Hash: STORES_ID }, clientLibrary: { name: 'apollo-kotlin', version: '4.1.0' } },
    };
    expect(applySafelist(list, payload)).toEqual({ query: STORES, extensions: { clientLibrary: { name: 'apollo-kotlin', version: '4.1.0' } } });
    expect(applySafelist(list, { documentId: STORES_ID, extensions: { trace: true } })).toEqual({ query: STORES, extensions: { trace: true } });
  });

  it('refuses an id the safelist does not hold, showing the id', () => {
    const unknown = sha256('{ customers { email } }');
    expectNotAllowed(refusalOf(() => applySafelist(list, { extensions: { persistedQuery: { version: 1, sha256Hash: unknown } } })), notListed(unknown));
    expectNotAllowed(refusalOf(() => applySafelist(list, { documentId: `sha256:${unknown}` })), notListed(unknown));
    const long = 'x'.repeat(200);
    expectNotAllowed(refusalOf(() => applySafelist(list, { documentId: long })), notListed(long.slice(0, 80)));
  });

  it('refuses a text the safelist does not hold, even one that differs only in white space', () => {
    const message = 'this client may only run the persisted operations of its safelist; send one by id (extensions.persistedQuery.sha256Hash)';
    expectNotAllowed(refusalOf(() => applySafelist(list, { query: '{ customers { email } }' })), message);
    expectNotAllowed(refusalOf(() => applySafelist(list, { query: `${STORES}\n` })), message);
    expectNotAllowed(refusalOf(() => applySafelist(list, {})), message);
  });

  it('refuses a text that is not the operation its id names', () => {
    const message = 'the query sent is not the persisted operation its id names';
    const payload = { query: '{ customers { email } }', extensions: { persistedQuery: { version: 1, sha256Hash: STORES_ID } } };
    expectNotAllowed(refusalOf(() => applySafelist(list, payload)), message);
    expectNotAllowed(refusalOf(() => applySafelist(list, { query: ME, documentId: STORES_ID })), message);
  });
});

describe('createSafelists', () => {
  const principal = (role: Principal['role'], client?: string): Principal => ({ role, actor: role === 'anonymous' ? null : 'someone', ...(client && { client }) });

  it("holds a principal to its client's safelist first, then to its role's", () => {
    const safelists = createSafelists({ 'crosscanal-mobile': mobilePath }, { partner: partnerPath });
    const mobile = safelists.forPrincipal(principal('customer', 'crosscanal-mobile'));
    const partner = safelists.forPrincipal(principal('partner', 'nrd-integration'));
    expect(mobile?.name).toBe(mobilePath);
    expect(partner?.name).toBe(partnerPath);
    expect(safelists.forPrincipal(principal('partner', 'crosscanal-mobile'))).toBe(mobile);
    expect(safelists.forPrincipal(principal('partner'))).toBe(partner);
  });

  it('holds no one else to a safelist', () => {
    const safelists = createSafelists({ 'crosscanal-mobile': mobilePath }, { partner: partnerPath });
    expect(safelists.forPrincipal(principal('customer', 'crosscanal-web'))).toBeUndefined();
    expect(safelists.forPrincipal(principal('customer'))).toBeUndefined();
    expect(safelists.forPrincipal(principal('admin', 'ops-console'))).toBeUndefined();
    expect(safelists.forPrincipal(principal('anonymous'))).toBeUndefined();
  });

  it('reads a manifest named twice once', () => {
    const safelists = createSafelists({ 'crosscanal-mobile': mobilePath, 'nrd-integration': partnerPath }, { partner: partnerPath });
    expect(safelists.forPrincipal(principal('customer', 'nrd-integration'))).toBe(safelists.forPrincipal(principal('partner')));
  });

  it('fails at creation on a manifest it cannot load', async () => {
    const broken = await written('broken-at-start.json', 'not json');
    expect(() => createSafelists({}, { partner: broken })).toThrow(`persisted-operation manifest ${broken} cannot be read`);
  });
});
