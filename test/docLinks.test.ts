import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The project's own Markdown: the README, docs/, examples/ and bench/ (not dependencies'). */
function markdownFiles(): string[] {
  const found = [join(ROOT, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  };
  for (const dir of ['docs', 'examples', 'bench']) walk(join(ROOT, dir));
  return found;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchorsOf(path: string): Set<string> {
  const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!.replace(/`/g, ''))));
}

describe('documentation links', () => {
  it.each(markdownFiles().map((path) => [relative(ROOT, path), path]))('every relative link of %s names a file (and a heading) that exists', (_, path) => {
    const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      const [file, hash] = target!.split('#');
      const resolved = file ? join(dirname(path), file) : path;
      if (!existsSync(resolved)) broken.push(`${target}: no such file`);
      else if (hash && resolved.endsWith('.md') && !anchorsOf(resolved).has(hash)) broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });
});
