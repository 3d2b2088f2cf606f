import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { HttpRefusal } from '../subgraphs/shared/graphqlHttp.js';
import { CLAIMS } from './claims.js';
import { EXPLORER_SCRIPT, EXPLORER_STYLE } from './explorerClient.js';
import { FIRST_QUERIES } from './explorerExamples.js';

/**
 * The explorer at `/`: GraphiQL, served whole by the gateway from the installed npm packages
 * (react, react-dom, graphiql) and two small files of its own, so that it works on a machine
 * with no network — Apollo Sandbox, which it replaces, loads from a CDN. Nothing on the page
 * names another origin: GraphiQL's fonts and icons are data: URLs inside its stylesheet.
 */

/** Where the assets are served. Each sits under `<name>@<version>/`, so it is cached for a year. */
export const EXPLORER_ASSETS = '/explorer/assets/';

/**
 * Only this origin, for everything: the page has no inline script or style (its configuration is
 * a JSON block, which is never executed); fonts and icons are data: URLs in GraphiQL's stylesheet.
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface ExplorerOptions {
  /** The gateway answers introspection: GraphiQL loads the schema (docs, completion, validation). */
  introspection: boolean;
  /** The gateway trusts the development issuer: the page says to make a token with `npm run token`. */
  devTokens: boolean;
}

