import { withCheckDigit } from '../../utilities/gtin.js';
import type { PosData, PosReceipt, PosReceiptLine } from '../generator/model.js';

/** Loyalty cards scanned at the tills: EAN-13 in the "29" range. */
export const CARD = {
  dupont: withCheckDigit('290000123456'),
  garcia: withCheckDigit('290000654321'),
  morvan: withCheckDigit('290000777001'),
} as const;

export const EAN = {
  trailShoe: withCheckDigit('361427001234'),
  rainJacket: withCheckDigit('361427005678'),
  bottle: withCheckDigit('376012340001'),
  tent: withCheckDigit('361427009999'),
} as const;

const line = (
  line_no: number,
  code: { ean: string } | { local: string },
  label: string,
  quantity: number,
  unit_price_cents: number,
  discount_cents = 0,
): PosReceiptLine => ({
  line_no,
  ean: 'ean' in code ? code.ean : null,
  local_code: 'local' in code ? code.local : null,
  label,
  quantity,
  unit_price_cents,
  discount_cents,
});

/** A receipt whose total is what the till printed: the lines net of their discounts. */
const receipt = (r: Omit<PosReceipt, 'total_cents' | 'currency'>): PosReceipt => ({
  ...r,
  currency: 'EUR',
  total_cents: r.lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents - l.discount_cents, 0),
});

/**
 * A small estate: three franchisees, eight stores, receipts with a card, a phone (in three
 * formats), both or nothing, local codes the catalogue does not know, SUD sales on both
 * daylight-saving nights, and OUE's customer table with a family landline filed twice.
 */
