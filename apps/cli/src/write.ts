/**
 * Writes output trees in three steps. `planTree` compares each generated file with the one on disk, so
 * unchanged files are not rewritten. `stageTree` writes every new content into one staging directory
 * inside the output (a directory the tree lacks is staged whole, everything under it included; any other
 * file is staged alone). `commitTree` then moves each staged entry into place with one rename (atomic:
 * a reader sees the old file or the new one, never part of one), fixes modes, removes the files a previous
 * run generated but this one does not, and writes the manifest last. The caller commits only after every
 * tree is staged, so an error never leaves partial output.
 *
 * Durability: nothing is fsynced. The tree is a build output that `hagate gen` recreates from the spec,
 * and an fsync per file costs about 0.8 ms here (20 s for a 1,000-pair fleet); renames are atomic for
 * every reader of a running system, and `sync` after `hagate gen` makes them durable when that matters.
 *
 * Every call is synchronous: one system call each is much cheaper than a round trip through libuv's thread
 * pool (a fleet's first run makes 48,000 files and directories), and nothing else waits meanwhile.
 */
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import type { GeneratedFile } from '@hagate/synth';

/** Lists what the previous run produced, so files dropped from the spec can be removed. */
export const MANIFEST = '.hagate-manifest.json';

export type ChangeKind = 'added' | 'changed' | 'removed' | 'mode';

export interface Change {
  path: string;
  kind: ChangeKind;
}

/** What writing a tree would change, and what to write for it. Stays in the thread that planned it. */
export interface TreePlan {
  outDir: string;
  /** Whether `outDir` exists (when not, every file is new and the whole tree is staged as one directory). */
  exists: boolean;
  /** In file order, then removals. */
  changes: Change[];
  writes: { path: string; contents: string | Uint8Array; mode: number }[];
  chmods: { path: string; mode: number }[];
  removals: string[];
  /** The new manifest, when it differs from the one on disk. */
  manifest?: string;
}

/** A staged tree: plain data, so a worker thread can stage and the main thread commit. */
export interface StagedTree {
  outDir: string;
  /** [staged path, final path]: whole directories and single files. */
  moves: [string, string][];
  chmods: [string, number][];
  removals: string[];
  manifest?: [string, string];
}

function bytesOf(contents: string | Uint8Array): Uint8Array {
  return typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** All of an open file, up to `size` bytes (fewer when it shrank meanwhile). */
function readAll(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < size) {
    const n = readSync(fd, buf, at, size - at, at);
    if (n === 0) break;
    at += n;
  }
  return buf.subarray(0, at);
}

/** How the file at `target` differs from what it should be; undefined when it is right. */
function compare(target: string, want: Uint8Array, mode: number): ChangeKind | undefined {
  let fd: number;
  try {
    fd = openSync(target, 'r');
  } catch {
    return 'added';
  }
  try {
    const st = fstatSync(fd);
    // The size first: a file of another size is changed without reading it.
    if (!st.isFile() || st.size !== want.length) return 'changed';
    const current = readAll(fd, st.size);
    if (current.length !== want.length || Buffer.compare(current, want) !== 0) return 'changed';
    return (st.mode & 0o7777) !== mode ? 'mode' : undefined;
  } finally {
    closeSync(fd);
  }
}

