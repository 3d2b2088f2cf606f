import { generateEstate } from '../../../legacy/generator/generate.js';
import { CrosswalkStore } from '../store/crosswalkStore.js';
import { importOppositionList, oppositionStatus, opposedPhones, OppositionListRefused, parseOppositionList, type OppositionImport } from './opposition.js';

/** The do-not-call list: reading Bloctel's file, replacing the list, refusing a wrong file. */

describe('parseOppositionList', () => {
  it('reads every accepted way of writing a French number, to E.164', () => {
    const text = ['0612345678', '06 12 34 56 79', '06.12.34.56.80', '+33612345681', '+33 6 12 34 56 82', '0033612345683', '0033 1 42 00 00 00', '09-70-12-34-56'].join('\n');
    expect(parseOppositionList(text)).toEqual({
      numbers: ['+33142000000', '+33612345678', '+33612345679', '+33612345680', '+33612345681', '+33612345682', '+33612345683', '+33970123456'],
      rejected: [],
    });
  });

  it('skips a header line and blank lines, and takes the first column of a CSV', () => {
    const text = '\uFEFFnumero;date_inscription\r\n\r\n0612345678;2024-03-01\r\n"07 11 22 33 44";2025-01-02\r\n   \r\n+33612000000,x\r\n0699887766\t2024\r\n';
    expect(parseOppositionList(text)).toEqual({ numbers: ['+33612000000', '+33612345678', '+33699887766', '+33711223344'], rejected: [] });
    expect(parseOppositionList('numero\n\n0612345678\n\n')).toEqual({ numbers: ['+33612345678'], rejected: [] });
  });

  it('sorts and removes repeats, however each was written', () => {
    expect(parseOppositionList('0712345678\n0612345678\n06 12 34 56 78\n+33612345678\n0033612345678\n').numbers).toEqual(['+33612345678', '+33712345678']);
  });

  it('rejects each line that is not a French number, with its line number and why', () => {
    const text = ['numero', '0612345678', '612345678', '06 12 34', '+32 470 12 34 56', 'telephone', '', ';0612345678', '0612345678 poste 12', '0712345678'].join('\n');
    expect(parseOppositionList(text)).toEqual({
      numbers: ['+33612345678', '+33712345678'],
      rejected: [
        { line: 3, value: '612345678', reason: 'not a phone number' },
        { line: 4, value: '06 12 34', reason: 'not a phone number' },
        { line: 5, value: '+32 470 12 34 56', reason: 'not a French number (+32470123456)' },
        // Only the first line may be a header: a word further down is a broken line.
        { line: 6, value: 'telephone', reason: 'not a phone number' },
        { line: 8, value: ';0612345678', reason: 'the first column is empty' },
        { line: 9, value: '0612345678 poste 12', reason: 'not a phone number' },
      ],
    });
  });

  it("reads the generator's list as exactly its ground truth", () => {
    const { estate, truth } = generateEstate({ scale: 'tiny', seed: 'opposition-parse' });
    expect(parseOppositionList(estate.opposition.bloctel)).toEqual({ numbers: truth.opposition.phones, rejected: [] });
  });

  it('reads an empty file, or a header alone, as no number', () => {
    expect(parseOppositionList('')).toEqual({ numbers: [], rejected: [] });
    expect(parseOppositionList('numero\n')).toEqual({ numbers: [], rejected: [] });
  });
});

/** PGlite always, a real PostgreSQL too when DATABASE_URL is set (in a schema of its own), as the store's contract suite. */
const schema = `cc_opposition_${process.pid}_${Date.now().toString(36)}`;
const backends: [string, () => Promise<CrosswalkStore>][] = [['PGlite', () => CrosswalkStore.open()]];
if (process.env.DATABASE_URL) backends.push(['PostgreSQL', () => CrosswalkStore.open({ databaseUrl: process.env.DATABASE_URL, schema, maxConnections: 2 })]);

