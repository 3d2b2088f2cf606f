import { GraphQLError } from 'graphql';
import pg from 'pg';
import { SourceFailure } from '../../shared/errors.js';
import { pgFailure, untilAborted } from '../../shared/postgres.js';
import type { CacheKind, LegacySource } from '../../shared/source.js';
import { Directory, directoryFromRow } from '../directory.js';
import { lookupKey, phoneVariants, type PosLookup } from '../identities.js';
import { CACHE_KINDS } from '../loaders.js';
import { phoneOf } from '../mapping.js';
import type { FranchiseEntry, QuoteStatus } from '../records.js';
import { checkErasure, type EraseCustomerInput, type ErasureToRun } from './erasureInput.js';
import {
  blankClients,
  clearColumn,
  clientsToErase,
  lockReturnsOfStores,
  returnsOfReceipts,
  rowsWithPhones,
  type PhoneRow,
} from './erasureStatements.js';
import { PosWriteRefused } from './posWriteRefused.js';
import { lockQuote, markConvertedOnline, type LockedQuoteRow } from './quoteStatements.js';
import { checkReturn, type RecordReturnInput } from './returnInput.js';
import { insertReturn, insertReturnLines, lastReturnSequence, lockStoreReturns, sameReturn, sellerOfStore } from './returnStatements.js';
import type { Statement, WriteLayout } from './writeLayout.js';
import { writeLayoutFor } from './writeLayouts.js';

/** The directory's schema name before any prefix. */
const DIRECTORY_SCHEMA = 'pos_directory';

export interface PosWriterOptions {
  /** The POS database, `postgres://user@host:port/database`. */
  url: string;
  /** Put in front of `pos_directory` (several datasets sharing one database). Default ''. */
  schemaPrefix?: string;
  /**
   * The POS's resilience policy (timeout, retries, breaker). Every write is idempotent, so a
   * lost answer is retried safely. Given the POS subgraph's own source, with its cache, a write
   * also forgets the cached records (and, for an erasure, the cached lists of the person's) it changed.
   */
  source: LegacySource;
  /** Per statement: the database cancels it (`statement_timeout`). Default 5000 ms. */
  timeoutMs?: number;
  /** Connections at most. Default 4. */
  poolSize?: number;
  /** How long a directory read is reused; a store or number it does not know is looked up again first. Default 60 s. */
  directoryTtlMs?: number;
  /** The tills' clock: when a quote is finished online, for its validity. Default: the system clock. */
  clock?: () => Date;
}

export interface MarkQuoteInput {
  /** e.g. `Q-NRD01-000042`: the store code in it names the franchise. */
  quoteNumber: string;
  /** The web order that finished the quote, e.g. `W1004231`. */
  webOrderNumber: string;
}

export interface QuoteMarked {
  /** `ALREADY_MARKED`: the quote was already finished online by this web order; nothing was written. */
  outcome: 'MARKED' | 'ALREADY_MARKED';
  franchise: string;
  storeCode: string;
}

export interface ReturnRecorded {
  /** `ALREADY_RECORDED`: the same return was found; nothing was written. */
  outcome: 'RECORDED' | 'ALREADY_RECORDED';
  returnNumber: string;
  franchise: string;
}

/** What an erasure changed in one franchise's tills: the rows it changed, of each kind. */
export interface FranchiseErasure {
  franchise: string;
  /** Receipts whose card, phone or client link was cleared. */
  receipts: number;
  /** Returns whose card was cleared (a return shows its receipt's phone, cleared with the receipt). */
  returns: number;
  /** Quotes whose card, phone or client link was cleared. */
  quotes: number;
  /** Rows of the franchise's customer table blanked; 0 in a layout without one. */
  clients: number;
  /** The tills' clock when the franchise's transaction ran. */
  erasedAt: string;
}

type Query = <R = Record<string, unknown>>(statement: Statement) => Promise<R[]>;

/**
 * Writes the journeys' records to the franchise tills, each franchise in its own layout and
 * units: a quote finished online, a return taken at a store, a person erased. Each write is
 * one transaction in the franchise's schema (an erasure, one per franchise), idempotent (a
 * repeat answers `ALREADY_…`, or erases nothing more, and writes nothing), and goes through the
 * POS source (timeout, retries, breaker).
 *
 * Rejects with {@link PosWriteRefused} when the tills refuse the write on its merits (final),
 * and with a `SourceFailure` when they could not be asked (its `kind` says whether a retry may
 * succeed). Keep the two apart: a refusal is never retried, counted as an outage, or opens the
 * breaker.
 */
