import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRefusal, readBody } from './graphqlHttp.js';

// A body is read whole whether it is already in the stream's buffer when the handler asks for
// it (a small request, one packet) or still arriving, and the limit holds either way.
const LIMIT = 1024;
let server: Server;
/** How many requests found their body whole in the buffer. */
let wholeInBuffer = 0;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    // As the handlers do: something awaited first, by which time a small body has been parsed.
    void new Promise((resolve) => setImmediate(resolve))
      .then(() => {
        if (req.readableLength > 0 && req.readableLength === Number(req.headers['content-length'])) wholeInBuffer += 1;
        return readBody(req, LIMIT);
      })
      .then(
        (body) => res.end(JSON.stringify({ complete: req.complete, bytes: body.length, text: body.toString('utf8') })),
        (error: HttpRefusal) => res.writeHead(error.status).end(JSON.stringify({ code: error.code })),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/**
 * Sends `parts` as the body, `gapMs` apart: chunked, without a length, or with the length
 * declared (`length`); the status and the answer.
 */
function send(parts: string[], gapMs = 0, length = false): Promise<{ status: number; answer: Record<string, unknown> }> {
  const headers: Record<string, string | number> = { 'content-type': 'application/json' };
  if (length) headers['content-length'] = Buffer.byteLength(parts.join(''));
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, answer: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    void (async () => {
      for (const part of parts) {
        req.write(part);
        if (gapMs > 0) await new Promise((done) => setTimeout(done, gapMs));
      }
      req.end();
    })();
  });
}

test('a body whole in the buffer is read as sent', async () => {
  const body = JSON.stringify({ query: '{ __typename }', variables: { name: 'é€ 𝄞' } });
  const { status, answer } = await send([body]);
  expect(status).toBe(200);
  expect(answer).toEqual({ complete: true, bytes: Buffer.byteLength(body), text: body });
});

test('a body of a declared length, in the buffer before the parser marks the request complete, is read as sent', async () => {
  const body = JSON.stringify({ query: '{ __typename }', variables: { name: 'é€ 𝄞' } });
  const before = wholeInBuffer;
  const { status, answer } = await send([body], 0, true);
  expect(status).toBe(200);
  expect(answer).toMatchObject({ bytes: Buffer.byteLength(body), text: body });
  expect(wholeInBuffer).toBe(before + 1);
  // Declared and sent in parts over time: read whole once it ends.
  expect((await send(['{"query":', '"{ __typename }"}'], 30, true)).answer).toMatchObject({ text: '{"query":"{ __typename }"}' });
  // Declared over the limit: refused before reading.
  expect(await send(['z'.repeat(LIMIT + 1)], 0, true)).toEqual({ status: 413, answer: { code: 'BODY_TOO_LARGE' } });
});

test('a body still arriving is read whole once it ends', async () => {
  const { status, answer } = await send(['{"query":', '"{ __typename }"', '}'], 30);
  expect(status).toBe(200);
  expect(answer).toMatchObject({ text: '{"query":"{ __typename }"}' });
});

test('an empty body is read as empty', async () => {
  expect((await send([])).answer).toMatchObject({ bytes: 0, text: '' });
});

test('past the limit without a length: 413, whole in the buffer or arriving', async () => {
  const large = 'x'.repeat(LIMIT + 1);
  expect(await send([large])).toEqual({ status: 413, answer: { code: 'BODY_TOO_LARGE' } });
  expect(await send([large.slice(0, 600), large.slice(600)], 30)).toEqual({ status: 413, answer: { code: 'BODY_TOO_LARGE' } });
  // Exactly at the limit is accepted.
  expect((await send(['y'.repeat(LIMIT)])).answer).toMatchObject({ bytes: LIMIT });
});
