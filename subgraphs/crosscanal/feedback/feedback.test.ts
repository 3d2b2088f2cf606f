import DataLoader from 'dataloader';
import type { ServiceContact, WebReview } from '../../ecommerce/mappers.js';
import type { RatingRecord } from '../../pos/ratings.js';
import type { StoreSaleRecord } from '../../pos/records.js';
import type { Context } from '../context.js';
import type { RecordKey } from '../matching/records.js';
import { customerFeedback, feedbackOf } from './resolvers.js';
import { contactItem, feedbackPage, mergeFeedback, ratingItem, reviewItem } from './timeline.js';

const review = (id: string, createdAt: string, over: Partial<WebReview> = {}): WebReview => ({
  id, sku: 'WEB-RUN-4471', accountId: '1001', orderNumber: 'W1000001', reviewer: 'Jean D.', rating: 4, title: 'Très bien', body: 'Conforme.', status: 'PUBLISHED', createdAt, ...over,
});
const contact = (ticketNumber: string, openedAt: string, satisfaction: number | null): ServiceContact => ({
  id: ticketNumber.slice(4), ticketNumber, accountId: '1001', channel: 'PHONE', reason: 'DELIVERY', orderNumber: null, summary: 'Colis non reçu.', openedAt, closedAt: null, satisfaction,
});
const rating = (receiptNumber: string, ratedAt: string, score: number, scale: RatingRecord['scale']): RatingRecord => ({
  franchise: receiptNumber.slice(0, 3), receiptNumber, storeCode: receiptNumber.slice(0, 5), ratedAt, rating: score, scale,
  normalised: scale === 'ZERO_TO_TEN' ? 1 + (score * 4) / 10 : score, comment: score > 5 ? 'Super accueil !' : null,
});
const sale = (number: string, card: string | null): StoreSaleRecord => ({ number, franchise: number.slice(0, 3), storeCode: number.slice(0, 5), placedAt: '2026-03-01T10:00:00.000Z', holder: { cardNumber: card, phone: null, clientId: null } }) as unknown as StoreSaleRecord;

describe('the timeline', () => {
  test('items keep their kind, system, instant, rating normalised to 5 and text', () => {
    expect(reviewItem(review('3', '2026-02-20T09:00:00.000Z'))).toEqual({
      kind: 'PRODUCT_REVIEW', system: 'ECOMMERCE', at: '2026-02-20T09:00:00.000Z', rating: 4, text: 'Très bien — Conforme.', reference: 'WEB-RUN-4471', storeCode: null, status: 'PUBLISHED',
    });
    expect(ratingItem(rating('SUD02-0000450', '2026-07-03T18:05:00.000Z', 9, 'ZERO_TO_TEN'))).toMatchObject({ kind: 'STORE_RATING', system: 'POS', rating: 4.6, storeCode: 'SUD02', text: 'Super accueil !' });
    expect(contactItem(contact('SAV-000007', '2026-02-01T10:00:00.000Z', null))).toMatchObject({ kind: 'SERVICE_CONTACT', rating: null, reference: 'SAV-000007', text: 'Colis non reçu.' });
  });

  test('merges newest first, the same instant by kind then reference, each item once', () => {
    const merged = mergeFeedback([
      [reviewItem(review('1', '2026-01-01T00:00:00.000Z')), reviewItem(review('2', '2026-03-01T00:00:00.000Z', { sku: 'B' }))],
      [ratingItem(rating('NRD01-1', '2026-03-01T00:00:00.000Z', 3, 'ONE_TO_FIVE'))],
      [contactItem(contact('SAV-000001', '2026-02-01T00:00:00.000Z', 5)), contactItem(contact('SAV-000001', '2026-02-01T00:00:00.000Z', 5))],
    ]);
    expect(merged.map((item) => [item.at.slice(0, 10), item.kind, item.reference])).toEqual([
      ['2026-03-01', 'PRODUCT_REVIEW', 'B'],
      ['2026-03-01', 'STORE_RATING', 'NRD01-1'],
      ['2026-02-01', 'SERVICE_CONTACT', 'SAV-000001'],
      ['2026-01-01', 'PRODUCT_REVIEW', 'WEB-RUN-4471'],
    ]);
  });

  test('a page keeps the kinds asked for, the first ones, and drops the words for a reader without them', () => {
    const items = mergeFeedback([[reviewItem(review('1', '2026-01-01T00:00:00.000Z'))], [contactItem(contact('SAV-000001', '2026-02-01T00:00:00.000Z', 2))]]);
    expect(feedbackPage(items, { kinds: ['PRODUCT_REVIEW'] }, { withText: true }).map((i) => i.kind)).toEqual(['PRODUCT_REVIEW']);
    expect(feedbackPage(items, { first: 1 }, { withText: true }).map((i) => i.kind)).toEqual(['SERVICE_CONTACT']);
    expect(feedbackPage(items, {}, { withText: false }).map((i) => [i.text, i.rating])).toEqual([[null, 2], [null, 4]]);
  });
});

