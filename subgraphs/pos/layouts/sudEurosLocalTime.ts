import { canonicalMapper } from '../canonicalMapper.js';
import { canonicalQueries, jsonLines, phoneColumn } from '../canonicalQueries.js';
import type { PosLayout } from '../layout.js';
import { wallClockToUtc } from '../localTime.js';
import { decimal, multibuy, POS_CURRENCY } from '../mapping.js';
import type { PromotionTerms } from '../records.js';

/** The tills' wall clock: SUD keeps `timestamp without time zone` in Paris time. */
export const SUD_TIME_ZONE = 'Europe/Paris';

/** A wall-clock column as text, whatever the session's DateStyle. */
const local = (column: string): string => `to_char(${column}, 'YYYY-MM-DD HH24:MI:SS.US')`;

const vendeur = (s: string, alias: string) => `${s}.vendeurs v ON v.code_magasin = ${alias}.code_magasin AND v.code_vendeur = ${alias}.code_vendeur`;

const queries = canonicalQueries({
  sale: {
    columns: (s) => ({
      number: 't.num_ticket', store_code: 't.code_magasin', seller_code: 't.code_vendeur', seller_name: 'v.nom', placed_at: local('t.date_vente'),
      card_number: 't.carte_fidelite', phone: 't.telephone', currency: 't.devise', total: 't.montant_total::text',
      lines: jsonLines(
        { line_no: 'l.num_ligne', ean: 'l.ean', local_code: 'l.code_local', label: 'l.libelle', quantity: 'l.quantite', unit_price: 'l.prix_unitaire::text', discount: 'l.remise::text' },
        `${s}.lignes_ticket l WHERE l.num_ticket = t.num_ticket`,
        'l.num_ligne',
      ),
    }),
    from: (s) => `${s}.tickets t LEFT JOIN ${vendeur(s, 't')}`,
    number: 't.num_ticket',
    cards: ['t.carte_fidelite'],
    phones: phoneColumn('t.telephone'),
  },
  storeReturn: {
    columns: (s) => ({
      number: 'r.num_retour', store_code: 'r.code_magasin', seller_code: 'r.code_vendeur', seller_name: 'v.nom', returned_at: local('r.date_retour'),
      receipt_number: 'r.num_ticket', web_order_number: 'r.num_commande_web', card_number: 'r.carte_fidelite', refund: 'r.montant_rembourse::text',
      receipt_currency: 't.devise', receipt_card_number: 't.carte_fidelite', receipt_phone: 't.telephone',
      lines: jsonLines(
        { line_no: 'l.num_ligne', ean: 'l.ean', local_code: 'l.code_local', quantity: 'l.quantite', refund: 'l.montant_rembourse::text', restock: 'l.remise_en_stock' },
        `${s}.lignes_retour l WHERE l.num_retour = r.num_retour`,
        'l.num_ligne',
      ),
    }),
    from: (s) => `${s}.retours r LEFT JOIN ${vendeur(s, 'r')} LEFT JOIN ${s}.tickets t ON t.num_ticket = r.num_ticket`,
    number: 'r.num_retour',
    cards: ['r.carte_fidelite', 't.carte_fidelite'],
    phones: phoneColumn('t.telephone'),
  },
  quote: {
    columns: (s) => ({
      number: 'd.num_devis', store_code: 'd.code_magasin', seller_code: 'd.code_vendeur', seller_name: 'v.nom', created_at: local('d.date_creation'),
      valid_until: local('d.date_validite'), status: 'd.statut', web_order_number: 'd.num_commande_web', card_number: 'd.carte_fidelite', phone: 'd.telephone',
      lines: jsonLines(
        { line_no: 'l.num_ligne', ean: 'l.ean', local_code: 'l.code_local', quantity: 'l.quantite', unit_price: 'l.prix_unitaire::text' },
        `${s}.lignes_devis l WHERE l.num_devis = d.num_devis`,
        'l.num_ligne',
      ),
    }),
    from: (s) => `${s}.devis d LEFT JOIN ${vendeur(s, 'd')}`,
    number: 'd.num_devis',
    cards: ['d.carte_fidelite'],
    phones: phoneColumn('d.telephone'),
  },
  stock: { columns: { store_code: 'code_magasin', ean: 'ean', local_code: 'code_local', quantity: 'quantite', updated_at: local('date_maj') }, table: (s) => `${s}.stock_magasin` },
  price: {
    columns: { store_code: 'code_magasin', ean: 'ean', local_code: 'code_local', price: 'prix::text', valid_from: local('date_debut'), valid_to: local('date_fin') },
    table: (s) => `${s}.tarifs`,
  },
  promotion: {
    columns: {
      id: 'p.id_promo', store_code: 'p.code_magasin', title: 'p.libelle', kind: 'p.type_promo', value: 'p.valeur::text',
      starts_at: local('p.date_debut'), ends_at: local('p.date_fin'),
    },
    table: (s) => `${s}.promos p`,
    itemTable: (s) => `${s}.promos_articles a`,
    itemOf: 'a.id_promo = p.id_promo',
    itemEan: 'a.ean',
  },
});

/** A Paris wall-clock column as a UTC instant. */
function parisTime(value: unknown, column: string): string {
  if (typeof value !== 'string') throw new RangeError(`${column}: expected a date and time, got ${JSON.stringify(value)}`);
  return wallClockToUtc(value, SUD_TIME_ZONE);
}

function ouiNon(value: unknown, column: string): boolean {
  if (value === 'O') return true;
  if (value === 'N') return false;
  throw new RangeError(`${column}: expected 'O' or 'N', got ${JSON.stringify(value)}`);
}

/**
 * `valeur` is euros for REMISE and a plain number otherwise (percent for POURCENTAGE, items
 * for LOT, the SUD till's multibuy), both as numeric(10,2). A type the graph does not know is
 * OTHER, its value unread.
 */
export function promotionKind(type: string, valeur: unknown): PromotionTerms {
  switch (type) {
    case 'POURCENTAGE':
      return { kind: 'PERCENT_OFF', percentOff: decimal(valeur, POS_CURRENCY).amount };
    case 'REMISE':
      return { kind: 'AMOUNT_OFF', amountOff: decimal(valeur, POS_CURRENCY) };
    case 'LOT': {
      // A lot of 2.5 items is no multibuy the graph can apply: OTHER, like one of a single item.
      const hundredths = decimal(valeur, POS_CURRENCY).amount;
      return hundredths % 100 === 0 ? multibuy(hundredths / 100) : { kind: 'OTHER' };
    }
    default:
      return { kind: 'OTHER' };
  }
}

const mapper = canonicalMapper({
  money: decimal,
  instant: parisTime,
  quoteStatuses: { EN_COURS: 'OPEN', TRANSFORME_MAGASIN: 'CONVERTED_IN_STORE', TRANSFORME_WEB: 'CONVERTED_ONLINE', EXPIRE: 'EXPIRED' },
  promotion: promotionKind,
  restock: ouiNon,
});

/**
 * SUD's till: French names, `numeric(10,2)` euros, Paris wall-clock times without a zone,
 * 'O'/'N' flags and French status codes.
 */
export const sudEurosLocalTime: PosLayout = { name: 'sud_euros_local_time', queries, mapper };
