import { composeServices } from '@apollo/composition';
import { catalogueStub, crosscanalStub, ecommerceStub, loyaltyStub } from './federationStubs.js';
import { subgraph } from './server.js';

describe('composition', () => {
  test('the POS SDL composes with the owners of Customer, Product, LoyaltyCard and the other Order', () => {
    const result = composeServices([
      { name: 'pos', typeDefs: subgraph.typeDefs, url: 'http://pos.invalid/graphql' },
      { name: 'crosscanal', typeDefs: crosscanalStub, url: 'http://crosscanal.invalid/graphql' },
      { name: 'catalogue', typeDefs: catalogueStub, url: 'http://catalogue.invalid/graphql' },
      { name: 'loyalty', typeDefs: loyaltyStub, url: 'http://loyalty.invalid/graphql' },
      { name: 'ecommerce', typeDefs: ecommerceStub, url: 'http://ecommerce.invalid/graphql' },
    ]);
    expect(result.errors?.map((e) => e.message)).toBeUndefined();
    const supergraph = result.supergraphSdl!;
    expect(supergraph).toMatch(/type StoreSale implements Order[^{]*@join__type\(graph: POS, key: "id"\)/);
    expect(supergraph).toMatch(/storeSales\(first: Int = 20\): \[StoreSale!\] @join__field\(graph: POS, requires: "identities \{ system localId franchise \}"\)/);
    expect(supergraph).toMatch(/storeStock\(storeCodes: \[ID!\]\): \[StoreStock!\] @join__field\(graph: POS\)/);
    expect(supergraph).toMatch(
      /availability\(near: GeoInput, first: Int = 10\): ProductAvailability @join__field\(graph: POS, requires: "aliases \{ kind value franchise \} webAvailable"\)/,
    );
    // The store list alone needs the catalogue's aliases, not the web shop's answer.
    expect(supergraph).toMatch(/storeAvailability\(near: GeoInput, first: Int = 10\): \[StoreAvailability!\] @join__field\(graph: POS, requires: "aliases \{ kind value franchise \}"\)/);
    // The key the planner re-enters the POS with for `availability` is the GTIN, listed first.
    expect(supergraph).toMatch(/type Product\n(.*\n)*?  @join__type\(graph: POS, key: "gtin"\)\n  @join__type\(graph: POS, key: "tillRef", resolvable: false\)/);
  });
});
