/** Why the tills refused a write: final, nothing was written, the same request again gets the same answer. */
export type PosWriteRefusal =
  | 'QUOTE_NOT_FOUND'
  | 'QUOTE_NOT_OPEN'
  | 'QUOTE_EXPIRED'
  | 'QUOTE_CONVERTED_ELSEWHERE'
  | 'INVALID_QUOTE_MARK'
  | 'STORE_NOT_FOUND'
  | 'SELLER_NOT_FOUND'
  | 'INVALID_RETURN'
  | 'INVALID_ERASURE'
  | 'FRANCHISE_NOT_FOUND';

/**
 * A write the franchise tills refused on its merits (the quote is not open, the store is
 * unknown, a line is malformed), as opposed to a `SourceFailure`, where the tills could not be
 * asked. `details` names the offending field or record and its value.
 */
export class PosWriteRefused extends Error {
  override name = 'PosWriteRefused';

  constructor(
    readonly code: PosWriteRefusal,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
