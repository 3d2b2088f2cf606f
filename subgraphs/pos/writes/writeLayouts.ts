import { SourceFailure } from '../../shared/errors.js';
import { nrdCentsWrites } from './layouts/nrdCents.js';
import { oueClientTableWrites } from './layouts/oueClientTable.js';
import { sudEurosLocalTimeWrites } from './layouts/sudEurosLocalTime.js';
import type { WriteLayout } from './writeLayout.js';

/** The till vendors' layouts this writer writes, by the name the directory gives them. */
export const WRITE_LAYOUTS: ReadonlyMap<string, WriteLayout> = new Map(
  [nrdCentsWrites, sudEurosLocalTimeWrites, oueClientTableWrites].map((layout) => [layout.name, layout]),
);

/** The write layout of a franchise; a layout this writer does not know is an answer it cannot use. */
export function writeLayoutFor(franchise: { code: string; layout: string }): WriteLayout {
  const layout = WRITE_LAYOUTS.get(franchise.layout);
  if (!layout) {
    throw new SourceFailure(
      'badResponse',
      `franchise ${franchise.code} uses layout ${JSON.stringify(franchise.layout)}, which this writer cannot write (known: ${[...WRITE_LAYOUTS.keys()].join(', ')})`,
    );
  }
  return layout;
}
