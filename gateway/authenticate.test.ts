import { createServer, validateHeaderValue } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { HttpRefusal } from '../subgraphs/shared/graphqlHttp.js';
import type { Principal } from '../subgraphs/shared/principal.js';
import { createAuthenticator, type Authenticator } from './authenticate.js';
import type { TrustedIssuer } from './config.js';

// Two issuers with keys of our own: an Ed25519 one given inline, an ES256 one whose key set a
// tiny HTTP server serves (counting how often it is asked).

interface JwksServer {
  url: string;
  /** Requests the server has answered so far. */
  requests(): number;
  stop(): Promise<void>;
}

async function serveJwks(jwks: { keys: JWK[] }): Promise<JwksServer> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface Signer {
  iss: string;
  alg: 'EdDSA' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

async function makeSigner(iss: string, alg: 'EdDSA' | 'ES256', kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { iss, alg, kid, privateKey, publicKey, publicJwk };
}

const AUDIENCE = 'crosscanal';
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface TokenOptions {
  /** Claims beside the registered ones; `undefined` values are left out. */
  claims?: Record<string, unknown>;
  sub?: string | null;
  aud?: string;
  iss?: string;
  exp?: number | null;
  nbf?: number;
  /** Sign with this key instead of the signer's own (same header). */
  key?: CryptoKey;
  kid?: string;
}

async function token(signer: Signer, options: TokenOptions = {}): Promise<string> {
  const claims = Object.fromEntries(Object.entries(options.claims ?? {}).filter(([, v]) => v !== undefined)) as JWTPayload;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: signer.alg, kid: options.kid ?? signer.kid, typ: 'JWT' })
    .setIssuer(options.iss ?? signer.iss)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt();
  if (options.sub !== null) jwt.setSubject(options.sub ?? 'user-1');
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? nowSeconds() + 3600);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? signer.privateKey);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The refusal `authenticate` rejects with; fails the test when it resolves or rejects with anything else. */
async function refusalOf(promise: Promise<Principal>): Promise<HttpRefusal> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    if (error instanceof HttpRefusal) return error;
    throw error;
  }
  throw new Error(`expected an HttpRefusal, got the principal ${JSON.stringify(outcome)}`);
}

