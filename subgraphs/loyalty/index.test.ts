import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const INDEX = fileURLToPath(new URL('./index.ts', import.meta.url));

function run(env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', INDEX], { env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

test.concurrent('listens where the environment says, prints its URL, and stops cleanly on SIGTERM', async () => {
  const started = run({ CROSSCANAL_INTERNAL_SECRET: 'a-secret-shared-by-gateway-and-subgraphs', SUBGRAPH_LOYALTY_PORT: '0', LEGACY_LOYALTY_URL: 'http://127.0.0.1:9/LoyaltyService' });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      started.child.stdout.on('data', () => {
        const match = /loyalty subgraph on (http:\/\/\S+)/.exec(started.output());
        if (match) resolve(match[1]!);
      });
      void started.exit.then((code) => reject(new Error(`exited with ${code}: ${started.output()}`)));
    });
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _service { sdl } }' }) });
    expect(((await response.json()) as { data: { _service: { sdl: string } } }).data._service.sdl).toContain('LoyaltyMembership');
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  } finally {
    started.child.kill('SIGKILL');
  }
});

test.concurrent('exits non-zero on a bad configuration, naming the variable', async () => {
  const started = run({ SUBGRAPH_LOYALTY_PORT: 'eighty' });
  expect(await started.exit).toBe(1);
  expect(started.output()).toMatch(/loyalty subgraph failed to start: SUBGRAPH_LOYALTY_PORT must be a port number/);
});
