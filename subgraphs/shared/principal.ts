import { createSecretKey, type KeyObject } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

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

/** Signs a grant for the subgraph fetches of one request; it expires with the request's deadline. */
export async function signGrant(key: KeyObject, grant: InternalGrant): Promise<string> {
  const { principal } = grant;
  const claims: Record<string, string> = { role: principal.role, rid: grant.requestId };
  if (principal.franchise) claims.fr = principal.franchise;
  if (principal.store) claims.st = principal.store;
  if (principal.customerId) claims.cus = principal.customerId;
  if (principal.client) claims.cli = principal.client;
  const jwt = new SignJWT({ ...claims, dl: grant.deadline })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    // A grant outlives its request by a few seconds at most: a copy read from a log is soon worthless.
    .setExpirationTime(Math.ceil(grant.deadline / 1000) + 5);
  if (principal.actor) jwt.setSubject(principal.actor);
  return jwt.sign(key);
}

/** Why a principal token was refused. */
export class GrantRefused extends Error {
  override name = 'GrantRefused';
}

/** Verifies a principal token from the gateway; throws {@link GrantRefused} when it is not one. */
export async function verifyGrant(key: KeyObject, token: string): Promise<InternalGrant> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new GrantRefused('the principal token has expired');
    throw new GrantRefused(`the principal token is not one the gateway signed (${(error as Error).name})`);
  }
  const role = payload.role;
  if (role !== 'anonymous' && !isRole(role)) throw new GrantRefused(`the principal token names no known role: ${JSON.stringify(role)}`);
  const text = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
  const principal: Principal = { role, actor: payload.sub ?? null };
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
