import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_INTERNAL_SECRET } from '../test/support/grant.js';

// `GATEWAY_WORKERS=2`: the gateway as its operators run it, a primary and two workers on one
// port, a worker that dies replaced, and a drain on SIGTERM that ends with exit 0.
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let dir: string;
let primary: ChildProcess;
let output = '';
let port: number;

/** Waits until the output holds `count` matches of `pattern`. */
async function waitFor(pattern: RegExp, count: number, ms = 30_000): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const found = output.match(new RegExp(pattern.source, 'g')) ?? [];
    if (found.length >= count) return found;
    if (Date.now() > until) throw new Error(`waited ${ms} ms for ${count} × ${pattern}; output:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function typename(): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
  return response.json();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-cluster-'));
  port = await freePort();
  primary = spawn(process.execPath, ['--import', 'tsx', 'gateway/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      GATEWAY_WORKERS: '2',
      GATEWAY_PORT: String(port),
      CROSSCANAL_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      GATEWAY_DEV_ISSUER_DIR: join(dir, 'dev-issuer'),
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  primary.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(/crosscanal gateway on \S+ \(worker \d+, pid \d+\)/, 2);
}, 60_000);

afterAll(async () => {
  if (primary.exitCode === null) primary.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('the gateway with GATEWAY_WORKERS=2', () => {
  it('serves from two workers on one port', async () => {
    const pids = (await waitFor(/\(worker \d+, pid (\d+)\)/, 2)).map((line) => line.match(/pid (\d+)/)![1]);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(String(primary.pid));
    for (let i = 0; i < 4; i += 1) expect(await typename()).toEqual({ data: { __typename: 'Query' } });
  });

  it('replaces a worker that dies, and serves throughout', async () => {
    const [first] = (await waitFor(/\(worker \d+, pid (\d+)\)/, 2)).map((line) => Number(line.match(/pid (\d+)/)![1]));
    process.kill(first!, 'SIGKILL');
    await waitFor(/gateway worker died: starting another/, 1);
    expect(await typename()).toEqual({ data: { __typename: 'Query' } });
    await waitFor(/crosscanal gateway on \S+ \(worker \d+, pid \d+\)/, 3);
    expect(await typename()).toEqual({ data: { __typename: 'Query' } });
  }, 60_000);

  it('drains every worker on SIGTERM and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/stopping the gateway workers/);
  }, 60_000);
});
