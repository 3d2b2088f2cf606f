import type { CatalogueIndex } from './catalogueIndex.js';
import type { CursorCodec } from './cursor.js';

/** What every route handler serves from: the indexed catalogue and the cursor signer. */
export interface HandlerContext {
  index: CatalogueIndex;
  cursors: CursorCodec;
}
