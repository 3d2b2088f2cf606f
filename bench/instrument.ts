import type { SourceReader } from '../subgraphs/crosscanal/sources/reader.js';
import type { CrosswalkStore } from '../subgraphs/crosscanal/store/crosswalkStore.js';
import type { SqlSession } from '../subgraphs/crosscanal/store/database.js';
import { LinkBuildStore } from '../subgraphs/crosscanal/store/linkBuildStore.js';
import type { PhaseClock, Timeline } from './measure.js';

/** Label prefix of the SQL statement spans. */
export const SQL = 'sql ';

/**
 * Times what a build does to the store, from outside it: the store calls the sync makes
 * (`upsert <SYSTEM>`, `block`, `edges`, `batch records`, `applyPlan`) and every SQL statement
 * underneath (`sql <VERB> <table>`), and moves the phase clock at the calls that open a phase:
 * `block` (numbering and blocking in SQL, the union-find), then batch after batch `load`
 * (its records, links and decisions), `resolve` (entered by the sync's progress) and `write`,
 * then `finish`. Returns a function that puts the store back as it was, so that whatever runs
 * after the build is not counted in it.
 */
export function instrumentStore(store: CrosswalkStore, timeline: Timeline, phases: PhaseClock): () => void {
  const { upsertRecords, applyPlan, recordSourceRun } = store;
  store.upsertRecords = (records, readAt) => timeline.time(`upsert ${records[0]?.system ?? 'none'}`, () => upsertRecords.call(store, records, readAt));
  store.applyPlan = (...args) => {
    phases.enter('write');
    return timeline.time('applyPlan', () => applyPlan.apply(store, args));
  };
  let finishing = false;
  store.recordSourceRun = (...args) => {
    if (!finishing) phases.enter('finish');
    finishing = true;
    return recordSourceRun.apply(store, args);
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

  const linkBuild = new LinkBuildStore(db);
  const timedBuild = Object.assign(Object.create(linkBuild) as LinkBuildStore, {
    block: (maxGroup: number) => {
      phases.enter('block');
      return timeline.time('block', () => linkBuild.block(maxGroup));
    },
    edges: (records: number, pageRecords?: number) => linkBuild.edges(records, pageRecords),
    records: (numbers: ArrayLike<number>) => {
      phases.enter('load');
      return timeline.time('batch records', () => linkBuild.records(numbers));
    },
  });
  Object.defineProperty(store, 'linkBuild', { configurable: true, get: () => timedBuild });

  return () => {
    Object.assign(store, { upsertRecords, applyPlan, recordSourceRun });
    Object.assign(db, { query, exec, transaction });
    delete (store as { linkBuild?: unknown }).linkBuild;
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
