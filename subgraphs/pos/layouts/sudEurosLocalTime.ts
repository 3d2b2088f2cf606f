import { selectWhereAny, type LayoutMapper, type LayoutQueries, type PosLayout, type Row } from '../layout.js';
import { wallClockToUtc } from '../localTime.js';
import {
  cards,
  decimal,
  gtin14Of,
  integer,
  itemCode,
  jsonRows,
  optionalText,
  orderLine,
  phoneOf,
  POS_CURRENCY,
  promotionValue,
  required,
  seller,
  sumOfLines,
} from '../mapping.js';
import type { PromotionValue, QuoteStatus } from '../records.js';

/** The tills' wall clock: SUD keeps `timestamp without time zone` in Paris time. */
export const SUD_TIME_ZONE = 'Europe/Paris';

/** A wall-clock column as text, whatever the session's DateStyle. */
const local = (column: string, alias: string): string => `to_char(${column}, 'YYYY-MM-DD HH24:MI:SS.US') AS ${alias}`;

const stripped = (column: string): string => `regexp_replace(${column}, '[^0-9+]', '', 'g')`;

const SALE = (s: string) => /* SQL */ `
  SELECT t.num_ticket, t.code_magasin, t.code_vendeur, v.nom AS nom_vendeur, ${local('t.date_vente', 'date_vente')},
         t.carte_fidelite, t.telephone, t.devise, t.montant_total::text AS montant_total,
         COALESCE((SELECT json_agg(json_build_object(
                     'num_ligne', l.num_ligne, 'ean', l.ean, 'code_local', l.code_local, 'libelle', l.libelle,
                     'quantite', l.quantite, 'prix_unitaire', l.prix_unitaire::text, 'remise', l.remise::text) ORDER BY l.num_ligne)
                     FROM ${s}.lignes_ticket l WHERE l.num_ticket = t.num_ticket), '[]') AS lignes
    FROM ${s}.tickets t
    LEFT JOIN ${s}.vendeurs v ON v.code_magasin = t.code_magasin AND v.code_vendeur = t.code_vendeur`;

const RETURN = (s: string) => /* SQL */ `
  SELECT r.num_retour, r.code_magasin, r.code_vendeur, v.nom AS nom_vendeur, ${local('r.date_retour', 'date_retour')},
         r.num_ticket, r.num_commande_web, r.carte_fidelite, r.montant_rembourse::text AS montant_rembourse,
         t.devise AS devise_ticket, t.carte_fidelite AS carte_ticket, t.telephone AS telephone_ticket,
         COALESCE((SELECT json_agg(json_build_object(
                     'num_ligne', l.num_ligne, 'ean', l.ean, 'code_local', l.code_local, 'quantite', l.quantite,
                     'montant_rembourse', l.montant_rembourse::text, 'remise_en_stock', l.remise_en_stock) ORDER BY l.num_ligne)
                     FROM ${s}.lignes_retour l WHERE l.num_retour = r.num_retour), '[]') AS lignes
    FROM ${s}.retours r
    LEFT JOIN ${s}.vendeurs v ON v.code_magasin = r.code_magasin AND v.code_vendeur = r.code_vendeur
    LEFT JOIN ${s}.tickets t ON t.num_ticket = r.num_ticket`;

const QUOTE = (s: string) => /* SQL */ `
  SELECT d.num_devis, d.code_magasin, d.code_vendeur, v.nom AS nom_vendeur, ${local('d.date_creation', 'date_creation')},
         ${local('d.date_validite', 'date_validite')}, d.statut, d.carte_fidelite, d.telephone,
         COALESCE((SELECT json_agg(json_build_object(
                     'num_ligne', l.num_ligne, 'ean', l.ean, 'code_local', l.code_local, 'quantite', l.quantite,
                     'prix_unitaire', l.prix_unitaire::text) ORDER BY l.num_ligne)
                     FROM ${s}.lignes_devis l WHERE l.num_devis = d.num_devis), '[]') AS lignes
    FROM ${s}.devis d
    LEFT JOIN ${s}.vendeurs v ON v.code_magasin = d.code_magasin AND v.code_vendeur = d.code_vendeur`;

const PROMOTION = `p.id_promo, p.code_magasin, p.libelle, p.type_promo, p.valeur::text AS valeur,
  ${local('p.date_debut', 'date_debut')}, ${local('p.date_fin', 'date_fin')}`;

