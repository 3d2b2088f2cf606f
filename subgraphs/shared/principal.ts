import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { GraphQLError } from 'graphql';

/**
 * The roles a caller acts in (docs/access.md says what each may see). `admin` may do
 * everything; a request without a token acts as `anonymous`, which sees what `@access`
 * marks `public`.
 */
export const ROLES = ['customer', 'associate', 'service', 'partner', 'marketing', 'steward', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who a request acts for, as the gateway verified it. */
export interface Principal {
  role: Role | 'anonymous';
  /** The verified subject (the token's `sub`): the actor every write records. Null when anonymous. */
  actor: string | null;
  /** `partner`: the franchise whose integration this is; `associate`: the franchise of their store. */
  franchise?: string;
  /** `associate`: the store they work in. */
  store?: string;
  /** `customer`: their golden customer id. */
  customerId?: string;
  /** The client application (RFC 9068 `client_id`), when the token names one. */
  client?: string;
}

export const ANONYMOUS: Principal = Object.freeze({ role: 'anonymous', actor: null });

/**
 * The header that carries a principal from the gateway to the subgraphs: a short-lived JWT
 * signed with the secret the gateway and the subgraphs share (HS256). A client cannot mint
 * one, and the gateway never forwards a client's own.
 */
export const PRINCIPAL_HEADER = 'x-crosscanal-principal';

const ISSUER = 'crosscanal-gateway';
const AUDIENCE = 'crosscanal-subgraphs';

/** What a subgraph learns from a verified principal token, beyond the principal. */
export interface InternalGrant {
  principal: Principal;
  /** The gateway's request id, for the logs. */
  requestId: string;
  /** When the gateway gives up on the request (ms since the epoch): work past it is wasted. */
  deadline: number;
}

/** The secret shared by the gateway and the subgraphs; at least 32 characters. */
export function internalKey(secret: string): KeyObject {
  if (typeof secret !== 'string' || secret.length < 32) {
    throw new RangeError(`the internal secret must be at least 32 characters, got ${typeof secret === 'string' ? secret.length : typeof secret}`);
  }
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/**
 * The grant's JWS header, the same for every grant. Grants are signed and checked here with
 * node's HMAC, synchronously: a grant is signed once per request and checked once per
 * subgraph fetch, and the asynchronous WebCrypto path cost more than the HMAC itself.
 */
const GRANT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function hmac(key: KeyObject, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput).digest();
}

/** Signs a grant for the subgraph fetches of one request; it expires with the request's deadline. */
export function signGrant(key: KeyObject, grant: InternalGrant): string {
  const { principal } = grant;
  const payload: Record<string, string | number> = { role: principal.role, rid: grant.requestId };
  if (principal.franchise) payload.fr = principal.franchise;
  if (principal.store) payload.st = principal.store;
  if (principal.customerId) payload.cus = principal.customerId;
  if (principal.client) payload.cli = principal.client;
  if (principal.actor) payload.sub = principal.actor;
  payload.dl = grant.deadline;
  payload.iss = ISSUER;
  payload.aud = AUDIENCE;
  payload.iat = Math.floor(Date.now() / 1000);
  // A grant outlives its request by a few seconds at most: a copy read from a log is soon worthless.
  payload.exp = Math.ceil(grant.deadline / 1000) + 5;
  const signingInput = `${GRANT_HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${signingInput}.${hmac(key, signingInput).toString('base64url')}`;
}

/** Why a principal token was refused. */
export class GrantRefused extends Error {
  override name = 'GrantRefused';
}

function notSigned(why: string): GrantRefused {
  return new GrantRefused(`the principal token is not one the gateway signed (${why})`);
}

function decodeSegment(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw notSigned(`its ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw notSigned(`its ${what} is not an object`);
  return value as Record<string, unknown>;
}

/** Verifies a principal token from the gateway; throws {@link GrantRefused} when it is not one. */
export function verifyGrant(key: KeyObject, token: string): InternalGrant {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) throw notSigned('not a compact JWS');
  const [header, body, signature] = parts as [string, string, string];
  const expected = hmac(key, `${header}.${body}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw notSigned('signature mismatch');
  // Signed with the shared secret: still, only what the gateway writes is taken.
  const protectedHeader = decodeSegment(header, 'header');
  if (protectedHeader.alg !== 'HS256' || 'crit' in protectedHeader) throw notSigned('unexpected header');
  const payload = decodeSegment(body, 'payload');
  if (payload.iss !== ISSUER || payload.aud !== AUDIENCE) throw notSigned('wrong issuer or audience');
  if (typeof payload.exp !== 'number') throw notSigned('no expiry');
  if (payload.exp <= Math.floor(Date.now() / 1000)) throw new GrantRefused('the principal token has expired');
  const role = payload.role;
  if (role !== 'anonymous' && !isRole(role)) throw new GrantRefused(`the principal token names no known role: ${JSON.stringify(role)}`);
  const text = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
  const principal: Principal = { role, actor: text('sub') ?? null };
  if (text('fr')) principal.franchise = text('fr');
  if (text('st')) principal.store = text('st');
  if (text('cus')) principal.customerId = text('cus');
  if (text('cli')) principal.client = text('cli');
  return { principal, requestId: text('rid') ?? '', deadline: typeof payload.dl === 'number' ? payload.dl : Date.now() };
}

/** The principal is not allowed what it asked: FORBIDDEN, or UNAUTHENTICATED for an anonymous caller. */
export function accessDenied(principal: Principal, message: string): GraphQLError {
  return principal.role === 'anonymous'
    ? new GraphQLError(`${message}; sign in: send a bearer token`, { extensions: { code: 'UNAUTHENTICATED' } })
    : new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/** The variable that holds the secret shared by the gateway and the subgraphs. */
export const INTERNAL_SECRET_VARIABLE = 'CROSSCANAL_INTERNAL_SECRET';

/** Reads {@link INTERNAL_SECRET_VARIABLE}; every process of the graph needs the same value. */
export function internalSecretFromEnv(env: NodeJS.ProcessEnv): string {
  const secret = env[INTERNAL_SECRET_VARIABLE]?.trim() ?? '';
  if (secret.length < 32) {
    // The value is a secret: its length is said, never its text.
    throw new Error(
      `${INTERNAL_SECRET_VARIABLE} must be set to the same secret of at least 32 characters in the gateway and every subgraph (got ${secret.length === 0 ? 'none' : `${secret.length} characters`}); \`openssl rand -base64 32\` makes one`,
    );
  }
  return secret;
}
