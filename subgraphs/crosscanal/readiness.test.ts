import { crosswalkReadiness } from './readiness.js';
import { referenceStoreOf } from './products/referenceIndex.js';
import { CrosswalkStore } from './store/crosswalkStore.js';

// The crosswalk is ready while its store answers; its syncs are reported, never decisive.
let store: CrosswalkStore;

beforeAll(async () => {
  store = await CrosswalkStore.open({});
}, 60_000);

afterAll(async () => {
  await store.close().catch(() => undefined);
});

const NOW = Date.parse('2026-03-02T10:00:00Z');

test('ready with an empty store: no sync has run yet', async () => {
  const report = await crosswalkReadiness(store, { now: () => NOW })();
  expect(report).toEqual({
    ready: true,
    checks: {
      store: { status: 'up', ms: expect.any(Number) },
      identitySync: { finishedAt: null, ageSeconds: null, status: null, running: false },
      productSync: { finishedAt: null, ageSeconds: null, status: null, failedSources: [] },
    },
  });
});

test('the last finished identity run, a run going on, and the product sync by its systems', async () => {
  const first = await store.startRun('full', '2026-03-02T09:00:00Z');
  await store.finishRun(first, 'succeeded', {}, '2026-03-02T09:01:00Z');
  await store.startRun('incremental', '2026-03-02T09:59:00Z');
  const index = referenceStoreOf(store);
  await index.recordSourceRun('catalogue', { watermark: 'w1', full: true, at: '2026-03-02T09:30:00Z' });
  await index.recordSourceRun('ecommerce', { error: 'HTTP 503', full: false, at: '2026-03-02T09:40:00Z' });
  const { checks } = await crosswalkReadiness(store, { now: () => NOW })();
  expect(checks.identitySync).toEqual({ finishedAt: '2026-03-02T09:01:00.000Z', ageSeconds: 3540, status: 'succeeded', running: true });
  expect(checks.productSync).toEqual({ finishedAt: '2026-03-02T09:40:00.000Z', ageSeconds: 1200, status: 'partial', failedSources: ['ecommerce'] });
});

test('not ready once the store does not answer', async () => {
  await store.close();
  const report = await crosswalkReadiness(store, { timeoutMs: 200 })();
  expect(report.ready).toBe(false);
  expect(report.checks).toEqual({ store: { status: 'down', reason: expect.any(String) } });
});
