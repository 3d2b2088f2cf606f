import { ecommerceFixture } from '../../legacy/ecommerce/fixture.js';
import { feedbackFixture } from '../../legacy/ecommerce/feedbackFixture.js';
import { errorCodes, startStack, type TestStack } from './testStack.js';
import { reviewerName, reviewSummary, type WebReview } from './mappers.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ data: { ...ecommerceFixture(), ...feedbackFixture() } });
});
afterAll(() => stack.stop());
beforeEach(() => stack.resetCalls());

const entities = (representations: unknown[], selection: string) =>
  stack.query(`query ($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`, { r: representations });

describe('Product.reviews and Product.reviewSummary', () => {
  test('published reviews only, newest first, the reviewer by first name and initial; the summary over the same', async () => {
    const answer = await entities(
      [{ __typename: 'Product', webSku: 'WEB-RUN-4471' }, { __typename: 'Product', webSku: 'WEB-TENT-2P' }, { __typename: 'Product', webSku: 'NOT-SOLD' }],
      '... on Product { webSku reviews(first: 2) { id rating title reviewer createdAt } reviewSummary { count average distribution } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities).toEqual([
      {
        webSku: 'WEB-RUN-4471',
        reviews: [
          { id: '4', rating: 4, title: 'Très bien', reviewer: 'Sophie L.', createdAt: '2026-02-20T09:00:00.000Z' },
          { id: '3', rating: 5, title: 'Très bien', reviewer: 'Jean D.', createdAt: '2026-02-20T09:00:00.000Z' },
        ],
        // 5, 4 and 2 stars published; the rejected 1 star is not counted.
        reviewSummary: { count: 3, average: 3.67, distribution: [0, 1, 0, 1, 1] },
      },
      // Its only review is pending.
      { webSku: 'WEB-TENT-2P', reviews: [], reviewSummary: { count: 0, average: null, distribution: [0, 0, 0, 0, 0] } },
      { webSku: 'NOT-SOLD', reviews: [], reviewSummary: null },
    ]);
    // One batched review call for every product.
    expect((await stack.calls())['GET /reviews']).toBe(1);
  });

  test('first is bounded', async () => {
    const answer = await entities([{ __typename: 'Product', webSku: 'WEB-RUN-4471' }], '... on Product { reviews(first: 51) { id } }');
    expect(errorCodes(answer)).toEqual([{ path: '_entities.0.reviews', code: 'BAD_USER_INPUT' }]);
  });
});

describe('WebAccount.reviews and WebAccount.serviceContacts', () => {
  test('every review of the account, whatever its status, newest first, with its product', async () => {
    const answer = await stack.query('{ webAccount(id: "1001") { reviews { id status rating orderNumber product { webSku } } serviceContacts { ticketNumber channel reason orderNumber openedAt closedAt satisfaction } } }', undefined, { role: 'service', actor: 'agent-7' });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.webAccount.reviews).toEqual([
      { id: '5', status: 'PENDING', rating: 3, orderNumber: 'W1000002', product: { webSku: 'WEB-TENT-2P' } },
      { id: '3', status: 'PUBLISHED', rating: 5, orderNumber: 'W1000001', product: { webSku: 'WEB-RUN-4471' } },
      { id: '6', status: 'PUBLISHED', rating: 4, orderNumber: 'W0999990', product: { webSku: 'RUN-KS500-OLD' } },
    ]);
    expect(answer.data.webAccount.serviceContacts).toEqual([
      { ticketNumber: 'SAV-000012', channel: 'EMAIL', reason: 'REFUND', orderNumber: 'W1000002', openedAt: '2026-03-05T10:00:00.000Z', closedAt: null, satisfaction: null },
      { ticketNumber: 'SAV-000007', channel: 'PHONE', reason: 'DELIVERY', orderNumber: 'W1000001', openedAt: '2026-02-01T10:00:00.000Z', closedAt: '2026-02-01T10:12:00.000Z', satisfaction: 4 },
    ]);
  });
});

describe('mappers', () => {
  test('the reviewer is never more than a first name and an initial', () => {
    expect(reviewerName('Jean D.')).toBe('Jean D.');
    expect(reviewerName('  jean   dupont ')).toBe('jean D.');
    expect(reviewerName('Élodie')).toBe('Élodie');
    expect(reviewerName('Anne-Marie Le Gall')).toBe('Anne-Marie L.');
  });

  test('the summary averages published reviews only, null without any', () => {
    const review = (rating: number, status: WebReview['status']) => ({ rating, status }) as WebReview;
    expect(reviewSummary([review(5, 'PUBLISHED'), review(4, 'PUBLISHED'), review(1, 'REJECTED'), review(2, 'PENDING')])).toEqual({ count: 2, average: 4.5, distribution: [0, 0, 0, 1, 1] });
    expect(reviewSummary([review(1, 'REJECTED')])).toEqual({ count: 0, average: null, distribution: [0, 0, 0, 0, 0] });
  });
});
