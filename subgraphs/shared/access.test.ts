import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { allows, describeRule, enforceAccess, readAccessPolicy, type AccessRule, type ConsentCheck } from './access.js';
import type { Principal } from './principal.js';

const HEADER = /* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective"])
    @link(url: "https://crosscanal.dev/access/v1.0", import: ["@access", "@contact"])
    @composeDirective(name: "@access")
    @composeDirective(name: "@contact")
  directive @access(roles: [String!]!) on FIELD_DEFINITION | OBJECT | INTERFACE
  directive @contact(channel: String!) on FIELD_DEFINITION
`;

const roles = (rule: AccessRule | undefined) => (rule ? [...rule.roles].sort() : undefined);

const principal = (role: Principal['role'], extra: Partial<Principal> = {}): Principal => ({ role, actor: role === 'anonymous' ? null : `${role}-1`, ...extra });

describe('readAccessPolicy', () => {
  it('lets a field rule replace its type rule, and the type rule cover the fields that say nothing', () => {
    const policy = readAccessPolicy(parse(/* GraphQL */ `
      type Store @access(roles: ["public"]) {
        code: ID!
        name: String
        margin: Int @access(roles: ["steward", "service"])
      }
    `));
    expect(roles(policy.rule('Store', 'code'))).toEqual(['public']);
    expect(roles(policy.rule('Store', 'name'))).toEqual(['public']);
    expect(roles(policy.rule('Store', 'margin'))).toEqual(['service', 'steward']);
  });

  it('unions the roles of a type declared twice, each with its @access', () => {
    const policy = readAccessPolicy(parse(/* GraphQL */ `
      type Customer @access(roles: ["service"]) { id: ID! }
      extend type Customer @access(roles: ["customer", "marketing"]) { name: String }
      type Customer @access(roles: ["service", "steward"]) { id: ID! }
    `));
    // Every field of the type, wherever it was declared, reads under the union.
    expect(roles(policy.rule('Customer', 'id'))).toEqual(['customer', 'marketing', 'service', 'steward']);
    expect(roles(policy.rule('Customer', 'name'))).toEqual(['customer', 'marketing', 'service', 'steward']);
  });

  it('unions the roles of a field declared twice', () => {
    const policy = readAccessPolicy(parse(/* GraphQL */ `
      type Order { total: Int @access(roles: ["service"]) }
      extend type Order { total: Int @access(roles: ["partner"]) }
    `));
    expect(roles(policy.rule('Order', 'total'))).toEqual(['partner', 'service']);
  });

  it('reads rules on interfaces and their extensions', () => {
    const policy = readAccessPolicy(parse(/* GraphQL */ `
      interface Order @access(roles: ["service"]) { id: ID! total: Int @access(roles: ["marketing"]) }
      extend interface Order { placedAt: String @access(roles: ["partner"]) }
    `));
    expect(roles(policy.rule('Order', 'id'))).toEqual(['service']);
    expect(roles(policy.rule('Order', 'total'))).toEqual(['marketing']);
    expect(roles(policy.rule('Order', 'placedAt'))).toEqual(['partner']);
  });

  it('has no rule where nothing is declared', () => {
    const policy = readAccessPolicy(parse(/* GraphQL */ `
      type Query { secret: String }
      type Store @access(roles: ["public"]) { code: ID! }
      input StoreFilter { code: ID }
    `));
    expect(policy.rule('Query', 'secret')).toBeUndefined();
    expect(policy.rule('Warehouse', 'code')).toBeUndefined();
    expect(policy.rule('StoreFilter', 'code')).toBeUndefined();
  });

  it('takes a single role written without a list', () => {
    const policy = readAccessPolicy(parse('type Store { code: ID! @access(roles: "public") }'));
    expect(roles(policy.rule('Store', 'code'))).toEqual(['public']);
  });

  it('records the channel of every @contact field', () => {
    const policy = readAccessPolicy(parse(/* GraphQL */ `
      type Customer @access(roles: ["service"]) {
        email: String @contact(channel: "EMAIL")
        phone: String @contact(channel: "SMS") @access(roles: ["associate"])
        name: String
      }
      extend type Member { postalAddress: String @contact(channel: POST) }
    `));
    expect(policy.contacts).toEqual(new Map([['Customer.email', 'EMAIL'], ['Customer.phone', 'SMS'], ['Member.postalAddress', 'POST']]));
    expect(roles(policy.rule('Customer', 'phone'))).toEqual(['associate']);
  });
});

