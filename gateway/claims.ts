import { isRole, type Principal } from '../subgraphs/shared/principal.js';

/**
 * The claims a bearer token carries for the graph, beside the registered ones (`iss`, `aud`,
 * `exp`, `sub`, RFC 9068's `client_id`). An identity provider adds them to the access tokens
 * it issues for Crosscanal; docs/access.md says what each role needs.
 */
export const CLAIMS = {
  role: 'crosscanal_role',
  franchise: 'crosscanal_franchise',
  store: 'crosscanal_store',
  customer: 'crosscanal_customer',
} as const;

const CODE = /^[A-Za-z0-9_-]{1,32}$/;

/** Why a token's claims do not make a principal. */
export class ClaimsRefused extends Error {
  override name = 'ClaimsRefused';
}

function text(payload: Record<string, unknown>, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The principal a verified token's payload names; throws {@link ClaimsRefused} when it names none properly. */
export function principalFromClaims(payload: Record<string, unknown>): Principal {
  const role = text(payload, CLAIMS.role);
  if (!isRole(role)) throw new ClaimsRefused(`the token's ${CLAIMS.role} must be one of customer, associate, service, partner, marketing, steward, admin; got ${JSON.stringify(payload[CLAIMS.role] ?? null)}`);
  const actor = text(payload, 'sub');
  if (!actor || actor.length > 200) throw new ClaimsRefused('the token must name its subject (sub, 1 to 200 characters)');
  const principal: Principal = { role, actor };
  const client = text(payload, 'client_id') ?? text(payload, 'azp');
  if (client) principal.client = client;
  const franchise = text(payload, CLAIMS.franchise);
  const store = text(payload, CLAIMS.store);
  const customer = text(payload, CLAIMS.customer);
  if (franchise !== undefined && !CODE.test(franchise)) throw new ClaimsRefused(`${CLAIMS.franchise} must be a franchise code, got ${JSON.stringify(franchise)}`);
  if (store !== undefined && !CODE.test(store)) throw new ClaimsRefused(`${CLAIMS.store} must be a store code, got ${JSON.stringify(store)}`);
  switch (role) {
    case 'partner':
      if (!franchise) throw new ClaimsRefused(`a partner token must name its franchise (${CLAIMS.franchise})`);
      principal.franchise = franchise.toUpperCase();
      break;
    case 'associate':
      if (!store) throw new ClaimsRefused(`an associate token must name the associate's store (${CLAIMS.store})`);
      principal.store = store.toUpperCase();
      if (franchise) principal.franchise = franchise.toUpperCase();
      break;
    case 'customer':
      if (!customer || !/^[A-Za-z0-9_-]{1,64}$/.test(customer)) throw new ClaimsRefused(`a customer token must name the customer's golden id (${CLAIMS.customer})`);
      principal.customerId = customer;
      break;
    default:
      break;
  }
  return principal;
}
