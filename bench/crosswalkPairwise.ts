import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { PersonTruth } from '../legacy/generator/model.js';
import { truthRecordId } from '../subgraphs/crosscanal/evaluation/accuracy.js';
import { pairwiseScore, type PairwiseScore } from '../subgraphs/crosscanal/evaluation/pairwise.js';
import type { CrosswalkStore } from '../subgraphs/crosscanal/store/crosswalkStore.js';
import { keyOfRow, type KeyRow } from '../subgraphs/crosscanal/store/recordRows.js';

/**
 * The crosswalk's pairwise precision and recall alone, for an estate too large for the full
 * evaluation (which holds the estate, every record and the evidence between them): the ground
 * truth's persons read line by line, the links a page at a time. It holds one entry per
 * record on each side, and scores exactly as the full evaluation's `crosswalk` line does.
 */
export async function pairwiseFromStore(store: CrosswalkStore, dataDir: string, pageRows = 100_000): Promise<{ score: PairwiseScore; persons: number }> {
  let persons = 0;
  const truth = new Map<string, string>();
  const lines = createInterface({ input: createReadStream(join(dataDir, 'ground-truth', 'persons.jsonl')), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const person = JSON.parse(line) as PersonTruth;
    persons += 1;
    for (const record of person.records) truth.set(truthRecordId(record), person.personId);
  }
  const predicted = new Map<string, string>();
  let after: KeyRow = { system: '', franchise: '', local_id: '' };
  for (;;) {
    const rows = await store.db.query<KeyRow & { customer_id: string }>(
      `SELECT system, franchise, local_id, customer_id FROM customer_link
       WHERE (system, franchise, local_id) > ($1, $2, $3) ORDER BY system, franchise, local_id LIMIT $4`,
      [after.system, after.franchise, after.local_id, pageRows],
    );
    for (const row of rows) predicted.set(keyOfRow(row), row.customer_id);
    if (rows.length < pageRows) break;
    after = rows.at(-1)!;
  }
  return { score: pairwiseScore(truth, predicted), persons };
}
