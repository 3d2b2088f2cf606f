import { serverAudits, type Audit, type AuditResult } from 'graphql-http';
import { DEEP_QUERY } from '../test/support/abuse.js';
import { startTestGateway, type TestGateway } from '../test/support/gateway.js';

// graphql-http's server audits, the conformance suite of the GraphQL over HTTP specification
// (every MUST, SHOULD and MAY it checks), against the gateway over HTTP, one test per audit.
// The audits ask `{ __typename }` and `__type(name:)`, which the gateway answers without a
// subgraph. Three clients:
//  - a web front-end as it calls the gateway: a customer's bearer token and Apollo's CSRF header
//    (`apollo-require-preflight`), on a gateway with introspection on (development): every audit passes;
//  - the same, on a gateway with introspection off, as in production: the audits that ask
//    `__type` fail, refused with INTROSPECTION_DISABLED, and only those;
//  - a bare script (no token, no header added): the GETs fail, refused as possible cross-site
//    request forgery (Apollo Server's CSRF prevention), and only those.
// Then what the audits leave out: the media type of a refusal, and the status of a request
// error, by what the client's Accept header asks for.

/** What a client adds to each request the audits send to a gateway. */
type Extra = (gateway: TestGateway) => Record<string, string>;

/** The answers the audits got, read whole: when an audit fails, its last answer says why. */
interface Seen {
  answers: Array<{ status: number; text: string }>;
}

/** Fetch as the audits call it, with the client's headers added; keeps a copy of the answer. */
function clientFetch(gateway: () => TestGateway, extra: Extra, seen: Seen): typeof fetch {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(extra(gateway()))) headers.set(name, value);
    const response = await fetch(input, { ...init, headers });
    seen.answers.push({ status: response.status, text: await response.clone().text() });
    return response;
  };
}

/** How an audit came out: `ok`, or its level (graphql-http's: a MUST is an error, a SHOULD a warning, a MAY a notice) and why. */
interface Outcome {
  level: AuditResult['status'];
  /** graphql-http's reason. */
  reason?: string;
  /** The HTTP status of the gateway's answer. */
  http?: number;
  /** The first error's code (its validation code when it has one) and message. */
  cause?: string;
}

function causeOf(text: string): string {
  try {
    const [first] = (JSON.parse(text) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }).errors ?? [];
    if (first) return `${String(first.extensions?.validationErrorCode ?? first.extensions?.code)}: ${first.message}`;
  } catch {
    // Not JSON: shown as it is.
  }
  return text.slice(0, 300);
}

async function run(audit: Audit, seen: Seen): Promise<Outcome> {
  const before = seen.answers.length;
  const result = await audit.fn();
  if (result.status === 'ok') return { level: 'ok' };
  const last = seen.answers.length > before ? seen.answers.at(-1) : undefined;
  return { level: result.status, reason: result.reason, http: last?.status, cause: last ? causeOf(last.text) : 'no answer' };
}

const levelOf = (audit: Audit): Outcome['level'] => (audit.name.startsWith('MUST') ? 'error' : audit.name.startsWith('SHOULD') ? 'warn' : 'notice');

/** An audit that fails by design: the gateway's answer, its HTTP status and what its error says. */
interface Failure {
  http: number;
  cause: RegExp;
}

const INTROSPECTION_DISABLED = /^INTROSPECTION_DISABLED: GraphQL introspection is not allowed/;
const CSRF = /^BAD_REQUEST: This operation has been blocked as a potential Cross-Site Request Forgery \(CSRF\)/;

/**
 * Introspection off (production): the audits whose operation is `__type(name:)` are refused
 * as a validation error. Answered 400, or 200 with the error to a client that names
 * application/json in its Accept header (GraphQL over HTTP's rule for that media type).
 */
const WITHOUT_INTROSPECTION: Record<string, Failure> = {
  BF61: { http: 400, cause: INTROSPECTION_DISABLED },
  '2EA1': { http: 400, cause: INTROSPECTION_DISABLED },
  '28B9': { http: 200, cause: INTROSPECTION_DISABLED },
  D6D5: { http: 400, cause: INTROSPECTION_DISABLED },
  '6A70': { http: 200, cause: INTROSPECTION_DISABLED },
};

/**
 * A GET without a header that forces a browser's CORS preflight could come from another site's
 * page (a form, an image): Apollo Server refuses it before it runs. The three GET audits that
 * expect an answer fail; the mutation-by-GET audit passes, the refusal being a 4xx too.
 */
const WITHOUT_CSRF_HEADER: Record<string, Failure> = {
  '5A70': { http: 400, cause: CSRF },
  D6D5: { http: 400, cause: CSRF },
  '6A70': { http: 400, cause: CSRF },
};

let development: TestGateway;
let production: TestGateway;
/** A customer's token from each gateway's own issuer. */
const customerTokens = new Map<TestGateway, string>();

