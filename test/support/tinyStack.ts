import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEstate } from '../../legacy/generator/files.js';
import type { Estate } from '../../legacy/generator/model.js';
import { ANY_PORTS, type RunningStack } from '../../scripts/stack.js';
import { startTestStack } from './testDatabase.js';

/** The whole graph over a tiny generated estate, on free ports, in a folder of its own. */
export interface TinyStack {
  stack: RunningStack;
  /** The generated data, as the stand-ins were loaded with it. */
  estate: Estate;
  /** The estate's folder (its ground truth is there). */
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts the whole graph on a tiny estate in a temporary folder (its SQL in a test store:
 * `testDatabase.ts`); `stop` removes the folder and the schemas.
 * `asOf`: the generator's "now" (default its own date); give the real now where a system's own
 * clock matters (the loyalty programme lists the offers valid now).
 */
export async function startTinyStack(name: string, { asOf }: { asOf?: string } = {}): Promise<TinyStack> {
  const dir = await mkdtemp(join(tmpdir(), `crosscanal-${name}-`));
  try {
    const stack = await startTestStack({ dataDir: dir, scale: 'tiny', asOf, ...ANY_PORTS });
    return {
      stack,
      estate: await readEstate(dir),
      dir,
      stop: async () => {
        await stack.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
