/**
 * The explorer's own script and style, served as files beside GraphiQL's (`explorer.ts`), so
 * that the page needs no inline script and its Content-Security-Policy can allow only its own
 * origin. The script reads the page's configuration (a JSON block, never executed), keeps the
 * bearer token the user pastes in the browser's localStorage, and hands GraphiQL a fetcher that
 * sends it with every request. Plain JavaScript for the browser: it is not compiled, and
 * `test/browser/explorer.test.ts` runs it in Chromium.
 */
export const EXPLORER_SCRIPT = String.raw`'use strict';
(() => {
  const config = JSON.parse(document.getElementById('explorer-config').textContent);
  const STORAGE_KEY = 'crosscanal.explorer.token';
  const form = document.getElementById('explorer-token-form');
  const input = document.getElementById('explorer-token');
  const forget = document.getElementById('explorer-token-forget');
  const status = document.getElementById('explorer-token-status');

  const stored = () => {
    try {
      return localStorage.getItem(STORAGE_KEY) || '';
    } catch {
      return '';
    }
  };
  const store = (token) => {
    try {
      if (token) localStorage.setItem(STORAGE_KEY, token);
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // A browser that keeps nothing (private mode with storage off): the token lasts this page.
    }
    current = token;
  };
  let current = stored();

  // What the token says of its holder, read (not verified: the gateway does that) to show it.
  const describe = (token) => {
    if (!token) return 'No token: products, prices, stores and stock only.';
    let claims;
    try {
      claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    } catch {
      return 'This is not a JWT: the gateway will refuse it.';
    }
    const role = claims[config.claims.role] || 'no role';
    const who = claims.sub ? ' for ' + claims.sub : '';
    if (typeof claims.exp !== 'number') return 'Token: ' + role + who + '.';
    const minutes = Math.round((claims.exp * 1000 - Date.now()) / 60000);
    return minutes <= 0 ? 'Token: ' + role + who + ', expired: make a new one.' : 'Token: ' + role + who + ', expires in ' + minutes + ' min.';
  };
  const show = () => {
    input.value = current;
    status.textContent = describe(current);
    status.dataset.token = current ? 'set' : 'none';
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    store(input.value.trim().replace(/^bearer\s+/i, '').trim());
    show();
  });
  forget.addEventListener('click', () => {
    store('');
    show();
  });
  show();

  // The token and Apollo's CSRF header on every request; an Authorization header typed into
  // GraphiQL's own header editor wins over the pasted token.
  const fetcher = GraphiQL.createFetcher({
    url: config.endpoint,
    fetch: (url, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('apollo-require-preflight', 'true');
      if (current && !headers.has('authorization')) headers.set('authorization', 'Bearer ' + current);
      return window.fetch(url, { ...init, headers });
    },
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(
      GraphiQL,
      {
        fetcher,
        defaultTabs: config.tabs,
        // Without introspection there is no schema to load: GraphiQL runs queries unvalidated.
        ...(config.introspection ? {} : { schema: null }),
        shouldPersistHeaders: false,
      },
      React.createElement(GraphiQL.Logo, null, 'Crosscanal'),
    ),
  );
})();
`;

export const EXPLORER_STYLE = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font: 14px/1.4 system-ui, sans-serif; color-scheme: light dark; }
.explorer-token { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 0.75rem; padding: 0.5rem 1rem; border-bottom: 1px solid rgba(128, 128, 128, 0.35); }
.explorer-token form { display: flex; flex: 1 1 32rem; align-items: center; gap: 0.5rem; margin: 0; }
.explorer-token input { flex: 1; min-width: 10rem; font-family: ui-monospace, monospace; padding: 0.25rem 0.4rem; }
.explorer-token p { margin: 0; flex: 1 1 100%; opacity: 0.8; }
.explorer-token code { font-family: ui-monospace, monospace; }
#graphiql { flex: 1; min-height: 0; }
`;
