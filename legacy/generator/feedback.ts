import type {
  EcomReview,
  EcomReviewStatus,
  EcomServiceChannel,
  EcomServiceContact,
  EcomServiceReason,
  Estate,
  FranchiseCode,
  PosVisitRating,
} from './model.js';
import type { Random } from './random.js';

/**
 * What customers say, generated last from a stream of its own (`root.fork('feedback')`):
 * product reviews and helpdesk tickets on the web platform, post-visit survey answers in the
 * tills. Every draw is made here, after every other record exists, so that an estate with
 * feedback holds exactly the records one without it held.
 */

/** The share of delivered or collected order lines whose buyer writes a review. */
export const REVIEW_SHARE = 0.09;
/** The share of web accounts with at least one helpdesk ticket. */
export const SERVICE_CONTACT_SHARE = 0.15;
/** The share of receipts with a phone keyed at the till whose survey text is answered. */
export const RATING_SHARE = 0.3;

/** The scale each franchise's survey asks on: SUD's vendor asks for a 0–10 score (NPS-style). */
export const RATING_SCALE: Readonly<Record<FranchiseCode, { min: number; max: number }>> = {
  NRD: { min: 1, max: 5 },
  SUD: { min: 0, max: 10 },
  OUE: { min: 1, max: 5 },
};

const DAY = 86_400_000;

export interface Feedback {
  reviews: EcomReview[];
  serviceContacts: EcomServiceContact[];
  ratings: PosVisitRating[];
}

/** The numbers of the first review and service contact: a cohort of a large estate carries on from the one before. */
export interface FeedbackNumbering {
  firstReview?: number;
  firstServiceContact?: number;
}

export function generateFeedback(random: Random, estate: Estate, asOf: Date, { firstReview = 1, firstServiceContact = 1 }: FeedbackNumbering = {}): Feedback {
  return {
    reviews: reviews(random.fork('reviews'), estate, asOf, firstReview),
    serviceContacts: serviceContacts(random.fork('service'), estate, asOf, firstServiceContact),
    ratings: ratings(random.fork('ratings'), estate, asOf),
  };
}

// ------------------------------------------------------------------ reviews

const REVIEW_TEXT: Record<'good' | 'mixed' | 'bad', { titles: readonly string[]; bodies: readonly string[] }> = {
  good: {
    titles: ['Très satisfait', 'Parfait', 'Excellent rapport qualité-prix', 'Je recommande', 'Au top', 'Conforme à la description'],
    bodies: [
      'Produit de bonne qualité, conforme à la description.',
      'Très bon achat, je le recommande sans hésiter.',
      'Utilisé plusieurs fois déjà, rien à redire.',
      'Taille bien, confortable dès la première sortie.',
      'Livraison rapide et produit impeccable.',
      'Solide et léger, exactement ce que je cherchais.',
    ],
  },
  mixed: {
    titles: ['Correct sans plus', 'Bien mais…', 'Moyen', 'Peut mieux faire'],
    bodies: [
      'Correct pour le prix, mais les finitions laissent à désirer.',
      'Taille un peu petit, prendre une taille au-dessus.',
      'Fait le travail, sans plus.',
      'La couleur est différente de la photo.',
    ],
  },
  bad: {
    titles: ['Déçu', 'Pas conforme', 'À éviter', 'Qualité décevante'],
    bodies: [
      'Cassé au bout de deux utilisations.',
      'Ne correspond pas du tout à la description.',
      'Coutures qui lâchent dès le premier lavage.',
      'Trop petit et retour compliqué.',
    ],
  },
};

const STAR_WEIGHTS = [[5, 44], [4, 30], [3, 12], [2, 7], [1, 7]] as const;

