import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEcommerce, readEstate, readPos, writeEstate } from './files.js';
import { RATING_SCALE } from './feedback.js';
import { generateEstate, type Generated } from './generate.js';
import type { Estate } from './model.js';

/** The estate as the generator made it before feedback existed: the feedback tables taken out. */
function withoutFeedback({ estate, truth, stats }: Generated): unknown {
  const { reviews: _reviews, serviceContacts: _contacts, ...ecommerce } = estate.ecommerce;
  const { ratings: _ratings, ...pos } = estate.pos;
  return { estate: { ...estate, ecommerce, pos } satisfies Estate, truth, stats };
}

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

let demo: Generated;
beforeAll(() => {
  demo = generateEstate({ scale: 'demo', seed: 'feedback' });
});

test('changes no record the generator made before it (digests taken before feedback was added)', () => {
  expect(digest(withoutFeedback(generateEstate({ scale: 'tiny', seed: 7 })))).toBe('818d4a80af6d101316981fdbf1b489986002fc06bd9ab458d396b1bbab709c14');
  expect(digest(withoutFeedback(generateEstate({ scale: 'tiny', seed: 'crosscanal' })))).toBe('2b220ffbe989d0894192519bed54a1fa4df6de7e2b616be7d357cc9657530e5d');
});

test('is deterministic: the same seed gives the same feedback, another seed other feedback', () => {
  const a = generateEstate({ scale: 'tiny', seed: 7 });
  const b = generateEstate({ scale: 'tiny', seed: 7 });
  const c = generateEstate({ scale: 'tiny', seed: 8 });
  expect(b.estate.ecommerce.reviews).toEqual(a.estate.ecommerce.reviews);
  expect(b.estate.ecommerce.serviceContacts).toEqual(a.estate.ecommerce.serviceContacts);
  expect(b.estate.pos.ratings).toEqual(a.estate.pos.ratings);
  expect(c.estate.ecommerce.reviews).not.toEqual(a.estate.ecommerce.reviews);
});

test('reviews: by buyers of delivered orders, after the order, one per account and product', () => {
  const { customers, orders, reviews = [] } = demo.estate.ecommerce;
  expect(reviews.length).toBeGreaterThan(200);
  const orderOf = new Map(orders.map((o) => [o.number, o]));
  const customerOf = new Map(customers.map((c) => [c.id, c]));
  for (const review of reviews) {
    const order = orderOf.get(review.order_number)!;
    expect(order.customer_id).toBe(review.customer_id);
    expect(['delivered', 'collected']).toContain(order.status);
    expect(order.lines.map((l) => l.sku)).toContain(review.sku);
    expect(review.created_at > order.placed_at).toBe(true);
    expect(review.created_at < demo.asOf).toBe(true);
    expect(Number.isInteger(review.rating) && review.rating >= 1 && review.rating <= 5).toBe(true);
    const customer = customerOf.get(review.customer_id)!;
    expect(review.author_name).toBe(`${customer.first_name} ${customer.last_name[0]}.`);
    expect(review.moderated_at === null).toBe(review.status === 'pending');
  }
  expect(new Set(reviews.map((r) => `${r.customer_id}|${r.sku}`)).size).toBe(reviews.length);
  expect(reviews.map((r) => r.id)).toEqual(reviews.map((_, i) => i + 1));
  const statuses = new Set(reviews.map((r) => r.status));
  expect([...statuses].sort()).toEqual(['pending', 'published', 'rejected']);
  expect(new Set(reviews.map((r) => r.rating)).size).toBe(5);
  // French text, accents included.
  expect(reviews.some((r) => /[éèàç]/.test(r.body))).toBe(true);
});

test('service contacts: a share of web accounts, each ticket opened before it closed', () => {
  const { customers, serviceContacts = [] } = demo.estate.ecommerce;
  const withTickets = new Set(serviceContacts.map((t) => t.customer_id));
  expect(withTickets.size / customers.length).toBeGreaterThan(0.1);
  expect(withTickets.size / customers.length).toBeLessThan(0.2);
  for (const ticket of serviceContacts) {
    expect(ticket.ticket_number).toBe(`SAV-${String(ticket.id).padStart(6, '0')}`);
    if (ticket.closed_at !== null) expect(ticket.closed_at > ticket.opened_at).toBe(true);
    else expect(ticket.satisfaction).toBeNull();
    expect(ticket.opened_at < demo.asOf).toBe(true);
  }
  expect(new Set(serviceContacts.map((t) => t.channel)).size).toBe(3);
  expect(serviceContacts.some((t) => t.satisfaction !== null)).toBe(true);
});

test('ratings: answers to the texted survey, on each franchise’s scale, after the visit', () => {
  const { receipts, ratings = [] } = demo.estate.pos;
  const receiptOf = new Map(receipts.map((r) => [r.receipt_no, r]));
  expect(ratings.length).toBeGreaterThan(200);
  for (const rating of ratings) {
    const receipt = receiptOf.get(rating.receipt_no)!;
    expect(rating.franchise).toBe(receipt.franchise);
    expect(rating.store_code).toBe(receipt.store_code);
    expect(rating.answered_at > receipt.sold_at).toBe(true);
    expect(receipt.phone !== null || receipt.client_id !== null).toBe(true);
    const { min, max } = RATING_SCALE[rating.franchise];
    expect(Number.isInteger(rating.score) && rating.score >= min && rating.score <= max).toBe(true);
    expect(rating.client_id).toBe(rating.franchise === 'OUE' ? receipt.client_id : null);
  }
  expect(new Set(ratings.map((r) => r.receipt_no)).size).toBe(ratings.length);
  expect(ratings.some((r) => r.franchise === 'SUD' && r.score > 5)).toBe(true);
  expect(new Set(ratings.map((r) => r.franchise)).size).toBe(3);
});

describe('on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosscanal-feedback-estate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('is written with the estate, and a folder written before it reads with none', async () => {
    const tiny = generateEstate({ scale: 'tiny', seed: 'feedback-files' });
    const out = join(dir, 'tiny');
    const manifest = await writeEstate(out, tiny);
    expect(manifest.counts.ecommerce!.reviews).toBe(tiny.estate.ecommerce.reviews!.length);
    expect(manifest.counts.pos!.ratings).toBe(tiny.estate.pos.ratings!.length);
    expect((await readFile(join(out, 'pos', 'ratings.jsonl'), 'utf8')).split('\n').length - 1).toBe(tiny.estate.pos.ratings!.length);
    expect(await readEstate(out)).toEqual(tiny.estate);

    for (const file of ['ecommerce/reviews.jsonl', 'ecommerce/serviceContacts.jsonl', 'pos/ratings.jsonl']) await rm(join(out, file));
    expect(await readEcommerce(out)).toEqual({ ...tiny.estate.ecommerce, reviews: [], serviceContacts: [] });
    expect(await readPos(out)).toEqual({ ...tiny.estate.pos, ratings: [] });
  });
});
