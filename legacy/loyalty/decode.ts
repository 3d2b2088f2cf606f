import { withoutTrailingZeros } from '../../utilities/decimal.js';
import { clientFault } from './fault.js';
import { SIMPLE_TYPES, TNS, XSI_NS, type Field } from './schema.js';
import type { XmlElement } from './xmlTree.js';

/** The decoded arguments of one request: every value validated against its schema type. */
export class Args {
  constructor(private readonly values: Map<string, string[]>) {}

  /** A required argument (the schema guarantees it is present). */
  one(name: string): string {
    const value = this.values.get(name)?.[0];
    if (value === undefined) throw new Error(`argument ${name} was not decoded; the operation's schema must require it`);
    return value;
  }

  optional(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  many(name: string): string[] {
    return this.values.get(name) ?? [];
  }
}

const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const INT = /^[+-]?\d+$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Reads the children of an operation element against the operation's request fields.
 * Children may be qualified with the target namespace or unqualified, as 2009-era clients
 * sent both. Throws a Client fault naming the field and the value for an unknown, missing,
 * repeated or invalid argument.
 */
export function decodeArgs(operation: string, fields: readonly Field[], element: XmlElement): Args {
  const known = new Map(fields.map((field) => [field.name, field]));
  const values = new Map<string, string[]>();
  let position = 0;
  for (const child of element.children) {
    const field = known.get(child.local);
    if (!field || (child.namespace !== undefined && child.namespace !== TNS)) {
      throw clientFault(
        'INVALID_ARGUMENT',
        `${operation} has no argument ${describe(child)}; expected ${fields.map((f) => f.name).join(', ')}`,
        child.local,
      );
    }
    const index = fields.indexOf(field);
    if (index < position) {
      throw clientFault('INVALID_ARGUMENT', `${operation}: ${field.name} is out of order; arguments must follow the sequence ${fields.map((f) => f.name).join(', ')}`, field.name);
    }
    position = index;
    if (child.children.length > 0) {
      throw clientFault('INVALID_ARGUMENT', `${operation}: ${field.name} must be a simple value, got child element <${child.children[0]!.local}>`, field.name);
    }
    const nil = child.attributes.get(`{${XSI_NS}}nil`) === 'true' || child.attributes.get(`{${XSI_NS}}nil`) === '1';
    // A nil element is no value, except for a type whose empty value means something of its own.
    if (nil && !emptyAllowed(field)) continue;
    const list = values.get(field.name) ?? [];
    list.push(nil ? '' : decodeValue(operation, field, child.text));
    values.set(field.name, list);
  }

  for (const field of fields) {
    const count = values.get(field.name)?.length ?? 0;
    const min = field.minOccurs ?? 1;
    const max = field.maxOccurs ?? 1;
    if (count < min) {
      throw clientFault(
        'MISSING_ARGUMENT',
        max === 1 ? `${operation}: ${field.name} is required` : `${operation} needs ${min} to ${max} ${field.name} elements, got ${count}`,
        field.name,
      );
    }
    if (max !== 'unbounded' && count > max) {
      throw max === 1
        ? clientFault('INVALID_ARGUMENT', `${operation}: ${field.name} may occur once, got ${count}`, field.name)
        : clientFault('BATCH_LIMIT_EXCEEDED', `${operation} accepts at most ${max} ${field.name} elements per call, got ${count}`, field.name, String(count));
    }
  }
  return new Args(values);
}

function describe(element: XmlElement): string {
  return element.namespace === undefined ? `<${element.local}>` : `<${element.local}> in namespace ${element.namespace}`;
}

/** Whether the field's type takes the empty string as a value (see `SimpleType.emptyAllowed`). */
function emptyAllowed(field: Field): boolean {
  return field.type.startsWith('tns:') && SIMPLE_TYPES[field.type.slice(4)]?.emptyAllowed === true;
}

function decodeValue(operation: string, field: Field, text: string): string {
  const invalid = (expected: string, code = 'INVALID_ARGUMENT') =>
    clientFault(code, `${operation}: ${field.name} must be ${expected}, got ${JSON.stringify(text)}`, field.name, text);

  if (text === '' && !emptyAllowed(field)) {
    throw clientFault('MISSING_ARGUMENT', `${operation}: ${field.name} is required and must not be empty`, field.name, text);
  }
  if (field.type === 'xs:string') return text;
  if (field.type === 'xs:dateTime') {
    // A dateTime without a zone is taken as UTC, as the service's clock runs in UTC.
    const ms = DATE_TIME.test(text) ? Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`) : NaN;
    if (Number.isNaN(ms)) throw invalid('an xs:dateTime such as 2026-03-14T10:22:00Z');
    return new Date(ms).toISOString();
  }
  const simple = field.type.startsWith('tns:') ? SIMPLE_TYPES[field.type.slice(4)] : undefined;
  if (!simple) throw new Error(`request field ${operation}.${field.name} has type ${field.type}, which decodeArgs does not handle`);

  if (simple.base === 'xs:int') {
    const value = Number(text);
    const min = simple.minInclusive ?? -(2 ** 31);
    const max = simple.maxInclusive ?? 2 ** 31 - 1;
    if (!INT.test(text) || value < min || value > max) throw invalid(`an integer from ${min} to ${max}`, simple.faultCode);
    return String(value);
  }
  if (simple.base === 'xs:decimal') {
    const value = canonicalDecimal(text);
    const number = Number(value);
    const fraction = value?.split('.')[1] ?? '';
    if (
      value === undefined ||
      (simple.minExclusive !== undefined && number <= simple.minExclusive) ||
      (simple.minInclusive !== undefined && number < simple.minInclusive) ||
      (simple.maxInclusive !== undefined && number > simple.maxInclusive) ||
      (simple.fractionDigits !== undefined && fraction.length > simple.fractionDigits)
    ) {
      throw invalid(simple.expected ?? 'an xs:decimal', simple.faultCode);
    }
    return value;
  }
  if (simple.enumeration && !simple.enumeration.includes(text)) throw invalid(`one of ${simple.enumeration.join(', ')}`, simple.faultCode);
  if (simple.pattern && !new RegExp(`^(?:${simple.pattern})$`).test(text)) throw invalid(simple.expected ?? `a match for ${simple.pattern}`, simple.faultCode);
  const length = [...text].length;
  if ((simple.minLength !== undefined && length < simple.minLength) || (simple.maxLength !== undefined && length > simple.maxLength)) {
    throw invalid(`${simple.minLength ?? 0} to ${simple.maxLength ?? 'any number of'} characters long (got ${length})`, simple.faultCode);
  }
  return text;
}

/**
 * The canonical form of an xs:decimal lexical value (`+012.50` → `12.5`, `3.` → `3`), or
 * undefined when the text is not one (no digit, an exponent, a comma).
 */
function canonicalDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = ''] = match;
  if (whole === '' && fraction === '') return undefined;
  const integer = whole.replace(/^0+/, '') || '0';
  const decimals = withoutTrailingZeros(fraction);
  const magnitude = decimals === '' ? integer : `${integer}.${decimals}`;
  return sign === '-' && magnitude !== '0' ? `-${magnitude}` : magnitude;
}
