import { XMLParser } from 'fast-xml-parser';

/**
 * A small checker, for the tests, of SOAP responses against the XSD served in the WSDL:
 * element order and occurrences per sequence, xsi:nil only where nillable, and the lexical
 * form of simple values. It reads the WSDL as any client would, not the service's code.
 */

interface Declared {
  name: string;
  type: string | undefined;
  min: number;
  max: number;
  nillable: boolean;
  /** Anonymous complex type's sequence. */
  sequence?: Declared[];
}

interface Simple {
  base: string;
  enumeration: string[];
  pattern?: RegExp;
  min?: number;
  minExclusive?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  fractionDigits?: number;
}

export interface WsdlSchema {
  elements: Map<string, Declared>;
  complexTypes: Map<string, Declared[]>;
  simpleTypes: Map<string, Simple>;
}

type Node = Record<string, any>;
const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const wsdlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false });
const orderedParser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, removeNSPrefix: false });

export function readWsdlSchema(wsdl: string): WsdlSchema {
  const schema: Node = wsdlParser.parse(wsdl)['wsdl:definitions']['wsdl:types']['xs:schema'];
  const sequenceOf = (holder: Node | undefined): Declared[] => list(holder?.['xs:sequence']?.['xs:element']).map(declared);
  const declared = (node: Node): Declared => ({
    name: node.name,
    type: node.type,
    min: Number(node.minOccurs ?? 1),
    max: node.maxOccurs === 'unbounded' ? Infinity : Number(node.maxOccurs ?? 1),
    nillable: node.nillable === 'true',
    ...(node['xs:complexType'] ? { sequence: sequenceOf(node['xs:complexType']) } : {}),
  });
  const simpleTypes = new Map<string, Simple>();
  for (const node of list<Node>(schema['xs:simpleType'])) {
    const restriction: Node = node['xs:restriction'];
    const pattern = restriction['xs:pattern']?.value as string | undefined;
    const facet = (name: string) => (restriction[`xs:${name}`] === undefined ? undefined : Number(restriction[`xs:${name}`].value));
    simpleTypes.set(`tns:${node.name}`, {
      base: restriction.base,
      enumeration: list<Node>(restriction['xs:enumeration']).map((e) => e.value),
      ...(pattern === undefined ? {} : { pattern: new RegExp(`^(?:${pattern})$`) }),
      min: facet('minInclusive'),
      minExclusive: facet('minExclusive'),
      max: facet('maxInclusive'),
      minLength: facet('minLength'),
      maxLength: facet('maxLength'),
      fractionDigits: facet('fractionDigits'),
    });
  }
  return {
    elements: new Map(list<Node>(schema['xs:element']).map((node) => [node.name, declared(node)])),
    complexTypes: new Map(list<Node>(schema['xs:complexType']).map((node) => [`tns:${node.name}`, sequenceOf(node)])),
    simpleTypes,
  };
}

const LEXICAL: Record<string, RegExp> = {
  'xs:string': /^[\s\S]*$/,
  'xs:int': /^-?\d+$/,
  'xs:long': /^-?\d+$/,
  'xs:decimal': /^-?\d+(\.\d+)?$/,
  'xs:boolean': /^(true|false)$/,
  'xs:date': /^\d{4}-\d{2}-\d{2}$/,
  'xs:dateTime': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
};

/**
 * What is wrong with the Body of a SOAP response against the schema: one line per
 * problem, none when it conforms. A Fault is checked through its LoyaltyFault detail.
 */
export function conformanceProblems(schema: WsdlSchema, responseXml: string): string[] {
  const problems: string[] = [];
  const envelope = children(orderedParser.parse(responseXml) as Node[]).find((e) => local(e.name) === 'Envelope');
  const body = envelope && children(envelope.content).find((e) => local(e.name) === 'Body');
  const [top] = body ? children(body.content) : [];
  if (!top) return ['no element in the SOAP Body'];

  let element = top;
  if (local(top.name) === 'Fault') {
    const detail = children(top.content).find((e) => e.name === 'detail');
    const entry = detail && children(detail.content)[0];
    if (!entry) return ['Fault without a detail entry'];
    element = entry;
  }
  const declaration = schema.elements.get(local(element.name));
  if (!declaration) return [`<${local(element.name)}> is not a global element of the schema`];
  checkSequence(schema, declaration.sequence ?? schema.complexTypes.get(declaration.type ?? '') ?? [], element, local(element.name), problems);
  return problems;
}

