/** The error codes the platform answers with, one per HTTP status it uses. */
export type ErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'unprocessable'
  | 'rate_limited'
  | 'server_error';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  unprocessable: 422,
  rate_limited: 429,
  server_error: 500,
};

/** The JSON body of every error: `{ "error": { "code", "message" } }`, plus `field` on a 422. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

/** A refusal that the platform answers with its own JSON error body. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For a 422: the request field that was refused. */
    readonly field?: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }

  get body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field === undefined ? {} : { field: this.field }) } };
  }
}
