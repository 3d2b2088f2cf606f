import { SourceFailure } from '../shared/errors.js';
import type { PosLayout } from './layout.js';
import { nrdCents } from './layouts/nrdCents.js';
import { oueClientTable } from './layouts/oueClientTable.js';
import { sudEurosLocalTime } from './layouts/sudEurosLocalTime.js';

/** The till vendors' layouts this subgraph reads, by the name the directory gives them. */
export const LAYOUTS: ReadonlyMap<string, PosLayout> = new Map([nrdCents, sudEurosLocalTime, oueClientTable].map((layout) => [layout.name, layout]));

/** The layout a franchise's schema follows; a name this subgraph does not know is an answer it cannot read. */
export function layoutFor(franchise: { code: string; layout: string }): PosLayout {
  const layout = LAYOUTS.get(franchise.layout);
  if (!layout) {
    throw new SourceFailure(
      'badResponse',
      `franchise ${franchise.code} uses layout ${JSON.stringify(franchise.layout)}, which this subgraph cannot read (known: ${[...LAYOUTS.keys()].join(', ')})`,
    );
  }
  return layout;
}