interface Child {
  name: string;
  attributes: Record<string, string>;
  content: Node[];
}

function children(nodes: Node[]): Child[] {
  return nodes
    .map((node) => {
      const name = Object.keys(node).find((key) => key !== ':@' && !key.startsWith('#') && !key.startsWith('?'));
      return name === undefined ? undefined : { name, attributes: (node[':@'] ?? {}) as Record<string, string>, content: node[name] as Node[] };
    })
    .filter((child): child is Child => child !== undefined);
}

function local(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function textOf(element: Child): string {
  return element.content.map((node) => (node['#text'] === undefined ? '' : String(node['#text']))).join('');
}

function checkSequence(schema: WsdlSchema, sequence: Declared[], element: Child, path: string, problems: string[]): void {
  const items = children(element.content);
  let index = 0;
  for (const declared of sequence) {
    let count = 0;
    while (index < items.length && local(items[index]!.name) === declared.name) {
      checkValue(schema, declared, items[index]!, `${path}/${declared.name}[${count}]`, problems);
      count += 1;
      index += 1;
    }
    if (count < declared.min || count > declared.max) {
      problems.push(`${path}/${declared.name} occurs ${count} times, the schema allows ${declared.min} to ${declared.max}`);
    }
  }
  for (const extra of items.slice(index)) problems.push(`${path}/${local(extra.name)} is not expected at this position`);
}

function checkValue(schema: WsdlSchema, declared: Declared, element: Child, path: string, problems: string[]): void {
  if (element.attributes['xsi:nil'] === 'true') {
    if (!declared.nillable) problems.push(`${path} is nil but not nillable`);
    return;
  }
  const complex = declared.sequence ?? schema.complexTypes.get(declared.type ?? '');
  if (complex) return checkSequence(schema, complex, element, path, problems);
  if (children(element.content).length > 0) return void problems.push(`${path} is a simple value but has child elements`);

  const text = textOf(element);
  const simple = schema.simpleTypes.get(declared.type ?? '');
  const base = simple ? simple.base : declared.type ?? '';
  const lexical = LEXICAL[base];
  if (!lexical) return void problems.push(`${path} has type ${declared.type}, which the schema does not define`);
  if (!lexical.test(text)) problems.push(`${path} = ${JSON.stringify(text)} is not a valid ${base}`);
  if (!simple) return;
  if (simple.enumeration.length > 0 && !simple.enumeration.includes(text)) problems.push(`${path} = ${JSON.stringify(text)} is not one of ${simple.enumeration.join(', ')}`);
  if (simple.pattern && !simple.pattern.test(text)) problems.push(`${path} = ${JSON.stringify(text)} does not match ${simple.pattern.source}`);
  if (simple.min !== undefined && Number(text) < simple.min) problems.push(`${path} = ${text} is below ${simple.min}`);
  if (simple.max !== undefined && Number(text) > simple.max) problems.push(`${path} = ${text} is above ${simple.max}`);
  if (simple.minExclusive !== undefined && Number(text) <= simple.minExclusive) problems.push(`${path} = ${text} is not above ${simple.minExclusive}`);
  const length = [...text].length;
  if (simple.minLength !== undefined && length < simple.minLength) problems.push(`${path} is ${length} characters long, shorter than ${simple.minLength}`);
  if (simple.maxLength !== undefined && length > simple.maxLength) problems.push(`${path} is ${length} characters long, longer than ${simple.maxLength}`);
  const decimals = (text.split('.')[1] ?? '').replace(/0+$/, '').length;
  if (simple.fractionDigits !== undefined && decimals > simple.fractionDigits) problems.push(`${path} = ${text} has more than ${simple.fractionDigits} decimals`);
}
