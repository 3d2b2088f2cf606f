import { BoundedMap } from '../subgraphs/shared/boundedMap.js';
import {
  GraphQLError,
  Kind,
  Lexer,
  OperationTypeNode,
  Source,
  TokenKind,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type EnumTypeDefinitionNode,
  type EnumTypeExtensionNode,
  type FieldDefinitionNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type ValueNode,
  type InterfaceTypeDefinitionNode,
  type InterfaceTypeExtensionNode,
  type NamedTypeNode,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  type OperationDefinitionNode,
  type ScalarTypeDefinitionNode,
  type ScalarTypeExtensionNode,
  type SelectionSetNode,
  type UnionTypeDefinitionNode,
  type UnionTypeExtensionNode,
} from 'graphql';

/** Limits on one operation; every one configurable by the gateway's config. */
export interface OperationLimits {
  /** Lexical tokens in the document (graphql's parse option `maxTokens`, now named `maxLexicalTokens`). */
  maxTokens: number;
  /** Deepest field nesting; the root fields are depth 1. */
  maxDepth: number;
  /** Aliased fields in the whole selected operation, each fragment counted once per spread. */
  maxAliases: number;
  /** Field selections at the root of the operation (aliases count one each; root fragments expanded). */
  maxRootFields: number;
  /** Estimated cost, see {@link analyseOperation}. */
  maxCost: number;
  /** List size assumed for a list field with no `@listSize` and no slicing argument. */
  defaultListSize: number;
}

/**
 * Defaults sized for this graph's clients, with headroom: the operations in this repository's
 * tests and README reach depth 5, 6 aliases, 6 root fields and an estimated cost of 1,220.
 *
 * `maxDepth` is 8 rather than 10 because the supergraph's Franchise/Store cycle walked as
 * `franchises { stores { franchise { stores { franchise { stores { franchise { stores { name } } } } } } } }`
 * is 9 deep, and should be refused for its depth as well as its cost: the depth refusal is the
 * clearer one for a client, and holds before any subgraph writes `@listSize`. The deepest path
 * with a plausible use (`productsByCategory { nodes { storeStock { store { franchise { stores { name } } } } } }`)
 * is 7 deep and still passes.
 */
export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = Object.freeze({
  maxTokens: 5000,
  maxDepth: 8,
  maxAliases: 30,
  maxRootFields: 20,
  maxCost: 20000,
  defaultListSize: 20,
});

/** `@listSize` arguments as written on a field definition of the supergraph. */
export interface ListSizeDirective {
  assumedSize?: number;
  slicingArguments?: readonly string[];
  /** Read but not used yet: the graph has no connection types whose size sits on a child field. */
  sizedFields?: readonly string[];
  requireOneSlicingArgument?: boolean;
}

/** What the supergraph says about list sizes and weights, read once at start from the supergraph SDL. */
export interface CostDirectives {
  /** "Type.field" -> @listSize arguments */
  listSizes: ReadonlyMap<string, ListSizeDirective>;
  /** "Type.field" (also "Type" for a type-level @cost) -> @cost(weight:) */
  weights: ReadonlyMap<string, number>;
}

const COST_SPEC_URL = /^https:\/\/specs\.apollo\.dev\/cost\/v\d+\.\d+$/;

/** Where a type-level `@cost` may sit; input types are left out because argument costs are not modelled. */
type WeightedTypeNode =
  | ObjectTypeDefinitionNode | ObjectTypeExtensionNode
  | InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode
  | UnionTypeDefinitionNode | UnionTypeExtensionNode
  | EnumTypeDefinitionNode | EnumTypeExtensionNode
  | ScalarTypeDefinitionNode | ScalarTypeExtensionNode;

const WEIGHTED_TYPE_KINDS: ReadonlySet<Kind> = new Set([
  Kind.OBJECT_TYPE_DEFINITION, Kind.OBJECT_TYPE_EXTENSION,
  Kind.INTERFACE_TYPE_DEFINITION, Kind.INTERFACE_TYPE_EXTENSION,
  Kind.UNION_TYPE_DEFINITION, Kind.UNION_TYPE_EXTENSION,
  Kind.ENUM_TYPE_DEFINITION, Kind.ENUM_TYPE_EXTENSION,
  Kind.SCALAR_TYPE_DEFINITION, Kind.SCALAR_TYPE_EXTENSION,
]);

