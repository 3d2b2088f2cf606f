import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { Role } from '../subgraphs/shared/principal.js';
import { CLAIMS } from './claims.js';
import type { TrustedIssuer } from './config.js';

/** Where `npm start` and `npm run token` keep the development issuer's key (GATEWAY_DEV_ISSUER_DIR moves it). */
export const DEFAULT_DEV_ISSUER_DIR = 'data/dev-issuer';

/** The issuer and audience of development tokens. */
export const DEV_ISSUER = 'crosscanal-dev';
export const DEV_AUDIENCE = 'crosscanal';

/** What a development token says of its holder. */
export interface DevTokenRequest {
  role: Role;
  /** The subject; default `dev-<role>`. */
  actor?: string;
  franchise?: string;
  store?: string;
  customerId?: string;
  client?: string;
  /** Seconds; default one hour. */
  ttlSeconds?: number;
}

/** A development issuer: an Ed25519 key pair kept in a folder, which `npm start` trusts. */
export interface DevIssuer {
  /** As the gateway's configuration names a trusted issuer. */
  trusted: TrustedIssuer;
  sign(request: DevTokenRequest): Promise<string>;
}

const PRIVATE_FILE = 'private-key.jwk.json';

async function readOrCreateKey(dir: string): Promise<JWK> {
  const path = join(dir, PRIVATE_FILE);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  jwk.alg = 'EdDSA';
  await mkdir(dir, { recursive: true });
  try {
    // `wx`: when `npm start` and `npm run token` make keys at once, the first one written wins.
    await writeFile(path, `${JSON.stringify(jwk)}\n`, { flag: 'wx', mode: 0o600 });
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(await readFile(path, 'utf8')) as JWK;
  }
}

/** Opens the development issuer kept in `dir`, making its key on first use. */
export async function openDevIssuer(dir: string): Promise<DevIssuer> {
  const privateJwk = await readOrCreateKey(dir);
  const { d: _, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, 'EdDSA');
  return {
    trusted: { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwks: { keys: [publicJwk] } },
    async sign({ role, actor, franchise, store, customerId, client, ttlSeconds = 3600 }) {
      const claims: Record<string, string> = { [CLAIMS.role]: role };
      if (franchise) claims[CLAIMS.franchise] = franchise;
      if (store) claims[CLAIMS.store] = store;
      if (customerId) claims[CLAIMS.customer] = customerId;
      if (client) claims.client_id = client;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid!, typ: 'at+jwt' })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setSubject(actor ?? `dev-${role}`)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(key);
    },
  };
}
