import { CrosswalkStore } from '../store/crosswalkStore.js';
import { QuoteConversions } from './quoteOnline.js';

// A request to finish a quote online is recorded before anything is written to the web shop
// or the tills; if the process stops between the two, the schedule takes it on from the record
// alone. The schedule's runs ask what is due by their process's clock, so a record must be due
// by that clock too, not by the database's: with the database's clock ahead (two hosts), a
// record due at the database's now() would wait for a later run.

let store: CrosswalkStore;

beforeAll(async () => {
  store = await CrosswalkStore.open({});
});

afterAll(async () => {
  await store?.close();
});

const MINUTES = 60_000;

function request(quoteNumber: string) {
  return {
    quoteNumber,
    idempotencyKey: `key-${quoteNumber}`,
    fingerprint: `fp-${quoteNumber}`,
    request: {
      accountId: 'A1',
      fulfilment: { kind: 'HOME_DELIVERY' as const, storeCode: null },
      lines: [],
      leftOut: [],
      currency: 'EUR',
      quoteTotal: 0,
      store: { code: 'NRD01', franchise: 'NRD' },
      seller: null,
    },
    customerId: 'C1',
    accountId: 'A1',
    actor: 'associate-1',
    role: 'associate',
  };
}

test('a request recorded by a process whose clock is behind the database is due for that process’s next run', async () => {
  const conversions = new QuoteConversions(store);
  const behind = new Date(Date.now() - 5 * MINUTES);
  // Recorded, then the process stops before its first attempt.
  await conversions.record(request('Q-BEHIND'), behind);
  const due = await conversions.due(behind);
  expect(due.map((row) => row.quoteNumber)).toContain('Q-BEHIND');
  expect(due.find((row) => row.quoteNumber === 'Q-BEHIND')).toMatchObject({ state: 'RECORDED', attempts: 0, idempotencyKey: 'key-Q-BEHIND' });
});

test('a failed attempt waits its delay by the same clock, then is due again', async () => {
  const conversions = new QuoteConversions(store);
  const behind = new Date(Date.now() - 5 * MINUTES);
  await conversions.record(request('Q-RETRY'), behind);
  await conversions.failed('Q-RETRY', 0, 'the web shop is unavailable', behind);
  const quoteNumbers = async (at: Date) => (await conversions.due(at)).map((row) => row.quoteNumber);
  // The first retry waits 5 s.
  expect(await quoteNumbers(new Date(behind.getTime() + 4_000))).not.toContain('Q-RETRY');
  expect(await quoteNumbers(new Date(behind.getTime() + 5_000))).toContain('Q-RETRY');
  expect(await conversions.get('Q-RETRY')).toMatchObject({ attempts: 1, lastError: 'the web shop is unavailable' });
});

test('a second record of the same quote answers the first, due when the first was', async () => {
  const conversions = new QuoteConversions(store);
  const first = new Date(Date.now() - 10 * MINUTES);
  await conversions.record(request('Q-TWICE'), first);
  const again = await conversions.record({ ...request('Q-TWICE'), idempotencyKey: 'another' }, new Date());
  expect(again.idempotencyKey).toBe('key-Q-TWICE');
  expect((await conversions.due(first)).map((row) => row.quoteNumber)).toContain('Q-TWICE');
});
