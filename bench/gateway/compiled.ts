import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './ipc.js';

/** The project's folders whose files read at run time (schemas, migrations, manifests) the image copies beside the compiled code. */
const ASSET_FOLDERS = ['gateway', 'subgraphs', 'legacy', 'schema', 'utilities'];
const ASSET = /\.(graphql|sql|json)$/;

/**
 * The project compiled as the image builds it (Dockerfile: `tsc` to JavaScript, then the
 * `.graphql`, `.sql` and `.json` files copied beside it), in `outDir`, so that the measured
 * processes run what is deployed: no TypeScript loader in them, whose hooks run on every
 * `require` at run time (Apollo Server requires `crypto` to hash each request's query) and
 * whose transform wraps closures. Incremental: a second build of an unchanged tree takes
 * seconds. The project's and the bench's node_modules are linked into the tree, and
 * package.json copied, so that it runs wherever it is built.
 */
export async function buildCompiled(outDir: string, log: (line: string) => void = () => undefined): Promise<string> {
  const started = Date.now();
  await mkdir(outDir, { recursive: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', join(ROOT, 'tsconfig.json'), '--outDir', outDir, '--sourceMap', 'false', '--incremental', '--tsBuildInfoFile', join(outDir, '.tsbuildinfo')],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`tsc exited with ${String(result.status)}:\n${(result.stdout + result.stderr).slice(-4000)}`);
  let copied = 0;
  for (const folder of ASSET_FOLDERS) copied += await copyAssets(join(ROOT, folder), join(outDir, folder));
  // The tree resolves packages as the project does, wherever it is: the project's
  // dependencies, the bench's own peers, and package.json's module type.
  await copyFile(join(ROOT, 'package.json'), join(outDir, 'package.json'));
  for (const folder of ['.', join('bench', 'gateway')]) {
    const modules = join(ROOT, folder, 'node_modules');
    const linked = join(outDir, folder, 'node_modules');
    await rm(linked, { recursive: true, force: true });
    if (existsSync(modules)) await symlink(modules, linked, 'dir');
  }
  log(`compiled the project into ${relative(ROOT, outDir) || '.'} (tsc, ${copied} files read at run time copied) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outDir;
}

async function copyAssets(from: string, to: string): Promise<number> {
  let copied = 0;
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) copied += await copyAssets(source, target);
    else if (ASSET.test(entry.name)) {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(source, target);
      copied += 1;
    }
  }
  return copied;
}
