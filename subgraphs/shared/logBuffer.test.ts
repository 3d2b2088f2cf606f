import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { logBufferMaxBytes } from './logger.js';

const FLOOD = fileURLToPath(new URL('../../test/support/logFlood.ts', import.meta.url));

interface Report {
  dropped: { lines: number; bytes: number };
  heapUsed: number;
  metric: string;
}

/**
 * Runs the flood with its standard output unread until it has logged everything, then reads
 * what it wrote.
 */
async function flood(maxBytes: number): Promise<{ report: Report; stdout: string }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', FLOOD], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', LOG_BUFFER_MAX_BYTES: String(maxBytes) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout.pause();
  let stdout = '';
  let stderr = '';
  const report = await new Promise<Report>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const line = stderr.split('\n').find((l) => l.startsWith('{'));
      if (line && stderr.includes('\n')) resolve(JSON.parse(line) as Report);
    });
    child.once('exit', (code) => reject(new Error(`the flood exited ${code} before reporting: ${stderr}`)));
  });
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stdout.resume();
  child.stdin.end();
  await new Promise((resolve) => child.once('close', resolve));
  return { report, stdout };
}

test('a stalled reader of standard output costs the buffer bound, not every line: the rest is dropped, counted, and said', async () => {
  const bounded = await flood(1024 * 1024);
  const unbounded = await flood(256 * 1024 * 1024);

  // About 20 MB logged: with a 1 MiB bound nearly all of it is dropped; with 256 MiB none.
  expect(bounded.report.dropped.lines).toBeGreaterThan(15_000);
  expect(bounded.report.metric).toContain(`crosscanal_log_lines_dropped_total ${bounded.report.dropped.lines}`);
  expect(unbounded.report.dropped.lines).toBe(0);
  // What the stalled lines cost: held in the heap when unbounded, not when bounded.
  expect(unbounded.report.heapUsed - bounded.report.heapUsed).toBeGreaterThan(10 * 1024 * 1024);

  // What was kept reaches the reader once it reads again, then the warning with the count.
  const lines = bounded.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { msg: string; droppedLines?: number; i?: number });
  expect(lines.filter((line) => line.i !== undefined).length).toBe(20_000 - bounded.report.dropped.lines);
  const warning = lines.find((line) => line.droppedLines !== undefined);
  expect(warning).toMatchObject({ droppedLines: bounded.report.dropped.lines, msg: expect.stringContaining('log lines dropped') });
  expect(unbounded.stdout.split('\n').filter((line) => line.includes('"i":')).length).toBe(20_000);

  // Strings are cut at 16 Ki characters, after scrubbing: the address at the end is not written.
  const [echo] = lines as unknown as Array<{ msg: string; echoed: string }>;
  const cut = (text: string) => ({ kept: text.indexOf('…'), tail: text.slice(text.indexOf('…')) });
  expect(cut(echo!.msg)).toEqual({ kept: 16 * 1024, tail: '… [3616 more characters]' });
  // 40,000 y, a space and the address scrubbed to [email] (7): 40,008, of which 16,384 kept.
  expect(cut(echo!.echoed)).toEqual({ kept: 16 * 1024, tail: '… [23624 more characters]' });
  expect(bounded.stdout).not.toContain('example.fr');
}, 60_000);

test('LOG_BUFFER_MAX_BYTES: a whole number of bytes of at least 64 KiB, 16 MiB by default', () => {
  expect(logBufferMaxBytes({})).toBe(16 * 1024 * 1024);
  expect(logBufferMaxBytes({ LOG_BUFFER_MAX_BYTES: '1048576' })).toBe(1048576);
  for (const raw of ['1000', '1e6', 'lots', '-65536', '65536.5']) {
    expect(() => logBufferMaxBytes({ LOG_BUFFER_MAX_BYTES: raw })).toThrow(`LOG_BUFFER_MAX_BYTES expects a whole number of bytes of at least 65536, got "${raw}"`);
  }
});