describe.each(backends)('the list in the crosswalk, on %s', (backend, open) => {
  let store: CrosswalkStore;
  beforeAll(async () => {
    store = await open();
  }, 60_000);
  afterAll(async () => {
    if (backend === 'PostgreSQL') await store?.db.exec(`DROP SCHEMA ${schema} CASCADE`);
    await store?.close();
  });
  beforeEach(() => store.db.exec('DELETE FROM opposition_phone; DELETE FROM opposition_import;'));

  const lines = (...numbers: string[]) => `numero\n${numbers.join('\n')}\n`;
  const base: Omit<OppositionImport, 'text'> = { list: 'BLOCTEL', fileName: 'bloctel-2026-10.txt', actor: 'test', now: '2026-10-01T08:00:00.000Z' };
  const listed = async () => (await store.db.query<{ phone: string; import_id: string }>('SELECT phone, import_id::text FROM opposition_phone ORDER BY phone')).map((r) => `${r.phone}@${r.import_id}`);
  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(OppositionListRefused);
    return error as OppositionListRefused;
  };

  it('imports a list, then replaces it: numbers no longer on it leave, and the counts say so', async () => {
    expect(await oppositionStatus(store.db)).toBeNull();
    const first = await importOppositionList(store.db, { ...base, text: lines('0611111111', '0622222222', '06 33 33 33 33', '0611111111') });
    expect(first).toEqual({ importId: expect.any(String), numbers: 3, rejected: [], added: 3, removed: 0 });
    expect(await listed()).toEqual([`+33611111111@${first.importId}`, `+33622222222@${first.importId}`, `+33633333333@${first.importId}`]);

    const second = await importOppositionList(store.db, { ...base, fileName: 'bloctel-2026-11.txt', actor: 'cli:alice', now: '2026-11-01T08:00:00.000Z', text: lines('+33622222222', '0644444444', '0655555555') });
    expect(second).toEqual({ importId: expect.any(String), numbers: 3, rejected: [], added: 2, removed: 2 });
    expect(second.importId).not.toBe(first.importId);
    // A number still on the list keeps the import that put it there.
    expect(await listed()).toEqual([`+33622222222@${first.importId}`, `+33644444444@${second.importId}`, `+33655555555@${second.importId}`]);
    expect(await oppositionStatus(store.db)).toEqual({
      importId: second.importId, list: 'BLOCTEL', fileName: 'bloctel-2026-11.txt', numbers: 3, rejected: 0, importedAt: '2026-11-01T08:00:00.000Z', importedBy: 'cli:alice',
    });

    // The same file again changes nothing but the audit trail.
    const again = await importOppositionList(store.db, { ...base, text: lines('+33622222222', '0644444444', '0655555555') });
    expect(again).toMatchObject({ numbers: 3, added: 0, removed: 0 });
    expect(await store.db.query('SELECT id FROM opposition_import')).toHaveLength(3);
  });

  it('refuses a file with no valid number, keeping the list in force and writing nothing', async () => {
    await importOppositionList(store.db, { ...base, text: lines('0611111111', '0622222222') });
    const before = await listed();
    for (const text of ['', 'numero\n', 'numero\nn/a\n#N/A\n']) {
      const error = await refusal(importOppositionList(store.db, { ...base, text, allowRejected: true }));
      expect(error.code).toBe('OPPOSITION_LIST_EMPTY');
      expect(error.message).toMatch(/holds no valid phone number/);
    }
    expect((await refusal(importOppositionList(store.db, { ...base, text: 'numero\nn/a\n' }))).message).toMatch(/line 2 "n\/a": not a phone number/);
    expect(await listed()).toEqual(before);
    expect(await store.db.query('SELECT id FROM opposition_import')).toHaveLength(1);
  });

  it('refuses a file with more than 1 % of its lines rejected, naming the first, unless told to allow them', async () => {
    await importOppositionList(store.db, { ...base, text: lines('0611111111') });
    const good = Array.from({ length: 198 }, (_, i) => `06${String(10_000_000 + i)}`);
    // 2 of 200 lines: 1 %, not more: imported.
    const atLimit = await importOppositionList(store.db, { ...base, text: lines(...good, 'abc', '0612') });
    expect(atLimit).toMatchObject({ numbers: 198, added: 198, removed: 1 });
    expect(atLimit.rejected.map((r) => r.line)).toEqual([200, 201]);

    // 3 of 200 lines: refused, the list left as it was.
    const before = await listed();
    const text = lines(...good.slice(0, 197), 'abc', '0612', '+44 20 7946 0000');
    const error = await refusal(importOppositionList(store.db, { ...base, text }));
    expect(error.code).toBe('OPPOSITION_LIST_REJECTED');
    expect(error.message).toContain('3 of 200 lines are not French phone numbers, more than 1 %');
    expect(error.message).toContain('line 199 "abc": not a phone number; line 200 "0612": not a phone number; line 201 "+44 20 7946 0000": not a French number (+442079460000)');
    expect(error.rejected).toHaveLength(3);
    expect(await listed()).toEqual(before);

    const allowed = await importOppositionList(store.db, { ...base, text, allowRejected: true });
    expect(allowed).toMatchObject({ numbers: 197, added: 0, removed: 1 });
    expect(allowed.rejected).toHaveLength(3);
    expect(await oppositionStatus(store.db)).toMatchObject({ numbers: 197, rejected: 3 });
  });

  it('rolls back everything when the write fails half-way', async () => {
    await importOppositionList(store.db, { ...base, text: lines('0611111111') });
    const before = await listed();
    await expect(
      store.db.transaction(async (tx) => {
        await importOppositionList(tx, { ...base, text: lines('0622222222') });
        expect(await opposedPhones(tx, ['+33622222222', '+33611111111'])).toEqual(new Set(['+33622222222']));
        throw new Error('the caller fails after the import');
      }),
    ).rejects.toThrow('the caller fails after the import');
    expect(await listed()).toEqual(before);
    expect(await store.db.query('SELECT id FROM opposition_import')).toHaveLength(1);
  });

  it('refuses options that cannot be recorded', async () => {
    await expect(importOppositionList(store.db, { ...base, actor: ' ', text: lines('0611111111') })).rejects.toThrow('actor must be a non-empty string');
    await expect(importOppositionList(store.db, { ...base, now: 'soon', text: lines('0611111111') })).rejects.toThrow('now must be an instant');
    expect(await oppositionStatus(store.db)).toBeNull();
  });

  it('says which numbers are on the list, in one query', async () => {
    await importOppositionList(store.db, { ...base, text: lines('0611111111', '0622222222', '0144444444') });
    expect(await opposedPhones(store.db, [])).toEqual(new Set());
    expect(await opposedPhones(store.db, ['+33611111111', '+33633333333', '+33144444444', '+33611111111'])).toEqual(new Set(['+33611111111', '+33144444444']));
    expect(await opposedPhones(store.db, ['0611111111'])).toEqual(new Set());
  });
});