function reviews(random: Random, estate: Estate, asOf: Date, first: number): EcomReview[] {
  const { customers, orders } = estate.ecommerce;
  const byId = new Map(customers.map((c) => [c.id, c]));
  const reviewed = new Set<string>();
  const drafts: Omit<EcomReview, 'id'>[] = [];
  // Orders in id order, lines in order: the draws do not depend on any map's iteration.
  for (const order of orders) {
    if (order.status !== 'delivered' && order.status !== 'collected') continue;
    const customer = byId.get(order.customer_id);
    if (!customer) continue;
    for (const line of order.lines) {
      if (!random.chance(REVIEW_SHARE)) continue;
      // The platform takes one review per account and product.
      const key = `${order.customer_id}|${line.sku}`;
      if (reviewed.has(key)) continue;
      // The invitation goes out a week after delivery; people answer within weeks.
      const createdAt = Date.parse(order.placed_at) + random.int(6, 40) * DAY + random.int(0, DAY - 1);
      if (createdAt >= asOf.getTime()) continue;
      reviewed.add(key);
      const rating = random.weighted(STAR_WEIGHTS);
      const text = REVIEW_TEXT[rating >= 4 ? 'good' : rating === 3 ? 'mixed' : 'bad'];
      const body = random.chance(0.4) ? `${random.pick(text.bodies)} ${random.pick(text.bodies)}` : random.pick(text.bodies);
      const decidedAt = createdAt + random.int(1, 72) * 3_600_000;
      const status: EcomReviewStatus = decidedAt >= asOf.getTime() ? 'pending' : random.weighted([['published', 88], ['rejected', 9], ['pending', 3]] as const);
      drafts.push({
        sku: line.sku,
        customer_id: order.customer_id,
        order_number: order.number,
        author_name: `${customer.first_name} ${[...customer.last_name][0] ?? ''}.`,
        rating,
        title: random.pick(text.titles),
        // Now and then typed with caps lock on, as the platform keeps it.
        body: random.chance(0.05) ? body.toUpperCase() : body,
        status,
        created_at: new Date(createdAt).toISOString(),
        moderated_at: status === 'pending' ? null : new Date(decidedAt).toISOString(),
      });
    }
  }
  drafts.sort((a, b) => compareText(a.created_at, b.created_at) || a.customer_id - b.customer_id || compareText(a.sku, b.sku));
  return drafts.map((draft, index) => ({ id: first + index, ...draft }));
}

// ------------------------------------------------------------------ helpdesk tickets

const SUMMARIES: Record<EcomServiceReason, readonly string[]> = {
  delivery: ['Colis non reçu, enquête transporteur ouverte.', 'Retard de livraison, nouvelle date communiquée.', 'Colis livré abîmé, réexpédition lancée.'],
  return: ['Demande d’étiquette de retour, envoyée par e-mail.', 'Retour en magasin d’une commande web : procédure expliquée.'],
  refund: ['Remboursement non reçu, virement relancé.', 'Remboursement partiel contesté, écart expliqué.'],
  product: ['Question sur la taille, guide des tailles envoyé.', 'Produit défectueux, échange accordé.', 'Disponibilité d’un article demandée.'],
  account: ['Mot de passe oublié, lien de réinitialisation renvoyé.', 'Changement d’adresse e-mail du compte.', 'Désinscription de la newsletter demandée.'],
  payment: ['Paiement refusé, autre carte conseillée.', 'Double débit signalé, annulation faite.'],
  other: ['Réclamation sur l’accueil en magasin transmise à la franchise.', 'Demande de facture, envoyée.'],
};

const REASON_WEIGHTS = [['delivery', 30], ['return', 18], ['refund', 12], ['product', 16], ['account', 10], ['payment', 6], ['other', 8]] as const;
const CHANNEL_WEIGHTS = [['phone', 40], ['email', 35], ['chat', 25]] as const;
/** How long a ticket stays open, in minutes, by channel: a call is closed as it ends, an e-mail waits days. */
const OPEN_FOR: Record<EcomServiceChannel, [number, number]> = { phone: [3, 40], chat: [5, 90], email: [120, 6 * 24 * 60] };

