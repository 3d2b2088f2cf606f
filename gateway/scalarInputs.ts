import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInputObjectType,
  isListType,
  Kind,
  typeFromAST,
  type GraphQLInputType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type TypeNode,
  type ValueNode,
} from 'graphql';
import { parseIsoInstant } from '../utilities/isoInstant.js';

/**
 * The graph's own scalars, checked at the gateway before the operation is planned. The gateway
 * passes custom scalars through unread; a malformed instant would then fail the subgraph's
 * whole request, and every field planned with it, as an outage. Here it is the caller's
 * mistake: BAD_USER_INPUT, naming the argument or variable, and nothing is fetched.
 */
const CHECKS: Readonly<Record<string, { expected: string; valid: (text: string) => boolean }>> = {
  DateTime: { expected: 'an ISO 8601 date-time with a zone (2026-11-20T12:00:00Z)', valid: (text) => parseIsoInstant(text) !== null },
  Date: { expected: 'a date YYYY-MM-DD', valid: (text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && parseIsoInstant(text) !== null },
};

function namedTypeOf(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);
}

/** The values of `value` (a literal, or a list of them) that a check refuses; variables are checked on their own. */
function refusedLiterals(value: ValueNode, valid: (text: string) => boolean): string[] {
  if (value.kind === Kind.LIST) return value.values.flatMap((v) => refusedLiterals(v, valid));
  if (value.kind === Kind.STRING) return valid(value.value) ? [] : [JSON.stringify(value.value)];
  if (value.kind === Kind.VARIABLE || value.kind === Kind.NULL) return [];
  return [JSON.stringify(value.kind)];
}

function refusedValues(value: unknown, valid: (text: string) => boolean): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => refusedValues(v, valid));
  return typeof value === 'string' && valid(value) ? [] : [JSON.stringify(value)];
}

/**
 * The first value under a variable of type `type` that a check refuses, with its path (an input
 * object's fields and lists are walked: a malformed instant inside an input object is the same
 * mistake); null when there is none. Values of the wrong shape are left to GraphQL's own coercion.
 */
function refusedInVariable(type: GraphQLInputType, value: unknown, path: string): { path: string; expected: string; got: string } | null {
  if (value === null || value === undefined) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const items = Array.isArray(value) ? value : [value];
    for (const [i, item] of items.entries()) {
      const refused = refusedInVariable(nullable.ofType as GraphQLInputType, item, Array.isArray(value) ? `${path}[${i}]` : path);
      if (refused) return refused;
    }
    return null;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== 'object' || Array.isArray(value)) return null;
    for (const [name, field] of Object.entries(nullable.getFields())) {
      const refused = refusedInVariable(field.type, (value as Record<string, unknown>)[name], `${path}.${name}`);
      if (refused) return refused;
    }
    return null;
  }
  const check = CHECKS[getNamedType(nullable).name];
  if (!check) return null;
  const refused = refusedValues(value, check.valid);
  return refused.length > 0 ? { path, expected: check.expected, got: refused[0]! } : null;
}

/** The first malformed scalar input of the operation, as a message; null when there is none. */
export function malformedScalarInput(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): string | null {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (operationName == null || d.name?.value === operationName),
  );
  if (!operation) return null;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const check = CHECKS[namedTypeOf(definition.type)];
    if (check) {
      const refused = refusedValues(variables?.[name], check.valid);
      if (refused.length > 0) return `variable $${name} must be ${check.expected}, got ${refused[0]}`;
      continue;
    }
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    const refused = type ? refusedInVariable(type, variables?.[name], `$${name}`) : null;
    if (refused) return `variable ${refused.path} must be ${refused.expected}, got ${refused.got}`;
  }
  let byName = literalsChecked.get(operation);
  if (!byName) literalsChecked.set(operation, (byName = new WeakMap()));
  let found = byName.get(schema);
  if (found === undefined) byName.set(schema, (found = malformedLiteral(schema, operation)));
  return found;
}

/** What the literals of an operation were found to hold, by operation and schema: literals do not change between requests. */
const literalsChecked = new WeakMap<OperationDefinitionNode, WeakMap<GraphQLSchema, string | null>>();

/** The first malformed scalar literal of the operation, as a message; null when there is none. */
function malformedLiteral(schema: GraphQLSchema, operation: OperationDefinitionNode): string | null {
  const typeInfo = new TypeInfo(schema);
  let found: string | null = null;
  visit(
    operation,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const type = typeInfo.getInputType();
        const check = type ? CHECKS[getNamedType(type).name] : undefined;
        if (found || !check) return;
        const refused = refusedLiterals(node.value, check.valid);
        if (refused.length > 0) found = `argument ${typeInfo.getParentType()?.name ?? '?'}.${typeInfo.getFieldDef()?.name ?? '?'}(${node.name.value}:) must be ${check.expected}, got ${refused[0]}`;
      },
      ObjectField(node) {
        const type = typeInfo.getInputType();
        const check = type ? CHECKS[getNamedType(type).name] : undefined;
        if (found || !check) return;
        const refused = refusedLiterals(node.value, check.valid);
        if (refused.length > 0) found = `input field ${node.name.value} must be ${check.expected}, got ${refused[0]}`;
      },
    }),
  );
  return found;
}

/** Refuses an operation whose DateTime or Date input is malformed, before it is planned. */
export function useScalarInputs<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, schema, request, operationName }) {
          const message = malformedScalarInput(schema, document as DocumentNode, operationName, request.variables);
          if (message) throw new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
        },
      };
    },
  };
}