export interface Explorer {
  /**
   * Serves the page (a browser's GET of `/` or `/graphql` with no query) or an asset, and says
   * whether it did; any other request is left to GraphQL. An unknown asset is a 404 and a
   * method other than GET or HEAD a 405, thrown as {@link HttpRefusal}s.
   */
  serve(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

interface Asset {
  type: string;
  body: Buffer;
  gzipped?: Promise<Buffer>;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** The files GraphiQL's CDN page loads, from the packages the gateway depends on. */
const PACKAGE_FILES = [
  { name: 'react', file: 'umd/react.production.min.js', type: JS },
  { name: 'react-dom', file: 'umd/react-dom.production.min.js', type: JS },
  { name: 'graphiql', file: 'graphiql.min.js', type: JS },
  { name: 'graphiql', file: 'graphiql.min.css', type: CSS },
] as const;

const require = createRequire(import.meta.url);
const gzipped = promisify(gzip);

/**
 * The bundles end by naming their source maps, which are not served: a browser's developer
 * tools would ask for them and get a 404.
 */
function withoutSourceMap(text: string): string {
  return text.replace(/\n?(\/\/# sourceMappingURL=\S+|\/\*# sourceMappingURL=\S+?\s*\*\/)\s*$/, '\n');
}

/** JSON that can sit inside a `<script>` element: nothing in it can close the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** What a tab opens with: the README's query, named (GraphiQL titles a tab by its operation). */
export function exampleTabs(): Array<{ query: string }> {
  return FIRST_QUERIES.map(({ name, title, query }) => ({ query: `# ${title}\nquery ${name} ${query}` }));
}

function page(paths: { react: string; reactDom: string; graphiqlJs: string; graphiqlCss: string; script: string; style: string }, options: ExplorerOptions): string {
  const config = { endpoint: '/', introspection: options.introspection, claims: { role: CLAIMS.role }, tabs: exampleTabs() };
  const howToGetOne = options.devTokens
    ? 'Customer data needs a token. While <code>npm start</code> runs, make one in a terminal with <code>npm run --silent token -- --role service</code> (other roles: README, &ldquo;Access&rdquo;) and paste it here.'
    : 'Customer data needs a bearer token from the identity provider the gateway trusts (README, &ldquo;Access&rdquo;): paste it here.';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Crosscanal explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${paths.graphiqlCss}">
<link rel="stylesheet" href="${paths.style}">
</head>
<body>
<header class="explorer-token">
<form id="explorer-token-form" autocomplete="off">
<label for="explorer-token">Bearer token</label>
<input id="explorer-token" name="token" type="password" spellcheck="false" placeholder="eyJ…">
<button type="submit">Use</button>
<button type="button" id="explorer-token-forget">Forget</button>
</form>
<span id="explorer-token-status" role="status"></span>
<p>${howToGetOne} It is kept in this browser and sent as <code>Authorization: Bearer</code>.</p>
</header>
<div id="graphiql"><noscript>The explorer needs JavaScript; the graph itself answers POST requests at this address.</noscript></div>
<script type="application/json" id="explorer-config">${scriptJson(config)}</script>
<script src="${paths.react}"></script>
<script src="${paths.reactDom}"></script>
<script src="${paths.graphiqlJs}"></script>
<script src="${paths.script}"></script>
</body>
</html>
`;
}

function pathOf(req: IncomingMessage): { path: string; query: boolean } {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  return mark === -1 ? { path: url, query: false } : { path: url.slice(0, mark), query: mark < url.length - 1 };
}

/** Reads the packages' files once, and builds the page. */
export async function loadExplorer(options: ExplorerOptions): Promise<Explorer> {
  const assets = new Map<string, Asset>();
  const add = (folder: string, file: string, type: string, body: Buffer): string => {
    const path = `${EXPLORER_ASSETS}${folder}/${file}`;
    assets.set(path, { type, body });
    return path;
  };
  const [react, reactDom, graphiqlJs, graphiqlCss] = await Promise.all(
    PACKAGE_FILES.map(async ({ name, file, type }) => {
      const manifest = require.resolve(`${name}/package.json`);
      const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
      const body = Buffer.from(withoutSourceMap(await readFile(join(dirname(manifest), file), 'utf8')));
      return add(`${name}@${version}`, file.slice(file.lastIndexOf('/') + 1), type, body);
    }),
  );
  const own = (file: string, type: string, text: string): string => add(`explorer@${createHash('sha256').update(text).digest('hex').slice(0, 12)}`, file, type, Buffer.from(text));
  const paths = { react: react!, reactDom: reactDom!, graphiqlJs: graphiqlJs!, graphiqlCss: graphiqlCss!, script: own('explorer.js', JS, EXPLORER_SCRIPT), style: own('explorer.css', CSS, EXPLORER_STYLE) };
  const html: Asset = { type: 'text/html; charset=utf-8', body: Buffer.from(page(paths, options)) };

  const send = async (req: IncomingMessage, res: ServerResponse, asset: Asset, headers: Record<string, string>): Promise<void> => {
    let body = asset.body;
    const compress = asset.body.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (compress) {
      // Compressed on first demand, once: the gateway starts no slower for an explorer nobody opens.
      asset.gzipped ??= gzipped(asset.body);
      body = await asset.gzipped;
    }
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': String(body.length),
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
      ...(compress ? { 'content-encoding': 'gzip' } : {}),
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  return {
    async serve(req, res) {
      const { path, query } = pathOf(req);
      const reading = req.method === 'GET' || req.method === 'HEAD';
      if (path.startsWith(EXPLORER_ASSETS)) {
        if (!reading) throw new HttpRefusal(405, 'METHOD_NOT_ALLOWED', `the explorer's assets are read with GET, not ${req.method}`, { allow: 'GET, HEAD' });
        const asset = assets.get(path);
        if (!asset) throw new HttpRefusal(404, 'NOT_FOUND', `the explorer has no asset ${JSON.stringify(path.slice(0, 100))}`);
        await send(req, res, asset, { 'cache-control': 'public, max-age=31536000, immutable' });
        return true;
      }
      if (reading && (path === '/' || path === '/graphql') && !query && (req.headers.accept ?? '').includes('text/html')) {
        await send(req, res, html, {
          // The page names the assets' versions: it is checked again on every visit.
          'cache-control': 'no-cache',
          'content-security-policy': EXPLORER_CSP,
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'DENY',
        });
        return true;
      }
      return false;
    },
  };
}
