import type { Money } from '../../utilities/money.js';
import type { LayoutMapper } from './layout.js';
import {
  cards,
  gtin14Of,
  integer,
  itemCode,
  jsonRows,
  optionalInteger,
  optionalText,
  orderLine,
  phoneOf,
  POS_CURRENCY,
  posPromotion,
  promotionItems,
  required,
  seller,
  sumOfLines,
} from './mapping.js';
import type { PromotionTerms, QuoteStatus } from './records.js';

/**
 * The one mapper from canonical rows (`canonicalQueries.ts`) to records. What differs between
 * the franchisees' tills is said once per layout, in two places:
 *
 * - its SQL (`LayoutSql`) aliases its tables and columns into the canonical row: the names,
 *   the joins, and OUE's customer table, which gives a sale, return or quote its phone and
 *   `client_id` (the other layouts have no `client_id` column);
 * - its {@link LayoutConventions} read what the SQL leaves as the till stored it: money in
 *   integer cents (NRD, OUE) or `numeric(10,2)` euros as text (SUD), instants as `timestamptz`
 *   (NRD, OUE) or Paris wall-clock text (SUD), and the till's quote statuses, promotion kinds
 *   and restock flags.
 *
 * Errors name the canonical column (`sale.placed_at`); the layout's SQL says which of its
 * columns that is.
 */

/** How a layout's values are read, where SQL leaves them in the till's own units and codes. */
export interface LayoutConventions {
  /** An amount column in `currency`: `cents` or `decimal` (`mapping.ts`). */
  money(value: unknown, currency: string): Money;
  /** A time column as a UTC instant (ISO 8601). */
  instant(value: unknown, column: string): string;
  /** The till's quote statuses, by the code it stores. */
  quoteStatuses: Readonly<Record<string, QuoteStatus>>;
  /** A promotion's kind and value as the graph has them; a kind it does not know is OTHER, never an error. */
  promotion(kind: string, value: unknown): PromotionTerms;
  /** A return line's restock flag. */
  restock(value: unknown, column: string): boolean;
}

interface SaleLine {
  line_no: number;
  ean: string | null;
  local_code: string | null;
  label: string;
  quantity: number;
  unit_price: unknown;
  discount: unknown;
}

interface ReturnLine {
  line_no: number;
  ean: string | null;
  local_code: string | null;
  quantity: number;
  refund: unknown;
  restock: unknown;
}

interface QuoteLine {
  line_no: number;
  ean: string | null;
  local_code: string | null;
  quantity: number;
  unit_price: unknown;
}