function serviceContacts(random: Random, estate: Estate, asOf: Date, first: number): EcomServiceContact[] {
  const { customers, orders } = estate.ecommerce;
  const ordersOf = new Map<number, typeof orders>();
  for (const order of orders) ordersOf.set(order.customer_id, [...(ordersOf.get(order.customer_id) ?? []), order]);
  const drafts: Omit<EcomServiceContact, 'id' | 'ticket_number'>[] = [];
  for (const customer of customers) {
    if (!random.chance(SERVICE_CONTACT_SHARE)) continue;
    const count = random.weighted([[1, 70], [2, 22], [3, 8]] as const);
    const own = ordersOf.get(customer.id) ?? [];
    for (let n = 0; n < count; n++) {
      const reason = random.weighted(REASON_WEIGHTS);
      const aboutOrder = reason !== 'account' && reason !== 'other' && own.length > 0;
      const order = aboutOrder ? random.pick(own) : null;
      const from = Date.parse(order?.placed_at ?? customer.created_at);
      const openedAt = from + random.next() * Math.max(0, Math.min(asOf.getTime(), from + 60 * DAY) - from);
      const channel = random.weighted(CHANNEL_WEIGHTS);
      const [least, most] = OPEN_FOR[channel];
      const closedAt = openedAt + random.int(least, most) * 60_000;
      const closed = closedAt < asOf.getTime();
      const answered = closed && random.chance(0.45);
      drafts.push({
        customer_id: customer.id,
        channel,
        reason,
        order_number: order?.number ?? null,
        summary: random.pick(SUMMARIES[reason]),
        opened_at: new Date(openedAt).toISOString(),
        closed_at: closed ? new Date(closedAt).toISOString() : null,
        satisfaction: answered ? random.weighted([[5, 35], [4, 25], [3, 15], [2, 10], [1, 15]] as const) : null,
      });
    }
  }
  drafts.sort((a, b) => compareText(a.opened_at, b.opened_at) || a.customer_id - b.customer_id);
  return drafts.map((draft, index) => ({ id: first + index, ticket_number: `SAV-${String(first + index).padStart(6, '0')}`, ...draft }));
}

// ------------------------------------------------------------------ post-visit ratings

const COMMENTS: Record<'good' | 'mixed' | 'bad', readonly string[]> = {
  good: ['Vendeur très aimable et de bon conseil.', 'Magasin bien rangé, rien à dire.', 'Super accueil !', 'Rapide et efficace en caisse.'],
  mixed: ['Un peu d’attente en caisse.', 'Rayon chaussures en désordre.', 'Correct.'],
  bad: ['Personne pour me conseiller.', 'Attente beaucoup trop longue.', 'Article en rupture alors qu’affiché disponible en ligne.'],
};

function ratings(random: Random, estate: Estate, asOf: Date): PosVisitRating[] {
  const found: PosVisitRating[] = [];
  for (const receipt of estate.pos.receipts) {
    // The survey is a text message: only a phone keyed at the till (on the receipt, or OUE's client) gets one.
    if (receipt.phone === null && receipt.client_id === null) continue;
    if (!random.chance(RATING_SHARE)) continue;
    const answeredAt = Date.parse(receipt.sold_at) + random.int(10, 48 * 60) * 60_000;
    if (answeredAt >= asOf.getTime()) continue;
    const stars = random.weighted(STAR_WEIGHTS);
    const mood = stars >= 4 ? 'good' : stars === 3 ? 'mixed' : 'bad';
    // SUD's 0–10 score, drawn around the same mood so that the franchises compare once normalised.
    const score = receipt.franchise === 'SUD' ? Math.min(10, Math.max(0, Math.round((stars - 1) * 2.5) + random.int(-1, 1))) : stars;
    found.push({
      franchise: receipt.franchise,
      receipt_no: receipt.receipt_no,
      store_code: receipt.store_code,
      answered_at: new Date(answeredAt).toISOString(),
      score,
      comment: random.chance(0.35) ? random.pick(COMMENTS[mood]) : null,
      client_id: receipt.franchise === 'OUE' ? receipt.client_id : null,
    });
  }
  return found;
}

/** Code-unit order, the same on every machine whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
