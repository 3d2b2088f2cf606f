import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { HttpRefusal } from '../subgraphs/shared/graphqlHttp.js';
import { ANONYMOUS, type Principal } from '../subgraphs/shared/principal.js';
import { ClaimsRefused, principalFromClaims } from './claims.js';
import type { TrustedIssuer } from './config.js';

/** Asymmetric algorithms only: a shared-secret token could be minted by anyone who verifies it. */
const ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'RS256', 'PS256'];

/** Tokens remembered once verified, until they expire: verifying a signature on every request costs. */
const CACHE_SIZE = 10_000;

export interface Authenticator {
  /** The principal a request's `Authorization` header names: anonymous without one; a refusal (401) for a bad one. */
  authenticate(authorization: string | undefined): Promise<Principal>;
}

/**
 * A 401 with its challenge. The description in the header is the message cut short and kept
 * to printable ASCII: a message may quote a value from an unverified token, and a header Node
 * cannot send would turn the refusal into a 500.
 */
function refuse(message: string): HttpRefusal {
  const description = message.replace(/[^\x20-\x7e]|["\\]/g, "'").slice(0, 200);
  return new HttpRefusal(401, 'UNAUTHENTICATED', message, { 'www-authenticate': `Bearer error="invalid_token", error_description="${description}"` });
}

/** A value from an unverified token, fit to quote in a message. */
function quoted(value: unknown): string {
  return JSON.stringify(typeof value === 'string' ? value.slice(0, 100) : (value ?? null));
}

/** Verifies bearer tokens (issuer, audience, expiry, signature) from the issuers the gateway trusts. */
export function createAuthenticator(issuers: readonly TrustedIssuer[], { clockToleranceSeconds = 5 } = {}): Authenticator {
  const keySets = new Map<string, { issuer: TrustedIssuer; keys: JWTVerifyGetKey }>();
  for (const issuer of issuers) {
    const keys = issuer.jwksUrl ? createRemoteJWKSet(new URL(issuer.jwksUrl)) : createLocalJWKSet(issuer.jwks as JSONWebKeySet);
    keySets.set(issuer.issuer, { issuer, keys });
  }
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();

  async function verify(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    let unverifiedIssuer: unknown;
    try {
      unverifiedIssuer = decodeJwt(token).iss;
    } catch {
      throw refuse('the bearer token is not a JWT');
    }
    const trusted = typeof unverifiedIssuer === 'string' ? keySets.get(unverifiedIssuer) : undefined;
    if (!trusted) throw refuse(`the bearer token's issuer is not one the gateway trusts: ${quoted(unverifiedIssuer)}`);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, trusted.keys, {
        issuer: trusted.issuer.issuer,
        audience: trusted.issuer.audience,
        algorithms: ALGORITHMS,
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw refuse('the bearer token has expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed) throw refuse(`the bearer token's ${error.claim} claim is not accepted (${error.reason})`);
      if (error instanceof joseErrors.JOSEAlgNotAllowed) throw refuse('the bearer token is signed with an algorithm the gateway does not accept');
      throw refuse('the bearer token is not signed by its issuer');
    }
    try {
      return { principal: principalFromClaims(payload as Record<string, unknown>), expiresAt: payload.exp! * 1000 };
    } catch (error) {
      if (error instanceof ClaimsRefused) throw new HttpRefusal(403, 'FORBIDDEN', error.message);
      throw error;
    }
  }

  return {
    async authenticate(authorization) {
      if (authorization === undefined) return ANONYMOUS;
      // Remembered by the header as sent: a client sends the same one request after request.
      const known = verified.get(authorization);
      if (known && known.expiresAt > Date.now()) return known.principal;
      if (known) verified.delete(authorization);
      if (authorization.trim() === '') return ANONYMOUS;
      const match = /^Bearer +([A-Za-z0-9_.-]+) *$/i.exec(authorization);
      if (!match) throw refuse('the Authorization header must be "Bearer <token>"');
      const fresh = await verify(match[1]!);
      if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(authorization, fresh);
      return fresh.principal;
    },
  };
}