export class PosWriter {
  private readonly pool: pg.Pool;
  private readonly source: LegacySource;
  private readonly directorySchema: string;
  private readonly directoryTtlMs: number;
  private readonly clock: () => Date;
  private directoryRead: { at: number; directory: Promise<Directory> } | undefined;
  private closing: Promise<void> | undefined;

  constructor({ url, schemaPrefix = '', source, timeoutMs = 5000, poolSize = 4, directoryTtlMs = 60_000, clock = () => new Date() }: PosWriterOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(`${schemaPrefix}${DIRECTORY_SCHEMA}`)) {
      throw new RangeError(`schemaPrefix must be lower-case letters, digits and underscores, got ${JSON.stringify(schemaPrefix)}`);
    }
    this.source = source;
    this.directorySchema = `${schemaPrefix}${DIRECTORY_SCHEMA}`;
    this.directoryTtlMs = directoryTtlMs;
    this.clock = clock;
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      statement_timeout: timeoutMs,
      // The source gives up at its own timeout; this frees the connection of a statement never answered.
      query_timeout: timeoutMs * 2,
      connectionTimeoutMillis: timeoutMs,
      application_name: 'crosscanal-pos-writer',
    });
    // A connection the database dropped while idle: the pool discards it and the next call opens another.
    this.pool.on('error', () => undefined);
  }

  /**
   * Records in the quote's franchise that a web order finished it: the layout's converted-online
   * status and the web order number. The quote must exist (`QUOTE_NOT_FOUND`), be open
   * (`QUOTE_NOT_OPEN`, with its status) and within its validity on the tills' clock
   * (`QUOTE_EXPIRED`). A quote already finished online by this web order answers
   * `ALREADY_MARKED`; by another, `QUOTE_CONVERTED_ELSEWHERE` names it.
   */
  async markQuoteConvertedOnline(input: MarkQuoteInput): Promise<QuoteMarked> {
    const quoteNumber = markField(input?.quoteNumber, 'quoteNumber');
    const webOrderNumber = markField(input?.webOrderNumber, 'webOrderNumber');
    const franchise = await this.franchiseOf((directory) => directory.franchiseOfNumber(quoteNumber));
    if (!franchise) {
      throw new PosWriteRefused('QUOTE_NOT_FOUND', `quote ${quoteNumber} names no store of the POS directory, so no franchise holds it`, { quoteNumber });
    }
    const operation = `markQuoteConvertedOnline ${franchise.code}`;
    const now = this.clock().toISOString();
    const result = await this.transaction(operation, franchise, async (layout, schema, query) => {
      const [quote] = await query<LockedQuoteRow>(lockQuote(layout, schema, quoteNumber, now));
      if (!quote) return new PosWriteRefused('QUOTE_NOT_FOUND', `quote ${quoteNumber} is not in franchise ${franchise.code}'s tills`, { quoteNumber, franchise: franchise.code });
      const status = graphStatus(layout, franchise, quoteNumber, quote.status);
      if (status === 'CONVERTED_ONLINE') {
        if (quote.web_order_number === webOrderNumber) return { outcome: 'ALREADY_MARKED' as const, franchise: franchise.code, storeCode: quote.store_code };
        return new PosWriteRefused(
          'QUOTE_CONVERTED_ELSEWHERE',
          `quote ${quoteNumber} was finished online by ${quote.web_order_number === null ? 'a web order the till did not record' : `web order ${quote.web_order_number}`}, not ${webOrderNumber}`,
          { quoteNumber, webOrderNumber: quote.web_order_number },
        );
      }
      if (status !== 'OPEN') {
        return new PosWriteRefused('QUOTE_NOT_OPEN', `quote ${quoteNumber} is ${status}; only an OPEN quote can be finished online`, { quoteNumber, status });
      }
      if (quote.expired) {
        const validUntil = quote.valid_until.toISOString();
        return new PosWriteRefused('QUOTE_EXPIRED', `quote ${quoteNumber} was valid until ${validUntil}, and it is ${now}`, { quoteNumber, validUntil, at: now });
      }
      await query(markConvertedOnline(layout, schema, quoteNumber, webOrderNumber));
      return { outcome: 'MARKED' as const, franchise: franchise.code, storeCode: quote.store_code };
    });
    if (result.outcome === 'MARKED') await this.source.invalidate(CACHE_KINDS.quote, [`${franchise.code}:${quoteNumber}`]);
    return result;
  }

  /**
   * Records a return in the franchise of the store taking it back (whichever franchise sold
   * the items), in that franchise's layout and units, numbered in its own numbering for the
   * store. A return of the same receipt or web order at the same store and `returnedAt` is the
   * same return: found and answered `ALREADY_RECORDED`, also when both arrive at once.
   * Refused: `INVALID_RETURN` (naming the field), `STORE_NOT_FOUND`, `SELLER_NOT_FOUND`.
   */
  async recordReturn(input: RecordReturnInput): Promise<ReturnRecorded> {
    const taken = checkReturn(input);
    const franchise = await this.franchiseOf((directory) => directory.franchiseOfStore(taken.storeCode));
    if (!franchise) throw new PosWriteRefused('STORE_NOT_FOUND', `store ${taken.storeCode} is not in the POS directory`, { storeCode: taken.storeCode });
    const result = await this.transaction(`recordReturn ${franchise.code}`, franchise, async (layout, schema, query) => {
      await query(lockStoreReturns(schema, taken.storeCode));
      // Before the seller: a repeat is answered as the first was, whatever changed since.
      const [same] = await query<{ return_no: string }>(sameReturn(layout, schema, taken));
      if (same) return { outcome: 'ALREADY_RECORDED' as const, returnNumber: same.return_no, franchise: franchise.code };
      if ((await query(sellerOfStore(layout, schema, taken.storeCode, taken.sellerCode))).length === 0) {
        return new PosWriteRefused('SELLER_NOT_FOUND', `seller ${taken.sellerCode} is not a seller of store ${taken.storeCode}`, {
          storeCode: taken.storeCode,
          sellerCode: taken.sellerCode,
        });
      }
      const prefix = layout.returnNumber.prefix(taken.storeCode);
      const [last] = await query<{ last: string }>(lastReturnSequence(layout, schema, prefix));
      const returnNumber = `${prefix}${String(Number(last?.last ?? 0) + 1).padStart(layout.returnNumber.digits, '0')}`;
      await query(insertReturn(layout, schema, returnNumber, taken));
      await query(insertReturnLines(layout, schema, returnNumber, taken));
      return { outcome: 'RECORDED' as const, returnNumber, franchise: franchise.code };
    });
    if (result.outcome === 'RECORDED') {
      // The lists of returns against the receipt or web order, as this franchise answered them.
      if (taken.receiptNumber !== null) await this.source.invalidate(CACHE_KINDS.returnsOfReceipt, [`${franchise.code}:${taken.receiptNumber}`]);
      if (taken.webOrderNumber !== null) await this.source.invalidate(CACHE_KINDS.returnsOfWebOrder, [`${franchise.code}:${taken.webOrderNumber}`]);
    }
    return result;
  }

  /**
   * Erases a person from the tills (the right to erasure): in each franchise (or the one named),
   * in its own layout, clears the loyalty card and the phone on the receipts, returns and quotes
   * that carry them, and in a layout with a customer table (OUE's `clients`) blanks the clients
   * holding one of the phones or named by `clientIds` (phone empty, name null) and detaches the
   * receipts and quotes that point at them. The receipts, returns and quotes themselves stay, with
   * their lines, amounts and times: the retailer must keep them.
   *
   * Phones are compared as the tills keyed them, read in each store's country (a client row, which
   * has no store, in any country of the franchise's stores): `06 12 34 56 78` at a French store is
   * `+33612345678`, at a Belgian one it is not. Cards are compared exactly.
   *
   * One transaction per franchise, one franchise after the other, each under the returns lock of
   * every store of the franchise (so that a return being recorded commits first and is erased
   * too). Idempotent by nature: a repeat finds nothing left and answers zero counts. A franchise
   * that fails leaves the ones before it erased; the caller sends the erasure again.
   * Refused: `INVALID_ERASURE` (naming the field), `FRANCHISE_NOT_FOUND`. The POS subgraph's
   * cached copies of what changed, and its cached lists of the person's cards, phones and
   * clients, are forgotten.
   */
  async eraseCustomer(input: EraseCustomerInput): Promise<FranchiseErasure[]> {
    const erasure = checkErasure(input);
    const wanted = [...new Set([...(erasure.franchise === null ? [] : [erasure.franchise]), ...erasure.clientIds.map((ref) => ref.franchise)])];
    for (const code of wanted) {
      if (!(await this.franchiseOf((directory) => directory.franchise(code)))) {
        const field = erasure.franchise === code ? 'franchise' : 'clientIds';
        throw new PosWriteRefused('FRANCHISE_NOT_FOUND', `franchise ${code} is not in the POS directory`, { field, franchise: code });
      }
    }
    const directory = await this.directory(false);
    erasure.clientIds.forEach((ref, i) => {
      const layout = writeLayoutFor(directory.franchise(ref.franchise)!);
      if (layout.phones.kept !== 'client_table') {
        throw new PosWriteRefused('INVALID_ERASURE', `clientIds[${i}].franchise ${ref.franchise} keeps no customer table (layout ${layout.name}): its tills keep phones on the receipts`, {
          field: `clientIds[${i}].franchise`,
          value: ref.franchise,
        });
      }
    });
    const franchises = erasure.franchise === null ? directory.franchises : [directory.franchise(erasure.franchise)!];
    const erased: FranchiseErasure[] = [];
    for (const franchise of franchises) erased.push(await this.eraseIn(franchise, directory, erasure));
    return erased;
  }

  /** Closes the connections once the writes under way have finished. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  /** {@link eraseCustomer} in one franchise: one transaction, then the POS subgraph's copies forgotten. */
  private async eraseIn(franchise: FranchiseEntry, directory: Directory, erasure: ErasureToRun): Promise<FranchiseErasure> {
    const stores = directory.storesOf(franchise.code).map((store) => store.code).sort();
    // A franchise without a store in the directory reads numbers as the directory does an unknown store's: in France.
    const countries = [...new Set(directory.storesOf(franchise.code).map((store) => store.country))];
    if (countries.length === 0) countries.push(directory.countryOf(''));
    const wanted = new Set(erasure.phones);
    const isErased = (phone: string, country: string) => wanted.has(phoneOf(phone, country) ?? '');
    const variants = [...new Set(erasure.phones.flatMap(phoneVariants))];
    const named = erasure.clientIds.filter((ref) => ref.franchise === franchise.code).map((ref) => ref.clientId);

    const { receipt, forget } = await this.transaction(`eraseCustomer ${franchise.code}`, franchise, async (layout, schema, query) => {
      const erasedAt = this.clock().toISOString();
      if (stores.length > 0) await query(lockReturnsOfStores(schema, stores));
      const receipts = new Set<string>();
      const quotes = new Map<string, string>();
      const returns = new Map<string, { receipt: string | null; web_order: string | null }>();
      let clientIds: number[] = [];
      let blanked = 0;
      const r = layout.receipts;
      const q = layout.quotes;
      const t = layout.returns;
      const phones = layout.phones;

      if (phones.kept === 'client_table') {
        if (variants.length > 0 || named.length > 0) {
          const rows = await query<{ client_id: number; phone: string }>(clientsToErase(schema, phones, variants, named));
          // A client row has no store: its phone is the person's if it reads as theirs in a country the franchise trades in.
          const namedSet = new Set(named);
          clientIds = rows.filter((row) => namedSet.has(row.client_id) || countries.some((country) => isErased(row.phone, country))).map((row) => row.client_id);
        }
        if (clientIds.length > 0) {
          blanked = (await query(blankClients(schema, phones, clientIds))).length;
          const byClient = { column: phones.receipts, values: clientIds, type: 'int' } as const;
          for (const row of await query<{ number: string }>(clearColumn(schema, r.table, phones.receipts, byClient, { number: r.number }))) receipts.add(row.number);
          const quotesByClient = { column: phones.quotes, values: clientIds, type: 'int' } as const;
          for (const row of await query<{ number: string; store: string }>(clearColumn(schema, q.table, phones.quotes, quotesByClient, { number: q.number, store: q.store }))) {
            quotes.set(row.number, row.store);
          }
        }
      } else if (variants.length > 0) {
        const theirs = (rows: PhoneRow[]) => rows.filter((row) => isErased(row.phone, directory.countryOf(row.store_code))).map((row) => row.number);
        const keyedReceipts = theirs(await query<PhoneRow>(rowsWithPhones(schema, r, phones.receipts, variants)));
        if (keyedReceipts.length > 0) {
          const byNumber = { column: r.number, values: keyedReceipts, type: 'text' } as const;
          for (const row of await query<{ number: string }>(clearColumn(schema, r.table, phones.receipts, byNumber, { number: r.number }))) receipts.add(row.number);
        }
        const keyedQuotes = theirs(await query<PhoneRow>(rowsWithPhones(schema, q, phones.quotes, variants)));
        if (keyedQuotes.length > 0) {
          const byNumber = { column: q.number, values: keyedQuotes, type: 'text' } as const;
          for (const row of await query<{ number: string; store: string }>(clearColumn(schema, q.table, phones.quotes, byNumber, { number: q.number, store: q.store }))) {
            quotes.set(row.number, row.store);
          }
        }
      }

      if (erasure.cardNumbers.length > 0) {
        const card = (column: string) => ({ column, values: erasure.cardNumbers, type: 'text' }) as const;
        for (const row of await query<{ number: string }>(clearColumn(schema, r.table, r.card, card(r.card), { number: r.number }))) receipts.add(row.number);
        const returned = await query<{ number: string; receipt: string | null; web_order: string | null }>(
          clearColumn(schema, t.table, t.card, card(t.card), { number: t.number, receipt: t.receipt, web_order: t.webOrder }),
        );
        for (const row of returned) returns.set(row.number, { receipt: row.receipt, web_order: row.web_order });
        for (const row of await query<{ number: string; store: string }>(clearColumn(schema, q.table, q.card, card(q.card), { number: q.number, store: q.store }))) {
          quotes.set(row.number, row.store);
        }
      }

      // The returns of a changed receipt show its card and phone: the subgraph's copies of them go too.
      const showing = receipts.size === 0 ? [] : await query<{ number: string; receipt: string }>(returnsOfReceipts(layout, schema, [...receipts]));
      const lookups: PosLookup[] = [
        ...erasure.cardNumbers.map((card): PosLookup => ({ kind: 'card', card, franchise: null })),
        ...erasure.phones.map((phone): PosLookup => ({ kind: 'phone', phone, franchise: null })),
      ];
      const identities = [
        ...lookups.flatMap((lookup) => [lookupKey(lookup), lookupKey({ ...lookup, franchise: franchise.code })]),
        ...clientIds.map((clientId) => lookupKey({ kind: 'client', clientId, franchise: franchise.code })),
      ];
      const forget: Array<[CacheKind, string[]]> = [
        [CACHE_KINDS.sale, [...receipts]],
        [CACHE_KINDS.storeReturn, [...returns.keys(), ...showing.map((row) => row.number)]],
        [CACHE_KINDS.returnsOfReceipt, [...receipts, ...[...returns.values()].flatMap((row) => (row.receipt === null ? [] : [row.receipt]))]],
        [CACHE_KINDS.returnsOfWebOrder, [...returns.values()].flatMap((row) => (row.web_order === null ? [] : [row.web_order]))],
        [CACHE_KINDS.quote, [...quotes.keys()]],
        [CACHE_KINDS.quotesOfStore, [...quotes.values()]],
        [CACHE_KINDS.salesFor, identities],
        [CACHE_KINDS.returnsFor, identities],
        [CACHE_KINDS.quotesFor, identities],
      ];
      const receipt: FranchiseErasure = { franchise: franchise.code, receipts: receipts.size, returns: returns.size, quotes: quotes.size, clients: blanked, erasedAt };
      return { receipt, forget };
    });
    // The loaders cache each franchise's share of a key under `<franchise>:<key>`.
    for (const [kind, keys] of forget) await this.source.invalidate(kind, [...new Set(keys)].map((key) => `${franchise.code}:${key}`));
    return receipt;
  }

  /**
   * Runs `work` in one transaction on one connection of the franchise's schema, through the
   * source. A refusal it returns rolls back and is thrown once out of the source, so that it
   * is neither retried nor counted as the tills failing.
   */
  private async transaction<T>(
    operation: string,
    franchise: FranchiseEntry,
    work: (layout: WriteLayout, schema: string, query: Query) => Promise<T | PosWriteRefused>,
  ): Promise<T> {
    return this.call(operation, async (signal) => {
      const layout = writeLayoutFor(franchise);
      const schema = `"${franchise.schema}"`;
      const connecting = this.pool.connect();
      let client: pg.PoolClient;
      try {
        client = await untilAborted(connecting, signal);
      } catch (error) {
        // Given up while waiting for a connection: hand it back when it comes.
        connecting.then((late) => late.release(), () => undefined);
        throw error;
      }
      let broken: Error | undefined;
      // A connection the database drops while checked out is reported by the statement under way;
      // without a listener its 'error' event would end the process.
      const dropped = (error: Error) => {
        broken ??= error;
      };
      client.on('error', dropped);
      const query: Query = async <R>(statement: Statement) => (await untilAborted(client.query(statement), signal)).rows as R[];
      try {
        await query({ text: 'BEGIN', values: [] });
        const outcome = await work(layout, schema, query);
        await query({ text: outcome instanceof PosWriteRefused ? 'ROLLBACK' : 'COMMIT', values: [] });
        return outcome;
      } catch (error) {
        // Queued behind a statement still running, if the call was given up during one.
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.off('error', dropped);
        client.release(broken);
      }
    });
  }

  /** One call through the source: database errors classified on the way in, unwrapped to `SourceFailure`s on the way out. */
  private async call<T>(operation: string, attempt: (signal: AbortSignal) => Promise<T | PosWriteRefused>): Promise<T> {
    let outcome: T | PosWriteRefused;
    try {
      outcome = await this.source.call(
        operation,
        async (signal) => {
          try {
            return await attempt(signal);
          } catch (error) {
            throw pgFailure(error) ?? error;
          }
        },
        // Every write finds its own earlier outcome (an erasure finds nothing left), so an attempt whose answer was lost may run again.
        { idempotent: true },
      );
    } catch (error) {
      throw sourceFailureOf(error);
    }
    if (outcome instanceof PosWriteRefused) throw outcome;
    return outcome;
  }

  /** The franchise `find` picks in the directory; a miss is looked up again in a fresh read (a store opened since). */
  private async franchiseOf(find: (directory: Directory) => FranchiseEntry | undefined): Promise<FranchiseEntry | undefined> {
    return find(await this.directory(false)) ?? find(await this.directory(true));
  }

  /** The directory, in one statement, reused for `directoryTtlMs`. */
  private directory(fresh: boolean): Promise<Directory> {
    const cached = this.directoryRead;
    if (!fresh && cached && Date.now() - cached.at < this.directoryTtlMs) return cached.directory;
    const d = this.directorySchema;
    const read = this.call('directory', async (signal) => {
      const { rows } = await untilAborted(
        this.pool.query<{ directory: unknown }>(/* SQL */ `SELECT json_build_object(
            'franchises', COALESCE((SELECT json_agg(f ORDER BY f.code) FROM ${d}.franchises f), '[]'),
            'stores', COALESCE((SELECT json_agg(s ORDER BY s.store_code) FROM ${d}.stores s), '[]')) AS directory`),
        signal,
      );
      try {
        return new Directory(directoryFromRow(rows[0]?.directory));
      } catch (error) {
        throw new SourceFailure('badResponse', (error as Error).message, undefined, { cause: error });
      }
    });
    const entry = { at: Date.now(), directory: read };
    this.directoryRead = entry;
    read.catch(() => {
      if (this.directoryRead === entry) this.directoryRead = undefined;
    });
    return read;
  }
}

