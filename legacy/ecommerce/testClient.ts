/** One answer of the API, body parsed. */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  // The tests read whatever shape the endpoint under test promises.
  body: any;
}

/** A minimal client for the tests: JSON in, JSON out, paths relative to the server. */
export function jsonClient(baseUrl: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    return { status: res.status, headers: res.headers, body: await res.json() };
  };
  return {
    get: (path: string) => call('GET', path),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    /** A POST; `key`, when given, is sent as the `Idempotency-Key` header. */
    post: (path: string, body: unknown, key?: string) => call('POST', path, body, key === undefined ? {} : { 'Idempotency-Key': key }),
    call,
    /** Every record of a list, following `links.next` from `path`; also returns the pages seen. */
    async all(path: string): Promise<{ records: any[]; pages: number }> {
      const records: unknown[] = [];
      let pages = 0;
      let next: string | null = `${baseUrl}${path}`;
      while (next) {
        const res: Response = await fetch(next);
        expect(res.status).toBe(200);
        const page = (await res.json()) as { data: unknown[]; links: { next: string | null } };
        records.push(...page.data);
        pages += 1;
        next = page.links.next;
      }
      return { records, pages };
    },
  };
}