const queries: LayoutQueries = {
  salesByNumber: (s, numbers) => ({ text: `${SALE(s)} WHERE t.num_ticket = ANY($1::text[])`, values: [numbers] }),
  salesFor: (s, f) =>
    selectWhereAny(SALE(s), [
      { values: f.cards, condition: (p) => `t.carte_fidelite = ANY(${p}::text[])` },
      { values: f.phones, condition: (p) => `${stripped('t.telephone')} = ANY(${p}::text[])` },
    ]),
  returnsFor: (s, f) =>
    selectWhereAny(RETURN(s), [
      { values: f.cards, condition: (p) => `r.carte_fidelite = ANY(${p}::text[]) OR t.carte_fidelite = ANY(${p}::text[])` },
      { values: f.phones, condition: (p) => `${stripped('t.telephone')} = ANY(${p}::text[])` },
    ]),
  quotesByNumber: (s, numbers) => ({ text: `${QUOTE(s)} WHERE d.num_devis = ANY($1::text[])`, values: [numbers] }),
  quotesFor: (s, f) =>
    selectWhereAny(QUOTE(s), [
      { values: f.cards, condition: (p) => `d.carte_fidelite = ANY(${p}::text[])` },
      { values: f.phones, condition: (p) => `${stripped('d.telephone')} = ANY(${p}::text[])` },
    ]),
  stock: (s, eans, stores) => ({
    text: /* SQL */ `SELECT code_magasin, ean, quantite, ${local('date_maj', 'date_maj')} FROM ${s}.stock_magasin
      WHERE ean = ANY($1::text[]) AND ($2::text[] IS NULL OR code_magasin = ANY($2::text[]))`,
    values: [eans, stores],
  }),
  prices: (s, eans, stores) => ({
    text: /* SQL */ `SELECT code_magasin, ean, prix::text AS prix, ${local('date_debut', 'date_debut')}, ${local('date_fin', 'date_fin')}
      FROM ${s}.tarifs WHERE ean = ANY($1::text[]) AND ($2::text[] IS NULL OR code_magasin = ANY($2::text[]))`,
    values: [eans, stores],
  }),
  promotionsForItems: (s, eans, stores) => ({
    text: /* SQL */ `SELECT ${PROMOTION}, a.ean FROM ${s}.promos p JOIN ${s}.promos_articles a ON a.id_promo = p.id_promo
      WHERE a.ean = ANY($1::text[]) AND ($2::text[] IS NULL OR p.code_magasin IS NULL OR p.code_magasin = ANY($2::text[]))`,
    values: [eans, stores],
  }),
  promotionsForStores: (s, stores) => ({
    text: /* SQL */ `SELECT ${PROMOTION}, NULL::text AS ean FROM ${s}.promos p
      WHERE p.code_magasin IS NULL OR p.code_magasin = ANY($1::text[])`,
    values: [stores],
  }),
};

interface LigneTicket {
  num_ligne: number;
  ean: string | null;
  code_local: string | null;
  libelle: string;
  quantite: number;
  prix_unitaire: string;
  remise: string;
}

interface LigneRetour {
  num_ligne: number;
  ean: string | null;
  code_local: string | null;
  quantite: number;
  montant_rembourse: string;
  remise_en_stock: string;
}

interface LigneDevis {
  num_ligne: number;
  ean: string | null;
  code_local: string | null;
  quantite: number;
  prix_unitaire: string;
}

const STATUT: Readonly<Record<string, QuoteStatus>> = {
  EN_COURS: 'OPEN',
  TRANSFORME_MAGASIN: 'CONVERTED_IN_STORE',
  TRANSFORME_WEB: 'CONVERTED_ONLINE',
  EXPIRE: 'EXPIRED',
};

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
 * for LOT), both as numeric(10,2).
 */
function promotionKind(type: string, valeur: unknown): Pick<PromotionValue, 'kind' | 'value' | 'currency'> {
  const hundredths = decimal(valeur, POS_CURRENCY).amount;
  switch (type) {
    case 'POURCENTAGE':
      return { kind: 'PERCENT', value: hundredths, currency: null };
    case 'REMISE':
      return { kind: 'AMOUNT', value: hundredths, currency: POS_CURRENCY };
    default:
      if (hundredths % 100 !== 0) throw new RangeError(`promos.valeur: ${type} expects a whole number, got ${JSON.stringify(valeur)}`);
      return { kind: 'OTHER', value: hundredths / 100, currency: null };
  }
}