/** The graph's status of a till's code; a code the layout does not know is an answer the writer cannot use. */
function graphStatus(layout: WriteLayout, franchise: FranchiseEntry, quoteNumber: string, code: string): QuoteStatus {
  const status = (Object.keys(layout.quoteStatus) as QuoteStatus[]).find((s) => layout.quoteStatus[s] === code.trim());
  if (!status) {
    throw new SourceFailure('badResponse', `quote ${quoteNumber} of franchise ${franchise.code} has status ${JSON.stringify(code)}, which layout ${layout.name} does not know`);
  }
  return status;
}

function markField(value: unknown, field: keyof MarkQuoteInput): string {
  if (typeof value !== 'string' || value.trim() === '' || value !== value.trim()) {
    throw new PosWriteRefused('INVALID_QUOTE_MARK', `${field} must be a non-empty text without surrounding spaces, got ${JSON.stringify(value) ?? 'undefined'}`, {
      field,
      value: value ?? null,
    });
  }
  return value;
}

/**
 * The source answers failures as coded GraphQL errors; the writer's callers (the crosswalk's
 * journeys) decide by the failure itself whether to try again later.
 */
function sourceFailureOf(error: unknown): unknown {
  if (!(error instanceof GraphQLError)) return error;
  if (error.originalError instanceof SourceFailure) return new SourceFailure(error.originalError.kind, error.message, error.originalError.retryAfterMs, { cause: error });
  if (error.extensions.code === 'DEADLINE_EXCEEDED') return new SourceFailure('timeout', error.message, undefined, { cause: error });
  return error;
}
