import { GraphQLError } from 'graphql';
import { Directory, directoryFromRow } from './directory.js';
import { lookupKey, lookupsOf, matchAll, matches, parseLookupKey, phoneVariants, type PosLookup } from './identities.js';
import { pgFailure } from '../shared/postgres.js';
import { configFromEnv } from './config.js';
import { nrdCents } from './layouts/nrdCents.js';
import { oueClientTable } from './layouts/oueClientTable.js';

const SECRET = 'a-secret-shared-by-gateway-and-subgraphs';

test('refuses to serve without the secret shared with the gateway, naming the variable', () => {
  expect(() => configFromEnv({})).toThrow(/CROSSCANAL_INTERNAL_SECRET must be set/);
});

describe('POS identities', () => {
  test('card, phone and client forms become lookups; other systems are skipped; duplicates merge', () => {
    const lookups = lookupsOf([
      { system: 'POS', localId: 'card:2900001234566', franchise: null },
      { system: 'POS', localId: 'phone:06 12 34 56 78' },
      { system: 'POS', localId: 'phone:+33612345678', franchise: null },
      { system: 'POS', localId: 'client:101', franchise: 'OUE' },
      { system: 'ECOMMERCE', localId: '42', franchise: null },
    ]);
    expect(lookups).toEqual([
      { kind: 'card', card: '2900001234566', franchise: null },
      { kind: 'phone', phone: '+33612345678', franchise: null },
      { kind: 'client', clientId: 101, franchise: 'OUE' },
    ]);
    expect(lookups.map(lookupKey)).toEqual(['card:2900001234566', 'phone:+33612345678', 'client:101@OUE']);
    for (const lookup of lookups) expect(parseLookupKey(lookupKey(lookup))).toEqual(lookup);
  });

  test.each(['email:a@b.c', 'card:', 'phone:not a phone', 'client:abc', 'client:0', '2900001234566'])('refuses localId %j with BAD_USER_INPUT', (localId) => {
    let error: unknown;
    try {
      lookupsOf([{ system: 'POS', localId, franchise: 'OUE' }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    expect((error as GraphQLError).message).toContain(JSON.stringify(localId));
  });

  test('a client id needs its franchise', () => {
    expect(() => lookupsOf([{ system: 'POS', localId: 'client:101', franchise: null }])).toThrow('"client:101" without one');
  });

  test('matching respects the franchise scope', () => {
    const holder = { cards: ['2900001234566'], phone: '+33612345678', clientId: 101 };
    expect(matches({ kind: 'card', card: '2900001234566', franchise: null }, 'SUD', holder)).toBe(true);
    expect(matches({ kind: 'phone', phone: '+33612345678', franchise: 'NRD' }, 'SUD', holder)).toBe(false);
    expect(matches({ kind: 'client', clientId: 101, franchise: 'OUE' }, 'OUE', holder)).toBe(true);
    expect(matches({ kind: 'client', clientId: 102, franchise: 'OUE' }, 'OUE', holder)).toBe(false);
  });

  test('matchAll finds, for each lookup, exactly the records matches() accepts, in their order', () => {
    // A small space of cards, phones and ids, so that lookups and holders meet often, several
    // cards on a record (a return and its receipt's) and the same card twice included.
    let seed = 7;
    const pick = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const cards = ['2900001234566', '2900001234573', '2900001234580'];
    const phones = ['+33612345678', '+33698765432'];
    const records = Array.from({ length: 300 }, (_, id) => ({
      id,
      holder: {
        cards: Array.from({ length: pick(3) }, () => cards[pick(cards.length)]!),
        phone: pick(2) ? phones[pick(phones.length)]! : null,
        clientId: pick(2) ? 100 + pick(3) : null,
      },
    }));
    const franchises = [null, 'SUD', 'OUE'];
    const lookups: PosLookup[] = [
      ...cards.flatMap((card) => franchises.map((franchise) => ({ kind: 'card' as const, card, franchise }))),
      ...phones.flatMap((phone) => franchises.map((franchise) => ({ kind: 'phone' as const, phone, franchise }))),
      ...[100, 101, 102, 103].map((clientId) => ({ kind: 'client' as const, clientId, franchise: 'OUE' })),
    ];
    const found = matchAll(lookups, 'OUE', records);
    lookups.forEach((lookup, i) => {
      expect(found[i]!.map((r) => r.id)).toEqual(records.filter((r) => matches(lookup, 'OUE', r.holder)).map((r) => r.id));
    });
    expect(found.some((records) => records.length > 10)).toBe(true);
  });

  test('phone variants cover what a till keeps once separators are stripped', () => {
    const variants = phoneVariants('+33612345678');
    for (const typed of ['+33612345678', '0033612345678', '0612345678', '+330612345678']) expect(variants).toContain(typed);
  });
});

describe('Directory', () => {
  const directory = new Directory(
    directoryFromRow({
      franchises: [
        { code: 'NRD', name: 'Nord', schema_name: 'franchise_nrd', layout: 'nrd_cents' },
        { code: 'EST', name: 'Est', schema_name: 'franchise_est', layout: 'nrd_cents' },
      ],
      stores: [
        { store_code: 'NRD01', franchise_code: 'NRD', name: 'Lille', city: 'Lille', postcode: '59000', country: 'FR', click_and_collect: true, latitude: 50.6, longitude: 3 },
        { store_code: 'EST-7', franchise_code: 'EST', name: 'Metz', city: 'Metz', postcode: '57000', country: 'FR', click_and_collect: false, latitude: null, longitude: null },
      ],
    }),
  );

  test('routes a number by the store code among its dash-separated parts', () => {
    expect(directory.franchiseOfNumber('NRD01-0004711')?.code).toBe('NRD');
    expect(directory.franchiseOfNumber('Q-NRD01-000042')?.code).toBe('NRD');
    expect(directory.franchiseOfNumber('R-EST-7-000012')?.code).toBe('EST');
    expect(directory.franchiseOfNumber('NRD010004711')).toBeUndefined();
    expect(directory.franchiseOfNumber('SUD01-0002001')).toBeUndefined();
  });

  test('a store without coordinates has no location', () => {
    expect(directory.store('EST-7')?.location).toBeNull();
    expect(directory.store('NRD01')?.location).toEqual({ latitude: 50.6, longitude: 3 });
  });

  test('refuses a schema name that could not be spliced into SQL', () => {
    expect(() =>
      directoryFromRow({ franchises: [{ code: 'X', name: 'X', schema_name: 'x; DROP SCHEMA y', layout: 'nrd_cents' }], stores: [] }),
    ).toThrow('"x; DROP SCHEMA y"');
    expect(() => directoryFromRow(null)).toThrow('expected franchises and stores');
  });
});

describe('PostgreSQL errors', () => {
  test.each([
    ['08006', 'unavailable'],
    ['57014', 'unavailable'],
    ['53300', 'unavailable'],
    ['40001', 'unavailable'],
    ['42P01', 'badResponse'],
    ['42703', 'badResponse'],
    ['22P02', 'badRequest'],
    ['42601', 'badRequest'],
  ])('SQLSTATE %s is %s', (code, kind) => {
    expect(pgFailure(Object.assign(new Error('boom'), { code }))?.kind).toBe(kind);
  });

  test('socket errors are left to the source', () => {
    expect(pgFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});

describe('configFromEnv', () => {
  test('defaults', () => {
    expect(configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET })).toEqual({
      internalSecret: SECRET,
      port: 4203,
      host: '127.0.0.1',
      legacyUrl: 'postgres://postgres@127.0.0.1:4103/postgres',
      schemaPrefix: '',
      timeoutMs: 3000,
      poolSize: 10,
      redisUrl: undefined,
    });
  });

  test.each([
    [{ SUBGRAPH_POS_PORT: '70000' }, 'SUBGRAPH_POS_PORT'],
    [{ SUBGRAPH_POS_TIMEOUT_MS: 'soon' }, 'SUBGRAPH_POS_TIMEOUT_MS'],
    [{ LEGACY_POS_URL: 'http://127.0.0.1:4103' }, 'LEGACY_POS_URL'],
    [{ LEGACY_POS_SCHEMA_PREFIX: 'Test-' }, 'LEGACY_POS_SCHEMA_PREFIX'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
  ])('%j fails naming %s', (env, name) => {
    expect(() => configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET, ...env })).toThrow(name);
  });
});

describe('identity statements', () => {
  test('only the kinds of identity a batch holds are in its WHERE clause', () => {
    const cardsOnly = nrdCents.queries.salesFor('"s"', { cards: ['2900001234566'], phones: [], clientIds: [] });
    expect(cardsOnly.text).not.toContain('regexp_replace');
    expect(cardsOnly.text).toContain('WHERE (r.card_number = ANY($1::text[]))');
    expect(cardsOnly.values).toEqual([['2900001234566']]);

    const clientsAndPhones = oueClientTable.queries.salesFor('"s"', { cards: [], phones: ['0612345678'], clientIds: [101] });
    expect(clientsAndPhones.text).toContain('ANY($1::text[])');
    expect(clientsAndPhones.text).toContain('h.client_id = ANY($2::int[])');
    expect(clientsAndPhones.values).toEqual([['0612345678'], [101]]);

    expect(nrdCents.queries.quotesFor('"s"', { cards: [], phones: [], clientIds: [101] })).toEqual({ text: expect.stringMatching(/WHERE false$/), values: [] });
  });
});
