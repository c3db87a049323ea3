// The I/O floor of a generated tree, run by the gen-fleet benchmark in a fresh Node process:
// `node write-floor.mjs TREE DEST` reads TREE into memory (not timed), then creates the same directories
// and files under DEST from those bytes, one mkdirSync per directory and one writeFileSync per file (mode
// included), and reports the creation time on stderr. No generator can write the tree with less.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [tree, dest] = process.argv.slice(2);
const dirs = [];
const files = [];
const walk = (rel) => {
  dirs.push(rel);
  for (const e of readdirSync(join(tree, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) walk(r);
    else
      files.push({
        path: r,
        bytes: readFileSync(join(tree, r)),
        mode: statSync(join(tree, r)).mode & 0o7777,
      });
  }
};
walk('');
const t0 = performance.now();
for (const d of dirs) mkdirSync(join(dest, d));
for (const f of files) writeFileSync(join(dest, f.path), f.bytes, { mode: f.mode, flag: 'wx' });
process.stderr.write(
  `hagate-bench-floor-ms=${(performance.now() - t0).toFixed(1)} dirs=${dirs.length} files=${files.length}\n`,
);
