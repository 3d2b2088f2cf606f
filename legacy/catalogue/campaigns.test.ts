import type { CatalogueCampaign } from '../generator/model.js';
import type { CampaignListBody } from './campaignHandlers.js';
import { catalogueFixture } from './fixture.js';
import type { ProblemBody } from './problem.js';
import type { CampaignJson } from './representations.js';
import { startCatalogue, type RunningCatalogue } from './server.js';

let pim: RunningCatalogue;
beforeAll(async () => {
  pim = await startCatalogue({ data: catalogueFixture });
});
afterAll(() => pim.stop());

const get = (path: string) => fetch(`${pim.url}/pim/v2${path}`);
const ids = async (query: string): Promise<string[]> => {
  const res = await get(`/campaigns${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as CampaignListBody).items.map((campaign) => campaign.id);
};

test('lists every campaign by start date, unpaged', async () => {
  const expected = [...catalogueFixture.campaigns].sort((a, b) => a.starts_at.localeCompare(b.starts_at)).map((c) => c.id);
  expect(await ids('')).toEqual(expected);
});

test('activeAt takes campaigns running at that instant, end excluded', async () => {
  expect(await ids('?activeAt=2026-03-12T00:00:00Z')).toEqual(['CMP-RUN-AUTUMN', 'CMP-CAMP-CLEAR', 'CMP-SELECTION', 'CMP-WEB-JACKETS']);
  expect(await ids('?activeAt=2026-03-15T00:00:00Z')).not.toContain('CMP-CAMP-CLEAR');
  expect(await ids('?activeAt=2026-02-15')).toEqual(['CMP-RUN-AUTUMN', 'CMP-CAMP-CLEAR']);
  expect(await ids('?activeAt=2024-01-01')).toEqual([]);
});

test('channel keeps campaigns sold through that channel', async () => {
  expect(await ids('?channel=STORE')).not.toContain('CMP-WEB-JACKETS');
  expect(await ids('?channel=WEB')).not.toContain('CMP-CAMP-CLEAR');
});

test('ref finds campaigns through product_refs or a category prefix of the product', async () => {
  // 815.240.07 is in Chaussures > Running > Trail.
  expect(await ids('?ref=815.240.07')).toEqual(['CMP-SPRING-2025', 'CMP-RUN-AUTUMN']);
  expect(await ids('?ref=612.774.03')).toEqual(['CMP-SELECTION']);
  // A sibling category whose name starts the same is not inside "Vêtements > Vestes".
  expect(await ids('?ref=561.007.15')).toEqual([]);
  expect(await ids('?ref=144.902.33')).toEqual(['CMP-WEB-JACKETS']);
  // Unknown to the catalogue, but listed by a campaign.
  expect(await ids('?ref=999.999.99')).toEqual(['CMP-SELECTION']);
});

test('filters combine', async () => {
  expect(await ids('?ref=330.118.92')).toEqual(['CMP-SPRING-2025', 'CMP-SELECTION']);
  expect(await ids('?ref=330.118.92&activeAt=2026-03-20T12:00:00Z&channel=STORE')).toEqual(['CMP-SELECTION']);
  expect(await ids('?ref=330.118.92&activeAt=2026-03-20T12:00:00Z&channel=WEB&locale=en')).toEqual(['CMP-SELECTION']);
  expect(await ids('?ref=477.313.80&activeAt=2026-03-20T12:00:00Z')).toEqual([]);
  expect(await ids('?ref=702.611.50&activeAt=2025-04-01')).toEqual(['CMP-SPRING-2025']);
});

test('GET /campaigns/{id} serves one campaign in camelCase, one locale on demand', async () => {
  const campaign = catalogueFixture.campaigns.find((c) => c.id === 'CMP-SELECTION')!;
  const res = await get('/campaigns/CMP-SELECTION');
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    id: campaign.id,
    name: campaign.name,
    startsAt: campaign.starts_at,
    endsAt: campaign.ends_at,
    kind: campaign.kind,
    value: campaign.value,
    channels: campaign.channels,
    productRefs: campaign.product_refs,
    categories: campaign.categories,
  });
  const fr = (await (await get('/campaigns/CMP-SELECTION?locale=fr')).json()) as CampaignJson;
  expect(fr.name).toBe(campaign.name.fr);
});

test('an unknown campaign is a 404 problem', async () => {
  const res = await get('/campaigns/CMP-NOPE');
  expect(res.status).toBe(404);
  const problem = (await res.json()) as ProblemBody;
  expect(problem.type).toMatch(/\/problems\/campaign-not-found$/);
  expect(problem.detail).toContain('"CMP-NOPE"');
});

test.each([
  ['?activeAt=yesterday', /activeAt must be an ISO 8601/],
  ['?activeAt=2026-03-12T10:00:00', /got "2026-03-12T10:00:00"/],
  ['?channel=APP', /channel must be one of WEB, STORE, got "APP"/],
  ['?locale=de', /locale must be one of fr, en, got "de"/],
])('refuses %s with a 400 problem', async (query, detail) => {
  const res = await get(`/campaigns${query}`);
  expect(res.status).toBe(400);
  expect(((await res.json()) as ProblemBody).detail).toMatch(detail);
});

test('a FIXED_PRICE campaign is served with the price the item sells at as its value', async () => {
  const prixChoc: CatalogueCampaign = {
    id: 'CMP-PRIX-CHOC',
    name: { fr: 'Prix choc', en: 'Price hit' },
    starts_at: '2026-03-05T00:00:00.000Z',
    ends_at: '2026-03-26T00:00:00.000Z',
    kind: 'FIXED_PRICE',
    value: '79.99',
    channels: ['WEB', 'STORE'],
    product_refs: ['702.611.50', '330.118.92'],
    categories: [],
  };
  const running = await startCatalogue({ data: { ...catalogueFixture, campaigns: [...catalogueFixture.campaigns, prixChoc] } });
  try {
    const served = (await (await fetch(`${running.url}/pim/v2/campaigns/CMP-PRIX-CHOC?locale=en`)).json()) as CampaignJson;
    expect(served).toEqual({
      id: 'CMP-PRIX-CHOC',
      name: 'Price hit',
      startsAt: prixChoc.starts_at,
      endsAt: prixChoc.ends_at,
      kind: 'FIXED_PRICE',
      value: '79.99',
      channels: ['WEB', 'STORE'],
      productRefs: ['702.611.50', '330.118.92'],
      categories: [],
    });
    const list = (await (await fetch(`${running.url}/pim/v2/campaigns?ref=330.118.92&activeAt=2026-03-12T00:00:00Z`)).json()) as CampaignListBody;
    expect(list.items.map((c) => [c.id, c.kind])).toEqual([
      ['CMP-SELECTION', 'PERCENT'],
      ['CMP-PRIX-CHOC', 'FIXED_PRICE'],
    ]);
  } finally {
    await running.stop();
  }
});