beforeAll(async () => {
  const started = await Promise.allSettled([startTestGateway({}, { env: { GATEWAY_INTROSPECTION: 'on' } }), startTestGateway({}, { env: { GATEWAY_INTROSPECTION: 'off' } })]);
  [development, production] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined)) as [TestGateway, TestGateway];
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  for (const gateway of [development, production]) {
    customerTokens.set(gateway, await gateway.tokens.sign({ role: 'customer', customerId: 'cus_conformance', actor: 'conformance' }));
  }
});

afterAll(async () => {
  await Promise.all([development?.stop(), production?.stop()]);
});

/** One test per audit, `failing` the audits expected to fail (with why), every other one expected to pass. */
function auditsOf(gateway: () => TestGateway, extra: Extra, failing: Record<string, Failure>): void {
  const seen: Seen = { answers: [] };
  const audits = serverAudits({ url: () => gateway().url, fetchFn: clientFetch(gateway, extra, seen) });
  it('lists every audit expected to fail', () => {
    expect(Object.keys(failing).filter((id) => !audits.some((audit) => audit.id === id))).toEqual([]);
  });
  for (const audit of audits) {
    const failure = failing[audit.id];
    it(`${audit.id} ${audit.name}${failure ? ' (fails, as it should here)' : ''}`, async () => {
      const outcome = await run(audit, seen);
      if (failure) {
        expect(outcome).toEqual({ level: levelOf(audit), reason: expect.any(String), http: failure.http, cause: expect.stringMatching(failure.cause) });
      } else {
        expect(outcome).toEqual({ level: 'ok' });
      }
    });
  }
}

const browserApp: Extra = (gateway) => ({ authorization: `Bearer ${customerTokens.get(gateway)}`, 'apollo-require-preflight': 'true' });

describe('graphql-http server audits: a web front-end with a customer token and the CSRF header, introspection on', () => {
  auditsOf(() => development, browserApp, {});
});

describe('graphql-http server audits: the same client, introspection off (production)', () => {
  auditsOf(() => production, browserApp, WITHOUT_INTROSPECTION);
});

describe('graphql-http server audits: a bare script, no token and no header added, introspection on', () => {
  auditsOf(() => development, () => ({}), WITHOUT_CSRF_HEADER);
});

describe('media types beyond the audits', () => {
  const post = (gateway: TestGateway, headers: Record<string, string>, body: string) =>
    fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const answered = async (response: Response) => ({ status: response.status, type: response.headers.get('content-type'), cause: causeOf(await response.text()) });
  const JSON_TYPE = 'application/json; charset=utf-8';
  const GRAPHQL_RESPONSE = 'application/graphql-response+json; charset=utf-8';

  it.each([
    ["Apollo Client 4's Accept", 'application/graphql-response+json,application/json;q=0.9', GRAPHQL_RESPONSE],
    ['application/graphql-response+json alone', 'application/graphql-response+json', GRAPHQL_RESPONSE],
    ['both, application/json first', 'application/json, application/graphql-response+json', JSON_TYPE],
    ['application/json preferred by q', 'application/graphql-response+json;q=0.5, application/json', JSON_TYPE],
    ['a wildcard preferred by q', 'application/graphql-response+json;q=0.5, */*', JSON_TYPE],
    ['a wildcard', '*/*', JSON_TYPE],
  ])('a refusal before GraphQL runs (a forged token) goes out in the type the client prefers: %s', async (_, accept, type) => {
    const response = await post(development, { accept, authorization: 'Bearer not-a-jwt' }, JSON.stringify({ query: '{ __typename }' }));
    expect(await answered(response)).toEqual({ status: 401, type, cause: 'UNAUTHENTICATED: the bearer token is not a JWT' });
  });

  it.each([
    ['application/json', 200, JSON_TYPE],
    ['application/json;q=0', 406, JSON_TYPE],
    ['application/graphql-response+json', 400, GRAPHQL_RESPONSE],
    ['*/*', 400, JSON_TYPE],
  ])('a syntax error, Accept %s: %i', async (accept, status, type) => {
    const response = await post(development, { accept }, JSON.stringify({ query: '{ __typename ' }));
    expect(await answered(response)).toEqual({ status, type, cause: status === 406 ? expect.stringMatching(/^BAD_REQUEST: An 'accept' header/) : expect.stringMatching(/^GRAPHQL_PARSE_FAILED: Syntax Error/) });
  });

  it("keeps the gateway's own refusals' status under application/json: an operation over the depth limit is 400", async () => {
    const response = await post(development, { accept: 'application/json' }, JSON.stringify({ query: DEEP_QUERY }));
    expect(await answered(response)).toEqual({ status: 400, type: JSON_TYPE, cause: expect.stringMatching(/^QUERY_TOO_DEEP: /) });
  });
});
