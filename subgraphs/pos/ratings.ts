import { SourceFailure } from '../shared/errors.js';
import type { Row, Statement } from './layout.js';
import { wallClockToUtc } from './localTime.js';
import { SUD_TIME_ZONE } from './layouts/sudEurosLocalTime.js';

/**
 * The post-visit survey's answers, which each till vendor files in its own table on its own
 * scale (legacy/pos/visitRatings.ts). Picked by layout name, like every other statement; the
 * graph shows each rating with its scale as given and a value normalised to 1–5.
 */
export interface RatingRecord {
  franchise: string;
  receiptNumber: string;
  storeCode: string;
  ratedAt: string;
  /** As the customer answered, on `scale`. */
  rating: number;
  scale: RatingScale;
  /** On 1 to 5, two decimals: a 0–10 score maps linearly (0 → 1, 10 → 5). */
  normalised: number;
  comment: string | null;
}

export type RatingScale = 'ONE_TO_FIVE' | 'ZERO_TO_TEN';

/** A store's answers: how many, their normalised mean, and the most recent ones. */
export interface StoreRatingsRecord {
  count: number;
  /** Null without any answer. */
  average: number | null;
  recent: RatingRecord[];
}

/** Most recent answers a store's ratings statement returns (`recent(first)` is at most this). */
export const MAX_RECENT_RATINGS = 50;

interface RatingsLayout {
  table: string;
  receipt: string;
  store: string;
  /** The answer's instant as ISO text (UTC), or the wall-clock text the mapper converts. */
  instant: (column: string) => string;
  instantColumn: string;
  score: string;
  comment: string;
  scale: RatingScale;
  toUtc?: (value: string) => string;
}

const utcText = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const RATINGS_LAYOUTS: ReadonlyMap<string, RatingsLayout> = new Map([
  ['nrd_cents', { table: 'visit_ratings', receipt: 'receipt_no', store: 'store_code', instantColumn: 'rated_at', instant: utcText, score: 'rating', comment: 'comment', scale: 'ONE_TO_FIVE' }],
  [
    'sud_euros_local_time',
    {
      table: 'avis_clients', receipt: 'num_ticket', store: 'code_magasin', instantColumn: 'date_reponse',
      instant: (column: string) => `to_char(${column}, 'YYYY-MM-DD HH24:MI:SS.US')`, score: 'note', comment: 'commentaire', scale: 'ZERO_TO_TEN',
      toUtc: (value: string) => wallClockToUtc(value, SUD_TIME_ZONE),
    },
  ],
  ['oue_client_table', { table: 'survey_answer', receipt: 'sale_ref', store: 'shop_code', instantColumn: 'answer_ts', instant: utcText, score: 'stars', comment: 'remark', scale: 'ONE_TO_FIVE' }],
] satisfies Array<[string, RatingsLayout]>);

function ratingsLayout(layout: string): RatingsLayout {
  const found = RATINGS_LAYOUTS.get(layout);
  if (!found) throw new SourceFailure('badResponse', `layout ${JSON.stringify(layout)} has no survey answers this subgraph can read`);
  return found;
}

const columns = (l: RatingsLayout) =>
  `${l.receipt} AS receipt_no, ${l.store} AS store_code, ${l.instant(l.instantColumn)} AS rated_at, ${l.score} AS score, ${l.comment} AS comment`;

/** The answers about these receipts: one statement. */
export function ratingsOfReceipts(layout: string, schema: string, numbers: string[]): Statement {
  const l = ratingsLayout(layout);
  return { text: `SELECT ${columns(l)} FROM ${schema}.${l.table} WHERE ${l.receipt} = ANY($1)`, values: [numbers] };
}

/**
 * Per store: the count and the sum of the scores (on the layout's scale) of every answer, and
 * the `recent` most recent answers, newest first; one statement for a batch of stores. A store
 * without answers has no row.
 */
export function ratingsOfStores(layout: string, schema: string, stores: string[], recent: number): Statement {
  const l = ratingsLayout(layout);
  return {
    text: `SELECT * FROM (
        SELECT ${columns(l)},
          count(*) OVER (PARTITION BY ${l.store}) AS total, sum(${l.score}) OVER (PARTITION BY ${l.store}) AS score_sum,
          row_number() OVER (PARTITION BY ${l.store} ORDER BY ${l.instantColumn} DESC, ${l.receipt} DESC) AS position
        FROM ${schema}.${l.table} WHERE ${l.store} = ANY($1)) ranked
      WHERE position <= $2 ORDER BY store_code, position`,
    values: [stores, recent],
  };
}

/** A score on its scale, as a value on 1 to 5. */
export function normalise(score: number, scale: RatingScale): number {
  return scale === 'ONE_TO_FIVE' ? score : Math.round((1 + (score * 4) / 10) * 100) / 100;
}

export function toRating(row: Row, franchise: { code: string; layout: string }): RatingRecord {
  const l = ratingsLayout(franchise.layout);
  const score = Number(row.score);
  const [min, max] = l.scale === 'ONE_TO_FIVE' ? [1, 5] : [0, 10];
  if (!Number.isInteger(score) || score < min || score > max) throw new RangeError(`${l.score}: expected ${min} to ${max}, got ${JSON.stringify(row.score)}`);
  if (typeof row.rated_at !== 'string') throw new RangeError(`${l.instantColumn}: expected a date and time, got ${JSON.stringify(row.rated_at)}`);
  return {
    franchise: franchise.code,
    receiptNumber: String(row.receipt_no),
    storeCode: String(row.store_code),
    ratedAt: l.toUtc ? l.toUtc(row.rated_at) : row.rated_at,
    rating: score,
    scale: l.scale,
    normalised: normalise(score, l.scale),
    comment: typeof row.comment === 'string' && row.comment.trim() !== '' ? row.comment : null,
  };
}

/** A store's summary from its rows of {@link ratingsOfStores}; the mean of normalised values is the normalised mean (the map is linear). */
export function toStoreRatings(rows: readonly Row[], franchise: { code: string; layout: string }): StoreRatingsRecord {
  if (rows.length === 0) return { count: 0, average: null, recent: [] };
  const { scale } = ratingsLayout(franchise.layout);
  const count = Number(rows[0]!.total);
  const mean = Number(rows[0]!.score_sum) / count;
  return { count, average: Math.round(normalise(mean, scale) * 100) / 100, recent: rows.map((row) => toRating(row, franchise)) };
}
