/** What a GraphQL answer holds; `data` typed loosely on purpose: tests assert on its shape. */
export interface GraphQLAnswer {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

/** POSTs one operation to a GraphQL endpoint, with a bearer token when given, and returns the parsed answer. */
export async function graphql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLAnswer;
  } catch {
    throw new Error(`${url} answered HTTP ${response.status} with something that is not JSON: ${text.slice(0, 200)}`);
  }
}
