import { loggerFor, requestLineWriter } from '../../subgraphs/shared/logger.js';

/**
 * Writes the same request lines twice, through pino (a child logger for the id, `info`) and
 * through the request-line writer, one after the other (test/requestLine): whatever the level
 * (`LOG_LEVEL`) lets through.
 */
const cases: Array<{ rid?: string; fields: Record<string, string | number | string[] | undefined> }> = [
  { rid: 'trace-req-abcdef', fields: { method: 'POST', role: 'service', client: 'web-shop', op: 'CustomerCard', outcome: ['200'], errors: undefined, ms: 3 } },
  { rid: '3f1c2a7e-0000-4000-8000-123456789012', fields: { method: 'GET', op: 'by jean.dupont@example.fr at 06 12 34 56 78', outcome: ['401', 'UNAUTHENTICATED'], errors: ['UNAUTHENTICATED'], ms: 0 } },
  { fields: { method: 'POST', role: 'anonymous', op: 'quote " back\\slash \u00e9\u2028 card 2975940737737', outcome: ['400', 'BAD_REQUEST'], ms: Number.NaN } },
];
const message = 'request';
const pinoLog = loggerFor('lines');
const direct = requestLineWriter('lines', message);
for (const { rid, fields } of cases) {
  (rid ? pinoLog.child({ rid }) : pinoLog).info(fields, message);
  direct(rid, fields);
}
