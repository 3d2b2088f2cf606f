import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { clientFault } from './fault.js';

/** An element with its namespace resolved, the way a SOAP stack sees it. */
export interface XmlElement {
  /** Local name, without prefix. */
  local: string;
  /** Namespace URI, or undefined for an unqualified element. */
  namespace: string | undefined;
  /** Attributes keyed `local` when unqualified, `{namespace}local` otherwise. */
  attributes: Map<string, string>;
  children: XmlElement[];
  /** Concatenated text content, trimmed. */
  text: string;
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Values are data (card numbers, phones with leading zeros), never numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Decodes numeric character references (&#233;) besides the five XML entities.
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/**
 * Parses a whole XML document and resolves its namespaces. Throws a Client fault
 * `MALFORMED_XML` for anything that is not one well-formed element with declared prefixes,
 * and `DTD_NOT_ALLOWED` for a document type declaration, which SOAP 1.1 forbids (§3).
 */
export function parseXml(text: string): XmlElement {
  if (/<!DOCTYPE/i.test(text)) {
    throw clientFault('DTD_NOT_ALLOWED', 'SOAP messages must not contain a document type declaration (<!DOCTYPE …>)');
  }
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw clientFault('MALFORMED_XML', `Request is not well-formed XML: ${msg} (line ${line}, column ${col ?? '?'})`);
  }
  let parsed: OrderedNode[];
  try {
    parsed = parser.parse(text) as OrderedNode[];
  } catch (error) {
    throw clientFault('MALFORMED_XML', `Request is not well-formed XML: ${(error as Error).message}`);
  }
  const roots = parsed.filter((node) => elementName(node) !== undefined);
  if (roots.length !== 1) {
    throw clientFault('MALFORMED_XML', `Request is not well-formed XML: expected one root element, found ${roots.length}`);
  }
  return toElement(roots[0]!, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
}

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && !key.startsWith('#') && !key.startsWith('?'));
}

function toElement(node: OrderedNode, parentScope: Map<string, string>): XmlElement {
  const qualified = elementName(node)!;
  const rawAttributes = node[':@'] ?? {};
  let scope = parentScope;
  for (const [name, value] of Object.entries(rawAttributes)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      scope.set(name === 'xmlns' ? '' : name.slice(6), value);
    }
  }

  const attributes = new Map<string, string>();
  for (const [name, value] of Object.entries(rawAttributes)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const { prefix, local } = split(name);
    // Unprefixed attributes are in no namespace, whatever the default namespace is.
    attributes.set(prefix === undefined ? local : `{${resolve(scope, prefix, name)}}${local}`, value);
  }

  const { prefix, local } = split(qualified);
  const namespace = prefix === undefined ? scope.get('') || undefined : resolve(scope, prefix, qualified);
  const children: XmlElement[] = [];
  const texts: string[] = [];
  for (const child of (node[qualified] as OrderedNode[] | undefined) ?? []) {
    if (typeof child['#text'] === 'string' || typeof child['#text'] === 'number') texts.push(String(child['#text']));
    else if (elementName(child) !== undefined) children.push(toElement(child, scope));
  }
  return { local, namespace, attributes, children, text: texts.join('').trim() };
}

function split(name: string): { prefix: string | undefined; local: string } {
  const colon = name.indexOf(':');
  return colon < 0 ? { prefix: undefined, local: name } : { prefix: name.slice(0, colon), local: name.slice(colon + 1) };
}

function resolve(scope: Map<string, string>, prefix: string, name: string): string {
  const namespace = scope.get(prefix);
  if (!namespace) {
    throw clientFault('MALFORMED_XML', `Request is not namespace-well-formed: prefix "${prefix}" of "${name}" is not declared`);
  }
  return namespace;
}
