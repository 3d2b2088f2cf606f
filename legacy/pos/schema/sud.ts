import type { PosPromotion, PosQuote } from '../../generator/model.js';
import type { BulkColumn } from '../bulkInsert.js';
import type { FranchiseLayout } from '../franchiseLayout.js';
import { addRatingsTable, loadRatings, scoreColumn, type RatingsTable } from '../visitRatings.js';
import { addQuoteWebOrderColumn, quoteWebOrderIndex, type QuoteWebOrderColumn } from '../quoteWebOrders.js';

/** The till's wall clock: SUD stores local time without a zone. */
export const SUD_TIME_ZONE = 'Europe/Paris';

/** SUD's codes for quote statuses. */
export const SUD_QUOTE_STATUS: Record<PosQuote['status'], string> = {
  OPEN: 'EN_COURS',
  CONVERTED_IN_STORE: 'TRANSFORME_MAGASIN',
  CONVERTED_ONLINE: 'TRANSFORME_WEB',
  EXPIRED: 'EXPIRE',
};

/** SUD's codes for promotion kinds. */
export const SUD_PROMO_KIND: Record<PosPromotion['kind'], string> = {
  PERCENT: 'POURCENTAGE',
  AMOUNT: 'REMISE',
  MULTIBUY: 'LOT',
};

const euros = (name: string): BulkColumn => ({ name, type: 'int4', convert: (v) => `(${v} / 100.0)::numeric(10,2)` });
const localTime = (name: string): BulkColumn => ({
  name,
  type: 'timestamptz',
  convert: (v) => `(${v} AT TIME ZONE '${SUD_TIME_ZONE}')`,
});
const text = (name: string): BulkColumn => ({ name, type: 'text' });
const int = (name: string): BulkColumn => ({ name, type: 'int4' });
const ouiNon = (flag: boolean): 'O' | 'N' => (flag ? 'O' : 'N');

/** The web order that finished a quote online, named like `retours.num_commande_web`. */
const QUOTE_WEB_ORDER: QuoteWebOrderColumn = { table: 'devis', number: 'num_devis', column: 'num_commande_web' };

/** The post-visit survey's answers: a 0 to 10 score (NPS-style), at the till's wall clock. */
const RATINGS: RatingsTable = {
  table: 'avis_clients',
  create: (s) => /* SQL */ `
    CREATE TABLE ${s}.avis_clients (
      num_ticket text NOT NULL, code_magasin text NOT NULL, date_reponse timestamp NOT NULL,
      note smallint NOT NULL CHECK (note BETWEEN 0 AND 10), commentaire text);`,
  indexes: (s) => /* SQL */ `
    ALTER TABLE ${s}.avis_clients ADD PRIMARY KEY (num_ticket);
    CREATE INDEX avis_clients_magasin_date ON ${s}.avis_clients (code_magasin, date_reponse);`,
  columns: [text('num_ticket'), text('code_magasin'), localTime('date_reponse'), scoreColumn('note'), text('commentaire')],
  row: (r) => [r.receipt_no, r.store_code, r.answered_at, r.score, r.comment],
};

/**
 * Franchise SUD: French names, money as `numeric(10,2)` euros, and timestamps as
 * `timestamp without time zone` holding Europe/Paris wall-clock time (the till never knew
 * about zones; an hour is ambiguous on the night summer time ends). Flags are 'O'/'N'.
 */