const mapper: LayoutMapper = {
  sale(row: Row, { franchise, directory }) {
    const storeCode = required(row.code_magasin, 'tickets.code_magasin');
    const currency = required(row.devise, 'tickets.devise');
    const number = required(row.num_ticket, 'tickets.num_ticket');
    const phone = phoneOf(row.telephone, directory.countryOf(storeCode));
    const cardNumber = optionalText(row.carte_fidelite);
    return {
      id: number,
      number,
      channel: 'STORE',
      franchise: franchise.code,
      storeCode,
      seller: seller(row.code_vendeur, row.nom_vendeur),
      placedAt: parisTime(row.date_vente, 'tickets.date_vente'),
      total: decimal(row.montant_total, currency),
      cardNumber,
      phone,
      lines: jsonRows<LigneTicket>(row.lignes, 'lignes_ticket').map((l) =>
        orderLine(
          { lineNumber: integer(l.num_ligne, 'lignes_ticket.num_ligne'), ean: l.ean, localCode: l.code_local, label: l.libelle, quantity: l.quantite },
          decimal(l.prix_unitaire, currency),
          decimal(l.remise, currency),
        ),
      ),
      holder: { cards: cards(cardNumber), phone, clientId: null },
    };
  },

  storeReturn(row, { franchise, directory }) {
    const storeCode = required(row.code_magasin, 'retours.code_magasin');
    const currency = optionalText(row.devise_ticket) ?? POS_CURRENCY;
    return {
      number: required(row.num_retour, 'retours.num_retour'),
      franchise: franchise.code,
      storeCode,
      seller: seller(row.code_vendeur, row.nom_vendeur),
      returnedAt: parisTime(row.date_retour, 'retours.date_retour'),
      receiptNumber: optionalText(row.num_ticket),
      webOrderNumber: optionalText(row.num_commande_web),
      cardNumber: optionalText(row.carte_fidelite),
      refund: decimal(row.montant_rembourse, currency),
      lines: jsonRows<LigneRetour>(row.lignes, 'lignes_retour').map((l) => ({
        lineNumber: integer(l.num_ligne, 'lignes_retour.num_ligne'),
        ...itemCode(l.ean, l.code_local),
        quantity: integer(l.quantite, 'lignes_retour.quantite'),
        refund: decimal(l.montant_rembourse, currency),
        restock: ouiNon(l.remise_en_stock, 'lignes_retour.remise_en_stock'),
      })),
      holder: {
        cards: cards(row.carte_fidelite, row.carte_ticket),
        phone: phoneOf(row.telephone_ticket, directory.countryOf(storeCode)),
        clientId: null,
      },
    };
  },

  quote(row, { franchise, directory }) {
    const storeCode = required(row.code_magasin, 'devis.code_magasin');
    const status = STATUT[required(row.statut, 'devis.statut')];
    if (!status) throw new RangeError(`devis.statut: unknown status ${JSON.stringify(row.statut)}`);
    const phone = phoneOf(row.telephone, directory.countryOf(storeCode));
    const cardNumber = optionalText(row.carte_fidelite);
    const lines = jsonRows<LigneDevis>(row.lignes, 'lignes_devis').map((l) =>
      orderLine(
        { lineNumber: integer(l.num_ligne, 'lignes_devis.num_ligne'), ean: l.ean, localCode: l.code_local, label: null, quantity: l.quantite },
        decimal(l.prix_unitaire, POS_CURRENCY),
        null,
      ),
    );
    return {
      number: required(row.num_devis, 'devis.num_devis'),
      franchise: franchise.code,
      storeCode,
      seller: seller(row.code_vendeur, row.nom_vendeur),
      createdAt: parisTime(row.date_creation, 'devis.date_creation'),
      validUntil: parisTime(row.date_validite, 'devis.date_validite'),
      status,
      cardNumber,
      phone,
      lines,
      total: sumOfLines(lines, POS_CURRENCY),
      holder: { cards: cards(cardNumber), phone, clientId: null },
    };
  },

  stock(row) {
    const gtin14 = gtin14Of(row.ean);
    if (gtin14 === null) return null;
    return {
      storeCode: required(row.code_magasin, 'stock_magasin.code_magasin'),
      gtin14,
      quantity: integer(row.quantite, 'stock_magasin.quantite'),
      updatedAt: parisTime(row.date_maj, 'stock_magasin.date_maj'),
    };
  },

  price(row) {
    const gtin14 = gtin14Of(row.ean);
    if (gtin14 === null) return null;
    return {
      storeCode: required(row.code_magasin, 'tarifs.code_magasin'),
      gtin14,
      price: decimal(row.prix, POS_CURRENCY),
      validFrom: parisTime(row.date_debut, 'tarifs.date_debut'),
      validTo: row.date_fin === null ? null : parisTime(row.date_fin, 'tarifs.date_fin'),
    };
  },

  promotion(row, { franchise }) {
    const id = required(row.id_promo, 'promos.id_promo');
    return {
      promotion: promotionValue({
        franchise: franchise.code,
        id,
        title: row.libelle,
        ...promotionKind(required(row.type_promo, 'promos.type_promo'), row.valeur),
        startsAt: parisTime(row.date_debut, 'promos.date_debut'),
        endsAt: parisTime(row.date_fin, 'promos.date_fin'),
      }),
      franchise: franchise.code,
      storeCode: optionalText(row.code_magasin),
      gtin14: gtin14Of(row.ean),
    };
  },
};

/**
 * SUD's till: French names, `numeric(10,2)` euros, Paris wall-clock times without a zone,
 * 'O'/'N' flags and French status codes.
 */
export const sudEurosLocalTime: PosLayout = { name: 'sud_euros_local_time', queries, mapper };
