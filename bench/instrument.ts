import type { SourceReader } from '../subgraphs/crosscanal/sources/reader.js';
import type { CrosswalkStore } from '../subgraphs/crosscanal/store/crosswalkStore.js';
import type { SqlSession } from '../subgraphs/crosscanal/store/database.js';
import type { MemorySampler, Timeline } from './measure.js';

/** Label prefix of the SQL statement spans. */
export const SQL = 'sql ';

/**
 * Times what a build does to the store, from outside it: the store calls the sync makes
 * (`upsert <SYSTEM>`, `allRecords`, `allLinks`, `usedCustomerIds`, `applyPlan`) and every SQL
 * statement underneath (`sql <VERB> <table>`), and moves the memory sampler from phase to
 * phase at the calls that open them. Returns a function that puts the store back as it was,
 * so that whatever runs after the build is not counted in it.
 */
export function instrumentStore(store: CrosswalkStore, timeline: Timeline, memory: MemorySampler): () => void {
  const { upsertRecords, allRecords, allLinks, usedCustomerIds, applyPlan } = store;
  store.upsertRecords = (records, readAt) => timeline.time(`upsert ${records[0]?.system ?? 'none'}`, () => upsertRecords.call(store, records, readAt));
  store.allRecords = () => {
    memory.enter('load');
    return timeline.time('allRecords', () => allRecords.call(store));
  };
  store.allLinks = () => timeline.time('allLinks', () => allLinks.call(store));
  store.usedCustomerIds = () => timeline.time('usedCustomerIds', () => usedCustomerIds.call(store));
  store.applyPlan = async (...args) => {
    memory.enter('write');
    try {
      return await timeline.time('applyPlan', () => applyPlan.apply(store, args));
    } finally {
      memory.enter('finish');
    }
  };

  const db = store.db;
  const { query, exec, transaction } = db;
  const timed = (session: SqlSession): SqlSession => ({
    query: <T>(text: string, params?: unknown[]) => timeline.time(SQL + statementLabel(text), () => session.query<T>(text, params)),
    exec: (script) => timeline.time(SQL + statementLabel(script), () => session.exec(script)),
  });
  const wrapped = timed({ query: query.bind(db), exec: exec.bind(db) });
  const inTransaction = transaction.bind(db);
  db.query = wrapped.query;
  db.exec = wrapped.exec;
  db.transaction = (work) => inTransaction((tx) => work(timed(tx)));

  return () => {
    Object.assign(store, { upsertRecords, allRecords, allLinks, usedCustomerIds, applyPlan });
    Object.assign(db, { query, exec, transaction });
  };
}

/** Times a reader's whole read as `read <name>`. */
export function timedReader(reader: SourceReader, timeline: Timeline): SourceReader {
  return {
    name: reader.name,
    read: (since, onBatch, onProgress) => timeline.time(`read ${reader.name}`, () => reader.read(since, onBatch, onProgress)),
    close: () => reader.close(),
  };
}

/** A statement's verb and main table: `INSERT INTO customer_link`, `SELECT source_record`. */
export function statementLabel(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  const write = /^(INSERT INTO|UPDATE|DELETE FROM)\s+([\w.]+)/i.exec(text);
  if (write) return `${write[1]!.toUpperCase()} ${write[2]}`;
  if (/^(SELECT|WITH)\b/i.test(text)) return `SELECT ${/\bFROM\s+([a-z_][\w.]*)/i.exec(text)?.[1] ?? '-'}`;
  return text.split(' ').slice(0, 2).join(' ').toUpperCase();
}
