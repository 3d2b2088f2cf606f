import { COMPLEX_TYPES, type Field } from './schema.js';

/** A value shaped like a schema type: field names as in the schema, arrays for repeated fields. */
export type WireValue = string | number | boolean | null | undefined | WireObject | WireValue[];
export interface WireObject {
  [field: string]: WireValue;
}

/** A node for fast-xml-parser's XMLBuilder (attributes prefixed `@_`). */
export type BuilderNode = string | { [key: string]: BuilderNode | BuilderNode[] };

const NIL: BuilderNode = { '@_xsi:nil': 'true' };

/**
 * Encodes `value` as the children of an element whose sequence is `fields`, in schema
 * order. Throws when the value breaks the schema, so that a response never contradicts
 * the WSDL.
 */
export function encodeFields(fields: readonly Field[], value: WireObject, path: string): Record<string, BuilderNode | BuilderNode[]> {
  const out: Record<string, BuilderNode | BuilderNode[]> = {};
  for (const field of fields) {
    const where = `${path}.${field.name}`;
    const raw = value[field.name];
    const max = field.maxOccurs ?? 1;
    const min = field.minOccurs ?? 1;
    if (max === 'unbounded' || max > 1) {
      const items = raw ?? [];
      if (!Array.isArray(items)) throw new Error(`${where} is repeated in the schema and must be an array, got ${JSON.stringify(raw)}`);
      if (items.length < min || (max !== 'unbounded' && items.length > max)) {
        throw new Error(`${where} must occur ${min} to ${max} times, got ${items.length}`);
      }
      if (items.length > 0) out[field.name] = items.map((item, i) => encodeOne(field, item, `${where}[${i}]`));
      continue;
    }
    if (raw === null || raw === undefined) {
      if (field.nillable) out[field.name] = NIL;
      else if (min > 0) throw new Error(`${where} is required and not nillable, got ${JSON.stringify(raw)}`);
      continue;
    }
    out[field.name] = encodeOne(field, raw, where);
  }
  return out;
}

function encodeOne(field: Field, value: WireValue, where: string): BuilderNode {
  const complex = field.type.startsWith('tns:') ? COMPLEX_TYPES[field.type.slice(4)] : undefined;
  if (complex) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${where} is a ${field.type} and must be an object, got ${JSON.stringify(value)}`);
    }
    return encodeFields(complex.fields, value, where);
  }
  if (typeof value === 'object' && value !== null) {
    throw new Error(`${where} is a ${field.type} and must be a scalar, got ${JSON.stringify(value)}`);
  }
  return xmlSafe(String(value));
}

/**
 * Drops characters that XML 1.0 cannot carry at all (control characters, lone surrogates);
 * the builder escapes the rest (`&`, `<`, `>`, quotes).
 */
export function xmlSafe(text: string): string {
  return text.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}
