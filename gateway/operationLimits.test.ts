import { GraphQLError, buildSchema, parse } from 'graphql';
import {
  DEFAULT_OPERATION_LIMITS,
  analyseOperation,
  analyseOperationRemembered,
  checkOperationLimits,
  parseOperation,
  readCostDirectives,
  type OperationShape,
} from './operationLimits.js';

// The cost spec's directives as Apollo Federation declares them in a supergraph.
const costSpec = /* GraphQL */ `
  directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
`;

const sdl = /* GraphQL */ `
  ${costSpec}
  type Query {
    franchises: [Franchise!]!
    webAccount(id: ID!): WebAccount
    customer(id: ID!): Customer
    orders(first: Int = 7, last: Int): [Order!]! @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
    unslicedOrders(first: Int): [Order!]! @listSize(slicingArguments: ["first"], assumedSize: 9)
    promotions: [Promotion!]! @listSize(assumedSize: 4)
    search(page: Page): [Store!]! @listSize(slicingArguments: ["page.size"])
    matrix: [[Store!]!]!
    report: Report @cost(weight: 50)
    audit: Audit
  }
  type Mutation {
    mergeCustomers(ids: [ID!]!): Customer
    archive(id: ID!): Boolean
  }
  input Page { size: Int, after: String }
  type Franchise { code: ID! name: String! stores: [Store!]! }
  type Store { code: ID! name: String! franchise: Franchise! }
  type WebAccount { id: ID! email: String }
  type Customer { id: ID! email: String displayName: String webAccounts: [WebAccount!]! }
  extend type Customer { loyaltyPoints: Int @cost(weight: 3) }
  interface Order { id: ID! total: Int }
  type WebOrder implements Order { id: ID! total: Int lines: [OrderLine!]! }
  type StoreSale implements Order { id: ID! total: Int store: Store! }
  type OrderLine { sku: String quantity: Int }
  type Promotion { id: ID! }
  type Report { title: String }
  type Audit @cost(weight: 5) { note: String }
`;

const schema = buildSchema(sdl);
const costDirectives = readCostDirectives(parse(sdl));

function analyse(query: string, options: { variables?: Record<string, unknown>; operationName?: string; defaultListSize?: number } = {}): OperationShape {
  const shape = analyseOperation(schema, parse(query), {
    costDirectives,
    defaultListSize: options.defaultListSize ?? 20,
    variables: options.variables ?? null,
    operationName: options.operationName ?? null,
  });
  if (!shape) throw new Error(`expected an operation to be chosen in ${query}`);
  return shape;
}

function thrownBy(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('expected a GraphQLError, nothing was thrown');
}

function codes(shape: OperationShape, limits = DEFAULT_OPERATION_LIMITS): unknown[] {
  return checkOperationLimits(shape, { ...limits }).map((error) => error.extensions.code);
}

const hostile = '{ franchises { stores { franchise { stores { franchise { stores { franchise { stores { name } } } } } } } } }';