export const sudLayout: FranchiseLayout = {
  name: 'sud_euros_local_time',

  tables: (s) => /* SQL */ `
    CREATE SCHEMA ${s};
    CREATE TABLE ${s}.magasins (
      code_magasin text NOT NULL, nom text NOT NULL, ville text NOT NULL, code_postal text NOT NULL,
      pays char(2) NOT NULL, retrait_magasin char(1) NOT NULL,
      latitude double precision, longitude double precision);
    CREATE TABLE ${s}.vendeurs (code_vendeur text NOT NULL, code_magasin text NOT NULL, nom text NOT NULL);
    CREATE TABLE ${s}.tickets (
      num_ticket text NOT NULL, code_magasin text NOT NULL, code_vendeur text NOT NULL, date_vente timestamp NOT NULL,
      carte_fidelite text, telephone text, devise char(3) NOT NULL, montant_total numeric(10,2) NOT NULL);
    CREATE TABLE ${s}.lignes_ticket (
      num_ticket text NOT NULL, num_ligne integer NOT NULL, ean text, code_local text, libelle text NOT NULL,
      quantite integer NOT NULL, prix_unitaire numeric(10,2) NOT NULL, remise numeric(10,2) NOT NULL);
    CREATE TABLE ${s}.retours (
      num_retour text NOT NULL, code_magasin text NOT NULL, code_vendeur text NOT NULL, date_retour timestamp NOT NULL,
      num_ticket text, num_commande_web text, carte_fidelite text, montant_rembourse numeric(10,2) NOT NULL);
    CREATE TABLE ${s}.lignes_retour (
      num_retour text NOT NULL, num_ligne integer NOT NULL, ean text, code_local text,
      quantite integer NOT NULL, montant_rembourse numeric(10,2) NOT NULL, remise_en_stock char(1) NOT NULL);
    CREATE TABLE ${s}.devis (
      num_devis text NOT NULL, code_magasin text NOT NULL, code_vendeur text NOT NULL, date_creation timestamp NOT NULL,
      date_validite timestamp NOT NULL, statut text NOT NULL, carte_fidelite text, telephone text, num_commande_web text);
    CREATE TABLE ${s}.lignes_devis (
      num_devis text NOT NULL, num_ligne integer NOT NULL, ean text, code_local text,
      quantite integer NOT NULL, prix_unitaire numeric(10,2) NOT NULL);
    CREATE TABLE ${s}.stock_magasin (
      code_magasin text NOT NULL, ean text, code_local text, quantite integer NOT NULL, date_maj timestamp NOT NULL);
    CREATE TABLE ${s}.tarifs (
      code_magasin text NOT NULL, ean text, code_local text, prix numeric(10,2) NOT NULL,
      date_debut timestamp NOT NULL, date_fin timestamp);
    CREATE TABLE ${s}.promos (
      id_promo text NOT NULL, code_magasin text, libelle text NOT NULL, type_promo text NOT NULL,
      valeur numeric(10,2) NOT NULL, date_debut timestamp NOT NULL, date_fin timestamp NOT NULL);
    CREATE TABLE ${s}.promos_articles (id_promo text NOT NULL, ean text NOT NULL);
    ${RATINGS.create(s)}
    ${RATINGS.indexes(s)}
  `,

  indexes: (s) => /* SQL */ `
    ALTER TABLE ${s}.magasins ADD PRIMARY KEY (code_magasin);
    ALTER TABLE ${s}.vendeurs ADD PRIMARY KEY (code_magasin, code_vendeur);
    ALTER TABLE ${s}.tickets ADD PRIMARY KEY (num_ticket);
    ALTER TABLE ${s}.lignes_ticket ADD PRIMARY KEY (num_ticket, num_ligne);
    ALTER TABLE ${s}.retours ADD PRIMARY KEY (num_retour);
    ALTER TABLE ${s}.lignes_retour ADD PRIMARY KEY (num_retour, num_ligne);
    ALTER TABLE ${s}.devis ADD PRIMARY KEY (num_devis);
    ALTER TABLE ${s}.lignes_devis ADD PRIMARY KEY (num_devis, num_ligne);
    ALTER TABLE ${s}.promos ADD PRIMARY KEY (id_promo);
    ALTER TABLE ${s}.promos_articles ADD PRIMARY KEY (id_promo, ean);
    CREATE INDEX tickets_carte_fidelite ON ${s}.tickets (carte_fidelite) WHERE carte_fidelite IS NOT NULL;
    CREATE INDEX tickets_telephone ON ${s}.tickets (telephone) WHERE telephone IS NOT NULL;
    CREATE INDEX tickets_magasin_date ON ${s}.tickets (code_magasin, date_vente);
    CREATE INDEX lignes_ticket_ean ON ${s}.lignes_ticket (ean);
    CREATE INDEX retours_num_ticket ON ${s}.retours (num_ticket) WHERE num_ticket IS NOT NULL;
    CREATE INDEX retours_num_commande_web ON ${s}.retours (num_commande_web) WHERE num_commande_web IS NOT NULL;
    CREATE INDEX retours_carte_fidelite ON ${s}.retours (carte_fidelite) WHERE carte_fidelite IS NOT NULL;
    CREATE INDEX devis_carte_fidelite ON ${s}.devis (carte_fidelite) WHERE carte_fidelite IS NOT NULL;
    CREATE INDEX devis_telephone ON ${s}.devis (telephone) WHERE telephone IS NOT NULL;
    ${quoteWebOrderIndex(s, QUOTE_WEB_ORDER)}
    CREATE INDEX stock_magasin_ean ON ${s}.stock_magasin (code_magasin, ean);
    CREATE INDEX stock_ean ON ${s}.stock_magasin (ean);
    CREATE INDEX stock_magasin_code_local ON ${s}.stock_magasin (code_magasin, code_local) WHERE code_local IS NOT NULL;
    CREATE INDEX tarifs_magasin_ean ON ${s}.tarifs (code_magasin, ean);
    CREATE INDEX tarifs_magasin_code_local ON ${s}.tarifs (code_magasin, code_local) WHERE code_local IS NOT NULL;
    CREATE INDEX promos_articles_ean ON ${s}.promos_articles (ean);
  `,

  async load(insert, s, r) {
    return {
      magasins: await insert(
        `${s}.magasins`,
        [
          text('code_magasin'),
          text('nom'),
          text('ville'),
          text('code_postal'),
          text('pays'),
          text('retrait_magasin'),
          { name: 'latitude', type: 'float8' },
          { name: 'longitude', type: 'float8' },
        ],
        r.stores.map((x) => [x.code, x.name, x.city, x.postcode, x.country, ouiNon(x.click_and_collect), x.latitude, x.longitude]),
      ),
      vendeurs: await insert(
        `${s}.vendeurs`,
        [text('code_vendeur'), text('code_magasin'), text('nom')],
        r.sellers.map((x) => [x.code, x.store_code, x.name]),
      ),
      tickets: await insert(
        `${s}.tickets`,
        [
          text('num_ticket'),
          text('code_magasin'),
          text('code_vendeur'),
          localTime('date_vente'),
          text('carte_fidelite'),
          text('telephone'),
          text('devise'),
          euros('montant_total'),
        ],
        r.receipts.map((x) => [x.receipt_no, x.store_code, x.seller_code, x.sold_at, x.card_number, x.phone, x.currency, x.total_cents]),
      ),
      lignes_ticket: await insert(
        `${s}.lignes_ticket`,
        [
          text('num_ticket'),
          int('num_ligne'),
          text('ean'),
          text('code_local'),
          text('libelle'),
          int('quantite'),
          euros('prix_unitaire'),
          euros('remise'),
        ],
        r.receipts.flatMap((x) =>
          x.lines.map((l) => [x.receipt_no, l.line_no, l.ean, l.local_code, l.label, l.quantity, l.unit_price_cents, l.discount_cents]),
        ),
      ),
      retours: await insert(
        `${s}.retours`,
        [
          text('num_retour'),
          text('code_magasin'),
          text('code_vendeur'),
          localTime('date_retour'),
          text('num_ticket'),
          text('num_commande_web'),
          text('carte_fidelite'),
          euros('montant_rembourse'),
        ],
        r.returns.map((x) => [
          x.return_no,
          x.store_code,
          x.seller_code,
          x.returned_at,
          x.receipt_no,
          x.web_order_number,
          x.card_number,
          x.refund_total_cents,
        ]),
      ),
      lignes_retour: await insert(
        `${s}.lignes_retour`,
        [text('num_retour'), int('num_ligne'), text('ean'), text('code_local'), int('quantite'), euros('montant_rembourse'), text('remise_en_stock')],
        r.returns.flatMap((x) =>
          x.lines.map((l, i) => [x.return_no, i + 1, l.ean, l.local_code, l.quantity, l.refund_cents, ouiNon(l.restock)]),
        ),
      ),
      devis: await insert(
        `${s}.devis`,
        [
          text('num_devis'),
          text('code_magasin'),
          text('code_vendeur'),
          localTime('date_creation'),
          localTime('date_validite'),
          text('statut'),
          text('carte_fidelite'),
          text('telephone'),
          text('num_commande_web'),
        ],
        r.quotes.map((x) => [
          x.quote_no,
          x.store_code,
          x.seller_code,
          x.created_at,
          x.valid_until,
          SUD_QUOTE_STATUS[x.status],
          x.card_number,
          x.phone,
          x.web_order_number,
        ]),
      ),
      lignes_devis: await insert(
        `${s}.lignes_devis`,
        [text('num_devis'), int('num_ligne'), text('ean'), text('code_local'), int('quantite'), euros('prix_unitaire')],
        r.quotes.flatMap((x) => x.lines.map((l, i) => [x.quote_no, i + 1, l.ean, l.local_code, l.quantity, l.unit_price_cents])),
      ),
      stock_magasin: await insert(
        `${s}.stock_magasin`,
        [text('code_magasin'), text('ean'), text('code_local'), int('quantite'), localTime('date_maj')],
        r.stock.map((x) => [x.store_code, x.ean, x.local_code, x.quantity, x.updated_at]),
      ),
      tarifs: await insert(
        `${s}.tarifs`,
        [text('code_magasin'), text('ean'), text('code_local'), euros('prix'), localTime('date_debut'), localTime('date_fin')],
        r.prices.map((x) => [x.store_code, x.ean, x.local_code, x.price_cents, x.valid_from, x.valid_to]),
      ),
      promos: await insert(
        `${s}.promos`,
        [
          text('id_promo'),
          text('code_magasin'),
          text('libelle'),
          text('type_promo'),
          { name: 'valeur', type: 'int4', convert: (v) => `(${v} / 100.0)::numeric(10,2)` },
          localTime('date_debut'),
          localTime('date_fin'),
        ],
        // `valeur` is in euros for an amount, a plain number (percent, items) otherwise.
        r.promotions.map((x) => [
          x.promo_id,
          x.store_code,
          x.label,
          SUD_PROMO_KIND[x.kind],
          x.kind === 'AMOUNT' ? x.value : x.value * 100,
          x.starts_at,
          x.ends_at,
        ]),
      ),
      promos_articles: await insert(
        `${s}.promos_articles`,
        [text('id_promo'), text('ean')],
        r.promotions.flatMap((x) => [...new Set(x.eans)].map((ean) => [x.promo_id, ean])),
      ),
      [RATINGS.table]: await loadRatings(insert, s, RATINGS, r.ratings),
    };
  },

  upgrades: { 2: addQuoteWebOrderColumn(QUOTE_WEB_ORDER), 3: addRatingsTable(RATINGS) },
};