/** A request context whose estate loaders answer from maps, counting the keys each was asked for. */
function contextOver({ reviews = {}, contacts = {}, sales = {}, ratings = {}, failing = [] as string[], role = 'service' }: {
  reviews?: Record<string, WebReview[]>;
  contacts?: Record<string, ServiceContact[]>;
  sales?: Record<string, StoreSaleRecord[]>;
  ratings?: Record<string, RatingRecord>;
  failing?: string[];
  role?: string;
}) {
  const asked: Record<string, string[]> = {};
  const loader = <V>(name: string, answer: (key: string) => V) =>
    new DataLoader<string, V>(async (keys) => {
      asked[name] = [...(asked[name] ?? []), ...keys];
      if (failing.includes(name)) throw new Error(`${name} down`);
      return keys.map(answer);
    });
  const estate = {
    ecommerce: {
      reviewsByAccount: loader('reviewsByAccount', (id) => reviews[id] ?? []),
      serviceContacts: loader('serviceContacts', (id) => contacts[id] ?? []),
      ordersByAccount: loader('ordersByAccount', () => []),
    },
    pos: {
      salesFor: loader('salesFor', (key) => sales[key] ?? []),
      returnsFor: loader('returnsFor', () => []),
      returnsOfWebOrder: loader('returnsOfWebOrder', () => []),
      returnsOfReceipt: loader('returnsOfReceipt', () => []),
      ratingOfReceipt: loader('ratingOfReceipt', (n) => ratings[n] ?? null),
    },
  };
  const links: Record<string, string[]> = { C1: ['ECOMMERCE||1001', 'POS||card:2900001234567'] };
  const context = {
    principal: { role, actor: 'x' },
    estate: () => estate,
    loaders: { links: { load: async (id: string) => (links[id] ?? []).map((record) => ({ record })) } },
  } as unknown as Context;
  return { context, asked };
}

const KEYS: RecordKey[] = [
  { system: 'ECOMMERCE', localId: '1001', franchise: null },
  { system: 'ECOMMERCE', localId: '1007', franchise: null },
  { system: 'POS', localId: 'card:2900001234567', franchise: null },
];

describe('feedbackOf, through the estate loaders', () => {
  test('reviews and tickets of every web account, ratings of the receipts the order views find; one batch each', async () => {
    const { context, asked } = contextOver({
      reviews: { '1001': [review('3', '2026-02-20T09:00:00.000Z')], '1007': [review('1', '2026-01-10T08:00:00.000Z', { status: 'REJECTED', rating: 2 })] },
      contacts: { '1001': [contact('SAV-000007', '2026-02-01T10:00:00.000Z', 4)] },
      sales: { 'card:2900001234567': [sale('NRD02-0000815', '2900001234567'), sale('NRD01-0004711', '2900001234567')] },
      ratings: { 'NRD02-0000815': rating('NRD02-0000815', '2026-04-02T18:00:00.000Z', 4, 'ONE_TO_FIVE') },
    });
    const { items, unavailable } = await feedbackOf(KEYS, context);
    expect(unavailable).toEqual([]);
    expect(items.map((item) => [item.kind, item.reference, item.rating])).toEqual([
      ['STORE_RATING', 'NRD02-0000815', 4],
      ['PRODUCT_REVIEW', 'WEB-RUN-4471', 4],
      ['SERVICE_CONTACT', 'SAV-000007', 4],
      ['PRODUCT_REVIEW', 'WEB-RUN-4471', 2],
    ]);
    expect(asked.reviewsByAccount).toEqual(['1001', '1007']);
    expect(asked.ratingOfReceipt).toEqual(['NRD02-0000815', 'NRD01-0004711']);
  });

  test('a system that fails is named, the others still answer', async () => {
    const { context } = contextOver({
      reviews: { '1001': [review('3', '2026-02-20T09:00:00.000Z')] },
      sales: { 'card:2900001234567': [sale('NRD02-0000815', '2900001234567')] },
      failing: ['ratingOfReceipt'],
    });
    const { items, unavailable } = await feedbackOf(KEYS, context);
    expect(unavailable).toEqual(['POS']);
    expect(items.map((item) => item.kind)).toEqual(['PRODUCT_REVIEW']);

    const shopDown = contextOver({ failing: ['serviceContacts'], ratings: {}, sales: {} });
    expect((await feedbackOf(KEYS, shopDown.context)).unavailable).toEqual(['ECOMMERCE']);
  });
});

describe('customerFeedback', () => {
  test('reads the golden customer’s linked records; marketing gets no words; first is bounded', async () => {
    const setup = {
      reviews: { '1001': [review('3', '2026-02-20T09:00:00.000Z')] },
      contacts: { '1001': [contact('SAV-000007', '2026-02-01T10:00:00.000Z', null)] },
    };
    const service = await customerFeedback({ id: 'C1' }, { first: 5 }, contextOver(setup).context);
    expect(service.items.map((i) => i.text)).toEqual(['Très bien — Conforme.', 'Colis non reçu.']);
    const marketing = await customerFeedback({ id: 'C1' }, {}, contextOver({ ...setup, role: 'marketing' }).context);
    expect(marketing.items.map((i) => [i.kind, i.text])).toEqual([['PRODUCT_REVIEW', null], ['SERVICE_CONTACT', null]]);
    await expect(customerFeedback({ id: 'C1' }, { first: 101 }, contextOver(setup).context)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});
