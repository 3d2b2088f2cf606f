import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WRITER = fileURLToPath(new URL('../../test/support/requestLines.ts', import.meta.url));

async function linesAt(level: string): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: level }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise((resolve) => child.once('close', resolve));
  expect(code).toBe(0);
  return stdout.split('\n').filter((line) => line !== '');
}

// The gateway writes its line per request without pino's per-call machinery: the line must be
// the one pino writes for the same fields, but for the time, and scrubbed as pino's lines are.
test('a request line is the line pino writes for the same id and fields, scrubbed alike', async () => {
  const lines = await linesAt('info');
  expect(lines).toHaveLength(6);
  for (let i = 0; i < lines.length; i += 2) {
    const [viaPino, direct] = [lines[i]!, lines[i + 1]!];
    const withoutTime = (line: string) => line.replace(/"time":\d+,/, '"time":0,');
    expect(withoutTime(direct)).toBe(withoutTime(viaPino));
  }
  const [first, second, third] = [1, 3, 5].map((i) => JSON.parse(lines[i]!) as Record<string, unknown>);
  expect(Object.keys(first!)).toEqual(['level', 'time', 'pid', 'component', 'rid', 'method', 'role', 'client', 'op', 'outcome', 'ms', 'msg']);
  expect(first).toMatchObject({ level: 30, component: 'lines', rid: 'trace-req-abcdef', op: 'CustomerCard', outcome: ['200'], ms: 3, msg: 'request' });
  // Personal data in what a client chose (an operation's name) is scrubbed; the id is not.
  expect(second).toMatchObject({ rid: '3f1c2a7e-0000-4000-8000-123456789012', op: 'by [email] at [phone]', errors: ['UNAUTHENTICATED'] });
  expect(third).toMatchObject({ op: 'quote " back\\slash \u00e9\u2028 card [number]', ms: null });
  expect(third).not.toHaveProperty('rid');
  expect(lines.join('\n')).not.toMatch(/example\.fr|2975940737737|06 12/);
}, 30_000);

test('a request line is written at info: a higher level writes none', async () => {
  expect(await linesAt('warn')).toEqual([]);
});