describe('allows', () => {
  const rule = (...names: string[]): AccessRule => ({ roles: new Set(names) });

  it('lets anyone, signed in or not, read a public field', () => {
    for (const role of ['anonymous', 'customer', 'partner', 'marketing', 'admin'] as const) {
      expect(allows(rule('public'), principal(role))).toBe(true);
    }
  });

  it('lets admin read everything, a field without a rule included', () => {
    expect(allows(undefined, principal('admin'))).toBe(true);
    expect(allows(rule('steward'), principal('admin'))).toBe(true);
  });

  it('lets a named role read, and no other', () => {
    expect(allows(rule('service', 'steward'), principal('service'))).toBe(true);
    expect(allows(rule('service', 'steward'), principal('steward'))).toBe(true);
    for (const role of ['anonymous', 'customer', 'associate', 'partner', 'marketing'] as const) {
      expect(allows(rule('service', 'steward'), principal(role))).toBe(false);
    }
  });

  it('closes a field without a rule to every role but admin', () => {
    for (const role of ['anonymous', 'customer', 'associate', 'service', 'partner', 'marketing', 'steward'] as const) {
      expect(allows(undefined, principal(role))).toBe(false);
    }
  });

  it('does not take a role named "anonymous" in a rule for public', () => {
    expect(allows(rule('customer'), principal('anonymous'))).toBe(false);
  });
});

describe('describeRule', () => {
  it('names the roles a field needs', () => {
    expect(describeRule(undefined)).toBe('the admin role (no @access is declared)');
    expect(describeRule({ roles: new Set(['service', 'steward']) })).toBe('one of the roles service, steward');
  });
});

