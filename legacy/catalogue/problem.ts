import type { ServerResponse } from 'node:http';

/** Where the PIM's problem types live; each `type` is this base plus the kind. */
export const PROBLEM_BASE = 'https://pim.crosscanal.test/problems/';

const KINDS = {
  'not-found': { status: 404, title: 'Resource not found' },
  'product-not-found': { status: 404, title: 'Product not found' },
  'campaign-not-found': { status: 404, title: 'Campaign not found' },
  'unknown-parameter': { status: 400, title: 'Unknown query parameter' },
  'invalid-parameter': { status: 400, title: 'Invalid query parameter' },
  'batch-too-large': { status: 400, title: 'Batch too large' },
  'invalid-gtin': { status: 400, title: 'Invalid GTIN' },
  'invalid-cursor': { status: 400, title: 'Invalid cursor' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  internal: { status: 500, title: 'Internal server error' },
} as const;

export type ProblemKind = keyof typeof KINDS;

/** An RFC 7807 problem document, as every PIM error body. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
}

/** A refusal that the PIM answers with an `application/problem+json` body. */
export class Problem extends Error {
  readonly status: number;

  constructor(
    readonly kind: ProblemKind,
    /** The human explanation of this occurrence: the broken rule and the offending value. */
    readonly detail: string,
    /** Extra response headers, e.g. `allow` on a 405. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.status = KINDS[kind].status;
  }

  /** The body for this occurrence; `instance` is the request target that caused it. */
  body(instance: string): ProblemBody {
    return { type: PROBLEM_BASE + this.kind, title: KINDS[this.kind].title, status: this.status, detail: this.detail, instance };
  }
}

export function sendProblem(res: ServerResponse, problem: Problem, instance: string): void {
  const text = JSON.stringify(problem.body(instance));
  res.writeHead(problem.status, {
    ...problem.headers,
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