describe('readCostDirectives', () => {
  it('reads @listSize and @cost from fields, type extensions and types', () => {
    expect(costDirectives.listSizes).toEqual(
      new Map([
        ['Query.orders', { slicingArguments: ['first', 'last'], requireOneSlicingArgument: false }],
        ['Query.unslicedOrders', { slicingArguments: ['first'], assumedSize: 9, requireOneSlicingArgument: true }],
        ['Query.promotions', { assumedSize: 4, requireOneSlicingArgument: true }],
        ['Query.search', { slicingArguments: ['page.size'], requireOneSlicingArgument: true }],
      ]),
    );
    expect(costDirectives.weights).toEqual(new Map([['Query.report', 50], ['Customer.loyaltyPoints', 3], ['Audit', 5]]));
  });

  it('reads sizedFields and interface fields', () => {
    const read = readCostDirectives(parse(/* GraphQL */ `
      interface Page { items: [Int!]! @listSize(sizedFields: ["items"], slicingArguments: "first") @cost(weight: 2) }
      extend interface Page { more: Int @cost(weight: 4) }
    `));
    expect(read.listSizes.get('Page.items')).toEqual({ sizedFields: ['items'], slicingArguments: ['first'], requireOneSlicingArgument: true });
    expect(read.weights).toEqual(new Map([['Page.items', 2], ['Page.more', 4]]));
  });

  it('follows the names the supergraph links the cost spec under', () => {
    const renamed = readCostDirectives(parse(/* GraphQL */ `
      schema @link(url: "https://specs.apollo.dev/cost/v0.1", import: [{ name: "@cost", as: "@weight" }, { name: "@listSize", as: "@size" }]) { query: Query }
      type Query { a: [Int] @size(assumedSize: 3) @weight(weight: 2) b: Int @cost(weight: 99) }
    `));
    expect(renamed.listSizes).toEqual(new Map([['Query.a', { assumedSize: 3, requireOneSlicingArgument: true }]]));
    expect(renamed.weights).toEqual(new Map([['Query.a', 2]]));

    const namespaced = readCostDirectives(parse(/* GraphQL */ `
      extend schema @link(url: "https://specs.apollo.dev/cost/v0.1")
      type Query { a: [Int] @cost__listSize(assumedSize: 3) @cost(weight: 2) }
    `));
    expect(namespaced.listSizes.get('Query.a')).toEqual({ assumedSize: 3, requireOneSlicingArgument: true });
    expect(namespaced.weights.get('Query.a')).toBe(2);
  });

  it('refuses a malformed argument, naming the field and the value', () => {
    expect(() => readCostDirectives(parse('type Query { a: Int @cost(weight: "heavy") }'))).toThrow(
      '@cost(weight:) on Query.a must be an integer, got "heavy"',
    );
    expect(() => readCostDirectives(parse('type Query { a: [Int] @listSize(assumedSize: 2.5) }'))).toThrow(
      '@listSize(assumedSize:) on Query.a must be an integer, got 2.5',
    );
  });
});

