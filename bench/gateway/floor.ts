import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import type { FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';
import { QueryPlanner } from '@apollo/query-planner';
import {
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  parse,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The floor: what any federated gateway must do for an operation, and nothing else. The
 * operation is planned once (by Apollo's planner, so the fetches are the ones a gateway
 * makes); each request then only sends those fetches to the subgraphs, with a pre-signed
 * principal, merges the answers and cuts the result down to what the client asked. No
 * validation, no authentication, no limits, no plugins. A client could do this itself.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

export interface FloorResult {
  data: Obj | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: unknown }>;
}

/** Posts one GraphQL operation to a subgraph. */
export type SubgraphFetch = (url: string, body: { query: string; variables: Record<string, unknown> }) => Promise<{ data?: Obj | null; errors?: FloorResult['errors'] }>;

interface Planned {
  plan: QueryPlan;
  operation: OperationDefinitionNode;
  fragments: Map<string, FragmentDefinitionNode>;
}

export interface Floor {
  /** Runs one client operation: planned on first sight, then only fetched and merged. */
  execute(query: string, variables: Record<string, unknown>, operationName?: string): Promise<FloorResult>;
  /** The operation's plan steps (fetches in sequence), for the latency targets. */
  depth(query: string, operationName?: string): number;
  plan(query: string, operationName?: string): QueryPlan;
}

export function createFloor(supergraphSdl: string, subgraphUrls: Record<string, string>, fetchSubgraph: SubgraphFetch): Floor {
  const supergraph = Supergraph.build(supergraphSdl);
  const planner = new QueryPlanner(supergraph);
  const apiSchema: GraphQLSchema = supergraph.apiSchema().toGraphQLJSSchema();
  const plans = new Map<string, Planned>();

  const planned = (query: string, operationName?: string): Planned => {
    const key = `${operationName ?? ''}\n${query}`;
    let entry = plans.get(key);
    if (!entry) {
      const document = parse(query);
      const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
      if (!operation) throw new Error(`no operation ${JSON.stringify(operationName ?? '')} in the document`);
      const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
      entry = { plan: planner.buildQueryPlan(operationFromDocument(supergraph.schema, document, { operationName })), operation, fragments };
      plans.set(key, entry);
    }
    return entry;
  };

  return {
    depth: (query, operationName) => depthOf(planned(query, operationName).plan.node as PlanNode | undefined),
    plan: (query, operationName) => planned(query, operationName).plan,
    async execute(query, variables, operationName) {
      const { plan, operation, fragments } = planned(query, operationName);
      const variableValues = withDefaults(operation, variables);
      const root: Obj = {};
      const errors: NonNullable<FloorResult['errors']> = [];
      const run = async (node: PlanNode | undefined, at: Array<string | number> | null): Promise<void> => {
        if (!node) return;
        switch (node.kind) {
          case 'Sequence':
            for (const child of node.nodes) await run(child, at);
            return;
          case 'Parallel':
            await Promise.all(node.nodes.map((child) => run(child, at)));
            return;
          case 'Flatten':
            return run(node.node, node.path);
          case 'Fetch':
            return fetchInto(node, at);
          default:
            throw new Error(`the floor does not run ${node.kind} plan nodes`);
        }
      };
      const fetchInto = async (node: FetchNode, path: Array<string | number> | null): Promise<void> => {
        if (node.inputRewrites?.length || node.outputRewrites?.length || node.contextRewrites?.length) throw new Error('the floor does not apply rewrites');
        const url = subgraphUrls[node.serviceName];
        if (!url) throw new Error(`no URL for subgraph ${node.serviceName}`);
        const used = Object.fromEntries((node.variableUsages ?? []).filter((name) => name in variableValues).map((name) => [name, variableValues[name]]));
        if (!path) {
          const reply = await fetchSubgraph(url, { query: node.operation, variables: used });
          if (reply.errors) errors.push(...reply.errors);
          if (reply.data) deepMerge(root, reply.data);
          return;
        }
        // Entities at the path, one representation each, identical representations sent once.
        const entities = collect(root, path);
        const representations: Obj[] = [];
        const indexOf = new Map<string, number>();
        const targets: Array<{ entity: Obj; index: number }> = [];
        for (const entity of entities) {
          const representation = select(entity, node.requires ?? []);
          if (!representation) continue;
          const key = JSON.stringify(representation);
          let index = indexOf.get(key);
          if (index === undefined) {
            index = representations.push(representation) - 1;
            indexOf.set(key, index);
          }
          targets.push({ entity, index });
        }
        if (representations.length === 0) return;
        const reply = await fetchSubgraph(url, { query: node.operation, variables: { ...used, representations } });
        if (reply.errors) errors.push(...reply.errors);
        const found = (reply.data?._entities ?? []) as Json[];
        for (const { entity, index } of targets) {
          const value = found[index];
          if (value && typeof value === 'object' && !Array.isArray(value)) deepMerge(entity, value);
        }
      };
      await run(plan.node as PlanNode | undefined, null);
      const data = project(apiSchema, apiSchema.getQueryType()!, root, operation.selectionSet, fragments, variableValues);
      return errors.length > 0 ? { data, errors } : { data };
    },
  };
}

/** Fetches one after another: the longest chain of fetches the plan waits on. */
function depthOf(node: PlanNode | undefined): number {
  if (!node) return 0;
  switch (node.kind) {
    case 'Fetch':
      return 1;
    case 'Flatten':
      return depthOf(node.node);
    case 'Sequence':
      return node.nodes.reduce((n, child) => n + depthOf(child), 0);
    case 'Parallel':
      return Math.max(0, ...node.nodes.map(depthOf));
    default:
      return 0;
  }
}

function withDefaults(operation: OperationDefinitionNode, given: Record<string, unknown>): Record<string, unknown> {
  const values = { ...given };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (values[name] === undefined && definition.defaultValue) values[name] = literal(definition.defaultValue as never, {});
  }
  return values;
}