function isWeightedType(definition: DefinitionNode): definition is WeightedTypeNode {
  return WEIGHTED_TYPE_KINDS.has(definition.kind);
}

interface CostDirectiveNames {
  cost: string;
  listSize: string;
}

/**
 * Reads `@cost` and `@listSize` from the supergraph's type and field definitions (and their
 * extensions). The names follow the supergraph's `@link` to `https://specs.apollo.dev/cost/`,
 * since composition keeps a subgraph's renamed import (`{ name: "@cost", as: "@weight" }`);
 * without such a link they are `@cost` and `@listSize`.
 *
 * @throws Error when a directive argument does not have the type the cost spec gives it.
 */
export function readCostDirectives(supergraph: DocumentNode): CostDirectives {
  const names = costDirectiveNames(supergraph);
  const listSizes = new Map<string, ListSizeDirective>();
  const weights = new Map<string, number>();
  for (const definition of supergraph.definitions) {
    if (!isWeightedType(definition)) continue;
    const typeName = definition.name.value;
    const typeCost = findDirective(definition.directives, names.cost);
    if (typeCost) weights.set(typeName, weightOf(typeCost, typeName));
    for (const field of fieldsOf(definition)) {
      const coordinate = `${typeName}.${field.name.value}`;
      const cost = findDirective(field.directives, names.cost);
      if (cost) weights.set(coordinate, weightOf(cost, coordinate));
      const listSize = findDirective(field.directives, names.listSize);
      if (listSize) listSizes.set(coordinate, listSizeOf(listSize, coordinate));
    }
  }
  return { listSizes, weights };
}

function fieldsOf(definition: WeightedTypeNode): readonly FieldDefinitionNode[] {
  return 'fields' in definition ? definition.fields ?? [] : [];
}

function costDirectiveNames(supergraph: DocumentNode): CostDirectiveNames {
  for (const definition of supergraph.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const args = argumentsOf(link);
      if (typeof args.url !== 'string' || !COST_SPEC_URL.test(args.url)) continue;
      const prefix = typeof args.as === 'string' ? args.as : 'cost';
      const imports = Array.isArray(args.import) ? args.import : [];
      return { cost: linkedName('cost', prefix, imports), listSize: linkedName('listSize', prefix, imports) };
    }
  }
  return { cost: 'cost', listSize: 'listSize' };
}

/** The link spec's naming: an import keeps its (possibly renamed) name, anything else is namespaced by the prefix. */
function linkedName(name: string, prefix: string, imports: readonly unknown[]): string {
  for (const entry of imports) {
    if (entry === `@${name}`) return name;
    if (isRecord(entry) && entry.name === `@${name}`) return typeof entry.as === 'string' ? entry.as.replace(/^@/, '') : name;
  }
  return name === 'cost' ? prefix : `${prefix}__${name}`;
}

function findDirective(directives: readonly ConstDirectiveNode[] | undefined, name: string): ConstDirectiveNode | undefined {
  return directives?.find((directive) => directive.name.value === name);
}

function argumentsOf(directive: ConstDirectiveNode): Record<string, unknown> {
  const values: Record<string, unknown> = Object.create(null);
  for (const argument of directive.arguments ?? []) values[argument.name.value] = valueFromASTUntyped(argument.value);
  return values;
}

function weightOf(directive: ConstDirectiveNode, coordinate: string): number {
  const weight = optionalInteger(argumentsOf(directive).weight, `@${directive.name.value}(weight:) on ${coordinate}`);
  if (weight === undefined) throw new Error(`@${directive.name.value}(weight:) on ${coordinate} is required`);
  return weight;
}

