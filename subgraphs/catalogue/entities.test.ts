import { startHarness, type Harness } from './testHarness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());
beforeEach(() => h.takeCalls());

const product = (key: Record<string, unknown>) => ({ __typename: 'Product', ...key });

describe('_entities', () => {
  it('resolves Product by catalogueRef', async () => {
    const { data, errors } = await h.entities([product({ catalogueRef: '702.611.50' })], 'catalogueRef gtin webSku name listPrice { amount currency }');
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([{ catalogueRef: '702.611.50', gtin: '3570041128362', webSku: 'RUN-30418-BLU', name: 'Chaussure de running Altitude Sirocco bleu', listPrice: { amount: 8990, currency: 'EUR' } }]);
    expect(h.takeCalls().byOperation).toEqual({ 'GET /products?refs': 1 });
  });

  it('resolves Product by gtin, in its EAN-13, GTIN-14 and zero-padded forms', async () => {
    const { data } = await h.entities([product({ gtin: '3621190044376' }), product({ gtin: '03621190044376' })], 'catalogueRef gtin');
    expect(data._entities).toEqual([
      { catalogueRef: '330.118.92', gtin: '3621190044376' },
      { catalogueRef: '330.118.92', gtin: '3621190044376' },
    ]);
    expect(h.takeCalls()).toMatchObject({ byOperation: { 'GET /products?eans': 1 }, itemsByOperation: { 'GET /products?eans': 1 } });
  });

  it('resolves Product by webSku', async () => {
    const { data } = await h.entities([product({ webSku: 'JAC-20931-GRE' })], 'catalogueRef webSku status');
    expect(data._entities).toEqual([{ catalogueRef: '561.007.14', webSku: 'JAC-20931-GRE', status: 'DISCONTINUED' }]);
    expect(h.takeCalls().byOperation).toEqual({ 'GET /products?aliases': 1 });
  });

  it('resolves unknown keys of every kind to null, without an error', async () => {
    const { data, errors } = await h.entities([product({ catalogueRef: '999.999.99' }), product({ gtin: '4006381333931' }), product({ webSku: 'WEB-ONLY-1' })]);
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([null, null, null]);
  });

  it('resolves keys that cannot be keys (an invalid GTIN, a malformed ref, a null) to null without asking the PIM', async () => {
    // One invalid GTIN would make the PIM refuse the whole eans batch: it never reaches it.
    const { data, errors } = await h.entities(
      [product({ gtin: '3570041128363' }), product({ gtin: '3402188765011' }), product({ catalogueRef: 'RUN-1' }), product({ webSku: null }), product({ webSku: 'A,B' })],
      'catalogueRef',
    );
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([null, { catalogueRef: '815.240.07' }, null, null, null]);
    expect(h.takeCalls()).toMatchObject({ total: 1, itemsByOperation: { 'GET /products?eans': 1 } });
  });

  it('resolves a mixed batch in representation order, one PIM call per key kind, duplicates asked once', async () => {
    const representations = [
      product({ webSku: 'T-S-58302-WHI' }),
      product({ catalogueRef: '090.551.26' }),
      product({ gtin: '3599087145263' }),
      product({ catalogueRef: '999.999.99' }),
      product({ webSku: 'SWI-66104-BLU' }),
      product({ gtin: '3712440961281' }),
      product({ catalogueRef: '090.551.26' }),
      product({ webSku: 'NOPE' }),
    ];
    const { data, errors } = await h.entities(representations, 'catalogueRef name(locale: EN)');
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([
      { catalogueRef: '208.450.61', name: 'Azur Pro Lagon technical T-shirt, white' },
      { catalogueRef: '090.551.26', name: 'Altitude Horizon backpack' },
      { catalogueRef: '477.313.80', name: 'Vertige Comète 2-person tent, orange' },
      null,
      { catalogueRef: '923.018.45', name: 'Ondine Brise swimsuit, blue' },
      { catalogueRef: '612.774.03', name: 'Boréal Orage bike helmet' },
      { catalogueRef: '090.551.26', name: 'Altitude Horizon backpack' },
      null,
    ]);
    expect(h.takeCalls()).toMatchObject({
      total: 3,
      byOperation: { 'GET /products?refs': 1, 'GET /products?eans': 1, 'GET /products?aliases': 1 },
      itemsByOperation: { 'GET /products?refs': 2, 'GET /products?eans': 2, 'GET /products?aliases': 3 },
    });
  });

  it('answers a key asked again in a later request from the cache, without a PIM call', async () => {
    await h.entities([product({ gtin: '3318702269586' })], 'catalogueRef');
    h.takeCalls();
    const again = await h.entities([product({ gtin: '3318702269586' })], 'catalogueRef aliases { kind value franchise }');
    expect(again.data._entities[0].aliases).toContainEqual({ kind: 'POS_LOCAL_CODE', value: '9000012', franchise: 'OUE' });
    expect(h.takeCalls().total).toBe(0);
  });
});
