import { startCatalogue, type RunningCatalogue } from '../../../legacy/catalogue/server.js';
import { startEcommerce, type RunningEcommerce } from '../../../legacy/ecommerce/server.js';
import { generateEstate, type Generated } from '../../../legacy/generator/generate.js';
import type { Estate } from '../../../legacy/generator/model.js';
import { startPos, type RunningPos } from '../../../legacy/pos/server.js';
import { CrosswalkStore } from '../store/crosswalkStore.js';
import { createProductReaders, type ProductReader } from './readers.js';
import { formatReferenceSummary } from '../cli/referenceSyncReport.js';
import { referenceStoreOf, resolveReferences } from './referenceIndex.js';
import { createProductReferenceSync, type ReferenceSyncProgress } from './referenceSync.js';

/**
 * The reference index's sync against the real stand-ins, through their own protocols: a
 * first read of the estate as it stood a while ago, then the change feeds up to now, then
 * re-runs; and then every code of every product, asked for as people type it.
 */
interface StandIns {
  catalogue: RunningCatalogue;
  ecommerce: RunningEcommerce;
  pos: RunningPos;
  readers: ProductReader[];
  stop(): Promise<void>;
}

let generated: Generated;
let estate: Estate;
let cutoff: string;
let past: StandIns;
let present: StandIns;
let store: CrosswalkStore;

async function startStandIns(data: Pick<Estate, 'catalogue' | 'ecommerce' | 'pos'>): Promise<StandIns> {
  const [catalogue, ecommerce, pos] = await Promise.all([
    startCatalogue({ data: data.catalogue }),
    startEcommerce({ data: data.ecommerce }),
    startPos({ data: data.pos }),
  ]);
  const readers = createProductReaders({ catalogueUrl: catalogue.url, ecommerceUrl: ecommerce.url, posUrl: pos.url, timeoutMs: 10_000, retries: 0 });
  return {
    catalogue,
    ecommerce,
    pos,
    readers,
    async stop() {
      await Promise.all(readers.map((reader) => reader.close()));
      await Promise.all([catalogue.stop(), ecommerce.stop(), pos.stop()]);
    },
  };
}

beforeAll(async () => {
  generated = generateEstate({ scale: 'tiny' });
  estate = generated.estate;
  const instants = [...estate.catalogue.products.map((p) => p.updated_at), ...estate.ecommerce.products.map((p) => p.updated_at), ...estate.pos.receipts.map((r) => r.sold_at)].sort();
  cutoff = instants[Math.floor(instants.length * 0.8)]!;
  const before = (at: string) => Date.parse(at) < Date.parse(cutoff);
  [past, present, store] = await Promise.all([
    startStandIns({
      catalogue: { ...estate.catalogue, products: estate.catalogue.products.filter((p) => before(p.updated_at)) },
      ecommerce: { ...estate.ecommerce, products: estate.ecommerce.products.filter((p) => before(p.updated_at)) },
      pos: { ...estate.pos, receipts: estate.pos.receipts.filter((r) => before(r.sold_at)) },
    }),
    startStandIns(estate),
    CrosswalkStore.open(),
  ]);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await past?.stop();
  await present?.stop();
});

/** What the index holds, in a form two syncs can be compared by. */
async function snapshot() {
  const q = (sql: string) => store.db.query(sql);
  return {
    catalogue: await q('SELECT catalogue_ref, gtin, web_sku, status, fingerprint FROM product_catalogue ORDER BY 1'),
    codes: await q('SELECT * FROM product_catalogue_code ORDER BY catalogue_ref, kind, franchise, code'),
    web: await q('SELECT sku, gtin, fingerprint FROM product_web ORDER BY 1'),
    lines: await q('SELECT franchise, code, sum(lines)::int AS lines FROM product_pos_code_day GROUP BY 1, 2 ORDER BY 1, 2'),
    gtins: await q('SELECT franchise, gtin14, first_seen, last_seen FROM product_pos_gtin ORDER BY 1, 2'),
    stock: await q('SELECT franchise, kind, code, stores FROM product_pos_stock ORDER BY 1, 2, 3'),
  };
}

