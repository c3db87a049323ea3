import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GeneratedFile } from '@hagate/synth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTree, MANIFEST, planTree, stageTree } from './write.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'hagate-write-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bin = new Uint8Array([0x23, 0x21, 0, 1, 2, 3]);
const tree: GeneratedFile[] = [
  { path: 'a/etc/x.conf', contents: '# generated\nx\n' },
  { path: 'a/etc/y.conf', contents: '# generated\ny\n' },
  { path: 'a/usr/local/sbin/tool', contents: bin, mode: 0o755 },
  { path: 'b/etc/x.conf', contents: '# generated\nbx\n' },
  { path: 'top.md', contents: 'top\n' },
];

let runs = 0;
/** Plans, stages and commits `files` into `out` the way gen does; returns the change list and the moves. */
function write(out: string, files: GeneratedFile[] = tree) {
  const plan = planTree(out, files);
  // Outside the tree (gen stages inside the output, which it makes first), on the same file system.
  const staging = join(work, '.staging');
  const staged = stageTree(plan, staging, String(runs++));
  commitTree(staged);
  rmSync(staging, { recursive: true, force: true });
  return {
    changes: plan.changes.map((c) => `${c.kind} ${c.path}`),
    moves: staged.moves.map(([, to]) => to.slice(out.length + 1) || '.'),
  };
}

function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('writing a tree', () => {
  it('a new tree is staged as one directory and moved into place with one rename', () => {
    mkdirSync(join(work, 'new'));
    const out = join(work, 'new', 'tree');
    const r = write(out);
    expect(r.moves).toEqual(['.']);
    expect(r.changes).toEqual(tree.map((f) => `added ${f.path}`));
    expect(listing(out)).toEqual([MANIFEST, ...tree.map((f) => f.path)].sort());
    expect(statSync(join(out, 'a/usr/local/sbin/tool')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(out, 'a/etc/x.conf')).mode & 0o7777).toBe(0o644);
    expect(readFileSync(join(out, 'a/usr/local/sbin/tool'))).toEqual(Buffer.from(bin));
  });

  it('an unchanged tree is left alone, and plans nothing to stage', () => {
    const out = join(work, 'same');
    write(out);
    const before = statSync(join(out, 'a/etc/x.conf')).mtimeMs;
    const plan = planTree(out, tree);
    expect(plan.changes).toEqual([]);
    expect(plan.manifest).toBeUndefined();
    expect(stageTree(plan, join(out, '.staging'), 'x').moves).toEqual([]);
    expect(existsSync(join(out, '.staging'))).toBe(false);
    expect(statSync(join(out, 'a/etc/x.conf')).mtimeMs).toBe(before);
  });

  it.each([
    [
      'a missing directory comes back whole, with everything under it',
      (out: string) => rmSync(join(out, 'a/usr'), { recursive: true }),
      ['added a/usr/local/sbin/tool'],
      ['a/usr'],
    ],
    [
      'a missing tree root directory comes back whole',
      (out: string) => rmSync(join(out, 'b'), { recursive: true }),
      ['added b/etc/x.conf'],
      ['b'],
    ],
    [
      'a changed file is replaced alone',
      (out: string) => writeFileSync(join(out, 'a/etc/y.conf'), 'edited by hand\n'),
      ['changed a/etc/y.conf'],
      ['a/etc/y.conf'],
    ],
    [
      'a file of the same size but other bytes is changed',
      (out: string) => writeFileSync(join(out, 'a/etc/y.conf'), '# generated\nz\n'),
      ['changed a/etc/y.conf'],
      ['a/etc/y.conf'],
    ],
    [
      'a missing file in an existing directory is added alone',
      (out: string) => rmSync(join(out, 'top.md')),
      ['added top.md'],
      ['top.md'],
    ],
    [
      'a wrong mode is fixed without rewriting',
      (out: string) => chmodSync(join(out, 'a/usr/local/sbin/tool'), 0o700),
      ['mode a/usr/local/sbin/tool'],
      [],
    ],
  ])('%s', (_name, damage, changes, moves) => {
    const out = join(work, `damaged-${runs}`);
    write(out);
    damage(out);
    const r = write(out);
    expect(r.changes).toEqual(changes);
    expect(r.moves).toEqual(moves);
    expect(write(out).changes).toEqual([]);
    for (const f of tree) {
      expect(readFileSync(join(out, f.path)), f.path).toEqual(Buffer.from(f.contents));
      expect(statSync(join(out, f.path)).mode & 0o7777, f.path).toBe(f.mode ?? 0o644);
    }
  });

  it('removes what the previous run generated and this one does not, then rewrites the manifest', () => {
    const out = join(work, 'shrunk');
    write(out);
    const r = write(
      out,
      tree.filter((f) => !f.path.startsWith('b/')),
    );
    expect(r.changes).toEqual(['removed b/etc/x.conf']);
    expect(existsSync(join(out, 'b/etc/x.conf'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, MANIFEST), 'utf8')).files).not.toContain('b/etc/x.conf');
  });

  it('staging leaves the tree as it was until commit', () => {
    const out = join(work, 'staged-only');
    write(out);
    writeFileSync(join(out, 'a/etc/y.conf'), 'edited\n');
    rmSync(join(out, 'b'), { recursive: true });
    const staged = stageTree(planTree(out, tree), join(out, '.staging'), 's');
    expect(readFileSync(join(out, 'a/etc/y.conf'), 'utf8')).toBe('edited\n');
    expect(existsSync(join(out, 'b'))).toBe(false);
    commitTree(staged);
    expect(readFileSync(join(out, 'a/etc/y.conf'), 'utf8')).toBe('# generated\ny\n');
    expect(readdirSync(join(out, '.staging'))).toEqual([]);
  });
});
