import { expect } from '@jest/globals';
import { startStandInProcess } from '../shared/testProcess.js';
import { XMLParser } from 'fast-xml-parser';

/** The contract's namespace, spelled out here so that tests do not borrow it from the code under test. */
export const LOYALTY_NS = 'urn:crosscanal:loyalty:v3';
export const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/** One HTTP answer of the service, with the SOAP Body read. */
export interface SoapReply {
  status: number;
  headers: Headers;
  text: string;
  /** The Body's element (`GetMemberResponse`, `Fault`…) simplified: nil as null, attributes dropped. */
  // The tests read whatever shape the operation under test promises.
  body: any;
  /** Set when the Body holds a SOAP Fault. */
  fault?: { faultcode: string; faultstring: string; detail?: { code: string; field?: string; value?: string } };
}

export interface CallOptions {
  /** SOAPAction header as sent; null sends none. Defaults to the binding's quoted action. */
  action?: string | null;
  contentType?: string;
}

// Elements repeated in the schema are always arrays, even when one came back.
const REPEATED = new Set(['member', 'card', 'movement', 'consent', 'offer', 'productRef']);
const SINGLE = new Set([
  'GetMemberResponse.member',
  'FindMemberByCardResponse.card',
  'FindMemberByCardResponse.member',
  'UpdateConsentResponse.consent',
  'CreditExternalPurchaseResponse.movement',
  'UpdateSizesResponse.member',
]);

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  // Stored values keep their stray spaces; the tests must see them.
  trimValues: false,
  isArray: (name, jPath) => REPEATED.has(name) && !SINGLE.has(String(jPath).split('.').slice(-2).join('.')),
});

/** Escapes text for an element's content. */
export function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<loy:name>value</loy:name>`, value escaped. */
export function arg(name: string, value: string): string {
  return `<loy:${name}>${xmlText(value)}</loy:${name}>`;
}

/** A SOAP 1.1 envelope as soapUI writes one, `loy` bound to the service namespace. */
export function envelope(body: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<soapenv:Envelope xmlns:soapenv="${SOAP_NS}" xmlns:loy="${LOYALTY_NS}">`,
    '<soapenv:Header/>',
    `<soapenv:Body>${body}</soapenv:Body>`,
    '</soapenv:Envelope>',
  ].join('\n');
}

/** Reads a SOAP response text as `SoapReply` fields. */
export function readReply(text: string): Pick<SoapReply, 'body' | 'fault'> {
  const parsed = parser.parse(text) as { Envelope?: { Body?: Record<string, unknown> } };
  const content = parsed.Envelope?.Body;
  if (!content) throw new Error(`not a SOAP envelope: ${text.slice(0, 200)}`);
  const [name] = Object.keys(content).filter((key) => !key.startsWith('@'));
  const body = simplify(content[name!]);
  if (name !== 'Fault') return { body };
  const detail = body.detail ? body.detail.LoyaltyFault : undefined;
  return { body, fault: { faultcode: body.faultcode, faultstring: body.faultstring, ...(detail ? { detail } : {}) } };
}

/** A client for the tests: real envelopes as text, answers parsed with fast-xml-parser. */
export function soapClient(endpoint: string) {
  const post = async (text: string, headers: Record<string, string>): Promise<SoapReply> => {
    const res = await fetch(endpoint, { method: 'POST', headers, body: text });
    const answer = await res.text();
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    return { status: res.status, headers: res.headers, text: answer, ...readReply(answer) };
  };
  return {
    post,
    /** Calls `operation` with `args` (already XML) inside `<loy:{operation}>`. */
    call(operation: string, args: string, options: CallOptions = {}): Promise<SoapReply> {
      const action = options.action === undefined ? `"${LOYALTY_NS}/${operation}"` : options.action;
      return post(envelope(`<loy:${operation}>${args}</loy:${operation}>`), {
        'content-type': options.contentType ?? 'text/xml; charset=utf-8',
        ...(action === null ? {} : { soapaction: action }),
      });
    },
  };
}

function simplify(node: unknown): any {
  if (Array.isArray(node)) return node.map(simplify);
  if (typeof node !== 'object' || node === null) return node;
  const record = node as Record<string, unknown>;
  if (record['@nil'] === 'true') return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === '#text') return value;
    if (!key.startsWith('@')) out[key] = simplify(value);
  }
  return out;
}

/**
 * Starts the programme as a process of its own over `estateDir`, checks how many writes it
 * replayed at start, has `write` call its endpoint, then kills it with no chance to shut
 * down: what it acknowledged must already be on disk.
 */
export async function writeThenKill(estateDir: string, replayed: number, write: (endpoint: string) => Promise<unknown>): Promise<void> {
  const child = await startStandInProcess('legacy/loyalty/index.ts', { LEGACY_DATA_DIR: estateDir, LEGACY_LOYALTY_PORT: '0' }, /service on (\S+) \(WSDL .*, (\d+) replayed\)/);
  try {
    expect(child.ready[2]).toBe(String(replayed));
    await write(child.ready[1]!);
  } finally {
    await child.kill();
  }
}
