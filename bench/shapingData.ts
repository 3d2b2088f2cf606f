import {
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  possibleRuntimeTypes,
  type CompositeType,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';

/**
 * Data for an operation such as the subgraphs and the plan's merging leave for shaping (with
 * `__typename` on every object of an abstract type and on some of the others): what the
 * shaping test compares Apollo's walk and the compiled one over, and what `bench/shaping.ts`
 * times them on.
 */
export interface ShapingDataOptions {
  /** A number in [0, 1): the same seed gives the same data. */
  random: () => number;
  /** The chance of each rule being broken at each place (a null where non-null, a value of the wrong kind, an unknown `__typename`, a missing field, a list that is not one); 0 for well-formed data. */
  breakage: number;
  /** Items per list; default 0 to 3 at random. */
  listLength?: number;
}

export function shapingData(operation: Operation, schema: Schema, { random, breakage, listLength }: ShapingDataOptions): Record<string, unknown> {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const broken = () => breakage > 0 && random() < breakage;

  function leaf(type: Type): unknown {
    if (broken()) return pick([1.5, 'text', true, 1e21, 7, {}, 'NOT_A_VALUE']);
    if (isEnumType(type)) return pick(type.values).name;
    switch ((type as { name: string }).name) {
      case 'Int':
        return Math.floor(random() * 1000);
      case 'Float':
        return random() * 100;
      case 'Boolean':
        return random() < 0.5;
      default:
        return `v${Math.floor(random() * 1e6)}`;
    }
  }

  function value(type: Type, selectionSet: SelectionSet | undefined): unknown {
    if (isNonNullType(type)) return broken() ? null : value(type.ofType, selectionSet);
    if (broken()) return null;
    if (isListType(type)) {
      if (breakage > 0 && random() < breakage / 4) return { notAList: true };
      return Array.from({ length: listLength ?? Math.floor(random() * 4) }, () => value(type.ofType, selectionSet));
    }
    if (isCompositeType(type)) return object(selectionSet!, type);
    return leaf(type);
  }

  function fill(selectionSet: SelectionSet, runtime: string, into: Record<string, unknown>): void {
    for (const selection of selectionSet.selections()) {
      if (selection.kind === 'FieldSelection') {
        const field = selection.element;
        if (broken()) continue; // missing
        into[field.responseName()] = field.name === '__typename' ? (broken() ? pick(['Nope', 'String', 'Order']) : runtime) : value(field.definition.type!, selection.selectionSet);
      } else {
        const condition = selection.element.typeCondition;
        if (!condition || condition.name === runtime || possibleRuntimeTypes(condition).some((t) => t.name === runtime) || broken()) fill(selection.selectionSet, runtime, into);
      }
    }
  }

  function object(selectionSet: SelectionSet, type: CompositeType): Record<string, unknown> {
    const runtime = isObjectType(type) ? type.name : pick(possibleRuntimeTypes(type)).name;
    const result: Record<string, unknown> = {};
    if (!isObjectType(type) || random() < 0.5) result.__typename = broken() ? pick(['Nope', 'String', 'Money']) : runtime;
    fill(selectionSet, runtime, result);
    if (broken()) result.extra = 'not asked';
    return result;
  }

  return object(operation.selectionSet, schema.schemaDefinition.rootType(operation.rootKind)!);
}

/** A small seeded generator (mulberry32): the same seed, the same numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