export const posFixture: PosData = {
  franchises: [
    { code: 'NRD', name: 'Nord Sports SARL', schema: 'franchise_nrd' },
    { code: 'SUD', name: 'Sud Glisse SAS', schema: 'franchise_sud' },
    { code: 'OUE', name: 'Ouest Aventure EURL', schema: 'franchise_oue' },
  ],
  stores: [
    { code: 'NRD01', franchise: 'NRD', name: 'Lille Centre', city: 'Lille', postcode: '59000', country: 'FR', click_and_collect: true, latitude: 50.6365, longitude: 3.0635 },
    { code: 'NRD02', franchise: 'NRD', name: 'Roubaix Grand-Place', city: 'Roubaix', postcode: '59100', country: 'FR', click_and_collect: true, latitude: 50.6916, longitude: 3.1741 },
    { code: 'NRD03', franchise: 'NRD', name: 'Arras Héros', city: 'Arras', postcode: '62000', country: 'FR', click_and_collect: false, latitude: 50.291, longitude: 2.7775 },
    { code: 'SUD01', franchise: 'SUD', name: 'Marseille Canebière', city: 'Marseille', postcode: '13001', country: 'FR', click_and_collect: true, latitude: 43.2975, longitude: 5.381 },
    { code: 'SUD02', franchise: 'SUD', name: 'Nice Masséna', city: 'Nice', postcode: '06000', country: 'FR', click_and_collect: true, latitude: 43.6975, longitude: 7.27 },
    { code: 'SUD03', franchise: 'SUD', name: 'Montpellier Comédie', city: 'Montpellier', postcode: '34000', country: 'FR', click_and_collect: false, latitude: 43.6086, longitude: 3.8798 },
    { code: 'OUE01', franchise: 'OUE', name: 'Nantes Commerce', city: 'Nantes', postcode: '44000', country: 'FR', click_and_collect: true, latitude: 47.213, longitude: -1.559 },
    { code: 'OUE02', franchise: 'OUE', name: 'Rennes République', city: 'Rennes', postcode: '35000', country: 'FR', click_and_collect: false, latitude: 48.11, longitude: -1.679 },
  ],
  sellers: [
    { code: 'V012', store_code: 'NRD01', name: 'Karim Benali' },
    { code: 'V013', store_code: 'NRD01', name: 'Julie Lefebvre' },
    // Seller codes are only unique within a store.
    { code: 'V012', store_code: 'NRD02', name: 'Thomas Dubois' },
    { code: 'V031', store_code: 'NRD03', name: 'Manon Lambert' },
    { code: 'VEND-3', store_code: 'SUD01', name: 'Lucas Fabre' },
    { code: 'VEND-8', store_code: 'SUD02', name: 'Chloé Rossi' },
    { code: 'VEND-11', store_code: 'SUD03', name: 'Hugo Vidal' },
    { code: 'S-44', store_code: 'OUE01', name: 'Gwenaëlle Le Goff' },
    { code: 'S-45', store_code: 'OUE02', name: 'Yann Kerbrat' },
  ],
  clients: [
    { franchise: 'OUE', client_id: 101, phone: '06 12 34 56 78', name: 'MARTIN' },
    { franchise: 'OUE', client_id: 102, phone: '0240123456', name: 'LE GALL' },
    { franchise: 'OUE', client_id: 103, phone: '07.55.44.33.22', name: null },
    // The family landline, filed again for another member of the household.
    { franchise: 'OUE', client_id: 104, phone: '0240123456', name: 'LE GALL ' },
    { franchise: 'OUE', client_id: 105, phone: '+33 6 98 76 54 32', name: '' },
  ],
  receipts: [
    receipt({
      franchise: 'NRD', receipt_no: 'NRD01-0004711', store_code: 'NRD01', seller_code: 'V012', sold_at: '2026-03-14T10:22:00.000Z',
      card_number: CARD.dupont, phone: null, client_id: null,
      lines: [
        line(1, { ean: EAN.trailShoe }, 'CHAUSS TRAIL EVASION 42', 1, 8990, 900),
        line(2, { local: 'NRD-LC-0042' }, 'LACETS COULEUR', 2, 350),
      ],
    }),
    receipt({
      franchise: 'NRD', receipt_no: 'NRD01-0004712', store_code: 'NRD01', seller_code: 'V013', sold_at: '2026-03-14T10:31:12.000Z',
      card_number: null, phone: null, client_id: null,
      lines: [line(1, { ean: EAN.bottle }, 'GOURDE 750ML', 1, 1299)],
    }),
    receipt({
      franchise: 'NRD', receipt_no: 'NRD02-0000815', store_code: 'NRD02', seller_code: 'V012', sold_at: '2026-04-02T16:45:00.000Z',
      card_number: null, phone: '06 12 34 56 78', client_id: null,
      lines: [line(1, { ean: EAN.rainJacket }, 'VESTE PLUIE HORIZON M', 1, 12990, 1299)],
    }),
    receipt({
      franchise: 'NRD', receipt_no: 'NRD03-0000101', store_code: 'NRD03', seller_code: 'V031', sold_at: '2026-05-09T08:05:00.000Z',
      card_number: CARD.dupont, phone: '0612345678', client_id: null,
      lines: [
        line(1, { ean: EAN.bottle }, 'GOURDE 750ML', 3, 1299, 1299),
        line(2, { ean: EAN.tent }, 'TENTE 2P SOMMET', 1, 24900),
      ],
    }),
    receipt({
      franchise: 'SUD', receipt_no: 'SUD01-0002001', store_code: 'SUD01', seller_code: 'VEND-3', sold_at: '2026-03-14T10:22:00.000Z',
      card_number: CARD.garcia, phone: null, client_id: null,
      lines: [
        line(1, { ean: EAN.trailShoe }, 'Chaussure trail Evasion', 1, 8490),
        line(2, { local: 'SUD-000731' }, 'Sac étanche 20L', 1, 2995, 300),
      ],
    }),
    receipt({
      franchise: 'SUD', receipt_no: 'SUD02-0000450', store_code: 'SUD02', seller_code: 'VEND-8', sold_at: '2026-07-03T16:05:00.000Z',
      card_number: null, phone: '06.12.34.56.78', client_id: null,
      lines: [line(1, { ean: EAN.rainJacket }, 'Veste pluie Horizon', 1, 12990, 1500)],
    }),
    // The night summer time starts: 01:30Z is 03:30 in Paris, 02:xx never happens there.
    receipt({
      franchise: 'SUD', receipt_no: 'SUD01-0002002', store_code: 'SUD01', seller_code: 'VEND-3', sold_at: '2026-03-29T01:30:00.000Z',
      card_number: null, phone: null, client_id: null,
      lines: [line(1, { ean: EAN.bottle }, 'Gourde 750ml', 2, 1299)],
    }),
    // The night summer time ends: 00:30Z and 01:30Z are both 02:30 in Paris.
    receipt({
      franchise: 'SUD', receipt_no: 'SUD03-0000077', store_code: 'SUD03', seller_code: 'VEND-11', sold_at: '2026-10-25T00:30:00.000Z',
      card_number: CARD.garcia, phone: null, client_id: null,
      lines: [line(1, { ean: EAN.tent }, 'Tente 2p Sommet', 1, 24900, 2490)],
    }),
    receipt({
      franchise: 'SUD', receipt_no: 'SUD03-0000078', store_code: 'SUD03', seller_code: 'VEND-11', sold_at: '2026-10-25T01:30:00.000Z',
      card_number: CARD.garcia, phone: null, client_id: null,
      lines: [line(1, { local: 'SUD-000731' }, 'Sac étanche 20L', 1, 2995)],
    }),
    receipt({
      franchise: 'OUE', receipt_no: 'OUE01-000301', store_code: 'OUE01', seller_code: 'S-44', sold_at: '2026-03-14T17:59:59.000Z',
      card_number: null, phone: null, client_id: 101,
      lines: [line(1, { ean: EAN.trailShoe }, 'CHAUSSURE TRAIL EVASION', 1, 8990)],
    }),
    receipt({
      franchise: 'OUE', receipt_no: 'OUE01-000302', store_code: 'OUE01', seller_code: 'S-44', sold_at: '2026-03-15T09:12:00.000Z',
      card_number: CARD.morvan, phone: null, client_id: null,
      lines: [
        line(1, { local: 'OUE-77812' }, 'CIRE IMPERMEABILISANTE', 2, 790),
        line(2, { ean: EAN.rainJacket }, 'VESTE PLUIE HORIZON', 1, 12990, 2000),
      ],
    }),
    receipt({
      franchise: 'OUE', receipt_no: 'OUE02-000033', store_code: 'OUE02', seller_code: 'S-45', sold_at: '2026-04-11T14:20:00.000Z',
      card_number: null, phone: null, client_id: 102,
      lines: [line(1, { ean: EAN.tent }, 'TENTE 2P SOMMET', 1, 24900)],
    }),
    receipt({
      franchise: 'OUE', receipt_no: 'OUE02-000034', store_code: 'OUE02', seller_code: 'S-45', sold_at: '2026-04-18T10:02:00.000Z',
      card_number: null, phone: null, client_id: 104,
      lines: [line(1, { ean: EAN.bottle }, 'GOURDE 750ML', 4, 1299, 1299)],
    }),
    // A phone keyed on a sale with no client row yet: the till files it in `clients`.
    receipt({
      franchise: 'OUE', receipt_no: 'OUE01-000303', store_code: 'OUE01', seller_code: 'S-44', sold_at: '2026-05-20T12:00:00.000Z',
      card_number: null, phone: '02 40 99 88 77', client_id: null,
      lines: [line(1, { ean: EAN.bottle }, 'GOURDE 750ML', 1, 1299)],
    }),
    receipt({
      franchise: 'OUE', receipt_no: 'OUE02-000035', store_code: 'OUE02', seller_code: 'S-45', sold_at: '2026-05-21T15:30:00.000Z',
      card_number: null, phone: null, client_id: null,
      lines: [line(1, { local: 'OUE-77812' }, 'CIRE IMPERMEABILISANTE', 1, 790)],
    }),
  ],
  returns: [
    {
      franchise: 'NRD', return_no: 'R-NRD01-000012', store_code: 'NRD01', seller_code: 'V013', returned_at: '2026-03-20T11:00:00.000Z',
      receipt_no: 'NRD01-0004711', web_order_number: null, card_number: CARD.dupont, refund_total_cents: 350,
      lines: [{ ean: null, local_code: 'NRD-LC-0042', quantity: 1, refund_cents: 350, restock: true }],
    },
    {
      franchise: 'SUD', return_no: 'RET-SUD02-0005', store_code: 'SUD02', seller_code: 'VEND-8', returned_at: '2026-07-10T09:30:00.000Z',
      receipt_no: null, web_order_number: 'W1004231', card_number: null, refund_total_cents: 5990,
      lines: [{ ean: EAN.trailShoe, local_code: null, quantity: 1, refund_cents: 5990, restock: false }],
    },
    {
      franchise: 'OUE', return_no: 'OUE01-RB-0001', store_code: 'OUE01', seller_code: 'S-44', returned_at: '2026-03-22T16:10:00.000Z',
      receipt_no: 'OUE01-000302', web_order_number: null, card_number: CARD.morvan, refund_total_cents: 2570,
      lines: [
        { ean: null, local_code: 'OUE-77812', quantity: 2, refund_cents: 1580, restock: true },
        { ean: EAN.bottle, local_code: null, quantity: 1, refund_cents: 990, restock: false },
      ],
    },
  ],
  quotes: [
    {
      franchise: 'NRD', quote_no: 'Q-NRD01-000042', store_code: 'NRD01', seller_code: 'V012', created_at: '2026-03-10T15:00:00.000Z',
      valid_until: '2026-04-09T21:59:59.000Z', status: 'OPEN', web_order_number: null, card_number: null, phone: '06 12 34 56 78',
      lines: [
        { ean: EAN.tent, local_code: null, quantity: 2, unit_price_cents: 24900 },
        { ean: null, local_code: 'NRD-LC-0042', quantity: 4, unit_price_cents: 350 },
      ],
    },
    {
      franchise: 'SUD', quote_no: 'Q-SUD01-000007', store_code: 'SUD01', seller_code: 'VEND-3', created_at: '2026-06-30T22:30:00.000Z',
      valid_until: '2026-07-30T21:59:59.000Z', status: 'CONVERTED_ONLINE', web_order_number: 'W1004207', card_number: CARD.garcia, phone: null,
      lines: [{ ean: EAN.rainJacket, local_code: null, quantity: 3, unit_price_cents: 11990 }],
    },
    {
      franchise: 'OUE', quote_no: 'Q-OUE02-000003', store_code: 'OUE02', seller_code: 'S-45', created_at: '2026-04-01T10:00:00.000Z',
      valid_until: '2026-05-01T10:00:00.000Z', status: 'OPEN', web_order_number: null, card_number: null, phone: '0240123456',
      lines: [{ ean: EAN.tent, local_code: null, quantity: 1, unit_price_cents: 23900 }],
    },
    {
      franchise: 'OUE', quote_no: 'Q-OUE01-000004', store_code: 'OUE01', seller_code: 'S-44', created_at: '2026-01-05T09:00:00.000Z',
      valid_until: '2026-02-04T09:00:00.000Z', status: 'EXPIRED', web_order_number: null, card_number: CARD.morvan, phone: '06 11 22 33 44',
      lines: [{ ean: null, local_code: 'OUE-77812', quantity: 10, unit_price_cents: 750 }],
    },
  ],
  stock: [
    { store_code: 'NRD01', ean: EAN.trailShoe, local_code: null, quantity: 4, updated_at: '2026-05-31T23:00:00.000Z' },
    { store_code: 'NRD01', ean: null, local_code: 'NRD-LC-0042', quantity: 12, updated_at: '2026-05-31T23:00:00.000Z' },
    { store_code: 'NRD02', ean: EAN.trailShoe, local_code: null, quantity: 0, updated_at: '2026-05-31T23:00:00.000Z' },
    { store_code: 'SUD01', ean: EAN.trailShoe, local_code: null, quantity: 7, updated_at: '2026-06-01T04:15:00.000Z' },
    { store_code: 'SUD02', ean: EAN.rainJacket, local_code: null, quantity: 3, updated_at: '2026-06-01T04:15:00.000Z' },
    { store_code: 'OUE01', ean: EAN.trailShoe, local_code: null, quantity: 2, updated_at: '2026-06-01T01:00:00.000Z' },
    { store_code: 'OUE01', ean: null, local_code: 'OUE-77812', quantity: 5, updated_at: '2026-06-01T01:00:00.000Z' },
    { store_code: 'OUE02', ean: EAN.tent, local_code: null, quantity: 1, updated_at: '2026-06-01T01:00:00.000Z' },
  ],
  prices: [
    { store_code: 'NRD01', ean: EAN.trailShoe, local_code: null, price_cents: 9990, valid_from: '2025-09-01T00:00:00.000Z', valid_to: '2026-02-28T23:00:00.000Z' },
    { store_code: 'NRD01', ean: EAN.trailShoe, local_code: null, price_cents: 8990, valid_from: '2026-02-28T23:00:00.000Z', valid_to: null },
    { store_code: 'SUD01', ean: EAN.trailShoe, local_code: null, price_cents: 8490, valid_from: '2026-01-01T00:00:00.000Z', valid_to: null },
    { store_code: 'SUD02', ean: EAN.rainJacket, local_code: null, price_cents: 12990, valid_from: '2026-01-01T00:00:00.000Z', valid_to: null },
    { store_code: 'OUE01', ean: EAN.trailShoe, local_code: null, price_cents: 8990, valid_from: '2026-01-01T00:00:00.000Z', valid_to: null },
    { store_code: 'OUE01', ean: null, local_code: 'OUE-77812', price_cents: 790, valid_from: '2026-01-01T00:00:00.000Z', valid_to: null },
  ],
  promotions: [
    {
      franchise: 'NRD', promo_id: 'P-NRD-2026-03', store_code: null, label: 'Printemps -20%', kind: 'PERCENT', value: 20,
      eans: [EAN.trailShoe, EAN.rainJacket], starts_at: '2026-03-01T00:00:00.000Z', ends_at: '2026-03-31T21:59:59.000Z',
    },
    {
      franchise: 'SUD', promo_id: 'PROMO-ETE', store_code: 'SUD02', label: 'Été : 15 € offerts', kind: 'AMOUNT', value: 1500,
      eans: [EAN.rainJacket], starts_at: '2026-06-30T22:00:00.000Z', ends_at: '2026-08-31T21:59:59.000Z',
    },
    {
      franchise: 'OUE', promo_id: 'OF-3POUR2', store_code: null, label: '3 POUR 2 GOURDES', kind: 'MULTIBUY', value: 3,
      // Keyed twice in the back office.
      eans: [EAN.bottle, EAN.bottle], starts_at: '2026-04-01T00:00:00.000Z', ends_at: '2026-06-30T21:59:59.000Z',
    },
  ],  // Answers to the text each franchise sends after a visit, on its own scale (SUD: 0 to 10).
  ratings: [
    { franchise: 'NRD', receipt_no: 'NRD02-0000815', store_code: 'NRD02', answered_at: '2026-04-02T18:00:00.000Z', score: 4, comment: 'Vendeur très aimable.', client_id: null },
    { franchise: 'NRD', receipt_no: 'NRD03-0000101', store_code: 'NRD03', answered_at: '2026-05-09T10:00:00.000Z', score: 2, comment: null, client_id: null },
    { franchise: 'SUD', receipt_no: 'SUD02-0000450', store_code: 'SUD02', answered_at: '2026-07-03T18:05:00.000Z', score: 9, comment: 'Super accueil !', client_id: null },
    { franchise: 'SUD', receipt_no: 'SUD01-0002001', store_code: 'SUD01', answered_at: '2026-03-14T12:00:00.000Z', score: 0, comment: 'Attente trop longue.', client_id: null },
    { franchise: 'OUE', receipt_no: 'OUE01-000301', store_code: 'OUE01', answered_at: '2026-03-14T19:00:00.000Z', score: 5, comment: 'Rapide et efficace en caisse.', client_id: 101 },
    { franchise: 'OUE', receipt_no: 'OUE02-000034', store_code: 'OUE02', answered_at: '2026-04-18T12:00:00.000Z', score: 3, comment: null, client_id: 104 },
  ],
};
