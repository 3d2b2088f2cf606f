import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoyaltyData } from '../generator/model.js';
import { applyFaults, handleAdmin, type Controls } from '../shared/admin.js';
import { CallCounter } from '../shared/counters.js';
import { FaultInjector, NO_FAULTS, type FaultConfig } from '../shared/faults.js';
import { BodyTooLargeError, readBody, startHttp, type Running } from '../shared/http.js';
import { Journal } from '../shared/journal.js';
import { decodeArgs } from './decode.js';
import { encodeFields } from './encode.js';
import { faultEnvelope, readEnvelope, responseEnvelope } from './envelope.js';
import { clientFault, serverFault, SoapFault } from './fault.js';
import { KeyedLock } from './keyedLock.js';
import { findOperation, OPERATIONS, type OperationContext } from './operations.js';
import { TNS } from './schema.js';
import { LoyaltyStore } from './store.js';
import { buildWsdl, SERVICE_NAME, soapAction } from './wsdl.js';
import { loyaltyWrites } from './writes.js';

export const ENDPOINT_PATH = `/${SERVICE_NAME}`;
const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

export interface LoyaltyOptions {
  /** The programme's records. The service indexes them at start and never changes this object. */
  data: LoyaltyData;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Faults in force at start, and restored by `DELETE /__admin/faults`; none by default. */
  faults?: FaultConfig;
  /** Seed of the fault injector's random choices, for reproducible error rates. */
  faultSeed?: string | number;
  /** The service's clock (offer validity, consent updates, credits, size changes, erasures); injectable for tests. */
  now?: () => Date;
  /**
   * Folder where the service keeps every write it acknowledges (`UpdateConsent`,
   * `CreditExternalPurchase`, `UpdateSizes`, `EraseMember`), in `writes.jsonl`, fsynced before it answers; replayed over
   * `data` at start, so that a restart on the same folder loses nothing. Locked to one
   * process. Omitted (tests over a fixture): writes are kept in memory only and lost when the
   * service stops.
   */
  journalDir?: string;
}

export interface RunningLoyalty extends Running {
  /** The SOAP endpoint, `${url}/LoyaltyService`. */
  endpoint: string;
  wsdlUrl: string;
  counter: CallCounter;
  faults: FaultInjector;
  /** Where acknowledged writes are kept (undefined: in memory only) and how many were replayed at start. */
  journal: { path: string | undefined; replayed: number };
}

/**
 * Starts the loyalty programme's SOAP 1.1 service: `POST /LoyaltyService` with a SOAPAction,
 * `GET /LoyaltyService?wsdl`, and the shared `/__admin` endpoint. Every SOAP operation call
 * is counted under its operation name, with the ids asked for as items. With `journalDir`,
 * the writes acknowledged by earlier runs are replayed over `data` before it listens.
 */