function readManifest(outDir: string): string[] {
  try {
    const data = JSON.parse(readFileSync(join(outDir, MANIFEST), 'utf8')) as { files?: unknown };
    return Array.isArray(data.files) ? data.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

function manifestText(files: GeneratedFile[]): string {
  return `${JSON.stringify({ generator: 'hagate', files: files.map((f) => f.path) }, null, 2)}\n`;
}

/** What writing `files` to `outDir` would change. Reads the tree, writes nothing. */
export function planTree(outDir: string, files: GeneratedFile[]): TreePlan {
  const exists = isDirectory(outDir);
  const plan: TreePlan = { outDir, exists, changes: [], writes: [], chmods: [], removals: [] };
  for (const f of files) {
    const mode = f.mode ?? 0o644;
    // A tree that does not exist yet has nothing to read.
    const kind = exists ? compare(join(outDir, f.path), bytesOf(f.contents), mode) : 'added';
    if (kind === undefined) continue;
    plan.changes.push({ path: f.path, kind });
    if (kind === 'mode') plan.chmods.push({ path: f.path, mode });
    else plan.writes.push({ path: f.path, contents: f.contents, mode });
  }
  const manifest = manifestText(files);
  if (exists) {
    const now = new Set(files.map((f) => f.path));
    for (const old of readManifest(outDir)) {
      if (!now.has(old) && statSync(join(outDir, old), { throwIfNoEntry: false })) {
        plan.changes.push({ path: old, kind: 'removed' });
        plan.removals.push(old);
      }
    }
    let current = '';
    try {
      current = readFileSync(join(outDir, MANIFEST), 'utf8');
    } catch {
      // none yet
    }
    if (current !== manifest) plan.manifest = manifest;
  } else {
    plan.manifest = manifest;
  }
  return plan;
}

/** Per mode: whether a file created with it gets it (false when the umask takes bits away). */
const modeKept = new Map<number, boolean>();

/** Creates `path` (which must not exist) with these bytes and this exact mode. */
function createFile(path: string, contents: string | Uint8Array, mode: number): void {
  if (modeKept.get(mode)) {
    // Text goes through one call into Node (open, write, close), with no Buffer made in JavaScript.
    writeFileSync(path, contents, { mode, flag: 'wx' });
    return;
  }
  const fd = openSync(path, 'wx', mode);
  try {
    const buf = bytesOf(contents);
    let at = 0;
    while (at < buf.length) at += writeSync(fd, buf, at, buf.length - at);
    let kept = modeKept.get(mode);
    if (kept === undefined) modeKept.set(mode, (kept = (fstatSync(fd).mode & 0o7777) === mode));
    if (!kept) fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes everything `plan` needs into `staging`, created when missing. It must be on the file system of
 * the output and not under a directory the plan found missing (gen stages inside the output folder, which
 * it makes before planning). `id` names this tree's entries there, unique among the trees of one run.
 */
export function stageTree(plan: TreePlan, staging: string, id: string): StagedTree {
  const root = resolve(staging);
  const staged: StagedTree = {
    outDir: plan.outDir,
    moves: [],
    chmods: plan.chmods.map((c) => [join(plan.outDir, c.path), c.mode]),
    removals: plan.removals.map((r) => join(plan.outDir, r)),
  };
  const writes =
    plan.manifest === undefined
      ? plan.writes
      : [...plan.writes, { path: MANIFEST, contents: plan.manifest, mode: 0o644 }];
  if (writes.length === 0) return staged;
  mkdirSync(root, { recursive: true });
  let n = 0;
  const entry = () => join(root, `${id}.${n++}`);
  /** Directories made under staging, and directories of the output known to exist or not. */
  const made = new Set<string>([root]);
  const present = new Map<string, boolean>();
  const hasDir = (rel: string) => {
    let known = present.get(rel);
    if (known === undefined) present.set(rel, (known = isDirectory(join(plan.outDir, rel))));
    return known;
  };
  /** Staged directory standing for each missing directory of the output ('' is the tree itself). */
  const dirEntries = new Map<string, string>();
  const stagedDir = (rel: string) => {
    let at = dirEntries.get(rel);
    if (at === undefined) {
      at = entry();
      mkdirSync(at);
      made.add(at);
      dirEntries.set(rel, at);
      staged.moves.push([at, rel === '' ? plan.outDir : join(plan.outDir, rel)]);
    }
    return at;
  };
  /** Makes the directories of `dir`, a path under staging, that are not made yet. */
  const makeDirs = (dir: string) => {
    if (made.has(dir)) return;
    makeDirs(dir.slice(0, dir.lastIndexOf('/')));
    mkdirSync(dir);
    made.add(dir);
  };
  for (const w of writes) {
    const parts = w.path.split('/');
    let target: string;
    if (!plan.exists) {
      target = join(stagedDir(''), w.path);
    } else {
      // The highest directory of the file's path that the output lacks, if any, is staged whole.
      let missing = -1;
      for (let i = 1; i < parts.length && missing < 0; i++)
        if (!hasDir(parts.slice(0, i).join('/'))) missing = i;
      if (missing < 0) {
        target = entry();
        if (w.path === MANIFEST) staged.manifest = [target, join(plan.outDir, w.path)];
        else staged.moves.push([target, join(plan.outDir, w.path)]);
      } else {
        target = join(stagedDir(parts.slice(0, missing).join('/')), ...parts.slice(missing));
      }
    }
    makeDirs(target.slice(0, target.lastIndexOf('/')));
    createFile(target, w.contents, w.mode);
  }
  return staged;
}

/** Moves a staged tree into place: staged entries, then modes, removals and the manifest. */
export function commitTree(staged: StagedTree): void {
  for (const [from, to] of staged.moves) renameSync(from, to);
  for (const [path, mode] of staged.chmods) chmodSync(path, mode);
  for (const path of staged.removals) rmSync(path, { force: true });
  if (staged.manifest) renameSync(staged.manifest[0], staged.manifest[1]);
}
