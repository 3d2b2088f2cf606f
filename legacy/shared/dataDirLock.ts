import { readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Lock files this process holds, so that its own stale ones are told from live ones. */
const held = new Set<string>();

/**
 * Claims a data folder or file for this process with a `<path>.lock` file holding its pid:
 * PGlite does not guard its folder the way PostgreSQL's postmaster.pid does, and two
 * instances writing one folder corrupt it; two stand-ins appending to one journal would each
 * miss the other's writes. A lock whose process is gone (killed, crashed) is taken over.
 * Returns the release function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = `${resolve(dataDir)}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      held.add(path);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        held.delete(path);
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (held.has(path) || (owner !== process.pid && isAlive(owner))) {
      throw new Error(`${dataDir} is in use by process ${owner}; stop it first (or delete ${path} if that process is not a stand-in)`);
    }
    await rm(path, { force: true });
  }
  throw new Error(`could not lock ${dataDir}: ${path} keeps coming back`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