function deepMerge(target: Obj, source: Obj): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (Array.isArray(existing) && Array.isArray(value)) {
      value.forEach((item, i) => {
        const mine = existing[i];
        if (isObj(mine) && isObj(item)) deepMerge(mine, item);
        else existing[i] = item;
      });
    } else if (isObj(existing) && isObj(value)) {
      deepMerge(existing, value);
    } else {
      target[key] = value;
    }
  }
}

const isObj = (value: Json | undefined): value is Obj => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The objects at a plan path (`@` = every item of a list, nested lists flattened). */
function collect(root: Json, path: Array<string | number>): Obj[] {
  let current: Json[] = [root];
  for (const step of path) {
    const next: Json[] = [];
    const push = (value: Json | undefined) => {
      if (Array.isArray(value)) value.forEach(push);
      else if (value !== null && value !== undefined) next.push(value);
    };
    for (const value of current) {
      if (step === '@') push(value);
      else if (isObj(value)) push(value[step as string]);
    }
    current = next;
  }
  return current.flatMap((value) => (Array.isArray(value) ? value.filter(isObj) : isObj(value) ? [value] : []));
}

/** The representation of an entity: the `requires` selection applied to it; null when no fragment applies. */
function select(entity: Obj, selections: readonly QueryPlanSelectionNode[]): Obj | null {
  let out: Obj | null = null;
  for (const selection of selections) {
    if (selection.kind === 'InlineFragment') {
      if (selection.typeCondition && selection.typeCondition !== entity.__typename) continue;
      const inner = select(entity, selection.selections);
      if (inner) out = { ...(out ?? {}), ...inner };
    } else {
      const value = entity[selection.name];
      if (value === undefined) continue;
      out ??= {};
      out[selection.name] = selection.selections ? selectValue(value, selection.selections) : value;
    }
  }
  return out;
}

function selectValue(value: Json, selections: readonly QueryPlanSelectionNode[]): Json {
  if (Array.isArray(value)) return value.map((item) => selectValue(item, selections));
  return isObj(value) ? select(value, selections) : value;
}

/** The merged data cut down to the client's selection, under its aliases, in its order. */
function project(
  schema: GraphQLSchema,
  type: GraphQLCompositeType,
  value: Obj,
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): Obj {
  const out: Obj = {};
  const runtime = isAbstractType(type) && typeof value.__typename === 'string' ? (schema.getType(value.__typename) as GraphQLCompositeType) : type;
  const applies = (condition: string | undefined) => {
    if (!condition || condition === runtime.name) return true;
    const conditionType = schema.getType(condition);
    return conditionType !== undefined && isAbstractType(conditionType) && isObjectType(runtime) && schema.isSubType(conditionType, runtime);
  };
  for (const selection of selectionSet.selections) {
    if (skipped(selection.directives ?? [], variables)) continue;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(selection.typeCondition?.name.value)) Object.assign(out, project(schema, type, value, selection.selectionSet, fragments, variables));
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value);
      if (fragment && applies(fragment.typeCondition.name.value)) Object.assign(out, project(schema, type, value, fragment.selectionSet, fragments, variables));
      continue;
    }
    const name = selection.name.value;
    const alias = selection.alias?.value ?? name;
    if (name === '__typename') {
      out[alias] = typeof value.__typename === 'string' ? value.__typename : runtime.name;
      continue;
    }
    // Subgraph fetches carry the client's aliases; fall back to the name the planner may have used.
    const raw = value[alias] !== undefined ? value[alias] : value[name];
    if (raw === undefined || raw === null || !selection.selectionSet) {
      out[alias] = raw ?? null;
      continue;
    }
    const fields = 'getFields' in runtime ? runtime.getFields() : {};
    const fieldType = getNamedType(fields[name]!.type) as GraphQLCompositeType;
    out[alias] = projectValue(schema, fieldType, raw, selection.selectionSet, fragments, variables);
  }
  return out;
}

function projectValue(
  schema: GraphQLSchema,
  type: GraphQLCompositeType,
  value: Json,
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): Json {
  if (Array.isArray(value)) return value.map((item) => projectValue(schema, type, item, selectionSet, fragments, variables));
  return isObj(value) ? project(schema, type, value, selectionSet, fragments, variables) : value;
}

function skipped(directives: readonly { name: { value: string }; arguments?: readonly { name: { value: string }; value: unknown }[] }[], variables: Record<string, unknown>): boolean {
  for (const directive of directives) {
    const condition = directive.arguments?.find((a) => a.name.value === 'if');
    if (!condition) continue;
    const value = literal(condition.value as never, variables);
    if (directive.name.value === 'skip' && value === true) return true;
    if (directive.name.value === 'include' && value === false) return true;
  }
  return false;
}

type ValueNodeLike = { kind: string; value?: unknown; name?: { value: string }; values?: ValueNodeLike[]; fields?: Array<{ name: { value: string }; value: ValueNodeLike }> };

function literal(node: ValueNodeLike, variables: Record<string, unknown>): unknown {
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name!.value];
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values!.map((v) => literal(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields!.map((f) => [f.name.value, literal(f.value, variables)]));
    default:
      return node.value;
  }
}