function listSizeOf(directive: ConstDirectiveNode, coordinate: string): ListSizeDirective {
  const args = argumentsOf(directive);
  const where = (argument: string) => `@${directive.name.value}(${argument}:) on ${coordinate}`;
  const assumedSize = optionalInteger(args.assumedSize, where('assumedSize'));
  const slicingArguments = args.slicingArguments == null ? undefined : stringList(args.slicingArguments, where('slicingArguments'));
  const sizedFields = args.sizedFields == null ? undefined : stringList(args.sizedFields, where('sizedFields'));
  const requireOne = args.requireOneSlicingArgument;
  if (requireOne != null && typeof requireOne !== 'boolean') {
    throw new Error(`${where('requireOneSlicingArgument')} must be a boolean, got ${JSON.stringify(requireOne)}`);
  }
  return {
    ...(assumedSize !== undefined && { assumedSize }),
    ...(slicingArguments && { slicingArguments }),
    ...(sizedFields && { sizedFields }),
    // The directive definition's default, so that readers see what the schema means.
    requireOneSlicingArgument: requireOne ?? true,
  };
}

function optionalInteger(value: unknown, where: string): number | undefined {
  if (value == null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${where} must be an integer, got ${JSON.stringify(value)}`);
  return value;
}

function stringList(value: unknown, where: string): readonly string[] {
  // A single string is a valid list literal in GraphQL (input coercion wraps it).
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    throw new Error(`${where} must be a list of strings, got ${JSON.stringify(value)}`);
  }
  return list;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses with graphql's token limit, so that an oversized document is refused before its AST is built.
 *
 * @throws GraphQLError `QUERY_TOO_LARGE` when the document has more than `maxTokens` tokens,
 * `GRAPHQL_PARSE_FAILED` on a syntax error.
 */
export function parseOperation(query: string, limits: Pick<OperationLimits, 'maxTokens'>): DocumentNode {
  try {
    return parse(query, { maxLexicalTokens: limits.maxTokens, noLocation: true });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    // The token limit surfaces as a syntax error; counting tokens tells the two apart without
    // relying on graphql's wording of it.
    if (countTokens(query, limits.maxTokens + 1) > limits.maxTokens) throw tooLarge(limits.maxTokens);
    throw new GraphQLError(error.message, {
      source: error.source,
      positions: error.positions,
      originalError: error,
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
  }
}

function tooLarge(maxTokens: number): GraphQLError {
  return new GraphQLError(`Operation has more than ${maxTokens} tokens, the limit; parsing stopped at token ${maxTokens + 1}`, {
    extensions: { code: 'QUERY_TOO_LARGE', limit: maxTokens },
  });
}

/** Tokens as graphql's parser counts them (comments excluded), up to `stopAt`. */
function countTokens(query: string, stopAt: number): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (count < stopAt && lexer.advance().kind !== TokenKind.EOF) count += 1;
  } catch {
    // A lexical error ends the count: the parser stopped there too.
  }
  return count;
}

export interface OperationShape {
  operationType: 'query' | 'mutation' | 'subscription';
  operationName: string | null;
  depth: number;
  aliases: number;
  rootFields: number;
  /** Infinity when the estimate passed 1e12 and analysis stopped there. */
  cost: number;
  /** Every schema coordinate "Type.field" selected (including through fragments, on the concrete or abstract parent type as written), e.g. "Query.customer", "Customer.email"; meta fields (__typename, __schema, __type) are listed as "Query.__schema" etc. only at the root. */
  coordinates: ReadonlySet<string>;
  /** True when the operation selects __schema or __type anywhere. */
  introspection: boolean;
}

/**
 * Far above any sensible `maxCost`, low enough that reaching it takes few steps: analysis stops
 * there so that a hostile document costs the gateway little to refuse.
 */
const COST_CEILING = 1e12;
const MUTATION_ROOT_WEIGHT = 10;
const OPERATION_TYPES = {
  [OperationTypeNode.QUERY]: 'query',
  [OperationTypeNode.MUTATION]: 'mutation',
  [OperationTypeNode.SUBSCRIPTION]: 'subscription',
} as const;

/** What one selection set adds up to; fragments are analysed into one per parent type and reused. */
interface Summary {
  /** Deepest counted field nesting below and including this level. */
  depth: number;
  aliases: number;
  /** Field selections at this level, fragments expanded. */
  fields: number;
  cost: number;
}

const EMPTY: Summary = Object.freeze({ depth: 0, aliases: 0, fields: 0, cost: 0 });

/** Where a selection set sits. */
interface Scope {
  /** Undefined where the document names a type or field the schema does not have. */
  parent: GraphQLCompositeType | undefined;
  /** False below `__schema` / `__type`, whose fields the gateway allows or refuses as a whole. */
  counted: boolean;
  /** At the operation's root, where meta fields are listed among the coordinates. */
  root: boolean;
  /** Below a field whose `@listSize` names `sizedFields`: those children are lists of its slicing size. */
  sized?: { fields: ReadonlySet<string>; size: number };
}

interface Walk {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  variables: Readonly<Record<string, unknown>>;
  costDirectives: CostDirectives;
  defaultListSize: number;
  memo: Map<string, Summary>;
  /** Fragments being expanded on the current path: spreading one again is a cycle. */
  expanding: Set<string>;
  coordinates: Set<string>;
  introspection: boolean;
  stopped: boolean;
  /** The variables the estimate read: the same document with the same values of these measures the same. */
  read: Set<string>;
}

export interface AnalysisOptions {
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  costDirectives: CostDirectives;
  defaultListSize: number;
}

/** Measures of one document and operation name, by the values of the variables they read. */
interface Measured {
  names: string[];
  byValues: BoundedMap<string, OperationShape | null>;
}

const measured = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Measured[]>>>();

/**
 * {@link analyseOperation}, remembered: the measure of a document is a function of the
 * document and of the values of the few variables it reads (list sizes), so a client sending
 * the same operation again with other identifiers is measured once. The document must be the
 * same object (the gateway's parse cache and Apollo Server's document store make it so); the
 * options other than `operationName` and `variables` are the gateway's own and do not change.
 */
export function analyseOperationRemembered(schema: GraphQLSchema, document: DocumentNode, options: AnalysisOptions): OperationShape | null {
  let bySchema = measured.get(schema);
  if (!bySchema) measured.set(schema, (bySchema = new WeakMap()));
  let byName = bySchema.get(document);
  if (!byName) bySchema.set(document, (byName = new Map()));
  const name = options.operationName ?? '';
  const known = byName.get(name) ?? [];
  for (const entry of known) {
    const shape = entry.byValues.get(valuesKey(entry.names, options.variables));
    if (shape !== undefined) return shape;
  }
  const read = new Set<string>();
  const shape = analyseOperation(schema, document, { ...options, read });
  const names = [...read].sort();
  let entry = known.find((e) => e.names.length === names.length && e.names.every((n, i) => n === names[i]));
  if (!entry) {
    // A handful of ways through one document at most; past that, the oldest is forgotten.
    entry = { names, byValues: new BoundedMap(256) };
    known.push(entry);
    if (known.length > 8) known.shift();
    byName.set(name, known);
  }
  entry.byValues.set(valuesKey(names, options.variables), shape);
  return shape;
}

function valuesKey(names: readonly string[], variables: Record<string, unknown> | null | undefined): string {
  return names.length === 0 ? '' : JSON.stringify(names.map((name) => (variables && Object.hasOwn(variables, name) ? (variables[name] ?? null) : '\u0000absent')));
}

/**
 * Measures the operation named `operationName` (or the document's only one) before it is
 * validated: unknown types, fields and fragments are skipped, fragment cycles are cut.
 *
 * The cost estimate follows the GraphQL Cost Directives specification written at IBM, the
 * model Apollo's demand control implements:
 * - A field costs its weight plus what its sub-selection costs, and the sum is multiplied by
 *   the list size once for each list wrapper of its type (`[[T]]` twice, by the same size).
 * - A field weighs 1 when its named type is an object, interface or union, 0 when it is a
 *   scalar or enum, and 10 when it is a root field of a mutation (writes are dearer than reads).
 *   `@cost(weight:)` on the field, or else on its return type, replaces that default.
 * - The list size is the largest value given to the field's `@listSize(slicingArguments:)`
 *   (as a literal or a variable, or else the argument's default in the schema); else
 *   `@listSize(assumedSize:)`; else `defaultListSize`. A size that is not a non-negative
 *   integer counts as `defaultListSize`, since it cannot bound the list. A field whose
 *   `@listSize` names `sizedFields` is a page (a connection): that size goes to the named
 *   child lists instead of the field.
 * - Fragments count where they are spread. Type-conditioned fragments on an abstract type
 *   are summed rather than the dearest one taken: the sum is an upper bound without knowing
 *   which concrete types the data holds.
 * - `__schema` and `__type` count as one level of depth and no cost, their sub-selections
 *   as none of either; aliases below them still count.
 *
 * Once the estimate passes 1e12 analysis stops and `cost` is Infinity; depth, aliases and
 * root fields are then lower bounds, which does not matter for an operation refused anyway.
 *
 * @returns null when no operation can be chosen (none, or several and no name, or an unknown
 * name): Apollo Server reports that with its usual error.
 */
export function analyseOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  options: AnalysisOptions & { read?: Set<string> },
): OperationShape | null {
  const operation = chooseOperation(document, options.operationName);
  if (!operation) return null;
  const walk: Walk = {
    schema,
    fragments: fragmentsOf(document),
    variables: variablesOf(operation, options.variables),
    costDirectives: options.costDirectives,
    defaultListSize: options.defaultListSize,
    memo: new Map(),
    expanding: new Set(),
    coordinates: new Set(),
    introspection: false,
    stopped: false,
    read: options.read ?? new Set(),
  };
  const root = schema.getRootType(operation.operation) ?? undefined;
  const summary = selectionSet(walk, operation.selectionSet, { parent: root, counted: true, root: true });
  return {
    operationType: OPERATION_TYPES[operation.operation],
    operationName: operation.name?.value ?? null,
    depth: summary.depth,
    aliases: summary.aliases,
    rootFields: summary.fields,
    cost: walk.stopped ? Infinity : summary.cost,
    coordinates: walk.coordinates,
    introspection: walk.introspection,
  };
}

function chooseOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (operationName != null) return operations.find((operation) => operation.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    // The first of two same-named fragments wins; validation refuses the document anyway.
    if (definition.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(definition.name.value)) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** The operation's variable defaults under the request's values, in an object with no prototype so that `$constructor` reads nothing. */
function variablesOf(operation: OperationDefinitionNode, given: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const variables: Record<string, unknown> = Object.create(null);
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variables[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  }
  for (const [name, value] of Object.entries(given ?? {})) {
    if (value !== undefined) variables[name] = value;
  }
  return variables;
}

function selectionSet(walk: Walk, node: SelectionSetNode, scope: Scope): Summary {
  let total = EMPTY;
  for (const selection of node.selections) {
    if (walk.stopped) break;
    const part =
      selection.kind === Kind.FIELD ? field(walk, selection, scope)
      : selection.kind === Kind.INLINE_FRAGMENT ? selectionSet(walk, selection.selectionSet, { ...scope, parent: typeCondition(walk, selection.typeCondition, scope.parent) })
      : fragmentSpread(walk, selection, scope);
    total = {
      depth: Math.max(total.depth, part.depth),
      aliases: total.aliases + part.aliases,
      fields: total.fields + part.fields,
      cost: total.cost + part.cost,
    };
    if (total.cost > COST_CEILING) walk.stopped = true;
  }
  return total;
}

function typeCondition(walk: Walk, condition: NamedTypeNode | undefined, parent: GraphQLCompositeType | undefined): GraphQLCompositeType | undefined {
  if (!condition) return parent;
  const type = walk.schema.getType(condition.name.value);
  return type && isCompositeType(type) ? type : undefined;
}

function fragmentSpread(walk: Walk, node: FragmentSpreadNode, scope: Scope): Summary {
  const name = node.name.value;
  const fragment = walk.fragments.get(name);
  if (!fragment || walk.expanding.has(name)) return EMPTY;
  const inner: Scope = { ...scope, parent: typeCondition(walk, fragment.typeCondition, scope.parent) };
  // The parent type matters only for an inline fragment without a type condition, but it is
  // cheap to key on, and a fragment is then never reused where it would be typed differently.
  const sized = scope.sized ? `${[...scope.sized.fields].join(',')}=${scope.sized.size}` : '';
  const key = `${name}\u0000${inner.parent?.name ?? ''}\u0000${scope.counted}\u0000${scope.root}\u0000${sized}`;
  const known = walk.memo.get(key);
  if (known) return known;
  walk.expanding.add(name);
  const summary = selectionSet(walk, fragment.selectionSet, inner);
  walk.expanding.delete(name);
  walk.memo.set(key, summary);
  return summary;
}

function field(walk: Walk, node: FieldNode, scope: Scope): Summary {
  const name = node.name.value;
  const aliases = node.alias ? 1 : 0;
  const depth = scope.counted ? 1 : 0;
  if (name === '__schema' || name === '__type' || name === '__typename') return metaField(walk, node, scope, { depth, aliases });
  const definition = fieldDefinition(scope.parent, name);
  const childType = definition ? getNamedType(definition.type) : undefined;
  const childScope: Scope = { parent: childType && isCompositeType(childType) ? childType : undefined, counted: scope.counted, root: false };
  const sizedFields = definition && scope.parent ? walk.costDirectives.listSizes.get(`${scope.parent.name}.${name}`)?.sizedFields : undefined;
  if (definition && scope.parent && sizedFields?.length) {
    childScope.sized = { fields: new Set(sizedFields.map((path) => path.split('.')[0]!)), size: listSize(walk, scope.parent, definition, node) };
  }
  const inner = node.selectionSet ? selectionSet(walk, node.selectionSet, childScope) : EMPTY;
  const typed = definition && scope.parent && scope.counted ? { parent: scope.parent, definition } : undefined;
  if (typed) walk.coordinates.add(`${typed.parent.name}.${name}`);
  return {
    depth: depth + inner.depth,
    aliases: aliases + inner.aliases,
    fields: 1,
    cost: typed ? fieldCost(walk, typed.parent, typed.definition, node, inner.cost, scope.sized?.fields.has(name) ? scope.sized.size : undefined, sizedFields !== undefined && sizedFields.length > 0) : inner.cost,
  };
}

function metaField(walk: Walk, node: FieldNode, scope: Scope, own: { depth: number; aliases: number }): Summary {
  const name = node.name.value;
  if (scope.root && scope.parent) walk.coordinates.add(`${scope.parent.name}.${name}`);
  if (name === '__typename') return { ...own, fields: 1, cost: 0 };
  walk.introspection = true;
  const inner = node.selectionSet ? selectionSet(walk, node.selectionSet, { parent: undefined, counted: false, root: false }) : EMPTY;
  return { depth: own.depth, aliases: own.aliases + inner.aliases, fields: 1, cost: 0 };
}

function fieldDefinition(parent: GraphQLCompositeType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return undefined;
  const fields = parent.getFields();
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/**
 * `sizedBy`: the size a parent's `@listSize(sizedFields:)` gives this field; `sizes`: this field's
 * own `@listSize` sizes its children (a connection), not itself.
 */
function fieldCost(walk: Walk, parent: GraphQLCompositeType, definition: GraphQLField<unknown, unknown>, node: FieldNode, innerCost: number, sizedBy: number | undefined, sizes: boolean): number {
  const own = fieldWeight(walk, parent, definition) + innerCost;
  const lists = listWrappers(definition.type);
  if (lists === 0) return own;
  const size = sizedBy ?? (sizes ? walk.defaultListSize : listSize(walk, parent, definition, node));
  return own * size ** lists;
}

function fieldWeight(walk: Walk, parent: GraphQLCompositeType, definition: GraphQLField<unknown, unknown>): number {
  const { weights } = walk.costDirectives;
  const returned = getNamedType(definition.type);
  const declared = weights.get(`${parent.name}.${definition.name}`) ?? weights.get(returned.name);
  if (declared !== undefined) return declared;
  if (parent === walk.schema.getMutationType()) return MUTATION_ROOT_WEIGHT;
  return isCompositeType(returned) ? 1 : 0;
}

function listWrappers(type: GraphQLOutputType): number {
  let count = 0;
  for (let current: GraphQLOutputType = type; isListType(current) || isNonNullType(current); current = current.ofType) {
    if (isListType(current)) count += 1;
  }
  return count;
}

function listSize(walk: Walk, parent: GraphQLCompositeType, definition: GraphQLField<unknown, unknown>, node: FieldNode): number {
  const directive = walk.costDirectives.listSizes.get(`${parent.name}.${definition.name}`);
  const size = slicedSize(walk, directive?.slicingArguments ?? [], definition, node) ?? directive?.assumedSize ?? walk.defaultListSize;
  return usableSize(size) ? size : walk.defaultListSize;
}

/** The largest slicing argument given (or defaulted in the schema); undefined when none is. */
function slicedSize(walk: Walk, paths: readonly string[], definition: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined {
  let largest: number | undefined;
  for (const path of paths) {
    const value = argumentValue(walk, path, definition, node);
    if (value === undefined || value === null) continue;
    const size = usableSize(value) ? value : walk.defaultListSize;
    largest = Math.max(largest ?? 0, size);
  }
  return largest;
}

/** An argument's value, or a member of an input object argument for a dotted path such as "page.first" (as Apollo's demand control allows). */
function argumentValue(walk: Walk, path: string, definition: GraphQLField<unknown, unknown>, node: FieldNode): unknown {
  const [name, ...members] = path.split('.');
  const given = node.arguments?.find((argument) => argument.name.value === name);
  if (given) noteVariables(given.value, walk.read);
  let value = given ? valueFromASTUntyped(given.value, walk.variables) : undefined;
  // An absent argument, or one given as a variable the request left out, takes the schema's default.
  if (value === undefined) value = definition.args.find((argument) => argument.name === name)?.defaultValue;
  for (const member of members) value = isRecord(value) && Object.hasOwn(value, member) ? value[member] : undefined;
  return value;
}

/** The variables a value refers to, into `read`. */
function noteVariables(value: ValueNode, read: Set<string>): void {
  if (value.kind === Kind.VARIABLE) read.add(value.name.value);
  else if (value.kind === Kind.LIST) for (const item of value.values) noteVariables(item, read);
  else if (value.kind === Kind.OBJECT) for (const field of value.fields) noteVariables(field.value, read);
}

function usableSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

interface LimitCheck {
  code: string;
  subject: string;
  limit: keyof OperationLimits;
  found: (shape: OperationShape) => number;
}

const LIMIT_CHECKS: readonly LimitCheck[] = [
  { code: 'QUERY_TOO_DEEP', subject: 'depth', limit: 'maxDepth', found: (shape) => shape.depth },
  { code: 'TOO_MANY_ALIASES', subject: 'alias count', limit: 'maxAliases', found: (shape) => shape.aliases },
  { code: 'TOO_MANY_ROOT_FIELDS', subject: 'root field count', limit: 'maxRootFields', found: (shape) => shape.rootFields },
  { code: 'QUERY_TOO_COSTLY', subject: 'estimated cost', limit: 'maxCost', found: (shape) => shape.cost },
];

/**
 * Every limit the shape breaks, one error each, coded `QUERY_TOO_DEEP`, `TOO_MANY_ALIASES`,
 * `TOO_MANY_ROOT_FIELDS` or `QUERY_TOO_COSTLY`, with `extensions { code, limit, found }`.
 * `found` is null for a cost whose analysis stopped early (Infinity has no JSON form).
 */
export function checkOperationLimits(shape: OperationShape, limits: OperationLimits): GraphQLError[] {
  const errors: GraphQLError[] = [];
  for (const check of LIMIT_CHECKS) {
    const limit = limits[check.limit];
    const found = check.found(shape);
    if (found <= limit) continue;
    const shown = Number.isFinite(found) ? String(found) : `over ${COST_CEILING}`;
    errors.push(
      new GraphQLError(`Operation ${check.subject} ${shown} exceeds the limit of ${limit}`, {
        extensions: { code: check.code, limit, found: Number.isFinite(found) ? found : null },
      }),
    );
  }
  return errors;
}
