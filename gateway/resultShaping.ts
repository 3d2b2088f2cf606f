// The module's exports object (CommonJS), where `@apollo/gateway`'s executor reads the function from on each call.
import shapingModule from '@apollo/gateway/dist/resultShaping.js';
import {
  assert,
  ERRORS,
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  typenameFieldName,
  Variable,
  type CompositeType,
  type FieldSelection,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/**
 * `@apollo/gateway` shapes the subgraphs' merged data into each answer (`computeResponse`):
 * it walks the operation's selections over the data, keeps what was asked, checks each value
 * against its type and bubbles nulls up as GraphQL asks. It reads each selection's `@skip` and
 * `@include` by filtering the selection's directives, twice per selection per object, and
 * returns an object per value it visits; for a partner's day of 1,000 lines that walk was a
 * third of what the gateway allocated under load (bench/RESULTS.md), and every collection of it
 * holds up every request in flight.
 *
 * {@link installCompiledShaping} puts in its place a walk that does the same over a form of each
 * selection set worked out once and kept beside it (weakly: it goes when the operation does; the
 * operations themselves are kept per parsed document, `operationCache.ts`): the response name,
 * the conditions, the field's type and whether it is `__typename` or introspection are read
 * once, the type conditions of fragments are remembered per `__typename`, and the walk returns
 * values rather than objects. What it answers is Apollo's, to the byte and the error: the same
 * keys in the same order, the same nulls bubbled to the same place, the same messages and
 * paths (`resultShaping.test.ts` compares the two over the supergraph's operations, and over
 * data that breaks every rule). An operation it cannot read (a kind of selection it does not
 * know) is shaped by Apollo's function, as before.
 */

type IntrospectionHandling = (selection: FieldSelection) => unknown;
type ComputeResponse = (args: { operation: Operation; variables: Record<string, unknown>; input: Record<string, unknown> | null | undefined; introspectionHandling: IntrospectionHandling }) => {
  data: Record<string, unknown> | null | undefined;
  errors: GraphQLError[];
};

/** A condition of `@skip` / `@include`: a literal, or a variable (with the directive, for Apollo's message when its value is not a boolean). */
type Condition = { literal: unknown } | { variable: string; said: string };

interface FieldStep {
  field: true;
  responseName: string;
  skip: Condition | undefined;
  include: Condition | undefined;
  /** `__schema` / `__type`: answered by the gateway (`introspectionHandling`). */
  introspection: boolean;
  typename: boolean;
  type: Type;
  selection: FieldSelection;
  /** The sub-selections, for a field of an object, interface or union type (at any depth of lists). */
  children: Step[] | undefined;
}

interface FragmentStep {
  field: false;
  skip: Condition | undefined;
  include: Condition | undefined;
  typeCondition: CompositeType | undefined;
  /** Whether the type condition holds, by the object's `__typename`. */
  applies: Map<string, boolean>;
  children: Step[];
}

type Step = FieldStep | FragmentStep;

interface CompiledOperation {
  root: Step[];
  rootType: CompositeType;
  defaulted: Record<string, unknown>;
}

interface Walk {
  schema: Schema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  introspectionHandling: IntrospectionHandling;
  path: Array<string | number>;
  /** Set by {@link update} before it returns: the value made its parent null (a non-null field that is null). */
  invalid: boolean;
  /** Set by {@link update} before it returns: an error was recorded for the value. */
  hasErrors: boolean;
}

export interface CompiledShaping {
  /** Answers shaped by the compiled walk. */
  shaped: number;
  /** Answers left to Apollo's own function (an operation the walk could not read). */
  declined: number;
}

/** The function installed in `@apollo/gateway`'s module, with the counts and the function it replaced. */
type Installed = ComputeResponse & { [INSTALLED]?: CompiledShaping; original?: ComputeResponse };

const stats: CompiledShaping = { shaped: 0, declined: 0 };
const INSTALLED = Symbol.for('crosscanal.compiledShaping');
const NULL_BUBBLE_UP = true;

const compiledSets = new WeakMap<SelectionSet, Step[]>();
const compiledOperations = new WeakMap<Operation, CompiledOperation | null>();

function conditionOf(element: { appliedDirectives: ReadonlyArray<{ name: string; arguments(): Record<string, unknown> }> }, name: string): Condition | undefined {
  const directive = element.appliedDirectives.find((d) => d.name === name);
  if (!directive) return undefined;
  const value = directive.arguments().if;
  return value instanceof Variable ? { variable: value.name, said: `${value} of ${directive}` } : { literal: value };
}

function compileSet(selectionSet: SelectionSet, skipName: string, includeName: string): Step[] {
  const known = compiledSets.get(selectionSet);
  if (known) return known;
  const steps: Step[] = [];
  for (const selection of selectionSet.selections()) {
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      steps.push({
        field: true,
        responseName: field.responseName(),
        skip: conditionOf(field, skipName),
        include: conditionOf(field, includeName),
        introspection: field.definition.isSchemaIntrospectionField(),
        typename: field.name === typenameFieldName,
        type: field.definition.type!,
        selection,
        children: selection.selectionSet ? compileSet(selection.selectionSet, skipName, includeName) : undefined,
      });
    } else if (selection.kind === 'FragmentSelection') {
      const fragment = selection.element;
      steps.push({
        field: false,
        skip: conditionOf(fragment, skipName),
        include: conditionOf(fragment, includeName),
        typeCondition: fragment.typeCondition,
        applies: new Map(),
        children: compileSet(selection.selectionSet, skipName, includeName),
      });
    } else {
      throw new Error(`a selection of kind ${(selection as { kind: string }).kind}`);
    }
  }
  compiledSets.set(selectionSet, steps);
  return steps;
}