/** The 401 refusal the gateway owes an unusable token: the message, also as the challenge's description. */
function expectUnauthenticated(refusal: HttpRefusal, message: string, description = message): void {
  expect(refusal.status).toBe(401);
  expect(refusal.code).toBe('UNAUTHENTICATED');
  expect(refusal.message).toBe(message);
  expect(refusal.headers).toEqual({ 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` });
}

function expectForbidden(refusal: HttpRefusal, message: string): void {
  expect(refusal.status).toBe(403);
  expect(refusal.code).toBe('FORBIDDEN');
  expect(refusal.message).toBe(message);
  expect(refusal.headers).toEqual({});
}

const ED_ISSUER = 'https://id.example.test/ed';
const ES_ISSUER = 'https://id.example.test/es';

let ed: Signer;
let es: Signer;
let stranger: Signer;
let jwksServer: JwksServer;
let issuers: TrustedIssuer[];
let auth: Authenticator;

beforeAll(async () => {
  ed = await makeSigner(ED_ISSUER, 'EdDSA', 'ed-1');
  es = await makeSigner(ES_ISSUER, 'ES256', 'es-1');
  // Same issuer name and key id as `ed`, another key: what a forger would hold.
  stranger = await makeSigner(ED_ISSUER, 'EdDSA', 'ed-1');
  jwksServer = await serveJwks({ keys: [es.publicJwk] });
  issuers = [
    { issuer: ED_ISSUER, audience: AUDIENCE, jwks: { keys: [ed.publicJwk] } },
    { issuer: ES_ISSUER, audience: AUDIENCE, jwksUrl: jwksServer.url },
  ];
  auth = createAuthenticator(issuers);
});

afterAll(async () => {
  await jwksServer?.stop();
});

describe('createAuthenticator: no token', () => {
  it('takes a request without an Authorization header, or with an empty one, as anonymous', async () => {
    for (const header of [undefined, '', '   ']) {
      expect(await auth.authenticate(header)).toEqual({ role: 'anonymous', actor: null });
    }
  });
});

describe('createAuthenticator: valid tokens', () => {
  const cases: Array<{ role: string; claims: Record<string, unknown>; sub: string; expected: Principal }> = [
    {
      role: 'customer',
      sub: 'auth0|cust-7',
      claims: { crosscanal_role: 'customer', crosscanal_customer: 'GC_4f2a9', client_id: 'crosscanal-mobile' },
      expected: { role: 'customer', actor: 'auth0|cust-7', customerId: 'GC_4f2a9', client: 'crosscanal-mobile' },
    },
    {
      role: 'associate',
      sub: 'alice',
      claims: { crosscanal_role: 'associate', crosscanal_store: 'nrd01', crosscanal_franchise: 'nrd', azp: 'till-app' },
      expected: { role: 'associate', actor: 'alice', store: 'NRD01', franchise: 'NRD', client: 'till-app' },
    },
    {
      role: 'associate without a franchise',
      sub: 'bob',
      claims: { crosscanal_role: 'associate', crosscanal_store: 'Sth-02' },
      expected: { role: 'associate', actor: 'bob', store: 'STH-02' },
    },
    {
      role: 'partner',
      sub: 'svc-nrd',
      claims: { crosscanal_role: 'partner', crosscanal_franchise: 'nrd', client_id: 'nrd-integration', azp: 'ignored-azp' },
      expected: { role: 'partner', actor: 'svc-nrd', franchise: 'NRD', client: 'nrd-integration' },
    },
    { role: 'service', sub: 'carol', claims: { crosscanal_role: 'service' }, expected: { role: 'service', actor: 'carol' } },
    { role: 'marketing', sub: 'dave', claims: { crosscanal_role: 'marketing', azp: 'campaigns' }, expected: { role: 'marketing', actor: 'dave', client: 'campaigns' } },
    { role: 'steward', sub: 'erin', claims: { crosscanal_role: 'steward' }, expected: { role: 'steward', actor: 'erin' } },
    { role: 'admin', sub: 'root', claims: { crosscanal_role: 'admin' }, expected: { role: 'admin', actor: 'root' } },
  ];

  it.each(cases)('gives the principal of a token for the role $role, from the inline Ed25519 issuer', async ({ claims, sub, expected }) => {
    expect(await auth.authenticate(`Bearer ${await token(ed, { claims, sub })}`)).toEqual(expected);
  });

  it('gives the principal of a token from the remote ES256 issuer, fetching its key set', async () => {
    const before = jwksServer.requests();
    const fresh = createAuthenticator(issuers);
    const jwt = await token(es, { sub: 'frank', claims: { crosscanal_role: 'partner', crosscanal_franchise: 'sth' } });
    expect(await fresh.authenticate(`Bearer ${jwt}`)).toEqual({ role: 'partner', actor: 'frank', franchise: 'STH' });
    expect(jwksServer.requests()).toBe(before + 1);
  });

  it('reads the scheme case-insensitively and ignores trailing blanks', async () => {
    const jwt = await token(ed, { sub: 'carol', claims: { crosscanal_role: 'service' } });
    expect(await auth.authenticate(`bearer ${jwt}  `)).toEqual({ role: 'service', actor: 'carol' });
  });

  it('accepts a token expired by less than the 5 s clock tolerance', async () => {
    const jwt = await token(ed, { sub: 'carol', claims: { crosscanal_role: 'service' }, exp: nowSeconds() - 2 });
    expect(await auth.authenticate(`Bearer ${jwt}`)).toEqual({ role: 'service', actor: 'carol' });
  });
});

describe('createAuthenticator: tokens refused as unusable (401)', () => {
  const service = { crosscanal_role: 'service' };

  it('refuses a header that is not "Bearer <token>"', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'Token abc.def.ghi', 'Bearer abc$def']) {
      expectUnauthenticated(
        await refusalOf(auth.authenticate(header)),
        'the Authorization header must be "Bearer <token>"',
        "the Authorization header must be 'Bearer <token>'",
      );
    }
  });

  it('refuses a bearer token that is not a JWT', async () => {
    for (const bearer of ['opaque-token', 'abc.def', `${base64url({ alg: 'EdDSA' })}.not-json.sig`]) {
      expectUnauthenticated(await refusalOf(auth.authenticate(`Bearer ${bearer}`)), 'the bearer token is not a JWT');
    }
  });

  it('refuses a token from an issuer it does not trust, naming the issuer', async () => {
    const jwt = await token(ed, { iss: 'https://evil.example.test', claims: service });
    expectUnauthenticated(
      await refusalOf(auth.authenticate(`Bearer ${jwt}`)),
      'the bearer token\'s issuer is not one the gateway trusts: "https://evil.example.test"',
      "the bearer token's issuer is not one the gateway trusts: 'https://evil.example.test'",
    );
    const noIssuer = `${base64url({ alg: 'EdDSA', typ: 'JWT' })}.${base64url({ sub: 'x', exp: nowSeconds() + 60 })}.c2ln`;
    expectUnauthenticated(
      await refusalOf(auth.authenticate(`Bearer ${noIssuer}`)),
      "the bearer token's issuer is not one the gateway trusts: null",
    );
  });

  it('makes a challenge Node can send whatever issuer an unverified token names', async () => {
    // The issuer is read before any signature is checked: anyone can put anything there.
    for (const iss of ['https://evil.example.test/\u20ac', 'https://evil.example.test/\u{1F600}', 'https://evil.example.test/\u0000\r\n']) {
      const forged = `${base64url({ alg: 'EdDSA', typ: 'JWT' })}.${base64url({ iss, sub: 'x', exp: nowSeconds() + 60 })}.c2ln`;
      const refusal = await refusalOf(auth.authenticate(`Bearer ${forged}`));
      expect(refusal.status).toBe(401);
      expect(() => validateHeaderValue('www-authenticate', refusal.headers['www-authenticate'])).not.toThrow();
    }
  });

  it('refuses a token for another audience', async () => {
    const jwt = await token(ed, { aud: 'another-api', claims: service });
    expectUnauthenticated(await refusalOf(auth.authenticate(`Bearer ${jwt}`)), "the bearer token's aud claim is not accepted (check_failed)");
  });

  it('refuses a token expired by more than the 5 s tolerance', async () => {
    const jwt = await token(ed, { exp: nowSeconds() - 10, claims: service });
    expectUnauthenticated(await refusalOf(auth.authenticate(`Bearer ${jwt}`)), 'the bearer token has expired');
  });

  it('refuses a token without an expiry', async () => {
    const jwt = await token(ed, { exp: null, claims: service });
    expectUnauthenticated(await refusalOf(auth.authenticate(`Bearer ${jwt}`)), "the bearer token's exp claim is not accepted (missing)");
  });

  it('refuses a token that is not valid yet (nbf beyond the tolerance)', async () => {
    const jwt = await token(ed, { nbf: nowSeconds() + 60, claims: service });
    expectUnauthenticated(await refusalOf(auth.authenticate(`Bearer ${jwt}`)), "the bearer token's nbf claim is not accepted (check_failed)");
  });

  it('refuses a token signed by another key, whether or not it claims the issuer\'s key id', async () => {
    for (const kid of ['ed-1', 'ed-unknown']) {
      const jwt = await token(ed, { key: stranger.privateKey, kid, claims: service });
      expectUnauthenticated(await refusalOf(auth.authenticate(`Bearer ${jwt}`)), 'the bearer token is not signed by its issuer');
    }
    // The remote issuer's name and key id on a token signed with a key of nobody's.
    const crossed = await new SignJWT(service)
      .setProtectedHeader({ alg: 'ES256', kid: es.kid })
      .setIssuer(ES_ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime(nowSeconds() + 60)
      .sign((await generateKeyPair('ES256')).privateKey);
    expectUnauthenticated(await refusalOf(auth.authenticate(`Bearer ${crossed}`)), 'the bearer token is not signed by its issuer');
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const payload = { iss: ED_ISSUER, aud: AUDIENCE, sub: 'mallory', exp: nowSeconds() + 3600, ...{ crosscanal_role: 'admin' } };
    for (const header of [{ alg: 'none', typ: 'JWT' }, { alg: 'none', kid: ed.kid }, { alg: 'NONE' }]) {
      const unsigned = `${base64url(header)}.${base64url(payload)}.`;
      expectUnauthenticated(
        await refusalOf(auth.authenticate(`Bearer ${unsigned}`)),
        'the bearer token is signed with an algorithm the gateway does not accept',
      );
    }
  });

  it('refuses an HS256 token keyed with the issuer\'s public key (key confusion)', async () => {
    const payload = { crosscanal_role: 'admin' };
    const secrets = [
      new TextEncoder().encode(await exportSPKI(ed.publicKey)),
      new TextEncoder().encode(JSON.stringify(ed.publicJwk)),
      Buffer.from(ed.publicJwk.x!, 'base64url'),
    ];
    for (const secret of secrets) {
      const forged = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', kid: ed.kid, typ: 'JWT' })
        .setIssuer(ED_ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('mallory')
        .setExpirationTime(nowSeconds() + 3600)
        .sign(secret);
      expectUnauthenticated(
        await refusalOf(auth.authenticate(`Bearer ${forged}`)),
        'the bearer token is signed with an algorithm the gateway does not accept',
      );
    }
  });

  it('refuses a token without a subject', async () => {
    const jwt = await token(ed, { sub: null, claims: service });
    expectUnauthenticated(await refusalOf(auth.authenticate(`Bearer ${jwt}`)), "the bearer token's sub claim is not accepted (missing)");
  });
});

describe('createAuthenticator: verified tokens whose claims make no principal (403)', () => {
  const refused = async (claims: Record<string, unknown>, sub?: string) => refusalOf(auth.authenticate(`Bearer ${await token(ed, { claims, ...(sub !== undefined && { sub }) })}`));
  const roles = 'customer, associate, service, partner, marketing, steward, admin';

  it('refuses a blank subject', async () => {
    expectForbidden(await refused({ crosscanal_role: 'service' }, '   '), 'the token must name its subject (sub, 1 to 200 characters)');
    expectForbidden(await refused({ crosscanal_role: 'service' }, 'x'.repeat(201)), 'the token must name its subject (sub, 1 to 200 characters)');
  });

  it('refuses an unknown or missing role, showing the value', async () => {
    expectForbidden(await refused({ crosscanal_role: 'superuser' }), `the token's crosscanal_role must be one of ${roles}; got "superuser"`);
    expectForbidden(await refused({ crosscanal_role: 'anonymous' }), `the token's crosscanal_role must be one of ${roles}; got "anonymous"`);
    expectForbidden(await refused({ crosscanal_role: ['admin'] }), `the token's crosscanal_role must be one of ${roles}; got ["admin"]`);
    expectForbidden(await refused({}), `the token's crosscanal_role must be one of ${roles}; got null`);
  });

  it('refuses a partner token without a franchise', async () => {
    expectForbidden(await refused({ crosscanal_role: 'partner' }), 'a partner token must name its franchise (crosscanal_franchise)');
    expectForbidden(await refused({ crosscanal_role: 'partner', crosscanal_franchise: '  ' }), 'a partner token must name its franchise (crosscanal_franchise)');
  });

  it('refuses an associate token without a store', async () => {
    expectForbidden(await refused({ crosscanal_role: 'associate', crosscanal_franchise: 'nrd' }), "an associate token must name the associate's store (crosscanal_store)");
  });

  it('refuses a customer token without a golden id, or with one that is not an id', async () => {
    const message = "a customer token must name the customer's golden id (crosscanal_customer)";
    expectForbidden(await refused({ crosscanal_role: 'customer' }), message);
    expectForbidden(await refused({ crosscanal_role: 'customer', crosscanal_customer: 'gc/../1' }), message);
    expectForbidden(await refused({ crosscanal_role: 'customer', crosscanal_customer: 'g'.repeat(65) }), message);
  });

  it('refuses a franchise or store that is not a code, showing it', async () => {
    expectForbidden(await refused({ crosscanal_role: 'partner', crosscanal_franchise: 'nrd; drop' }), 'crosscanal_franchise must be a franchise code, got "nrd; drop"');
    expectForbidden(await refused({ crosscanal_role: 'associate', crosscanal_store: 'x'.repeat(33) }), `crosscanal_store must be a store code, got "${'x'.repeat(33)}"`);
  });
});