export function canonicalMapper({ money, instant, quoteStatuses, promotion, restock }: LayoutConventions): LayoutMapper {
  return {
    sale(row, { franchise, directory }) {
      const storeCode = required(row.store_code, 'sale.store_code');
      const currency = required(row.currency, 'sale.currency');
      const number = required(row.number, 'sale.number');
      const phone = phoneOf(row.phone, directory.countryOf(storeCode));
      const cardNumber = optionalText(row.card_number);
      return {
        id: number,
        number,
        channel: 'STORE',
        franchise: franchise.code,
        storeCode,
        seller: seller(row.seller_code, row.seller_name),
        placedAt: instant(row.placed_at, 'sale.placed_at'),
        total: money(row.total, currency),
        cardNumber,
        phone,
        lines: jsonRows<SaleLine>(row.lines, 'sale.lines').map((l) =>
          orderLine(
            { lineNumber: integer(l.line_no, 'sale.lines.line_no'), ean: l.ean, localCode: l.local_code, label: l.label, quantity: l.quantity, franchise: franchise.code },
            money(l.unit_price, currency),
            money(l.discount, currency),
          ),
        ),
        holder: { cards: cards(cardNumber), phone, clientId: optionalInteger(row.client_id, 'sale.client_id') },
      };
    },

    storeReturn(row, { franchise, directory }) {
      const storeCode = required(row.store_code, 'return.store_code');
      const currency = optionalText(row.receipt_currency) ?? POS_CURRENCY;
      return {
        number: required(row.number, 'return.number'),
        franchise: franchise.code,
        storeCode,
        seller: seller(row.seller_code, row.seller_name),
        returnedAt: instant(row.returned_at, 'return.returned_at'),
        receiptNumber: optionalText(row.receipt_number),
        webOrderNumber: optionalText(row.web_order_number),
        cardNumber: optionalText(row.card_number),
        refund: money(row.refund, currency),
        lines: jsonRows<ReturnLine>(row.lines, 'return.lines').map((l) => ({
          lineNumber: integer(l.line_no, 'return.lines.line_no'),
          ...itemCode(l.ean, l.local_code, franchise.code),
          quantity: integer(l.quantity, 'return.lines.quantity'),
          refund: money(l.refund, currency),
          restock: restock(l.restock, 'return.lines.restock'),
        })),
        holder: {
          cards: cards(row.card_number, row.receipt_card_number),
          // The receipt's phone was keyed in the receipt's store, not necessarily the return's.
          phone: phoneOf(row.receipt_phone, directory.countryOf(storeCode)),
          clientId: optionalInteger(row.receipt_client_id, 'return.receipt_client_id'),
        },
      };
    },

    quote(row, { franchise, directory }) {
      const storeCode = required(row.store_code, 'quote.store_code');
      const status = quoteStatuses[required(row.status, 'quote.status')];
      if (!status) throw new RangeError(`quote.status: unknown status ${JSON.stringify(row.status)}`);
      const phone = phoneOf(row.phone, directory.countryOf(storeCode));
      const cardNumber = optionalText(row.card_number);
      const lines = jsonRows<QuoteLine>(row.lines, 'quote.lines').map((l) =>
        orderLine(
          { lineNumber: integer(l.line_no, 'quote.lines.line_no'), ean: l.ean, localCode: l.local_code, label: null, quantity: l.quantity, franchise: franchise.code },
          money(l.unit_price, POS_CURRENCY),
          null,
        ),
      );
      return {
        number: required(row.number, 'quote.number'),
        franchise: franchise.code,
        storeCode,
        seller: seller(row.seller_code, row.seller_name),
        createdAt: instant(row.created_at, 'quote.created_at'),
        validUntil: instant(row.valid_until, 'quote.valid_until'),
        status,
        webOrderNumber: optionalText(row.web_order_number),
        cardNumber,
        phone,
        lines,
        total: sumOfLines(lines, POS_CURRENCY),
        holder: { cards: cards(cardNumber), phone, clientId: optionalInteger(row.client_id, 'quote.client_id') },
      };
    },

    stock(row) {
      const gtin14 = gtin14Of(row.ean);
      if (gtin14 === null) return null;
      return {
        storeCode: required(row.store_code, 'stock.store_code'),
        gtin14,
        quantity: integer(row.quantity, 'stock.quantity'),
        updatedAt: instant(row.updated_at, 'stock.updated_at'),
      };
    },

    stockLine(row) {
      const ean = optionalText(row.ean);
      const gtin14 = gtin14Of(ean);
      const localCode = optionalText(row.local_code);
      if (gtin14 === null && localCode === null) return null;
      return {
        storeCode: required(row.store_code, 'stock.store_code'),
        ean: gtin14 === null ? null : ean,
        gtin14,
        localCode,
        quantity: integer(row.quantity, 'stock.quantity'),
        updatedAt: instant(row.updated_at, 'stock.updated_at'),
      };
    },

    price(row) {
      const ean = optionalText(row.ean);
      const gtin14 = gtin14Of(ean);
      // As on a till line: a code that is no valid GTIN is the franchise's own, unless it has one.
      const localCode = optionalText(row.local_code) ?? (gtin14 === null ? ean : null);
      if (gtin14 === null && localCode === null) return null;
      return {
        storeCode: required(row.store_code, 'price.store_code'),
        gtin14,
        localCode,
        price: money(row.price, POS_CURRENCY),
        validFrom: instant(row.valid_from, 'price.valid_from'),
        validTo: row.valid_to === null || row.valid_to === undefined ? null : instant(row.valid_to, 'price.valid_to'),
      };
    },

    promotion(row, { franchise }) {
      const id = required(row.id, 'promotion.id');
      const storeCode = optionalText(row.store_code);
      return {
        promotion: posPromotion({
          franchise: franchise.code,
          id,
          title: row.title,
          terms: promotion(required(row.kind, 'promotion.kind'), row.value),
          storeCode,
          items: promotionItems(row.items),
          startsAt: instant(row.starts_at, 'promotion.starts_at'),
          endsAt: instant(row.ends_at, 'promotion.ends_at'),
        }),
        franchise: franchise.code,
        storeCode,
        gtin14: gtin14Of(row.ean),
        itemCode: optionalText(row.ean),
      };
    },
  };
}
