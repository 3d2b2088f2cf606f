/** The error codes the platform answers with, one per HTTP status it uses. */
export type ErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'idempotency_conflict'
  | 'unprocessable'
  | 'rate_limited'
  | 'server_error';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  idempotency_conflict: 409,
  unprocessable: 422,
  rate_limited: 429,
  server_error: 500,
};

/**
 * One of several problems a 422 reports at once: the request field (`lines[2].sku`), a
 * reason code (`unknown_sku`), and a message that shows the offending value.
 */
export interface ErrorDetail {
  field: string;
  code: string;
  message: string;
  /** What the field had to be, when the platform can say (the total the lines come to). */
  expected?: string;
}

/**
 * The JSON body of every error: `{ "error": { "code", "message" } }`, plus `field` on a 422,
 * and `details` when a 422 reports several problems (`field` is then the first one's).
 */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; details?: ErrorDetail[] };
}

/** A refusal that the platform answers with its own JSON error body. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For a 422: the request field that was refused. */
    readonly field?: string,
    /** For a 422: every problem found, when the platform checks a whole request before refusing it. */
    readonly details?: readonly ErrorDetail[],
  ) {
    super(message);
    this.status = STATUS[code];
  }

  /** A 422 reporting every problem of a request at once; `field` is the first one's. */
  static invalid(what: string, details: readonly ErrorDetail[]): ApiError {
    const listed = details.map((detail) => `${detail.field}: ${detail.message}`).join('; ');
    const count = details.length === 1 ? '1 problem' : `${details.length} problems`;
    return new ApiError('unprocessable', `${what} has ${count}: ${listed}`, details[0]!.field, details);
  }

  get body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
        ...(this.details === undefined ? {} : { details: [...this.details] }),
      },
    };
  }
}
