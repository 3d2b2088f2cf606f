import { SignJWT, generateKeyPair } from 'jose';

/**
 * What a hostile client sends, and a stopwatch around sending it. The documents are built
 * from the limits docs/access.md states and the `@listSize` sizes of the checked-in
 * supergraph, never with the gateway's own measuring code, so that a test that uses them
 * checks the gateway against the design rather than against itself.
 */

/** One answer, read whole, with the wall time from sending to the last byte of its body. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
}

/** Sends one request and reads its whole body; `ms` is the client's wall time. */
export async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const started = performance.now();
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: performance.now() - started };
}

/** A GraphQL POST as a script would send it (no browser CSRF header: refusals must not depend on one). */
export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * The Franchise/Store cycle walked 9 deep (the limit is 8). Public, so that no token is
 * needed to send it; by the SDL's sizes (10 franchises, 20 stores a franchise) it costs
 * 10 × 20 × 20 × 20 × … ≈ 1.8 million, so it is over the cost limit as well.
 */
export const DEEP_QUERY = '{ franchises { stores { franchise { stores { franchise { stores { franchise { stores { name } } } } } } } } }';

/**
 * Within depth (7) and far over cost: a page of 500 products (`first` slices `nodes`), the
 * stock of each in 50 stores, each store's franchise with its 20 stores:
 * 500 × (1 + 50 × (1 + 1 + 1 + 20)) ≈ 575,000.
 */
export const COSTLY_QUERY =
  '{ productsByCategory(category: "Chaussures", first: 500) { nodes { storeStock { store { franchise { stores { code } } } } } } }';

/**
 * Within depth (5), one root field, no alias, and over cost by nested assumed sizes only:
 * 10 franchises × 20 stores × their franchise × 20 stores × 10 promotions ≈ 44,000.
 */
export const NESTED_LISTS_QUERY = '{ franchises { stores { franchise { stores { promotions { id title } } } } } }';

/**
 * Hundreds of distinct fragments on one store selection: shallow (depth 4), one root field,
 * no alias, under 5,000 tokens, but every spread adds its promotions to each of the
 * 10 × 20 stores: 200 × 10 × 200 ≈ 400,000.
 */
export function wideQuery(fragments = 200): string {
  const spreads = range(fragments).map((i) => `...P${i}`).join(' ');
  const definitions = range(fragments).map((i) => `fragment P${i} on Store { promotions { id } }`).join('\n');
  return `{ franchises { stores { ${spreads} } } }\n${definitions}`;
}

/** `count` aliased root fields `aN: webAccount(id: "0") { email }`, ten tokens each (customer service's field). */
export function aliasedWebAccounts(count: number): string {
  return `{ ${range(count).map((i) => `a${i}: webAccount(id: "0") { email }`).join(' ')} }`;
}

/**
 * A valid, cheap document of exactly `tokens` lexical tokens (20 or more): one product's stock
 * in a long list of stores. The length is in an argument's list rather than in repeated fields,
 * which graphql-js's own overlap check gives up on (`Validation aborted.`) long before 5,000.
 * The product is one no catalogue has, so that no store is ever looked up.
 */
export function queryOfTokens(tokens: number): string {
  const codes = Array(tokens - 20).fill('"NOPE1"').join(' ');
  return `{ product(catalogueRef: "000.000.00") { storeStock(storeCodes: [${codes}]) { quantity } } }`;
}

/** JSON arrays nested `levels` deep around a zero: `[[[…0…]]]`. */
export function nestedArrays(levels: number): string {
  return `${'['.repeat(levels)}0${']'.repeat(levels)}`;
}

/** An operation whose variables make its body `bytes` long, give or take a few hundred bytes. */
export function bodyOfSize(bytes: number, query = COSTLY_QUERY): string {
  const shell = JSON.stringify({ query, variables: { blob: '' } });
  return JSON.stringify({ query, variables: { blob: 'x'.repeat(Math.max(0, bytes - shell.length)) } });
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Tokens the gateway must refuse, each as someone outside could make it: a key of their own
 * (under the development key's id, or with an issuer nobody trusts), a real token with its
 * claims rewritten, an unsigned `alg: none` token, an HMAC token keyed with public material.
 */
export async function forgedTokens({ issuer, audience, kid, genuine }: { issuer: string; audience: string; kid: string; genuine: string }): Promise<Record<string, string>> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const claims = { crosscanal_role: 'admin' };
  const sign = (header: { alg: string; kid?: string }, iss: string, exp: string | number = '1h') =>
    new SignJWT(claims).setProtectedHeader(header).setIssuer(iss).setAudience(audience).setSubject('mallory').setIssuedAt().setExpirationTime(exp).sign(privateKey);
  const [, , signature] = genuine.split('.');
  const now = Math.floor(Date.now() / 1000);
  return {
    'another key under the dev key id': await sign({ alg: 'EdDSA', kid }, issuer),
    'another key, no key id': await sign({ alg: 'EdDSA' }, issuer),
    'an untrusted issuer': await sign({ alg: 'EdDSA' }, 'https://issuer.evil.example'),
    'another key, expired': await sign({ alg: 'EdDSA', kid }, issuer, now - 3600),
    'a genuine signature over rewritten claims': [
      base64url({ alg: 'EdDSA', kid, typ: 'at+jwt' }),
      base64url({ ...claims, iss: issuer, aud: audience, sub: 'mallory', iat: now, exp: now + 3600 }),
      signature,
    ].join('.'),
    'alg none, unsigned': `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, iss: issuer, aud: audience, sub: 'mallory', exp: now + 3600 })}.`,
    'HS256 keyed with the key id': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(kid)),
  };
}

/** Runs `task` for every item with at most `concurrency` at once; answers in item order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(range(Math.min(concurrency, items.length)).map(worker));
  return results;
}
