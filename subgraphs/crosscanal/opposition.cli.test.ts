import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { dropSchema, runCommand, runInProcess } from './cli/runCommand.js';
import { main, readOppositionCommand, UsageError } from './opposition.js';
import { CrosswalkStore } from './store/crosswalkStore.js';

/**
 * `npm run opposition`: in-process through `main` (on PostgreSQL when DATABASE_URL is set, else
 * on a PGlite folder), and twice as a real process on a PGlite folder, for the exit statuses.
 */

const COMMAND = new URL('./opposition.ts', import.meta.url);
const DATABASE_URL = process.env.DATABASE_URL;
const schema = `cc_opposition_cli_${process.pid}_${Date.now().toString(36)}`;

let dir: string;
let pgliteDir: string;
/** The environment the in-process runs get. */
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-opposition-'));
  pgliteDir = join(dir, 'crosswalk');
  // The command refuses a PGlite folder that holds no crosswalk: make one, as the subgraph would.
  await (await CrosswalkStore.open({ dataDir: pgliteDir })).close();
  env = DATABASE_URL ? { DATABASE_URL, CROSSCANAL_DB_SCHEMA: schema } : { CROSSCANAL_DATA_DIR: pgliteDir };
}, 60_000);

afterAll(async () => {
  if (DATABASE_URL) await dropSchema(DATABASE_URL, schema);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `main` in-process, collecting what it writes. */
const run = (args: string[], more: Record<string, string> = {}) => runInProcess(main, args, { ...env, ...more });

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** `count` distinct mobiles from 06 10 00 00 00 on, national format. */
const mobiles = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `06${String(10_000_000 + from + i)}`);
const ACTOR = `cli:${userInfo().username}`;

test('imports a list with a summary and its rejected lines, replaces it with the next, and tells its status', async () => {
  expect(await run(['status'])).toEqual({ code: 0, stdout: 'no do-not-call list imported yet\n', stderr: '' });

  // 101 number lines, one of them a typo: under 1 %, imported, the typo shown.
  const october = await file('bloctel-2026-10.txt', `numero\n${mobiles(100).join('\n')}\n06 12 34\n`);
  const first = await run(['import', october]);
  expect(first).toEqual({ code: 0, stdout: `imported 100 numbers from ${october} (1 rejected, +100 -0)\n  line 102: "06 12 34" not a phone number\n`, stderr: '' });

  const november = await file('bloctel-2026-11.csv', `numero;date\n${mobiles(98, 4).map((n) => `${n};2026-11-01`).join('\n')}\n`);
  const second = await run(['import', november, '--list', 'BLOCTEL', '--json']);
  expect(second.code).toBe(0);
  expect(JSON.parse(second.stdout)).toEqual({ importId: expect.any(String), numbers: 98, rejected: [], added: 2, removed: 4 });

  const status = await run(['status']);
  expect(status.stdout).toMatch(new RegExp(`^BLOCTEL: 98 numbers from ${november} \\(0 rejected\\), imported \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z by ${ACTOR}\\n$`));
  expect(JSON.parse((await run(['status', '--json'])).stdout)).toMatchObject({ importId: JSON.parse(second.stdout).importId, list: 'BLOCTEL', fileName: november, numbers: 98, rejected: 0, importedBy: ACTOR });
});

test('exits 3 on a file it refuses, leaving the list in force, and imports it with --allow-rejected', async () => {
  const before = (await run(['status', '--json'])).stdout;
  const empty = await run(['import', await file('empty.txt', 'numero\n\n')]);
  expect(empty.code).toBe(3);
  expect(empty.stderr).toMatch(/^crosscanal opposition: OPPOSITION_LIST_EMPTY: .*empty\.txt holds no valid phone number/);

  const damaged = await file('damaged.txt', `${mobiles(10).join('\n')}\nabc\n`);
  const refused = await run(['import', damaged]);
  expect(refused.code).toBe(3);
  expect(refused.stderr).toContain('OPPOSITION_LIST_REJECTED');
  expect(refused.stderr).toContain('1 of 11 lines are not French phone numbers, more than 1 %');
  expect(refused.stderr).toContain('line 11 "abc": not a phone number');
  expect((await run(['status', '--json'])).stdout).toBe(before);

  const allowed = await run(['import', damaged, '--allow-rejected']);
  expect(allowed.code).toBe(0);
  expect(allowed.stdout).toMatch(/^imported 10 numbers from .*damaged\.txt \(1 rejected, \+\d+ -\d+\)\n {2}line 11: "abc" not a phone number\n$/);
});

test('exits 1 with one line when the file or the store cannot be read', async () => {
  const missing = await run(['import', join(dir, 'nothing.txt')]);
  expect(missing).toMatchObject({ code: 1, stdout: '' });
  expect(missing.stderr).toMatch(/^crosscanal opposition: cannot read .*nothing\.txt: ENOENT/);
  expect(missing.stderr.split('\n')).toHaveLength(2);

  const list = await file('one.txt', '0611111111\n');
  const noStore = await run(['import', list], { DATABASE_URL: '', CROSSCANAL_DATA_DIR: join(dir, 'elsewhere') });
  expect(noStore).toMatchObject({ code: 1, stdout: '' });
  expect(noStore.stderr).toMatch(/^crosscanal opposition: CROSSCANAL_DATA_DIR .*elsewhere holds no crosswalk/);
  expect((await run(['status'], { CROSSCANAL_DB_SCHEMA: 'Not-A-Schema' })).stderr).toMatch(/^crosscanal opposition: CROSSCANAL_DB_SCHEMA must be a lower-case SQL identifier/);
});

test('refuses bad usage with exit 2, the reason, then the usage', async () => {
  for (const [args, message] of [
    [[], 'say import <file> or status'],
    [['list'], 'unknown command "list"'],
    [['import'], 'import takes one file, got none'],
    [['import', 'a.txt', 'b.txt'], 'import takes one file, got "a.txt" "b.txt"'],
    [['import', 'a.txt', '--list', 'bloctel'], '--list must be an upper-case name'],
    [['status', '--allow-rejected'], '--allow-rejected goes with import, not status'],
    [['status', 'now'], 'status takes no argument'],
    [['import', 'a.txt', '--nope'], "Unknown option '--nope'"],
  ] as const) {
    expect(() => readOppositionCommand(args)).toThrow(UsageError);
    expect(() => readOppositionCommand(args)).toThrow(message);
  }
  expect(readOppositionCommand(['import', 'a.txt'])).toEqual({ command: 'import', file: 'a.txt', list: 'BLOCTEL', allowRejected: false, json: false });
  expect(readOppositionCommand(['status', '--json'])).toEqual({ command: 'status', json: true });
  const usage = await run(['import']);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/^import takes one file, got none\n\nUsage: npm run opposition -- import <file>/);
  expect((await run(['--help'])).stdout).toMatch(/^Usage: npm run opposition/);
});

describe('as a process, on a PGlite folder', () => {
  const processEnv = () => ({ CROSSCANAL_DATA_DIR: pgliteDir });

  test('imports and exits 0', async () => {
    const list = await file('process.txt', 'numero\n06 11 11 11 11\n+33622222222\n0033633333333\n');
    const result = await runCommand(COMMAND, ['import', list], processEnv());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(new RegExp(`^imported 3 numbers from ${list} \\(0 rejected, \\+3 -\\d+\\)\\n$`));
    const store = await CrosswalkStore.open({ dataDir: pgliteDir });
    try {
      expect((await store.db.query<{ phone: string }>('SELECT phone FROM opposition_phone ORDER BY phone')).map((r) => r.phone)).toEqual(['+33611111111', '+33622222222', '+33633333333']);
    } finally {
      await store.close();
    }
  }, 60_000);

  test('exits 3 on a refused file', async () => {
    const result = await runCommand(COMMAND, ['import', await file('garbage.txt', 'numero\nnot a list\n')], processEnv());
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^crosscanal opposition: OPPOSITION_LIST_EMPTY: /);
  }, 60_000);
});