function compile(operation: Operation): CompiledOperation | null {
  let compiled = compiledOperations.get(operation);
  if (compiled !== undefined) return compiled;
  try {
    const schema = operation.schema();
    compiled = {
      root: compileSet(operation.selectionSet, schema.skipDirective().name, schema.includeDirective().name),
      rootType: schema.schemaDefinition.rootType(operation.rootKind)!,
      defaulted: operation.collectDefaultedVariableValues(),
    };
  } catch {
    compiled = null;
  }
  compiledOperations.set(operation, compiled);
  return compiled;
}

function conditionValue(condition: Condition, variables: Record<string, unknown>): unknown {
  if ('literal' in condition) return condition.literal;
  const value = variables[condition.variable];
  assert(value !== undefined && typeof value === 'boolean', () => `Unexpected value ${value} for variable ${condition.said}`);
  return value;
}

function skipped(step: Step, variables: Record<string, unknown>): boolean {
  return Boolean((step.skip && conditionValue(step.skip, variables)) || (step.include && !conditionValue(step.include, variables)));
}

function fragmentApplies(step: FragmentStep, schema: Schema, typename: string | undefined, parentType: CompositeType): boolean {
  const condition = step.typeCondition;
  if (!condition) return true;
  if (!typename) return isSubtype(condition, parentType);
  const known = step.applies.get(typename);
  if (known !== undefined) return known;
  const type = schema.type(typename);
  if (!type) return false;
  // Kept by the names of the schema's types only: a subgraph that sends made-up names cannot grow it.
  const applies = isSubtype(condition, type);
  step.applies.set(typename, applies);
  return applies;
}

function describeLast(path: ReadonlyArray<string | number>, currentType: Type, parentType: CompositeType): string {
  const element = path[path.length - 1];
  assert(element !== undefined, 'Should not have been called on an empty path');
  return typeof element === 'string' ? `field ${parentType}.${element}` : `array element of type ${currentType} at index ${element}`;
}

