/**
 * What a route answers when a plain 200 with the returned body will not do: a status of its
 * own (201 for a record created), and headers (`Location`, `Idempotent-Replayed`).
 */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}