/** Local-code till lines per franchise and code, as the generator wrote them. */
function expectedLines(): { franchise: string; code: string; lines: number }[] {
  const counts = new Map<string, number>();
  for (const receipt of estate.pos.receipts) {
    for (const line of receipt.lines) {
      if (line.local_code === null) continue;
      const key = `${receipt.franchise}\n${line.local_code}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].map(([key, lines]) => ({ franchise: key.split('\n')[0]!, code: key.split('\n')[1]!, lines })).sort((a, b) => (a.franchise + a.code < b.franchise + b.code ? -1 : 1));
}

describe('product reference sync', () => {
  test('reads every system in full the first time, with progress and a summary', async () => {
    const progress: ReferenceSyncProgress[] = [];
    const sync = createProductReferenceSync({ store, readers: past.readers, onProgress: (p) => progress.push(p) });
    const summary = await sync.incremental();
    const catalogueCount = past.catalogue.counter.snapshot();
    expect(summary.sources.catalogue).toMatchObject({ full: true, read: expect.any(Number), changed: 0, unchanged: 0, removed: 0 });
    expect(summary.sources.catalogue!.added).toBe(summary.sources.catalogue!.read);
    expect(summary.sources.catalogue!.read).toBe(estate.catalogue.products.filter((p) => Date.parse(p.updated_at) < Date.parse(cutoff)).length);
    expect(summary.sources.ecommerce!.added).toBe(estate.ecommerce.products.filter((p) => Date.parse(p.updated_at) < Date.parse(cutoff)).length);
    expect(summary.sources.pos).toMatchObject({ full: true });
    expect(summary.sources.pos!.read).toBeGreaterThan(50);
    // Pages of 500 and 200: the tiny estate fits in one call per system.
    expect(catalogueCount.byOperation['GET /products']).toBe(1);
    expect(past.ecommerce.counter.snapshot().byOperation['GET /products']).toBe(1);
    for (const source of ['catalogue', 'ecommerce', 'pos'] as const) {
      const last = progress.filter((p) => p.source === source).at(-1);
      expect(last?.done).toBe(last?.total);
    }
    const states = await referenceStoreOf(store).syncStates();
    expect([...states.values()].map((s) => [s.source, s.lastError, s.lastFullAt !== null])).toEqual([
      ['catalogue', null, true],
      ['ecommerce', null, true],
      ['pos', null, true],
    ]);
  });

  test('then follows the change feeds: only what changed is read, and the till counts are those of the whole estate', async () => {
    const sync = createProductReferenceSync({ store, readers: present.readers });
    const summary = await sync.incremental();
    const newProducts = estate.catalogue.products.filter((p) => Date.parse(p.updated_at) >= Date.parse(cutoff)).length;
    const newWeb = estate.ecommerce.products.filter((p) => Date.parse(p.updated_at) >= Date.parse(cutoff)).length;
    expect(summary.sources.catalogue).toMatchObject({ full: false, added: newProducts, changed: 0 });
    expect(summary.sources.catalogue!.read).toBeLessThanOrEqual(newProducts + 1);
    expect(summary.sources.ecommerce).toMatchObject({ full: false, added: newWeb, changed: 0 });
    expect(summary.sources.ecommerce!.read).toBeLessThanOrEqual(newWeb + 1);
    const { lines, gtins, catalogue, web } = await snapshot();
    expect(catalogue).toHaveLength(estate.catalogue.products.length);
    expect(web).toHaveLength(estate.ecommerce.products.length);
    expect(lines).toEqual(expectedLines());
    // Each GTIN's first and last sale, per franchise, over every receipt.
    const sales = new Map<string, [number, number]>();
    for (const receipt of estate.pos.receipts) {
      for (const line of receipt.lines) {
        if (line.ean === null) continue;
        const key = `${receipt.franchise} 0${line.ean}`;
        const at = Date.parse(receipt.sold_at);
        const known = sales.get(key);
        sales.set(key, known ? [Math.min(known[0], at), Math.max(known[1], at)] : [at, at]);
      }
    }
    expect(gtins).toHaveLength(sales.size);
    for (const row of gtins as { franchise: string; gtin14: string; first_seen: unknown; last_seen: unknown }[]) {
      expect([Date.parse(String(row.first_seen)), Date.parse(String(row.last_seen))]).toEqual(sales.get(`${row.franchise} ${row.gtin14}`));
    }
  });

  test('re-running changes nothing: an incremental run re-reads its overlap, a full one every product', async () => {
    const before = await snapshot();
    const sync = createProductReferenceSync({ store, readers: present.readers });
    const again = await sync.incremental();
    expect(again.sources.catalogue).toMatchObject({ added: 0, changed: 0, removed: 0 });
    expect(again.sources.ecommerce).toMatchObject({ added: 0, changed: 0, removed: 0 });
    expect(await snapshot()).toEqual(before);
    const full = await sync.full();
    expect(full.sources.catalogue).toMatchObject({ added: 0, changed: 0, unchanged: estate.catalogue.products.length, removed: 0, full: true });
    expect(full.sources.ecommerce).toMatchObject({ added: 0, changed: 0, unchanged: estate.ecommerce.products.length, removed: 0 });
    expect(await snapshot()).toEqual(before);
  });

  test('every code of every product resolves to it, as people type it; a shared code answers every product that carries it', async () => {
    const carriers = new Map<string, Set<string>>();
    const carry = (code: string, ref: string) => carriers.set(code, new Set([...(carriers.get(code) ?? []), ref]));
    for (const p of estate.catalogue.products) {
      carry(`GTIN ${p.ean}`, p.ref);
      for (const a of p.aliases) carry(`${a.type} ${a.franchise ?? ''} ${a.value.toUpperCase()}`, p.ref);
    }
    const asks: { ref: string; franchise: string | null; expected: string; shared: boolean }[] = [];
    for (const p of estate.catalogue.products) {
      asks.push({ ref: p.ref.replace(/\./g, ''), franchise: null, expected: p.ref, shared: false });
      asks.push({ ref: `0${p.ean}`, franchise: null, expected: p.ref, shared: carriers.get(`GTIN ${p.ean}`)!.size > 1 });
      for (const a of p.aliases) {
        const shared = carriers.get(`${a.type} ${a.franchise ?? ''} ${a.value.toUpperCase()}`)!.size > 1;
        if (a.type === 'WEB_SKU') asks.push({ ref: a.value.toLowerCase(), franchise: null, expected: p.ref, shared });
        if (a.type === 'SUPPLIER_REF') asks.push({ ref: a.value, franchise: null, expected: p.ref, shared });
        if (a.type === 'POS_CODE') asks.push({ ref: a.value, franchise: a.franchise, expected: p.ref, shared });
      }
    }
    const answers = await resolveReferences(referenceStoreOf(store), asks, new Date().toISOString());
    const wrong = asks.filter((ask, i) => {
      const answer = answers[i];
      if (answer === null || answer === undefined) return true;
      if (!answer.ambiguous) return answer.product?.catalogueRef !== ask.expected;
      // Ambiguous only where the estate itself shares the code (or the reading is shared with another kind), never wrong.
      return !answer.candidates.some((c) => c.product?.catalogueRef === ask.expected);
    });
    expect(wrong).toEqual([]);
    const ambiguous = asks.filter((_, i) => answers[i]!.ambiguous);
    expect(ambiguous.length).toBeLessThan(asks.length / 50);
    expect(asks.filter((a) => a.shared).every((a) => ambiguous.includes(a))).toBe(true);
  });

  test('web-only products resolve by their SKU; codes only the tills use are null and reported', async () => {
    const index = referenceStoreOf(store);
    const truth = generated.truth.products;
    const webOnly = truth.filter((p) => p.catalogueRef === null && p.webSku !== null);
    const web = await resolveReferences(index, webOnly.map((p) => ({ ref: p.webSku!, franchise: null })), new Date().toISOString());
    expect(web.map((m) => m?.product)).toEqual(webOnly.map((p) => ({ catalogueRef: null, gtin: estate.ecommerce.products.find((w) => w.sku === p.webSku)!.ean, webSku: p.webSku })));

    const tillOnly = truth.filter((p) => p.catalogueRef === null && p.posCodes.length > 0).flatMap((p) => p.posCodes);
    expect(tillOnly.length).toBeGreaterThan(0);
    const answers = await resolveReferences(index, tillOnly.map((c) => ({ ref: c.code, franchise: c.franchise })), new Date().toISOString());
    expect(answers.every((a) => a === null)).toBe(true);
    const report = await index.unmapped({ system: 'POS', first: 500 });
    const used = new Set(expectedLines().map((l) => `${l.franchise} ${l.code}`));
    for (const stock of estate.pos.stock) {
      if (stock.local_code) used.add(`${estate.pos.stores.find((s) => s.code === stock.store_code)!.franchise} ${stock.local_code}`);
    }
    expect(report.map((u) => `${u.franchise} ${u.code}`).sort()).toEqual(tillOnly.map((c) => `${c.franchise} ${c.code}`).filter((c) => used.has(c)).sort());
    for (const u of report) {
      expect(u.lookups).toBeGreaterThanOrEqual(1);
      expect(u.tillLines).toBe(expectedLines().find((l) => l.franchise === u.franchise && l.code === u.code)?.lines ?? 0);
    }
    const quality = await index.quality();
    expect(quality.webOnlyProducts).toBe(webOnly.length);
    expect(quality.unmappedCodes.filter((t) => t.system === 'POS').reduce((sum, t) => sum + t.codes, 0)).toBe(report.length);
  });

  test('a system that fails keeps its watermark and its error; the others are synced', async () => {
    const index = referenceStoreOf(store);
    const before = (await index.syncStates()).get('catalogue')!;
    present.catalogue.faults.set({ down: true });
    try {
      const summary = await createProductReferenceSync({ store, readers: present.readers }).incremental();
      expect(summary.sources.catalogue!.error).toMatch(/^catalogue: GET \/products/);
      expect(summary.sources.ecommerce!.error).toBeUndefined();
      const after = await index.syncStates();
      expect(after.get('catalogue')).toMatchObject({ watermark: before.watermark, lastFullAt: before.lastFullAt, lastError: summary.sources.catalogue!.error });
      expect(after.get('ecommerce')!.lastError).toBeNull();
    } finally {
      present.catalogue.faults.reset();
    }
    await createProductReferenceSync({ store, readers: present.readers }).incremental();
    expect((await index.syncStates()).get('catalogue')!.lastError).toBeNull();
  });

  test('each run forgets the references asked for that named nothing, past their retention or beyond the most recent kept', async () => {
    const index = referenceStoreOf(store);
    const longAgo = new Date(Date.now() - 200 * 86_400_000).toISOString();
    await resolveReferences(index, [{ ref: 'NO-SUCH-REF-OLD', franchise: null }], longAgo);
    await resolveReferences(index, [{ ref: 'NO-SUCH-REF-1', franchise: null }, { ref: 'NO-SUCH-REF-2', franchise: null }], new Date().toISOString());
    const asked = async () => (await index.unmapped({ system: 'CROSSCANAL', first: 500 })).map((u) => u.code).filter((v) => v.startsWith('NO-SUCH-REF')).sort();
    expect(await asked()).toEqual(['NO-SUCH-REF-1', 'NO-SUCH-REF-2', 'NO-SUCH-REF-OLD']);

    const kept = await createProductReferenceSync({ store, readers: present.readers, misses: { days: 90, max: 10_000 } }).incremental();
    expect(kept.missesPruned).toBeGreaterThanOrEqual(1);
    expect(await asked()).toEqual(['NO-SUCH-REF-1', 'NO-SUCH-REF-2']);
    expect(formatReferenceSummary(kept)).toMatch(/misses +\d+ references asked for that named nothing forgotten/);

    const capped = await createProductReferenceSync({ store, readers: present.readers, misses: { days: 90, max: 0 } }).incremental();
    expect(capped.missesPruned).toBeGreaterThanOrEqual(2);
    expect(await asked()).toEqual([]);
  });

  test('one sync at a time across replicas: a lease another holds makes a run skip', async () => {
    expect(await store.acquireLease('product-reference-sync', 'another replica', 60_000)).toBe(true);
    try {
      const summary = await createProductReferenceSync({ store, readers: present.readers }).incremental();
      expect(summary.skipped).toBe('another sync holds the lease');
      expect(summary.sources).toEqual({});
    } finally {
      await store.releaseLease('product-reference-sync', 'another replica');
    }
  });
});
