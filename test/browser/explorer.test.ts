import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import type { Estate } from '../../legacy/generator/model.js';
import type { RunningStack } from '../../scripts/stack.js';
import { FIRST_QUERIES } from '../../gateway/explorerExamples.js';
import { startTinyStack, type TinyStack } from '../support/tinyStack.js';

// The explorer in a real browser, on a machine with no network: Debian's Chromium, kept off
// the network by its own flags, opens the explorer of a gateway over the whole graph (a tiny
// estate), runs a query without a token (refused), takes a pasted token, keeps it across a
// reload, and shows the customer's data. Any request to another origin than the gateway's is
// aborted and fails the test, as does any script error or Content-Security-Policy violation.
// CI installs Chromium (.ci/run); without it, this suite says so and skips.

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) console.warn(`test/browser/explorer.test.ts skipped: ${CHROMIUM} is missing (Debian: apt-get install -y chromium)`);

/** Flags that keep Chromium off the network: no name resolves but the loopback address, no proxy, no background traffic. */
const OFFLINE_ARGS = [
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--no-proxy-server',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-domain-reliability',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-client-side-phishing-detection',
  '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-dev-shm-usage',
];

const TOKEN_KEY = 'crosscanal.explorer.token';

(present ? describe : describe.skip)('the explorer in Chromium, offline', () => {
  let tiny: TinyStack;
  let stack: RunningStack;
  let estate: Estate;
  let browser: Browser;
  let page: Page;
  let origin: string;
  /** Requests to any other origin, aborted. */
  const elsewhere: string[] = [];
  /** Script errors, and console errors (a CSP violation is one). */
  const failures: string[] = [];
  /** Loads the browser reported refused with 401. */
  let refused = 0;
  /** The GraphQL requests the page sent, with the headers that matter here. */
  const sent: Array<{ operationName: string | null; query: string; authorization: string | undefined; preflight: string | undefined }> = [];

  beforeAll(async () => {
    [tiny, browser] = await Promise.all([startTinyStack('explorer'), chromium.launch({ executablePath: CHROMIUM, args: OFFLINE_ARGS, timeout: 15_000 })]);
    ({ stack, estate } = tiny);
    origin = new URL(stack.gateway.url).origin;
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      elsewhere.push(url);
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
    page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // The browser reports the refused anonymous run as it reports any failed load: counted apart.
      if (/status of 401 \(Unauthorized\)/.test(message.text())) refused += 1;
      else failures.push(`console: ${message.text()}`);
    });
    page.on('request', (request: Request) => {
      if (request.method() !== 'POST') return;
      const body = request.postDataJSON() as { operationName?: string | null; query?: string } | null;
      const headers = request.headers();
      sent.push({ operationName: body?.operationName ?? null, query: body?.query ?? '', authorization: headers.authorization, preflight: headers['apollo-require-preflight'] });
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await tiny?.stop();
  });

  /** The text of GraphiQL's result pane, once it matches. */
  async function result(matching: RegExp): Promise<string> {
    const pane = page.locator('.graphiql-response .CodeMirror-code');
    await page.waitForFunction(
      ([selector, source]) => new RegExp(source!).test(document.querySelector(selector!)?.textContent ?? ''),
      ['.graphiql-response .CodeMirror-code', matching.source],
      { timeout: 10_000 },
    );
    return (await pane.textContent()) ?? '';
  }

  /** Types a query into the active tab's editor and runs it. */
  async function run(query: string): Promise<void> {
    await page.locator('.graphiql-query-editor .CodeMirror').click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Delete');
    // Typed as text input: key by key, the editor would close each bracket itself.
    await page.keyboard.insertText(query);
    // GraphiQL reads the operation's name from the editor a moment after an edit, and titles the tab with it.
    const name = /^\s*query (\w+)/.exec(query)![1]!;
    await page.locator('.graphiql-tab-active').filter({ hasText: name }).waitFor({ timeout: 5_000 });
    await page.locator('.graphiql-execute-button').click();
  }

  it('runs a query without a token (refused), then with a pasted token kept across a reload, then forgets it; nothing leaves the machine', async () => {
    const account = estate.ecommerce.customers.find((c) => c.email === c.email.trim().toLowerCase())!;
    const query = `query WebAccount { customer(by: { email: "${account.email}" }) { webAccounts { id } } }`;
    const token = await stack.tokens.sign({ role: 'service' });

    await page.goto(stack.gateway.url);
    // The README's first queries are the tabs, each titled with the name the explorer gives it.
    await page.locator('.graphiql-tab').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('.graphiql-tab').allTextContents()).toEqual(FIRST_QUERIES.map((example) => expect.stringContaining(example.name)));
    await page.waitForFunction(() => document.querySelector('.graphiql-execute-button') !== null);
    await expect(page.locator('#explorer-token-status').textContent()).resolves.toMatch(/No token/);

    await run(query);
    expect(await result(/UNAUTHENTICATED/)).not.toMatch(new RegExp(`"id": "${account.id}"`));

    await page.locator('#explorer-token').fill(`Bearer ${token}`);
    await page.getByRole('button', { name: 'Use', exact: true }).click();
    await expect(page.locator('#explorer-token-status').textContent()).resolves.toMatch(/^Token: service for dev-service, expires in (59|60) min\.$/);
    await expect(page.evaluate((key) => localStorage.getItem(key), TOKEN_KEY)).resolves.toBe(token);

    // The token outlives the page: after a reload it is sent from the browser's storage.
    await page.reload();
    await page.waitForFunction(() => document.querySelector('.graphiql-execute-button') !== null);
    await expect(page.locator('#explorer-token-status').textContent()).resolves.toMatch(/^Token: service/);
    await run(query);
    const text = await result(new RegExp(`"id": "${account.id}"`));
    expect(text).toMatch(/"webAccounts"/);
    expect(text).not.toMatch(/"errors"/);

    const runs = sent.filter((request) => request.operationName === 'WebAccount');
    expect(runs).toEqual([
      { operationName: 'WebAccount', query, authorization: undefined, preflight: 'true' },
      { operationName: 'WebAccount', query, authorization: `Bearer ${token}`, preflight: 'true' },
    ]);
    // GraphiQL asked for the schema too, on its own origin.
    expect(sent.some((request) => request.operationName === 'IntrospectionQuery')).toBe(true);

    await page.getByRole('button', { name: 'Forget', exact: true }).click();
    await expect(page.locator('#explorer-token-status').textContent()).resolves.toMatch(/No token/);
    await expect(page.evaluate((key) => localStorage.getItem(key), TOKEN_KEY)).resolves.toBeNull();

    expect(refused).toBe(1);
    expect(elsewhere).toEqual([]);
    expect(failures).toEqual([]);
  }, 30_000);
});
