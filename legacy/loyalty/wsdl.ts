import { XMLBuilder } from 'fast-xml-parser';
import type { BuilderNode } from './encode.js';
import { OPERATIONS } from './operations.js';
import { BATCH_LIMIT, COMPLEX_TYPES, SIMPLE_TYPES, TNS, XSD_NS, type Field } from './schema.js';

export const SERVICE_NAME = 'LoyaltyService';
const PORT_TYPE = 'LoyaltyServiceSoap';
const FAULT_MESSAGE = 'LoyaltyFaultMessage';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressBooleanAttributes: false,
  suppressEmptyNode: true,
  format: true,
  indentBy: '  ',
});

/** The SOAPAction of an operation, as the binding declares it. */
export function soapAction(operation: string): string {
  return `${TNS}/${operation}`;
}

const SERVICE_DOC = [
  'Loyalty programme service (SOAP 1.1, document/literal wrapped, HTTP POST with Content-Type text/xml; charset=utf-8',
  'and a SOAPAction header naming the operation).',
  'Missing values are sent as xsi:nil="true" on elements declared nillable; no nillable element is ever omitted.',
  'Phones and mobiles are stored and matched in national format: FindMembersByPhone compares digits only, of both,',
  'so an international number (+33…) finds no member.',
  `Batch operations take 1 to ${BATCH_LIMIT} memberId elements and skip unknown ids; GetMember, GetOffers,`,
  'UpdateConsent, CreditExternalPurchase and UpdateSizes fault with MEMBER_NOT_FOUND instead.',
  'CreditExternalPurchase is idempotent by transactionId: a repeat answers the first credit (duplicate true) and a',
  'different purchase under a used transactionId is a Client fault TRANSACTION_CONFLICT.',
  'UpdateSizes is idempotent: a call that changes no size stores nothing and leaves updatedAt as it is.',
  'Every fault is HTTP 500 with faultcode soap:Client (the request is wrong) or soap:Server (retry later) and a',
  'LoyaltyFault detail carrying a machine code.',
].join(' ');

/** The WSDL 1.1 document of the service, with `address` as the endpoint's location. */
export function buildWsdl(address: string): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    'wsdl:definitions': {
      '@_xmlns:wsdl': 'http://schemas.xmlsoap.org/wsdl/',
      '@_xmlns:soap': 'http://schemas.xmlsoap.org/wsdl/soap/',
      '@_xmlns:xs': XSD_NS,
      '@_xmlns:tns': TNS,
      '@_targetNamespace': TNS,
      '@_name': SERVICE_NAME,
      'wsdl:documentation': SERVICE_DOC,
      'wsdl:types': { 'xs:schema': schema() },
      'wsdl:message': [
        ...OPERATIONS.flatMap((operation) => [
          message(`${operation.name}SoapIn`, 'parameters', operation.name),
          message(`${operation.name}SoapOut`, 'parameters', `${operation.name}Response`),
        ]),
        message(FAULT_MESSAGE, 'detail', 'LoyaltyFault'),
      ],
      'wsdl:portType': {
        '@_name': PORT_TYPE,
        'wsdl:operation': OPERATIONS.map((operation) => ({
          '@_name': operation.name,
          'wsdl:documentation': operation.doc,
          'wsdl:input': { '@_message': `tns:${operation.name}SoapIn` },
          'wsdl:output': { '@_message': `tns:${operation.name}SoapOut` },
          'wsdl:fault': { '@_name': 'LoyaltyFault', '@_message': `tns:${FAULT_MESSAGE}` },
        })),
      },
      'wsdl:binding': {
        '@_name': PORT_TYPE,
        '@_type': `tns:${PORT_TYPE}`,
        'soap:binding': { '@_transport': 'http://schemas.xmlsoap.org/soap/http', '@_style': 'document' },
        'wsdl:operation': OPERATIONS.map((operation) => ({
          '@_name': operation.name,
          'soap:operation': { '@_soapAction': soapAction(operation.name), '@_style': 'document' },
          'wsdl:input': { 'soap:body': { '@_use': 'literal' } },
          'wsdl:output': { 'soap:body': { '@_use': 'literal' } },
          'wsdl:fault': { '@_name': 'LoyaltyFault', 'soap:fault': { '@_name': 'LoyaltyFault', '@_use': 'literal' } },
        })),
      },
      'wsdl:service': {
        '@_name': SERVICE_NAME,
        'wsdl:port': {
          '@_name': PORT_TYPE,
          '@_binding': `tns:${PORT_TYPE}`,
          'soap:address': { '@_location': address },
        },
      },
    },
  }) as string;
}

function schema(): Record<string, BuilderNode | BuilderNode[]> {
  return {
    '@_targetNamespace': TNS,
    '@_elementFormDefault': 'qualified',
    'xs:simpleType': Object.entries(SIMPLE_TYPES).map(([name, type]) => {
      const facets: Record<string, BuilderNode[]> = {};
      const facet = (kind: string, value: string | number) => (facets[`xs:${kind}`] ??= []).push({ '@_value': String(value) });
      if (type.minLength !== undefined) facet('minLength', type.minLength);
      if (type.maxLength !== undefined) facet('maxLength', type.maxLength);
      if (type.minExclusive !== undefined) facet('minExclusive', type.minExclusive);
      if (type.minInclusive !== undefined) facet('minInclusive', type.minInclusive);
      if (type.maxInclusive !== undefined) facet('maxInclusive', type.maxInclusive);
      if (type.fractionDigits !== undefined) facet('fractionDigits', type.fractionDigits);
      if (type.pattern !== undefined) facet('pattern', type.pattern);
      for (const value of type.enumeration ?? []) facet('enumeration', value);
      return { '@_name': name, ...annotation(type.doc), 'xs:restriction': { '@_base': type.base, ...facets } };
    }),
    'xs:complexType': Object.entries(COMPLEX_TYPES).map(([name, type]) => ({
      '@_name': name,
      ...annotation(type.doc),
      'xs:sequence': { 'xs:element': type.fields.map(element) },
    })),
    'xs:element': [
      ...OPERATIONS.flatMap((operation) => [
        wrapper(operation.name, operation.request, operation.doc),
        wrapper(`${operation.name}Response`, operation.response),
      ]),
      { '@_name': 'LoyaltyFault', '@_type': 'tns:LoyaltyFault' },
    ],
  };
}

function wrapper(name: string, fields: readonly Field[], doc?: string): BuilderNode {
  return {
    '@_name': name,
    ...(doc === undefined ? {} : annotation(doc)),
    'xs:complexType': { 'xs:sequence': { 'xs:element': fields.map(element) } },
  };
}

function element(field: Field): BuilderNode {
  return {
    '@_name': field.name,
    '@_minOccurs': String(field.minOccurs ?? 1),
    '@_maxOccurs': String(field.maxOccurs ?? 1),
    ...(field.nillable ? { '@_nillable': 'true' } : {}),
    '@_type': field.type,
    ...(field.doc === undefined ? {} : annotation(field.doc)),
  };
}

function annotation(doc: string): Record<string, BuilderNode> {
  return { 'xs:annotation': { 'xs:documentation': doc } };
}

function message(name: string, part: string, elementName: string): BuilderNode {
  return { '@_name': name, 'wsdl:part': { '@_name': part, '@_element': `tns:${elementName}` } };
}
