import { startChildStack, type ChildStack } from './support/childStack.js';

// One request through the whole graph, found in the logs by its id: the gateway's line, the
// subgraph's, and the coded error a failing legacy system caused, logged where it happened
// and where the gateway met it — each carrying the id the caller sent (`x-request-id`).
let stack: ChildStack;

beforeAll(async () => {
  stack = await startChildStack({ env: { LOG_LEVEL: 'debug' } });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function jsonLines(output: string): Array<Record<string, any>> {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, any>];
    } catch {
      return [];
    }
  });
}

async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const token = await stack.tokens.sign({ role: 'service' });
  return fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a request's id is on every line written for it, in the gateway and in the subgraph, and a source's failure is a warning", async () => {
  const rid = 'trace-req-abcdef';
  await fetch(`${stack.admin.loyalty}/__admin/faults`, { method: 'PUT', body: JSON.stringify({ down: true }) });
  try {
    const response = await post('query LoyaltyProbe($id: ID!) { loyaltyMember(memberId: $id) { memberId } }', { id: '424242' }, { 'x-request-id': rid });
    expect(response.headers.get('x-request-id')).toBe(rid);
    const answer = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(answer.errors.map((e) => e.extensions.code)).toContain('SOURCE_UNAVAILABLE');
  } finally {
    await fetch(`${stack.admin.loyalty}/__admin/faults`, { method: 'DELETE' });
  }
  await pause(100);
  const lines = jsonLines(stack.output()).filter((line) => line.rid === rid);
  const of = (component: string, msg: string) => lines.filter((line) => line.component === component && line.msg === msg);

  expect(of('gateway', 'request')).toEqual([
    expect.objectContaining({ level: 30, role: 'service', op: 'LoyaltyProbe', outcome: ['200'], errors: ['SOURCE_UNAVAILABLE'] }),
  ]);
  expect(of('subgraph-loyalty', 'subgraph request')).toEqual([expect.objectContaining({ level: 20, op: 'LoyaltyProbe', outcome: '200', errors: ['SOURCE_UNAVAILABLE'] })]);
  // Where the system failed, and where the gateway met it: code, source, path; never the variables.
  for (const component of ['subgraph-loyalty', 'gateway']) {
    const [warning] = of(component, 'coded error');
    expect(warning).toMatchObject({ level: 40, code: 'SOURCE_UNAVAILABLE', source: 'loyalty', path: ['loyaltyMember'] });
    expect(JSON.stringify(warning)).not.toContain('424242');
  }
  expect(of('gateway', 'coded error')[0]).toMatchObject({ subgraph: 'loyalty' });
  // Found by the id alone: both requests' lines and both warnings.
  expect(lines.length).toBeGreaterThanOrEqual(4);
});

test('an id the log scrubber would take for personal data is not kept: the gateway makes one', async () => {
  const response = await post('{ franchises { code } }', {}, { 'x-request-id': 'caller-0612345678' });
  const given = response.headers.get('x-request-id');
  expect(given).not.toBe('caller-0612345678');
  expect(given).toMatch(/^[0-9a-f-]{36}$/);
  await response.text();
  await pause(100);
  expect(jsonLines(stack.output()).filter((line) => line.rid === given && line.msg === 'request')).toHaveLength(1);
});
