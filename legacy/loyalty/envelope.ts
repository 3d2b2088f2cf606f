import { XMLBuilder } from 'fast-xml-parser';
import { encodeFields, xmlSafe, type BuilderNode, type WireObject } from './encode.js';
import { clientFault, SoapFault } from './fault.js';
import { COMPLEX_TYPES, SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS, TNS, XSI_NS } from './schema.js';
import { parseXml, type XmlElement } from './xmlTree.js';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // xsi:nil="true" must keep its value: a bare attribute is not XML.
  suppressBooleanAttributes: false,
  suppressEmptyNode: true,
  processEntities: true,
});

/**
 * Reads a SOAP 1.1 request and returns the one element in its Body (document/literal
 * wrapped: the element names the operation). Raises the faults a SOAP 1.1 stack would:
 * Client for what is not a SOAP envelope, VersionMismatch for another envelope namespace
 * (SOAP 1.2 included), MustUnderstand for a header entry marked mustUnderstand, since the
 * service understands no header.
 */
export function readEnvelope(text: string): XmlElement {
  const root = parseXml(text);
  if (root.local !== 'Envelope') {
    throw clientFault('INVALID_ENVELOPE', `Request root must be a SOAP 1.1 Envelope (namespace ${SOAP11_ENVELOPE_NS}), got <${root.local}>`);
  }
  if (root.namespace !== SOAP11_ENVELOPE_NS) {
    const version = root.namespace === SOAP12_ENVELOPE_NS ? 'SOAP 1.2' : `namespace ${root.namespace ?? '(none)'}`;
    throw new SoapFault(
      'VersionMismatch',
      `This service speaks SOAP 1.1 (Envelope namespace ${SOAP11_ENVELOPE_NS}); the request Envelope is ${version}`,
      'VERSION_MISMATCH',
    );
  }

  const parts = root.children.filter((child) => child.namespace === SOAP11_ENVELOPE_NS);
  const header = parts.find((child) => child.local === 'Header');
  for (const entry of header?.children ?? []) {
    const mustUnderstand = entry.attributes.get(`{${SOAP11_ENVELOPE_NS}}mustUnderstand`);
    if (mustUnderstand === '1' || mustUnderstand === 'true') {
      throw new SoapFault(
        'MustUnderstand',
        `Header entry <${entry.local}> (namespace ${entry.namespace ?? 'none'}) is marked mustUnderstand, and this service understands no header`,
        undefined,
      );
    }
  }

  const body = parts.find((child) => child.local === 'Body');
  if (!body) throw clientFault('INVALID_ENVELOPE', `SOAP Envelope has no Body element in namespace ${SOAP11_ENVELOPE_NS}`);
  if (body.children.length !== 1) {
    throw clientFault('INVALID_ENVELOPE', `SOAP Body must hold exactly one operation element, got ${body.children.length}`);
  }
  return body.children[0]!;
}

/** A SOAP 1.1 response envelope whose Body holds `<{operation}Response>` in the target namespace. */
export function responseEnvelope(responseElement: string, children: Record<string, BuilderNode | BuilderNode[]>): string {
  return envelope({ [responseElement]: { '@_xmlns': TNS, ...children } });
}

/** A SOAP 1.1 Fault envelope; the detail carries a LoyaltyFault when the fault has a code. */
export function faultEnvelope(fault: SoapFault): string {
  const body: Record<string, BuilderNode> = {
    faultcode: `soap:${fault.faultcode}`,
    faultstring: xmlSafe(fault.message),
  };
  if (fault.code !== undefined) {
    const detail: WireObject = { code: fault.code, field: fault.field, value: fault.value };
    body.detail = { LoyaltyFault: { '@_xmlns': TNS, ...encodeFields(COMPLEX_TYPES.LoyaltyFault!.fields, detail, 'LoyaltyFault') } };
  }
  return envelope({ 'soap:Fault': body });
}

function envelope(body: Record<string, BuilderNode>): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    'soap:Envelope': {
      '@_xmlns:soap': SOAP11_ENVELOPE_NS,
      '@_xmlns:xsi': XSI_NS,
      'soap:Body': body,
    },
  }) as string;
}
