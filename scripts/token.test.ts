import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthenticator } from '../gateway/authenticate.js';
import { openDevIssuer } from '../gateway/devIssuer.js';

const SCRIPT = fileURLToPath(new URL('./token.ts', import.meta.url));

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-token-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
      env: { PATH: process.env.PATH ?? '', GATEWAY_DEV_ISSUER_DIR: join(dir, 'issuer'), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // 'close', not 'exit': the child's output may still be arriving when it exits.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test.concurrent('prints, as its last line, a token the gateway trusting the development issuer accepts', async () => {
  const { code, stdout } = await run(['--role', 'partner', '--franchise', 'nrd', '--actor', 'nrd-integration', '--ttl', '600']);
  expect(code).toBe(0);
  const token = stdout.trim().split('\n').at(-1)!;
  expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  const issuer = await openDevIssuer(join(dir, 'issuer'));
  expect(await createAuthenticator([issuer.trusted]).authenticate(`Bearer ${token}`)).toEqual({ role: 'partner', actor: 'nrd-integration', franchise: 'NRD' });
});

test.concurrent.each([
  [['--role', 'partner'], {}, /a partner token needs --franchise/],
  [['--role', 'associate'], {}, /an associate token needs --store/],
  [['--role', 'customer'], {}, /a customer token needs --customer/],
  [['--role', 'root'], {}, /--role must be one of customer, associate, service, partner, marketing, steward, admin, got "root"/],
  [['--role', 'service', '--ttl', 'forever'], {}, /--ttl must be whole seconds/],
  [['--role', 'service', '--colour', 'red'], {}, /Unknown option '--colour'/],
  [['--role', 'service'], { NODE_ENV: 'production' }, /not made in production/],
])('refuses %j (env %j) with exit code 2 and the usage', async (args, env, message) => {
  const { code, stdout, stderr } = await run(args, env);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toMatch(message);
  expect(stderr).toContain('usage: npm run token');
});
