import { catalogueFixture } from './fixture.js';
import { PROBLEM_BASE, type ProblemBody } from './problem.js';
import { startCatalogue, type RunningCatalogue } from './server.js';

let pim: RunningCatalogue;
beforeAll(async () => {
  pim = await startCatalogue({ data: catalogueFixture });
});
afterAll(() => pim.stop());

const manyRefs = Array.from({ length: 300 }, (_, i) => `123.456.${String(i % 100).padStart(2, '0')}`).join(',');

describe.each<[string, string, number, string, RegExp]>([
  ['GET', '/pim/v2/products/702611.50', 404, 'product-not-found', /try "702.611.50"/],
  ['GET', '/pim/v2/products/RUN-30418-BLU', 404, 'product-not-found', /\?alias=/],
  ['GET', '/pim/v2/campaigns/CMP-X', 404, 'campaign-not-found', /"CMP-X"/],
  ['GET', '/pim/v1/products/702.611.50', 404, 'not-found', /no resource at \/pim\/v1\/products\/702.611.50/],
  ['GET', '/pim/v2/products/702.611.50/aliases', 404, 'not-found', /no resource/],
  ['GET', '/pim/v2/products?page=2', 400, 'unknown-parameter', /"page".*not page numbers/],
  ['GET', '/pim/v2/products/702.611.50?fields=name', 400, 'unknown-parameter', /takes only locale/],
  ['GET', '/pim/v2/products?refs=702.611.50&limit=10', 400, 'unknown-parameter', /"limit"/],
  ['GET', '/pim/v2/products?refs=702.611.50&eans=3570041128362', 400, 'invalid-parameter', /got refs and eans/],
  ['GET', '/pim/v2/products?limit=0', 400, 'invalid-parameter', /limit must be an integer from 1 to 500, got "0"/],
  ['GET', '/pim/v2/products?limit=501', 400, 'invalid-parameter', /got "501"/],
  ['GET', '/pim/v2/products?limit=ten', 400, 'invalid-parameter', /got "ten"/],
  ['GET', '/pim/v2/products?limit=5&limit=6', 400, 'invalid-parameter', /more than once/],
  ['GET', '/pim/v2/products?updatedSince=2026-13-01', 400, 'invalid-parameter', /updatedSince must be an ISO 8601/],
  ['GET', '/pim/v2/products?updatedSince=2026-03-01T10:00:00+01:00', 400, 'invalid-parameter', /%2B/],
  ['GET', '/pim/v2/products?category=Chaussures%20%3E', 400, 'invalid-parameter', /category must be a path/],
  ['GET', '/pim/v2/products?locale=de', 400, 'invalid-parameter', /got "de"/],
  ['GET', '/pim/v2/products?refs=702.611.50,,330.118.92', 400, 'invalid-parameter', /empty value at position 2/],
  ['GET', '/pim/v2/products?alias=', 400, 'invalid-parameter', /must not be empty/],
  ['GET', '/pim/v2/products?alias=L0001&aliasType=EAN', 400, 'invalid-parameter', /aliasType must be one of WEB_SKU, SUPPLIER_REF, POS_CODE, OLD_REF/],
  ['GET', `/pim/v2/products?refs=${manyRefs}`, 400, 'batch-too-large', /at most 250 values per call, got 300/],
  ['GET', '/pim/v2/products?eans=3570041128362,3570041128363', 400, 'invalid-gtin', /"3570041128363" is not a valid GTIN: its check digit should be 2/],
  ['GET', '/pim/v2/products?eans=ABC', 400, 'invalid-gtin', /"ABC".*8, 12, 13 or 14 digits/],
  ['GET', '/pim/v2/products?cursor=eyJ1IjowfQ.AAAA', 400, 'invalid-cursor', /was not issued by this PIM or was altered/],
  ['POST', '/pim/v2/products', 405, 'method-not-allowed', /POST is not allowed on \/pim\/v2\/products: this API is read-only/],
  ['DELETE', '/pim/v2/products/702.611.50', 405, 'method-not-allowed', /\/pim\/v2\/products\/\{ref\}/],
  ['PUT', '/pim/v2/campaigns/CMP-SELECTION', 405, 'method-not-allowed', /PUT is not allowed/],
])('%s %s', (method, path, status, kind, detail) => {
  test(`is a ${status} ${kind} problem+json`, async () => {
    const res = await fetch(`${pim.url}${path}`, { method });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    if (status === 405) expect(res.headers.get('allow')).toBe('GET');
    const body = (await res.json()) as ProblemBody;
    expect(Object.keys(body).sort()).toEqual(['detail', 'instance', 'status', 'title', 'type']);
    expect(body).toMatchObject({ type: PROBLEM_BASE + kind, status, instance: path });
    expect(body.title).not.toBe('');
    expect(body.detail).toMatch(detail);
  });
});

test('every kind of problem keeps one title, whatever the occurrence', async () => {
  const titles = await Promise.all(
    ['/pim/v2/products/1', '/pim/v2/products/2'].map(async (path) => ((await (await fetch(`${pim.url}${path}`)).json()) as ProblemBody).title),
  );
  expect(titles[0]).toBe(titles[1]);
});