function getOwn(object: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** Apollo's `applySelectionSet`: true when a null must bubble up past `output`. */
function apply(walk: Walk, input: Record<string, unknown>, steps: Step[], output: Record<string, unknown>, parentType: CompositeType): boolean {
  const { schema, variables, path } = walk;
  for (const step of steps) {
    if ((step.skip || step.include) && skipped(step, variables)) continue;
    if (step.field) {
      const responseName = step.responseName;
      const outputValue = output[responseName];
      if (step.introspection) {
        if (outputValue === undefined) output[responseName] = walk.introspectionHandling(step.selection);
        continue;
      }
      let inputValue = getOwn(input, responseName) ?? null;
      if (step.typename) {
        if (outputValue === undefined) {
          if (inputValue === null && responseName !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
          const type = inputValue !== null && typeof inputValue === 'string' ? (schema.type(inputValue) ?? parentType) : parentType;
          if (!isObjectType(type)) return NULL_BUBBLE_UP;
          output[responseName] = type.name;
        }
        continue;
      }
      path.push(responseName);
      output[responseName] = update(walk, outputValue, step.type, inputValue, step.children, parentType);
      path.pop();
      if (walk.invalid) return NULL_BUBBLE_UP;
    } else {
      const typename = input[typenameFieldName];
      assert(!typename || typeof typename === 'string', () => `Got unexpected value for __typename: ${typename}`);
      if (fragmentApplies(step, schema, typename as string | undefined, parentType)) {
        if (apply(walk, input, step.children, output, step.typeCondition ?? parentType)) return NULL_BUBBLE_UP;
      }
    }
  }
  return false;
}

function done(walk: Walk, value: unknown, invalid: boolean, hasErrors: boolean): unknown {
  walk.invalid = invalid;
  walk.hasErrors = hasErrors;
  return value;
}

/** Apollo's `updateOutputValue`: the value to put in place; `walk.invalid` and `walk.hasErrors` say the rest. */
function update(walk: Walk, outputValue: unknown, type: Type, inputValue: unknown, children: Step[] | undefined, parentType: CompositeType): unknown {
  assert(inputValue !== undefined, 'Should not pass undefined for `inputValue` to this method');
  if (outputValue === null || (outputValue !== undefined && !children)) return done(walk, outputValue, false, false);
  if (isNonNullType(type)) {
    const updated = update(walk, outputValue, type.ofType, inputValue, children, parentType);
    if (updated === null) {
      if (!walk.hasErrors) {
        walk.errors.push(ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describeLast(walk.path, type.ofType, parentType)}.`, { path: Array.from(walk.path) }));
      }
      return done(walk, null, true, true);
    }
    return done(walk, updated, false, false);
  }
  if (inputValue === null) return done(walk, null, false, false);
  if (isListType(type)) {
    assert(Array.isArray(inputValue), () => `Invalid non-list value ${inputValue} returned by subgraph for list type ${type}`);
    assert(outputValue === undefined || Array.isArray(outputValue), () => `Invalid non-list value ${outputValue} returned by subgraph for list type ${type}`);
    const before = outputValue as unknown[] | undefined;
    assert(before === undefined || inputValue.length === before.length, () => `[${inputValue}].length (${inputValue.length}) !== [${before}].length (${before!.length})`);
    const updated = new Array<unknown>(inputValue.length);
    let nullify = false;
    let hasErrors = false;
    const { path } = walk;
    for (let index = 0; index < inputValue.length; index += 1) {
      path.push(index);
      updated[index] = update(walk, before === undefined ? undefined : before[index], type.ofType, inputValue[index], children, parentType);
      path.pop();
      nullify ||= walk.invalid;
      hasErrors ||= walk.hasErrors;
    }
    return done(walk, nullify ? null : updated, false, hasErrors);
  }
  if (isCompositeType(type)) {
    assert(children, () => `Invalid empty selection set for composite type ${type}`);
    assert(typeof inputValue === 'object', () => `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`);
    assert(outputValue === undefined || typeof outputValue === 'object', () => `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`);
    const object = inputValue as Record<string, unknown>;
    const inputTypename = object[typenameFieldName];
    assert(inputTypename === undefined || typeof inputTypename === 'string', () => `Invalid non-string value ${inputTypename} for __typename at ${walk.path}`);
    let objectType: CompositeType = type;
    if (inputTypename) {
      const named = walk.schema.type(inputTypename);
      if (!named || !isCompositeType(named)) {
        walk.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describeLast(walk.path, type, parentType)}.`, { path: Array.from(walk.path) }));
        return done(walk, null, false, true);
      }
      objectType = named;
    }
    const output = (outputValue === undefined ? Object.create(null) : outputValue) as Record<string, unknown>;
    const bubbled = apply(walk, object, children, output, objectType);
    return done(walk, bubbled ? null : output, false, bubbled);
  }
  assert(outputValue === undefined, () => `Excepted output to be undefined but got ${type} for type ${type}`);
  const valid = validLeaf(walk.schema, inputValue, type);
  if (!valid) walk.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describeLast(walk.path, type, parentType)}.`, { path: Array.from(walk.path) }));
  return done(walk, valid ? inputValue : null, false, !valid);
}

/** `isValidLeafValue`, with the common cases (a string of a String or ID, a custom scalar) answered without it. */
function validLeaf(schema: Schema, value: unknown, type: Type): boolean {
  if (typeof value === 'string' && !isEnumType(type) && type !== schema.booleanType() && type !== schema.intType() && type !== schema.floatType()) return true;
  if (isCustomScalarType(type)) return true;
  return isValidLeafValue(schema, value, type as never);
}

/**
 * Installs the compiled walk in this process (once; later calls only return the counts).
 * Process-wide, as `@apollo/gateway` reads the function from its module on each call. Returns
 * the counts, or undefined when `@apollo/gateway` no longer has the function where it is looked
 * for (the gateway then shapes answers with its own, as it did).
 */
export function installCompiledShaping(): CompiledShaping | undefined {
  const shaping = shapingModule as unknown as { computeResponse?: Installed };
  const original = shaping.computeResponse;
  if (typeof original !== 'function') return undefined;
  if (original[INSTALLED]) return original[INSTALLED];
  const compiled: Installed = (args) => {
    const plan = args.input ? compile(args.operation) : null;
    if (!plan) {
      if (args.input) stats.declined += 1;
      return original(args);
    }
    stats.shaped += 1;
    return shapeCompiled(plan, args);
  };
  compiled[INSTALLED] = stats;
  compiled.original = original;
  shaping.computeResponse = compiled;
  return stats;
}

/** The counts of the compiled walk when it is installed in this process (by a gateway that started), else undefined; installs nothing. */
export function installedShaping(): CompiledShaping | undefined {
  return (shapingModule as unknown as { computeResponse?: Installed }).computeResponse?.[INSTALLED];
}

function shapeCompiled(plan: CompiledOperation, { operation, variables, input, introspectionHandling }: Parameters<ComputeResponse>[0]): ReturnType<ComputeResponse> {
  const walk: Walk = {
    schema: operation.schema(),
    variables: { __proto__: null, ...plan.defaulted, ...variables } as Record<string, unknown>,
    errors: [],
    introspectionHandling,
    path: [],
    invalid: false,
    hasErrors: false,
  };
  const data = Object.create(null) as Record<string, unknown>;
  const bubbled = apply(walk, input!, plan.root, data, plan.rootType);
  return { data: bubbled ? null : data, errors: walk.errors };
}

/** Apollo's own `computeResponse` and the compiled one, side by side (for the tests that compare them). */
export function shapingFunctions(): { apollo: ComputeResponse; compiled: ComputeResponse } {
  const installed = installCompiledShaping();
  assert(installed, '@apollo/gateway has no computeResponse where it was');
  const current = (shapingModule as unknown as { computeResponse: Installed }).computeResponse;
  return { apollo: current.original!, compiled: current };
}
