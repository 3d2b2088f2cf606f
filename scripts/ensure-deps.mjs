// Runs before `npm start` and `npm test`: installs the locked dependencies when they are
// missing or older than package-lock.json, so that a fresh clone needs no separate step.
// Plain JavaScript with no imports beyond Node's own: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

const installed = mtime(join(root, 'node_modules', '.package-lock.json'));
if (installed < 0 || installed < mtime(join(root, 'package-lock.json'))) {
  console.error('installing dependencies (npm ci)…');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