describe('enforceAccess', () => {
  const typeDefs: DocumentNode = parse(/* GraphQL */ `
    ${HEADER}
    type Query {
      products: [Product!]! @access(roles: ["public"])
      customer(id: ID!): Customer @access(roles: ["service", "customer", "marketing", "associate"])
      audit: String @access(roles: ["steward"])
      secret: String
    }
    type Product @key(fields: "sku") @access(roles: ["public"]) {
      sku: ID!
      name: String
    }
    type Customer @key(fields: "id") @access(roles: ["service", "customer", "marketing", "associate"]) {
      id: ID!
      name: String
      email: String @contact(channel: "EMAIL")
      notes: String @access(roles: ["service"])
    }
  `);

  const customers: Record<string, { id: string; name: string; email: string; notes: string }> = {
    c1: { id: 'c1', name: 'Ada', email: 'ada@example.test', notes: 'prefers the store' },
    c2: { id: 'c2', name: 'Brian', email: 'brian@example.test', notes: 'none' },
  };

  const resolvers = {
    Query: {
      products: () => [{ sku: 'p1', name: 'Boot' }],
      customer: (_: unknown, { id }: { id: string }) => customers[id] ?? null,
      audit: () => 'audited',
      secret: () => 'classified',
    },
    Product: { __resolveReference: ({ sku }: { sku: string }) => ({ sku, name: `product ${sku}` }) },
    Customer: { __resolveReference: ({ id }: { id: string }) => customers[id] ?? null },
  };

  interface Context {
    principal: Principal;
  }

  let consentAsked: Array<{ parent: unknown; channel: string; context: Context }>;
  let consented: Set<string>;
  const consent: ConsentCheck<Context> = (parent, channel, context) => {
    consentAsked.push({ parent, channel, context });
    return consented.has((parent as { id: string }).id);
  };

  let schema: GraphQLSchema;
  let entitiesResolver: unknown;
  let serviceResolver: unknown;

  beforeAll(() => {
    const built = buildSubgraphSchema({ typeDefs, resolvers });
    entitiesResolver = built.getQueryType()!.getFields()._entities!.resolve;
    serviceResolver = built.getQueryType()!.getFields()._service!.resolve;
    schema = enforceAccess(built, readAccessPolicy(typeDefs), consent);
  });

  beforeEach(() => {
    consentAsked = [];
    consented = new Set();
  });

  async function run(query: string, who: Principal, variables?: Record<string, unknown>): Promise<ExecutionResult> {
    return graphql({ schema, source: query, contextValue: { principal: who }, variableValues: variables });
  }

  const errorsOf = (result: ExecutionResult) => (result.errors ?? []).map((error) => ({ path: error.path, message: error.message, code: error.extensions.code }));

  it('refuses a field to a role it does not name: null and FORBIDDEN', async () => {
    const result = await run('{ audit }', principal('service'));
    expect(result.data).toEqual({ audit: null });
    expect(errorsOf(result)).toEqual([{ path: ['audit'], code: 'FORBIDDEN', message: 'Query.audit needs one of the roles steward; the request acts as service' }]);
  });

  it('refuses it to an anonymous caller as UNAUTHENTICATED', async () => {
    for (const context of [{ principal: principal('anonymous') }, {}, undefined]) {
      const result = await graphql({ schema, source: '{ audit }', contextValue: context });
      expect(result.data).toEqual({ audit: null });
      expect(errorsOf(result)).toEqual([{
        path: ['audit'],
        code: 'UNAUTHENTICATED',
        message: 'Query.audit needs one of the roles steward; the request acts as anonymous; sign in: send a bearer token',
      }]);
    }
  });

  it('answers the role a field names', async () => {
    expect(await run('{ audit }', principal('steward'))).toEqual({ data: { audit: 'audited' } });
  });

  it('answers a public field for anyone', async () => {
    for (const role of ['anonymous', 'customer', 'partner', 'marketing'] as const) {
      expect(await run('{ products { sku name } }', principal(role))).toEqual({ data: { products: [{ sku: 'p1', name: 'Boot' }] } });
    }
  });

  it('closes a field without a rule to all but admin', async () => {
    expect(await run('{ secret }', principal('admin'))).toEqual({ data: { secret: 'classified' } });
    const result = await run('{ secret }', principal('steward'));
    expect(result.data).toEqual({ secret: null });
    expect(errorsOf(result)).toEqual([{
      path: ['secret'],
      code: 'FORBIDDEN',
      message: 'Query.secret needs the admin role (no @access is declared); the request acts as steward',
    }]);
  });

  it('refuses a field rule narrower than its type rule', async () => {
    expect(await run('{ customer(id: "c1") { notes } }', principal('service'))).toEqual({ data: { customer: { notes: 'prefers the store' } } });
    const result = await run('{ customer(id: "c1") { name notes } }', principal('marketing'));
    expect(result.data).toEqual({ customer: { name: 'Ada', notes: null } });
    expect(errorsOf(result)).toEqual([{ path: ['customer', 'notes'], code: 'FORBIDDEN', message: 'Customer.notes needs one of the roles service; the request acts as marketing' }]);
  });

  describe('@contact', () => {
    it('resolves for marketing where the customer consented on the channel', async () => {
      consented.add('c1');
      const who = principal('marketing');
      expect(await run('{ customer(id: "c1") { email } }', who)).toEqual({ data: { customer: { email: 'ada@example.test' } } });
      expect(consentAsked).toEqual([{ parent: customers.c1, channel: 'EMAIL', context: { principal: who } }]);
    });

    it('answers marketing null and CONSENT_REQUIRED without consent', async () => {
      consented.add('c1');
      const result = await run('{ customer(id: "c2") { name email } }', principal('marketing'));
      expect(result.data).toEqual({ customer: { name: 'Brian', email: null } });
      expect(result.errors?.map((error) => ({ path: error.path, message: error.message, extensions: error.extensions }))).toEqual([{
        path: ['customer', 'email'],
        message: "Customer.email reveals a contact point: marketing sees it only with the customer's EMAIL marketing consent",
        extensions: { code: 'CONSENT_REQUIRED', channel: 'EMAIL' },
      }]);
    });

    it('resolves for every other allowed role without asking', async () => {
      expect(await run('{ customer(id: "c2") { email } }', principal('service'))).toEqual({ data: { customer: { email: 'brian@example.test' } } });
      expect(await run('{ customer(id: "c2") { email } }', principal('associate', { store: 'NRD01' }))).toEqual({ data: { customer: { email: 'brian@example.test' } } });
      expect(await run('{ customer(id: "c2") { email } }', principal('customer', { customerId: 'c2' }))).toEqual({ data: { customer: { email: 'brian@example.test' } } });
      expect(await run('{ customer(id: "c2") { email } }', principal('admin'))).toEqual({ data: { customer: { email: 'brian@example.test' } } });
      expect(consentAsked).toEqual([]);
    });

    it('does not ask for consent on behalf of a role the field is closed to', async () => {
      // The customer reached as an entity, by a role Customer does not name.
      const result = await run(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { email } } }',
        principal('steward'),
        { r: [{ __typename: 'Customer', id: 'c2' }] },
      );
      expect(result.data).toEqual({ _entities: [{ email: null }] });
      expect(errorsOf(result)).toEqual([{
        path: ['_entities', 0, 'email'],
        code: 'FORBIDDEN',
        message: 'Customer.email needs one of the roles service, customer, marketing, associate; the request acts as steward',
      }]);
      expect(consentAsked).toEqual([]);
    });

    it('is refused at start when the subgraph gives no consent check', () => {
      expect(() => enforceAccess(buildSubgraphSchema({ typeDefs, resolvers }), readAccessPolicy(typeDefs))).toThrow(
        'Customer.email is a @contact field, but the subgraph gives no consent check',
      );
    });
  });

  describe('a customer principal reads its own Customer only', () => {
    const me = principal('customer', { customerId: 'c1' });

    it('reads every field of its own customer', async () => {
      expect(await run('{ customer(id: "c1") { id name email } }', me)).toEqual({ data: { customer: { id: 'c1', name: 'Ada', email: 'ada@example.test' } } });
    });

    it('is refused every field of another customer', async () => {
      const result = await run('{ customer(id: "c2") { name email } }', me);
      expect(result.data).toEqual({ customer: { name: null, email: null } });
      const refused = { code: 'FORBIDDEN', message: 'a customer token reads its own customer only, not "c2"' };
      expect(errorsOf(result)).toEqual([{ path: ['customer', 'name'], ...refused }, { path: ['customer', 'email'], ...refused }]);
      // id is non-null: refusing it takes the whole customer.
      const withId = await run('{ customer(id: "c2") { id } }', me);
      expect(withId.data).toEqual({ customer: null });
      expect(errorsOf(withId)).toEqual([{ path: ['customer', 'id'], ...refused }]);
    });

    it('is refused another customer reached as an entity', async () => {
      const result = await run(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { name } } }',
        me,
        { r: [{ __typename: 'Customer', id: 'c2' }, { __typename: 'Customer', id: 'c1' }] },
      );
      expect(result.data).toEqual({ _entities: [{ name: null }, { name: 'Ada' }] });
      expect(errorsOf(result)).toEqual([{ path: ['_entities', 0, 'name'], code: 'FORBIDDEN', message: 'a customer token reads its own customer only, not "c2"' }]);
    });

    it('does not hold other roles to one customer', async () => {
      expect(await run('{ customer(id: "c2") { name } }', principal('service'))).toEqual({ data: { customer: { name: 'Brian' } } });
    });

    it('refuses a customer token that names no customer', async () => {
      const result = await run('{ customer(id: "c1") { name } }', principal('customer'));
      expect(result.data).toEqual({ customer: { name: null } });
      expect(errorsOf(result)).toEqual([{ path: ['customer', 'name'], code: 'FORBIDDEN', message: 'a customer token reads its own customer only, not "c1"' }]);
    });
  });

  describe("federation's own fields", () => {
    it('leaves _service and _entities unwrapped', () => {
      const fields = schema.getQueryType()!.getFields();
      expect(fields._entities!.resolve).toBe(entitiesResolver);
      expect(fields._service!.resolve).toBe(serviceResolver);
    });

    it('answers _service to anyone', async () => {
      const result = await run('{ _service { sdl } }', principal('anonymous'));
      expect(result.errors).toBeUndefined();
      expect((result.data as { _service: { sdl: string } })._service.sdl).toContain('type Customer');
    });

    it('answers _entities to anyone, leaving each field to its own check', async () => {
      const result = await run(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name } ... on Customer { name } } }',
        principal('anonymous'),
        { r: [{ __typename: 'Product', sku: 'p9' }, { __typename: 'Customer', id: 'c1' }] },
      );
      expect(result.data).toEqual({ _entities: [{ name: 'product p9' }, { name: null }] });
      expect(errorsOf(result)).toEqual([{
        path: ['_entities', 1, 'name'],
        code: 'UNAUTHENTICATED',
        message: 'Customer.name needs one of the roles service, customer, marketing, associate; the request acts as anonymous; sign in: send a bearer token',
      }]);
    });
  });
});