describe('parseOperation', () => {
  it('parses a document at the token limit', () => {
    // "{", 4,998 names, "}": 5,000 tokens; comments are not tokens.
    const query = `# a comment\n{ ${'a '.repeat(4998)}}`;
    expect(parseOperation(query, DEFAULT_OPERATION_LIMITS).definitions).toHaveLength(1);
  });

  it('refuses a 6,000-token document as QUERY_TOO_LARGE', () => {
    const error = thrownBy(() => parseOperation(`{ ${'a '.repeat(5998)}}`, DEFAULT_OPERATION_LIMITS));
    expect(error.extensions).toEqual({ code: 'QUERY_TOO_LARGE', limit: 5000 });
    expect(error.message).toContain('5000');
  });

  it('reports a syntax error as GRAPHQL_PARSE_FAILED, with its location', () => {
    const error = thrownBy(() => parseOperation('{ customer(id: ) { id } }', DEFAULT_OPERATION_LIMITS));
    expect(error.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(error.message).toMatch(/^Syntax Error/);
    expect(error.locations).toEqual([{ line: 1, column: 16 }]);
  });

  it('reports a lexical error as GRAPHQL_PARSE_FAILED', () => {
    expect(thrownBy(() => parseOperation('{ a ? }', DEFAULT_OPERATION_LIMITS)).extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});

describe('analyseOperation: depth, aliases and root fields', () => {
  it('counts depth through named and inline fragments', () => {
    const shape = analyse(/* GraphQL */ `
      query { customer(id: "1") { ...Accounts } }
      fragment Accounts on Customer { webAccounts { ... on WebAccount { email } } }
    `);
    // customer 1, webAccounts 2, email 3: fragments add no level.
    expect(shape.depth).toBe(3);
  });

  it('counts a fragment\'s aliases once per spread', () => {
    const shape = analyse(/* GraphQL */ `
      { customer(id: "1") { ...Names ...Names ... on Customer { ...Names } } }
      fragment Names on Customer { a: email b: displayName }
    `);
    // 2 aliases x 3 spreads.
    expect(shape.aliases).toBe(6);
  });

  it('counts root fields one per alias, expanding root fragments', () => {
    const shape = analyse(/* GraphQL */ `
      { a: customer(id: "1") { id } b: customer(id: "2") { id } franchises { code } ...More }
      fragment More on Query { c: webAccount(id: "3") { email } __typename }
    `);
    // a, b, franchises, c, __typename.
    expect(shape.rootFields).toBe(5);
    expect(shape.aliases).toBe(3);
  });

  it('names the operation and its type', () => {
    const document = 'query First { franchises { code } } mutation Second { archive(id: "1") }';
    expect(analyse(document, { operationName: 'Second' })).toMatchObject({ operationType: 'mutation', operationName: 'Second' });
    expect(analyse('{ franchises { code } }')).toMatchObject({ operationType: 'query', operationName: null });
  });

  it('returns null when no operation can be chosen', () => {
    const options = { costDirectives, defaultListSize: 20 };
    const two = parse('query A { franchises { code } } query B { franchises { name } }');
    expect(analyseOperation(schema, two, options)).toBeNull();
    expect(analyseOperation(schema, two, { ...options, operationName: 'C' })).toBeNull();
    expect(analyseOperation(schema, parse('fragment F on Query { franchises { code } }'), options)).toBeNull();
  });
});

describe('analyseOperation and checkOperationLimits: hostile operations', () => {
  it('refuses the Franchise/Store walk for depth and cost with the default limits', () => {
    const shape = analyse(hostile, { defaultListSize: DEFAULT_OPERATION_LIMITS.defaultListSize });
    // Nine fields deep. Cost from the leaf up, 20 per list: name 0; stores (1 + 0) x 20 = 20;
    // franchise 1 + 20 = 21; stores 22 x 20 = 440; franchise 441; stores 442 x 20 = 8,840;
    // franchise 8,841; stores 8,842 x 20 = 176,840; franchises 176,841 x 20 = 3,536,820.
    expect(shape.depth).toBe(9);
    expect(shape.cost).toBe(3_536_820);
    expect(codes(shape)).toEqual(['QUERY_TOO_DEEP', 'QUERY_TOO_COSTLY']);
    const [tooDeep, tooCostly] = checkOperationLimits(shape, { ...DEFAULT_OPERATION_LIMITS });
    expect(tooDeep?.message).toBe(`Operation depth 9 exceeds the limit of ${DEFAULT_OPERATION_LIMITS.maxDepth}`);
    expect(tooDeep?.extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: DEFAULT_OPERATION_LIMITS.maxDepth, found: 9 });
    expect(tooCostly?.extensions).toEqual({ code: 'QUERY_TOO_COSTLY', limit: 20000, found: 3_536_820 });
  });

  it('costs a shorter walk exactly', () => {
    const shape = analyse('{ franchises { stores { franchise { name } } } }', { defaultListSize: 3 });
    // franchise 1 + 0 = 1; stores (1 + 1) x 3 = 6; franchises (1 + 6) x 3 = 21.
    expect(shape.cost).toBe(21);
    expect(shape.depth).toBe(4);
  });

  it('refuses 500 aliased root fields, which the token limit also refuses at the default', () => {
    const query = `{ ${Array.from({ length: 500 }, (_, n) => `a${n}: webAccount(id: ${n}) { email }`).join(' ')} }`;
    // 11 tokens per field and the two braces: 5,502 tokens.
    expect(thrownBy(() => parseOperation(query, DEFAULT_OPERATION_LIMITS)).extensions.code).toBe('QUERY_TOO_LARGE');
    const shape = analyse(query);
    expect(shape).toMatchObject({ aliases: 500, rootFields: 500, cost: 500 });
    const errors = checkOperationLimits(shape, { ...DEFAULT_OPERATION_LIMITS });
    expect(errors.map((error) => error.extensions)).toEqual([
      { code: 'TOO_MANY_ALIASES', limit: 30, found: 500 },
      { code: 'TOO_MANY_ROOT_FIELDS', limit: 20, found: 500 },
    ]);
    expect(errors.map((error) => error.message)).toEqual([
      'Operation alias count 500 exceeds the limit of 30',
      'Operation root field count 500 exceeds the limit of 20',
    ]);
  });

  it('cuts a fragment cycle instead of looping', () => {
    const shape = analyse(/* GraphQL */ `
      { ...A franchises { ...Walk } }
      fragment A on Query { ...B }
      fragment B on Query { ...A }
      fragment Walk on Franchise { stores { franchise { ...Walk } } }
    `);
    expect(Number.isFinite(shape.cost)).toBe(true);
    expect(shape.depth).toBe(3);
  });

  it('analyses a fragment spread twice per level, 40 levels, and finds it too costly', () => {
    const levels = Array.from({ length: 40 }, (_, n) => `fragment F${n + 1} on Query { ...F${n} ...F${n} }`);
    const query = `{ ...F40 } fragment F0 on Query { franchises { code } } ${levels.join(' ')}`;
    const shape = analyse(query);
    // 2^40 x 20 is above any limit; the analysis stops rather than finishing the sum.
    expect(shape.cost).toBeGreaterThan(DEFAULT_OPERATION_LIMITS.maxCost);
    const costly = checkOperationLimits(shape, { ...DEFAULT_OPERATION_LIMITS }).find((error) => error.extensions.code === 'QUERY_TOO_COSTLY');
    expect(costly?.extensions).toEqual({ code: 'QUERY_TOO_COSTLY', limit: 20000, found: null });
  });

  it('counts a doubling document exactly when it costs nothing, each fragment analysed once', () => {
    const levels = Array.from({ length: 40 }, (_, n) => `fragment F${n + 1} on Query { ...F${n} ...F${n} }`);
    const shape = analyse(`{ ...F40 } fragment F0 on Query { __typename } ${levels.join(' ')}`);
    expect(shape.rootFields).toBe(2 ** 40);
    expect(shape.cost).toBe(0);
  });
});

describe('analyseOperation: list sizes', () => {
  const cost = (query: string, variables?: Record<string, unknown>) => analyse(query, { variables, defaultListSize: 20 }).cost;

  // An order weighs 1 (interface) and its id 0, so each query below costs the list size.
  it('takes a slicing argument from a literal', () => {
    expect(cost('{ orders(first: 12) { id } }')).toBe(12);
  });

  it('takes a slicing argument from a variable, or from the variable\'s default', () => {
    expect(cost('query ($n: Int) { orders(first: $n) { id } }', { n: 9 })).toBe(9);
    expect(cost('query ($n: Int = 5) { orders(first: $n) { id } }')).toBe(5);
  });

  it('falls back to the argument\'s default in the schema', () => {
    expect(cost('{ orders { id } }')).toBe(7);
    expect(cost('query ($n: Int) { orders(first: $n) { id } }')).toBe(7);
  });

  it('takes the largest of several slicing arguments', () => {
    expect(cost('{ orders(first: 3, last: 11) { id } }')).toBe(11);
  });

  it('counts a negative, fractional or null size as the default list size', () => {
    expect(cost('{ orders(first: -1) { id } }')).toBe(20);
    expect(cost('query ($n: Int) { orders(first: $n) { id } }', { n: 2.5 })).toBe(20);
    expect(cost('{ orders(first: null) { id } }')).toBe(20);
  });

  it('uses assumedSize when no slicing argument is given', () => {
    expect(cost('{ unslicedOrders { id } }')).toBe(9);
    expect(cost('{ unslicedOrders(first: 2) { id } }')).toBe(2);
    expect(cost('{ promotions { id } }')).toBe(4);
  });

  it('uses defaultListSize without @listSize', () => {
    expect(analyse('{ franchises { code } }', { defaultListSize: 13 }).cost).toBe(13);
  });

  it('reads a slicing argument inside an input object', () => {
    expect(cost('{ search(page: { size: 6 }) { code } }')).toBe(6);
    expect(cost('query ($page: Page) { search(page: $page) { code } }', { page: { size: 8 } })).toBe(8);
  });

  it('multiplies once per list wrapper', () => {
    // [[Store!]!]!: (1 + 0) x 3 x 3.
    expect(analyse('{ matrix { code } }', { defaultListSize: 3 }).cost).toBe(9);
  });

  it('sums the fragments on an abstract type', () => {
    const shape = analyse('{ orders(first: 2) { id ... on WebOrder { lines { sku } } ... on StoreSale { store { name } } } }', { defaultListSize: 5 });
    // Per order: Order 1 + lines (1 + 0) x 5 + store 1 = 7; two orders: 14.
    expect(shape.cost).toBe(14);
    expect([...shape.coordinates].sort()).toEqual(
      ['Order.id', 'OrderLine.sku', 'Query.orders', 'Store.name', 'StoreSale.store', 'WebOrder.lines'],
    );
  });
});

describe('analyseOperation: weights', () => {
  it('lets @cost on a field, or on its type, replace the default weight', () => {
    expect(analyse('{ report { title } }').cost).toBe(50);
    expect(analyse('{ audit { note } }').cost).toBe(5);
    // customer 1 + loyaltyPoints 3 (declared in a type extension).
    expect(analyse('{ customer(id: "1") { loyaltyPoints } }').cost).toBe(4);
  });

  it('weighs a mutation\'s root fields 10', () => {
    expect(analyse('mutation { archive(id: "1") }').cost).toBe(10);
    // 10 + webAccounts (1 + 0) x 20.
    expect(analyse('mutation { mergeCustomers(ids: ["1", "2"]) { webAccounts { email } } }').cost).toBe(30);
  });
});

describe('analyseOperation: unvalidated documents', () => {
  it('skips unknown fields, fragments and types without throwing', () => {
    const shape = analyse(/* GraphQL */ `
      {
        nope { deeper { deepest } }
        customer(id: "1") { ...Missing unknown ... on NoSuchType { x } ...OnScalar }
        ... on Franchise { stores { name } }
      }
      fragment OnScalar on String { length }
    `);
    // nope/deeper/deepest still nest 3 deep; a wrong type condition types its own contents.
    expect(shape.depth).toBe(3);
    expect(shape.coordinates).toEqual(new Set(['Query.customer', 'Franchise.stores', 'Store.name']));
    expect(shape.cost).toBe(1 + 20);
  });

  it('honours no variable named after an Object prototype member', () => {
    expect(analyse('query ($constructor: Int) { orders(first: $constructor) { id } }').cost).toBe(7);
  });
});

describe('analyseOperation: introspection', () => {
  it('detects __schema and leaves its subtree out of depth and cost', () => {
    const shape = analyse(/* GraphQL */ `{
      __schema { types { name fields { name type { name ofType { name ofType { name } } } } } }
      customer(id: "1") { id }
    }`);
    expect(shape).toMatchObject({ introspection: true, depth: 2, cost: 1 });
    expect(shape.coordinates).toEqual(new Set(['Query.__schema', 'Query.customer', 'Customer.id']));
    expect(codes(shape, { ...DEFAULT_OPERATION_LIMITS, maxDepth: 2 })).toEqual([]);
  });

  it('detects __type in a fragment and still counts aliases below it', () => {
    const shape = analyse('{ ...T } fragment T on Query { __type(name: "Customer") { n: name f: fields { name } } }');
    expect(shape).toMatchObject({ introspection: true, depth: 1, aliases: 2 });
  });

  it('does not take __typename for introspection, and lists it only at the root', () => {
    const shape = analyse('{ __typename customer(id: "1") { __typename id } }');
    expect(shape.introspection).toBe(false);
    expect(shape.coordinates).toEqual(new Set(['Query.__typename', 'Query.customer', 'Customer.id']));
  });
});

describe('checkOperationLimits', () => {
  it('returns nothing within the limits', () => {
    expect(checkOperationLimits(analyse('{ customer(id: "1") { email } }'), { ...DEFAULT_OPERATION_LIMITS })).toEqual([]);
  });

  it('reports a cost whose analysis stopped with no number', () => {
    const shape: OperationShape = {
      operationType: 'query', operationName: null, depth: 1, aliases: 0, rootFields: 1, cost: Infinity,
      coordinates: new Set(), introspection: false,
    };
    const [error] = checkOperationLimits(shape, { ...DEFAULT_OPERATION_LIMITS });
    expect(error?.extensions).toEqual({ code: 'QUERY_TOO_COSTLY', limit: 20000, found: null });
    expect(error?.message).toBe('Operation estimated cost over 1000000000000 exceeds the limit of 20000');
  });
});

describe('analyseOperation: @listSize(sizedFields:) on a connection', () => {
  const connectionSdl = /* GraphQL */ `
    ${costSpec}
    type Query {
      products(first: Int = 10): ProductConnection! @listSize(slicingArguments: ["first"], sizedFields: ["nodes"])
      unsizedConnection(first: Int): ProductConnection!
      productList(first: Int): [Product!]! @listSize(slicingArguments: ["first"])
    }
    type ProductConnection { totalCount: Int pageInfo: PageInfo! nodes: [Product!]! edges: [ProductEdge!]! }
    type ProductEdge { cursor: String node: Product! }
    type PageInfo { hasNextPage: Boolean }
    type Product { sku: ID! stock: [Stock!]! }
    type Stock { quantity: Int }
  `;
  const connectionSchema = buildSchema(connectionSdl);
  const connectionDirectives = readCostDirectives(parse(connectionSdl));
  const cost = (query: string, variables?: Record<string, unknown>) => {
    const shape = analyseOperation(connectionSchema, parse(query), { costDirectives: connectionDirectives, defaultListSize: 20, variables: variables ?? null });
    if (!shape) throw new Error(`expected an operation to be chosen in ${query}`);
    return shape.cost;
  };

  it('sizes the nodes list by first, and does not multiply the connection', () => {
    // nodes (1 + 0) x 5 = 5; products 1 + 5 = 6. Sized by the default list size instead, it
    // would be 1 + 20 = 21; with the connection multiplied by first too, (1 + 5) x 5 = 30.
    expect(cost('{ products(first: 5) { nodes { sku } } }')).toBe(6);
  });

  it('costs the rest of the page as usual', () => {
    // stock (1 + 0) x 20 = 20 a product; nodes (1 + 0 + 20) x 5 = 105; pageInfo 1;
    // totalCount 0; products 1 + 0 + 1 + 105 = 107.
    expect(cost('{ products(first: 5) { totalCount pageInfo { hasNextPage } nodes { sku stock { quantity } } } }')).toBe(107);
  });

  it("takes first from a variable, or from the argument's default", () => {
    expect(cost('query ($n: Int) { products(first: $n) { nodes { sku } } }', { n: 3 })).toBe(1 + 3);
    expect(cost('{ products { nodes { sku } } }')).toBe(1 + 10);
  });

  it('sizes nodes selected through fragments, each spread by its own connection', () => {
    expect(cost('{ products(first: 3) { ... on ProductConnection { nodes { sku } } } }')).toBe(1 + 3);
    // The same fragment under first: 2 and first: 7: (1 + 2) + (1 + 7).
    expect(cost('{ a: products(first: 2) { ...Page } b: products(first: 7) { ...Page } } fragment Page on ProductConnection { nodes { sku } }')).toBe(11);
  });

  it('leaves a list the directive does not name to its own size', () => {
    // edges is not among sizedFields: (1 + node 1) x 20 = 40; products 1 + 40.
    expect(cost('{ products(first: 5) { edges { node { sku } } } }')).toBe(41);
  });

  it('still multiplies a list field whose @listSize names no sizedFields', () => {
    // (1 + 0) x 5.
    expect(cost('{ productList(first: 5) { sku } }')).toBe(5);
    // stock (1 + 0) x 20 per product; (1 + 20) x 4.
    expect(cost('{ productList(first: 4) { stock { quantity } } }')).toBe(84);
  });

  it('gives a connection without @listSize the default list size', () => {
    // nodes (1 + 0) x 20; unsizedConnection 1 + 20, whatever first says.
    expect(cost('{ unsizedConnection(first: 5) { nodes { sku } } }')).toBe(21);
  });
});

describe('analyseOperationRemembered', () => {
  const options = { costDirectives, defaultListSize: 20 };
  const document = parse('query Orders($n: Int, $id: ID!, $page: Page) { customer(id: $id) { id } orders(first: $n) { id } search(page: $page) { code } }');

  it('measures as analyseOperation does, whatever the values of the variables the measure reads', () => {
    for (const variables of [{ n: 3, id: 'a' }, { n: 50, id: 'a', page: { size: 5 } }, { id: 'b' }, { n: null, id: 'c' }, { n: 3, id: 'a', page: { size: 8, after: 'x' } }]) {
      const fresh = analyseOperation(schema, document, { ...options, variables });
      expect(analyseOperationRemembered(schema, document, { ...options, variables })).toEqual(fresh);
      expect(analyseOperationRemembered(schema, document, { ...options, variables })).toEqual(fresh);
    }
  });

  it('measures once for any value of a variable the measure does not read', () => {
    const first = analyseOperationRemembered(schema, document, { ...options, variables: { n: 4, id: 'x1' } });
    expect(analyseOperationRemembered(schema, document, { ...options, variables: { n: 4, id: 'x2' } })).toBe(first);
    expect(analyseOperationRemembered(schema, document, { ...options, variables: { n: 5, id: 'x1' } })).not.toBe(first);
  });

  it('tells an absent variable from one given as null, and one operation of a document from another', () => {
    const two = parse('query A($n: Int = 2) { orders(first: $n) { id } } query B { promotions { id } }');
    expect(analyseOperationRemembered(schema, two, { ...options, operationName: 'A', variables: {} })!.cost).toBe(2);
    expect(analyseOperationRemembered(schema, two, { ...options, operationName: 'A', variables: { n: null } })!.cost).toBe(20);
    expect(analyseOperationRemembered(schema, two, { ...options, operationName: 'B', variables: {} })!.cost).toBe(4);
  });
});
