import type { EcomReview, EcomServiceContact, EcommerceData } from '../generator/model.js';

/**
 * Reviews and helpdesk tickets over the customers and products of `ecommerceFixture()`: every
 * status, two reviews of one product written the same day, a review of an inactive product.
 */
export function feedbackFixture(): Required<Pick<EcommerceData, 'reviews' | 'serviceContacts'>> {
  return { reviews: REVIEWS.map((r) => ({ ...r })), serviceContacts: CONTACTS.map((c) => ({ ...c })) };
}

const review = (r: Omit<EcomReview, 'title' | 'body'> & Partial<EcomReview>): EcomReview => ({ title: 'Très bien', body: 'Conforme à la description.', ...r });

const REVIEWS: EcomReview[] = [
  review({ id: 3, sku: 'WEB-RUN-4471', customer_id: 1001, order_number: 'W1000001', author_name: 'Jean D.', rating: 5, status: 'published', created_at: '2026-02-20T09:00:00.000Z', moderated_at: '2026-02-20T15:00:00.000Z' }),
  review({ id: 1, sku: 'WEB-RUN-4471', customer_id: 1007, order_number: 'W1000006', author_name: 'jean D.', rating: 2, title: 'Déçu', body: 'Taille petit.', status: 'published', created_at: '2026-01-10T08:00:00.000Z', moderated_at: '2026-01-11T08:00:00.000Z' }),
  review({ id: 2, sku: 'WEB-RUN-4471', customer_id: 1002, order_number: 'W1000003', author_name: 'Marie M.', rating: 1, title: 'Nul', status: 'rejected', created_at: '2026-01-15T08:00:00.000Z', moderated_at: '2026-01-15T10:00:00.000Z' }),
  review({ id: 4, sku: 'WEB-RUN-4471', customer_id: 1003, order_number: 'W1000004', author_name: 'Sophie L.', rating: 4, status: 'published', created_at: '2026-02-20T09:00:00.000Z', moderated_at: '2026-02-21T09:00:00.000Z' }),
  review({ id: 5, sku: 'WEB-TENT-2P', customer_id: 1001, order_number: 'W1000002', author_name: 'Jean D.', rating: 3, status: 'pending', created_at: '2026-03-01T08:00:00.000Z', moderated_at: null }),
  review({ id: 6, sku: 'RUN-KS500-OLD', customer_id: 1001, order_number: 'W0999990', author_name: 'Jean D.', rating: 4, status: 'published', created_at: '2023-10-01T08:00:00.000Z', moderated_at: '2023-10-02T08:00:00.000Z' }),
];

const CONTACTS: EcomServiceContact[] = [
  { id: 12, ticket_number: 'SAV-000012', customer_id: 1001, channel: 'email', reason: 'refund', order_number: 'W1000002', summary: 'Remboursement non reçu, virement relancé.', opened_at: '2026-03-05T10:00:00.000Z', closed_at: null, satisfaction: null },
  { id: 7, ticket_number: 'SAV-000007', customer_id: 1001, channel: 'phone', reason: 'delivery', order_number: 'W1000001', summary: 'Colis non reçu, enquête transporteur ouverte.', opened_at: '2026-02-01T10:00:00.000Z', closed_at: '2026-02-01T10:12:00.000Z', satisfaction: 4 },
  { id: 9, ticket_number: 'SAV-000009', customer_id: 1003, channel: 'chat', reason: 'account', order_number: null, summary: 'Mot de passe oublié, lien renvoyé.', opened_at: '2026-02-10T18:00:00.000Z', closed_at: '2026-02-10T18:20:00.000Z', satisfaction: null },
];
