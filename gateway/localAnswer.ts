import { Kind, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

/**
 * What the gateway answers itself: a query that selects nothing but `__typename` on the root
 * (`{ __typename }`, aliases allowed), the liveness probe of GraphQL clients and load
 * balancers. Its answer names the query type and needs no subgraph, no plan and no execution,
 * so it is written once per document and served again as it is.
 *
 * Narrow on purpose: one query operation, no variables, no directives, no fragments, and a
 * document that validates against the schema; anything else (a mutation, `__schema`, a field
 * of a subgraph) goes through Apollo Server. The HTTP handler serves it only after every check
 * of the request (CORS, token, rate, body, safelist, limits, access) has passed, and only to a
 * POST with a JSON body (which Apollo Server's CSRF prevention lets through), so that nothing
 * is skipped for it.
 */
export interface LocalAnswers {
  /** The answer's body, as Apollo Server would write it, or undefined: Apollo Server answers. */
  answer(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): string | undefined;
}

interface Known {
  /** The operation's name, when it has one: a request naming another is Apollo Server's to refuse. */
  name: string | undefined;
  body: string;
}

/** The answer of a document that selects only root `__typename`s; null when it is any other. */
function answerOf(schema: GraphQLSchema, document: DocumentNode): Known | null {
  if (document.definitions.length !== 1) return null;
  const operation = document.definitions[0] as OperationDefinitionNode;
  if (operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return null;
  if ((operation.variableDefinitions?.length ?? 0) > 0 || (operation.directives?.length ?? 0) > 0) return null;
  const queryType = schema.getQueryType();
  if (!queryType) return null;
  // No prototype: an alias named `__proto__` is a key of the answer like any other.
  const data: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value !== '__typename') return null;
    if ((selection.arguments?.length ?? 0) > 0 || (selection.directives?.length ?? 0) > 0 || selection.selectionSet) return null;
    data[selection.alias?.value ?? '__typename'] = queryType.name;
  }
  if (validate(schema, document).length > 0) return null;
  // Apollo Server's writing of a single result: JSON and a newline.
  return { name: operation.name?.value, body: `${JSON.stringify({ data })}\n` };
}

export function createLocalAnswers(): LocalAnswers {
  /** Per schema (a new supergraph makes a new one), per parsed document (the handler's parse cache keeps them). */
  const known = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Known | null>>();
  return {
    answer(schema, document, operationName) {
      let bySchema = known.get(schema);
      if (!bySchema) known.set(schema, (bySchema = new WeakMap()));
      let found = bySchema.get(document);
      if (found === undefined) bySchema.set(document, (found = answerOf(schema, document)));
      if (!found || (operationName !== undefined && operationName !== found.name)) return undefined;
      return found.body;
    },
  };
}
