/**
 * Writes an output tree: unchanged files are not rewritten, each written file is replaced atomically
 * (staged next to the tree, then renamed), files a previous run generated but this one does not are
 * removed. Nothing is written before every file is known, so an error never leaves partial output.
 */
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { GeneratedFile } from '@hagate/synth';

/** Lists what the previous run produced, so files dropped from the spec can be removed. */
export const MANIFEST = '.hagate-manifest.json';

export type ChangeKind = 'added' | 'changed' | 'removed' | 'mode';

export interface Change {
  path: string;
  kind: ChangeKind;
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** File-system operations in flight at once: enough to keep libuv's pool busy, few enough for any ulimit. */
const IO_PARALLELISM = 32;

function bytesOf(contents: string | Uint8Array): Uint8Array {
  return typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

async function readManifest(outDir: string): Promise<string[]> {
  try {
    const data = JSON.parse(await readFile(join(outDir, MANIFEST), 'utf8')) as { files?: unknown };
    return Array.isArray(data.files) ? data.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/** What writing `files` to `outDir` would change. */
/** Every file under dir, relative to it (POSIX separators); empty when dir does not exist. */
async function existingFiles(dir: string): Promise<Set<string>> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return new Set(
      entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name))),
    );
  } catch {
    return new Set();
  }
}

export async function planChanges(outDir: string, files: GeneratedFile[]): Promise<Change[]> {
  // One listing of the tree instead of a failed open per new file (a fleet's first run is all new files).
  const existing = await existingFiles(outDir);
  const perFile = await mapLimit(files, IO_PARALLELISM, async (f): Promise<Change | undefined> => {
    if (!existing.has(f.path)) return { path: f.path, kind: 'added' };
    const target = join(outDir, f.path);
    let current: Buffer;
    try {
      current = await readFile(target);
    } catch {
      return { path: f.path, kind: 'added' };
    }
    if (!sameBytes(current, bytesOf(f.contents))) return { path: f.path, kind: 'changed' };
    if (((await stat(target)).mode & 0o7777) !== (f.mode ?? 0o644)) return { path: f.path, kind: 'mode' };
    return undefined;
  });
  const changes = perFile.filter((c): c is Change => c !== undefined);
  const now = new Set(files.map((f) => f.path));
  for (const old of await readManifest(outDir)) {
    if (!now.has(old)) {
      try {
        await stat(join(outDir, old));
        changes.push({ path: old, kind: 'removed' });
      } catch {
        // already gone
      }
    }
  }
  return changes;
}

/** Applies the changes planned for `files`; returns them. */
export async function writeTree(outDir: string, files: GeneratedFile[]): Promise<Change[]> {
  const changes = await planChanges(outDir, files);
  const byPath = new Map(files.map((f) => [f.path, f]));
  await mkdir(outDir, { recursive: true });
  const staging = join(outDir, `.hagate-staging-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    // Stage every new content first: a failure here leaves the tree untouched.
    const toWrite = changes
      .flatMap((c) => {
        const file = byPath.get(c.path);
        return file ? [{ file, kind: c.kind }] : [];
      })
      .map((w, n) => ({ ...w, n }));
    if (toWrite.some((w) => w.kind !== 'mode')) await mkdir(staging, { recursive: true });
    const staged = await mapLimit(toWrite, IO_PARALLELISM, async ({ file, kind, n }) => {
      if (kind === 'mode') return { file };
      const from = join(staging, String(n));
      await writeFile(from, file.contents);
      await chmod(from, file.mode ?? 0o644);
      return { file, from };
    });
    const dirs = [...new Set(staged.map(({ file }) => dirname(join(outDir, file.path))))];
    await mapLimit(dirs, IO_PARALLELISM, (d) => mkdir(d, { recursive: true }));
    await mapLimit(staged, IO_PARALLELISM, async ({ file, from }) => {
      const to = join(outDir, file.path);
      if (from) await rename(from, to);
      else await chmod(to, file.mode ?? 0o644);
    });
    for (const c of changes) if (c.kind === 'removed') await rm(join(outDir, c.path), { force: true });
    const manifest = `${JSON.stringify({ generator: 'hagate', files: files.map((f) => f.path) }, null, 2)}\n`;
    const current = await readFile(join(outDir, MANIFEST), 'utf8').catch(() => '');
    if (current !== manifest) {
      await mkdir(staging, { recursive: true });
      await writeFile(join(staging, 'manifest'), manifest);
      await rename(join(staging, 'manifest'), join(outDir, MANIFEST));
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return changes;
}
