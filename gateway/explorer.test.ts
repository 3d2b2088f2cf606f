import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { startTestGateway, type TestGateway } from '../test/support/gateway.js';
import { gatewayConfigFromEnv } from './config.js';
import { loadExplorer } from './explorer.js';
import { FIRST_QUERIES } from './explorerExamples.js';

// The explorer at `/`: GraphiQL served whole by the gateway from the installed packages, with
// nothing from another origin; on by default where introspection is, off in production unless
// asked. The browser side (a token pasted, a query run, no request leaving the machine) is
// test/browser/explorer.test.ts.

const installed = (path: string): string => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with exactly the headers given (fetch would add an Accept and decompress). */
function call(url: string, { method = 'GET', headers = {} }: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** What the page links: every src and href. */
function linksOf(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
}

/** The page's configuration block. */
function configOf(html: string): { endpoint: string; introspection: boolean; tabs: Array<{ query: string }> } {
  const block = /<script type="application\/json" id="explorer-config">([\s\S]*?)<\/script>/.exec(html);
  expect(block).not.toBeNull();
  return JSON.parse(block![1]!);
}

describe('the explorer setting', () => {
  const base = { CROSSCANAL_INTERNAL_SECRET: 'a-secret-shared-by-gateway-and-subgraphs', GATEWAY_DEV_ISSUER_DIR: 'data/dev-issuer' };
  const production = { CROSSCANAL_INTERNAL_SECRET: base.CROSSCANAL_INTERNAL_SECRET, NODE_ENV: 'production', GATEWAY_JWT_ISSUER: 'https://id.example', GATEWAY_JWKS_URL: 'https://id.example/jwks.json' };

  it('is on in development and wherever introspection is turned on (npm start), off otherwise', () => {
    expect(gatewayConfigFromEnv({ ...base, NODE_ENV: 'development' }).explorer).toBe(true);
    expect(gatewayConfigFromEnv({ ...base, GATEWAY_INTROSPECTION: 'on' }).explorer).toBe(true);
    expect(gatewayConfigFromEnv({ ...base, NODE_ENV: 'test' }).explorer).toBe(false);
    expect(gatewayConfigFromEnv({ ...base, NODE_ENV: 'development', GATEWAY_EXPLORER: 'off' }).explorer).toBe(false);
  });

  it('is off in production, even with introspection, unless GATEWAY_EXPLORER=on', () => {
    expect(gatewayConfigFromEnv(production).explorer).toBe(false);
    expect(gatewayConfigFromEnv({ ...production, GATEWAY_INTROSPECTION: 'on' }).explorer).toBe(false);
    expect(gatewayConfigFromEnv({ ...production, GATEWAY_EXPLORER: 'on' })).toMatchObject({ explorer: true, introspection: false });
  });

  it('refuses a value that is neither on nor off, naming the variable', () => {
    expect(() => gatewayConfigFromEnv({ ...base, GATEWAY_EXPLORER: 'sandbox' })).toThrow(/GATEWAY_EXPLORER must be on or off, got "sandbox"/);
  });
});

test("the explorer's tabs are the README's first queries, word for word", async () => {
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const start = readme.indexOf('### First queries');
  expect(start).toBeGreaterThanOrEqual(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  const blocks = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(FIRST_QUERIES.map((example) => example.query)).toEqual(blocks);
});

describe('served by a gateway with the explorer on', () => {
  let gateway: TestGateway;
  let html: string;
  let page: Answer;

  beforeAll(async () => {
    gateway = await startTestGateway({}, { env: { GATEWAY_INTROSPECTION: 'on' } });
    page = await call(gateway.url, { headers: BROWSER });
    html = page.body.toString('utf8');
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('answers a browser at / and /graphql with the page, under a policy that allows only its own origin', async () => {
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(html).toMatch(/<title>Crosscanal explorer<\/title>/);
    const policy = new Map(
      String(page.headers['content-security-policy'])
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...sources]) => [name!, sources]),
    );
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    for (const sources of policy.values()) for (const source of sources) expect(["'self'", "'none'", 'data:']).toContain(source);
    const atGraphql = await call(new URL('/graphql', gateway.url).href, { headers: BROWSER });
    expect([atGraphql.status, atGraphql.body.toString('utf8')]).toEqual([200, html]);
  });

  it('names no other origin: every link is one of its own assets or a data: URL, and no inline script runs', () => {
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9]/i);
    const links = linksOf(html);
    expect(links.length).toBe(7);
    for (const link of links) expect(link).toMatch(/^(\/explorer\/assets\/[a-z-]+@[\w.-]+\/[\w.-]+|data:,)$/);
    // Every script element is either a file of its own or a data block, which is never executed.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    for (const [, attributes, content] of scripts) {
      if (content!.trim() !== '') expect(attributes).toBe(' type="application/json" id="explorer-config"');
      else expect(attributes).toMatch(/^ src="\/explorer\/assets\//);
    }
    expect(html).not.toMatch(/\son[a-z]+=|style=|javascript:/i);
  });

  it("opens the README's first queries as named tabs, and says how to get a token", () => {
    const config = configOf(html);
    expect(config.endpoint).toBe('/');
    expect(config.introspection).toBe(true);
    expect(config.tabs).toHaveLength(FIRST_QUERIES.length);
    for (const [i, { name, query }] of FIRST_QUERIES.entries()) {
      expect(config.tabs[i]!.query).toContain(`query ${name} ${query}`);
    }
    expect(html).toContain('npm run --silent token -- --role service');
    expect(html).toContain('Authorization: Bearer');
  });

  it("serves react, react-dom and GraphiQL from the installed packages, under their versions, cached for a year", async () => {
    const expected = [
      { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript; charset=utf-8' },
      { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript; charset=utf-8' },
      { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript; charset=utf-8' },
      { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css; charset=utf-8' },
    ];
    const links = linksOf(html);
    for (const { pkg, file, type } of expected) {
      const { version } = JSON.parse(await readFile(installed(`${pkg}/package.json`), 'utf8')) as { version: string };
      const name = file.split('/').pop()!;
      const path = `/explorer/assets/${pkg}@${version}/${name}`;
      expect(links).toContain(path);
      const asset = await call(new URL(path, gateway.url).href);
      expect({ path, status: asset.status, type: asset.headers['content-type'], cache: asset.headers['cache-control'], nosniff: asset.headers['x-content-type-options'] }).toEqual({
        path,
        status: 200,
        type,
        cache: 'public, max-age=31536000, immutable',
        nosniff: 'nosniff',
      });
      // The package's file, less the source map comment at its end (the maps are not served).
      const original = await readFile(installed(`${pkg}/${file}`), 'utf8');
      const mapComment = original.lastIndexOf('sourceMappingURL=');
      const body = asset.body.toString('utf8');
      expect(body.length).toBeGreaterThan(original.length - 200);
      expect(body.slice(0, 5000)).toBe(original.slice(0, 5000));
      if (mapComment !== -1) expect(body.trimEnd()).toBe(original.slice(0, original.lastIndexOf('\n', mapComment)).trimEnd());
      else expect(body).toBe(original);
    }
  });

  it("serves the explorer's own script and style under a version, and compresses for a client that accepts gzip", async () => {
    const own = linksOf(html).filter((link) => link.includes('/explorer@'));
    expect(own.map((link) => link.split('/').pop())).toEqual(['explorer.css', 'explorer.js']);
    for (const link of own) {
      const asset = await call(new URL(link, gateway.url).href);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toBe(link.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    }
    const graphiql = linksOf(html).find((link) => link.endsWith('/graphiql.min.js'))!;
    const plain = await call(new URL(graphiql, gateway.url).href);
    const zipped = await call(new URL(graphiql, gateway.url).href, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
  });

  it("GraphiQL's stylesheet brings its fonts and icons as data: URLs, and imports nothing", async () => {
    const css = (await call(new URL(linksOf(html).find((link) => link.endsWith('.min.css'))!, gateway.url).href)).body.toString('utf8');
    const urls = [...css.matchAll(/url\(\s*['"]?([^'")\s]+)/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => !u.startsWith('data:'))).toEqual([]);
    expect(css).not.toMatch(/@import/);
  });

  it('refuses an unknown asset with 404 and a write with 405, in JSON; HEAD answers the headers', async () => {
    const missing = await call(new URL('/explorer/assets/graphiql@0.0.0/graphiql.min.js', gateway.url).href);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString('utf8')).errors[0].extensions.code).toBe('NOT_FOUND');
    const asset = linksOf(html).find((link) => link.endsWith('/react.production.min.js'))!;
    const posted = await call(new URL(asset, gateway.url).href, { method: 'POST' });
    expect([posted.status, posted.headers.allow]).toEqual([405, 'GET, HEAD']);
    const head = await call(new URL(asset, gateway.url).href, { method: 'HEAD' });
    expect([head.status, head.body.length, Number(head.headers['content-length'])]).toEqual([200, 0, (await call(new URL(asset, gateway.url).href)).body.length]);
  });

  it('leaves GraphQL requests to the graph, a GET with a query from a browser included', async () => {
    const posted = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(await posted.json()).toEqual({ data: { __typename: 'Query' } });
    const got = await call(`${gateway.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { ...BROWSER, 'apollo-require-preflight': 'true' } });
    expect(got.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
    expect(JSON.parse(got.body.toString('utf8'))).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('a gateway with the explorer off', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({}, { env: { GATEWAY_INTROSPECTION: 'on', GATEWAY_EXPLORER: 'off' } });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('serves no page at / (a JSON refusal, as with no landing page) and no assets', async () => {
    const root = await call(gateway.url, { headers: BROWSER });
    expect(root.status).toBe(400);
    expect(root.headers['content-type']).toMatch(/json/);
    expect(root.headers['content-security-policy']).toBeUndefined();
    expect(JSON.parse(root.body.toString('utf8')).errors.length).toBeGreaterThan(0);
    const asset = await call(new URL('/explorer/assets/react@18.3.1/react.production.min.js', gateway.url).href);
    expect(asset.status).toBe(404);
    expect(JSON.parse(asset.body.toString('utf8')).errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

test('without introspection the page loads no schema, and without the development issuer it sends the user to the identity provider', async () => {
  const explorer = await loadExplorer({ introspection: false, devTokens: false });
  const server = createServer((req, res) => {
    explorer.serve(req, res).then((served) => (served ? undefined : res.writeHead(418).end()), () => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const html = (await call(url, { headers: BROWSER })).body.toString('utf8');
    expect(configOf(html).introspection).toBe(false);
    expect(html).not.toContain('npm run');
    expect(html).toContain('identity provider');
    expect((await call(url, { headers: { accept: 'application/json' } })).status).toBe(418);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