describe('createAuthenticator: remembered tokens', () => {
  // Only the Date is faked: the JWKS server and fetch keep their real timers.
  const keepReal = [
    'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame',
    'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval',
    'setTimeout', 'clearTimeout',
  ] as const;
  let start: number;

  beforeEach(() => {
    start = Math.floor(Date.now() / 1000) * 1000;
    jest.useFakeTimers({ doNotFake: [...keepReal], now: start });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('does not verify a remembered token again', async () => {
    const fresh = createAuthenticator(issuers);
    const before = jwksServer.requests();
    const jwt = await token(es, { sub: 'carol', claims: { crosscanal_role: 'service' }, exp: start / 1000 + 3600 });
    expect(await fresh.authenticate(`Bearer ${jwt}`)).toEqual({ role: 'service', actor: 'carol' });
    expect(jwksServer.requests()).toBe(before + 1);
    // Fifteen minutes on, jose's copy of the key set (kept ten) is stale: verifying anything
    // now fetches it again, so a token verified anew would show as a request.
    jest.setSystemTime(start + 15 * 60_000);
    expect(await fresh.authenticate(`Bearer ${jwt}`)).toEqual({ role: 'service', actor: 'carol' });
    expect(jwksServer.requests()).toBe(before + 1);
    const other = await token(es, { sub: 'dave', claims: { crosscanal_role: 'service' }, exp: start / 1000 + 3600 });
    expect(await fresh.authenticate(`Bearer ${other}`)).toEqual({ role: 'service', actor: 'dave' });
    expect(jwksServer.requests()).toBe(before + 2);
  });

  it('refuses a remembered token once it has expired', async () => {
    const fresh = createAuthenticator(issuers);
    const exp = start / 1000 + 60;
    const jwt = await token(ed, { sub: 'carol', claims: { crosscanal_role: 'service' }, exp });
    expect(await fresh.authenticate(`Bearer ${jwt}`)).toEqual({ role: 'service', actor: 'carol' });
    jest.setSystemTime(exp * 1000 + 6_000);
    expectUnauthenticated(await refusalOf(fresh.authenticate(`Bearer ${jwt}`)), 'the bearer token has expired');
  });

  it('still refuses a token it refused before', async () => {
    const fresh = createAuthenticator(issuers);
    const jwt = await token(ed, { aud: 'another-api', claims: { crosscanal_role: 'service' } });
    for (let n = 0; n < 2; n++) {
      expectUnauthenticated(await refusalOf(fresh.authenticate(`Bearer ${jwt}`)), "the bearer token's aud claim is not accepted (check_failed)");
    }
  });
});