export async function startLoyalty(options: LoyaltyOptions): Promise<RunningLoyalty> {
  const store = new LoyaltyStore(options.data);
  const journal = await Journal.open({ dir: options.journalDir, system: 'loyalty', appliers: loyaltyWrites(store) });
  const counter = new CallCounter();
  const faults = new FaultInjector(options.faults ?? NO_FAULTS, options.faultSeed ?? 'loyalty');
  const controls: Controls = { system: 'loyalty', counter, faults };
  const context: OperationContext = { store, now: options.now ?? (() => new Date()), journal, transactions: new KeyedLock(), sizeUpdates: new KeyedLock(), erasures: new KeyedLock() };
  let fallbackHost = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (await handleAdmin(req, res, controls)) return;
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendText(res, 413, error.message);
      throw error;
    }
    // Faults come before routing: a system that is down answers nothing at all.
    const decision = await applyFaults(req, controls);
    if (decision === 'dropped') return;

    const url = new URL(req.url ?? '/', 'http://service');
    if (url.pathname !== ENDPOINT_PATH) {
      return sendText(res, 404, `No service at ${url.pathname}; the loyalty service is ${ENDPOINT_PATH} (WSDL at ${ENDPOINT_PATH}?wsdl)`);
    }
    if (decision === 'error') {
      return sendFault(res, serverFault('SERVER_ERROR', 'Loyalty back end failed (injected fault: LEGACY_LOYALTY_ERROR_RATE or /__admin/faults)'));
    }
    const method = req.method ?? 'GET';
    if (method === 'GET' && isWsdlQuery(url)) {
      counter.record('WSDL');
      return sendXml(res, 200, buildWsdl(`http://${hostOf(req, fallbackHost)}${ENDPOINT_PATH}`));
    }
    if (method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendText(res, 405, `${method} ${ENDPOINT_PATH} is not allowed: SOAP requests are POSTed; GET ${ENDPOINT_PATH}?wsdl serves the WSDL`);
    }
    const typeProblem = contentTypeProblem(req.headers['content-type']);
    if (typeProblem) return sendText(res, 415, typeProblem);

    try {
      sendXml(res, 200, await serve(req.headers.soapaction, body));
    } catch (error) {
      sendFault(res, error instanceof SoapFault ? error : serverFault('INTERNAL_ERROR', (error as Error).message));
    }
  };

  const serve = async (actionHeader: string | string[] | undefined, body: string): Promise<string> => {
    if (actionHeader === undefined) {
      throw clientFault(
        'MISSING_SOAP_ACTION',
        `The SOAPAction HTTP header is required (SOAP 1.1 §6.1.1), e.g. SOAPAction: "${soapAction('GetMember')}"`,
        'SOAPAction',
      );
    }
    const rawAction = Array.isArray(actionHeader) ? actionHeader.join(', ') : actionHeader;
    const action = actionName(rawAction);
    const element = readEnvelope(body);
    const operation = element.namespace === TNS ? findOperation(element.local) : undefined;
    if (!operation) {
      const where = element.namespace === TNS ? '' : ` in namespace ${element.namespace ?? '(none)'} (expected ${TNS})`;
      throw clientFault(
        'UNKNOWN_OPERATION',
        `${SERVICE_NAME} has no operation <${element.local}>${where}; operations: ${OPERATIONS.map((o) => o.name).join(', ')}`,
        'operation',
        element.local,
      );
    }
    if (action !== '' && action !== operation.name) {
      throw clientFault(
        'SOAP_ACTION_MISMATCH',
        `SOAPAction ${JSON.stringify(rawAction)} does not match the Body element <${operation.name}> (expected "${soapAction(operation.name)}")`,
        'SOAPAction',
        rawAction,
      );
    }
    const items = operation.batchField ? element.children.filter((child) => child.local === operation.batchField).length : 1;
    counter.record(operation.name, items);
    const value = await operation.run(decodeArgs(operation.name, operation.request, element), context);
    return responseEnvelope(`${operation.name}Response`, encodeFields(operation.response, value, `${operation.name}Response`));
  };

  let running: Running;
  try {
    running = await startHttp(
      (req, res) => {
        handle(req, res).catch((error: Error) => {
          if (res.headersSent) res.destroy(error);
          else sendFault(res, serverFault('INTERNAL_ERROR', error.message));
        });
      },
      options.port ?? 0,
      options.host,
    );
  } catch (error) {
    await journal.close();
    throw error;
  }
  fallbackHost = new URL(running.url).host;
  const endpoint = `${running.url}${ENDPOINT_PATH}`;
  let stopping: Promise<void> | undefined;
  return {
    ...running,
    endpoint,
    wsdlUrl: `${endpoint}?wsdl`,
    counter,
    faults,
    journal: { path: journal.path, replayed: journal.replayed },
    // The journal closes after the server: a write under way is still recorded.
    stop: () => (stopping ??= running.stop().finally(() => journal.close())),
  };
}

/**
 * The operation a SOAPAction names, quoted or not: the binding's `urn:…/GetMember` or the
 * bare `GetMember`; '' for an empty SOAPAction, which leaves the Body element to decide.
 */
function actionName(raw: string): string {
  const value = raw.trim().replace(/^"(.*)"$/, '$1').trim();
  if (value === '') return '';
  const name = value.startsWith(`${TNS}/`) ? value.slice(TNS.length + 1) : value;
  if (!findOperation(name)) {
    throw clientFault('UNKNOWN_OPERATION', `SOAPAction ${JSON.stringify(raw)} names no operation of ${SERVICE_NAME}`, 'SOAPAction', raw);
  }
  return name;
}

function isWsdlQuery(url: URL): boolean {
  return [...url.searchParams.keys()].some((key) => key.toLowerCase() === 'wsdl');
}

function contentTypeProblem(header: string | undefined): string | undefined {
  const [mediaType = '', ...parameters] = (header ?? '').split(';').map((part) => part.trim());
  if (mediaType.toLowerCase() !== 'text/xml') {
    const hint = mediaType.toLowerCase() === 'application/soap+xml' ? ' (application/soap+xml is SOAP 1.2, which this service does not speak)' : '';
    return `Content-Type must be ${XML_CONTENT_TYPE} for SOAP 1.1, got ${JSON.stringify(header ?? '')}${hint}`;
  }
  const charset = parameters.find((parameter) => /^charset\s*=/i.test(parameter));
  const value = charset?.split('=')[1]?.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  if (value !== undefined && value !== 'utf-8' && value !== 'utf8') {
    return `Content-Type charset must be utf-8, got ${JSON.stringify(header)}`;
  }
  return undefined;
}

/** The host the client called, so that the WSDL's address works from where it was fetched. */
function hostOf(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host ?? '';
  return /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(host) ? host : fallback;
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': XML_CONTENT_TYPE, 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

/** SOAP 1.1 over HTTP: every fault is a 500 (SOAP 1.1 §6.2). */
function sendFault(res: ServerResponse, fault: SoapFault): void {
  sendXml(res, 500, faultEnvelope(fault));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
