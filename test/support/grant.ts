import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { internalKey, PRINCIPAL_HEADER, signGrant, type Principal } from '../../subgraphs/shared/principal.js';

/** The secret the test harnesses share with the subgraphs they start, as the gateway would. */
export const TEST_INTERNAL_SECRET = 'crosscanal-test-suite-internal-secret-000';

/** Who a subgraph test acts as unless it says otherwise: the role that may read everything. */
export const TEST_ADMIN: Principal = Object.freeze({ role: 'admin', actor: 'test-admin' });

const key = internalKey(TEST_INTERNAL_SECRET);

/** The header the gateway adds to a subgraph fetch, for `principal`, signed with {@link TEST_INTERNAL_SECRET}. */
export async function grantHeaders(principal: Principal = TEST_ADMIN, secret?: string): Promise<Record<string, string>> {
  return { [PRINCIPAL_HEADER]: signGrant(secret ? internalKey(secret) : key, { principal, requestId: 'test', deadline: Date.now() + 60_000 }) };
}

/**
 * A bare `@apollo/gateway` data source that vouches for every fetch as {@link TEST_ADMIN}, for
 * tests that compose a subgraph with stubs of the others and plan through `ApolloGateway` alone.
 */
export class GrantingDataSource extends RemoteGraphQLDataSource {
  override async willSendRequest({ request }: GraphQLDataSourceProcessOptions): Promise<void> {
    for (const [name, value] of Object.entries(await grantHeaders())) request.http?.headers.set(name, value);
  }
}
