import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { needs, run } from '@hagate/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { findAutoInterfaces } from './index.js';
import { type LoadedInterfaces, loadInterfaces, shellWords } from './load.js';

const scratch = mkdtempSync(join(tmpdir(), 'hagate-ifload-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `auto NAME` + `iface NAME inet manual`: a stanza ifquery lists. */
const st = (...names: string[]) => names.map((n) => `auto ${n}\niface ${n} inet manual\n`).join('');
const LO = 'auto lo\niface lo inet loopback\n';

interface Case {
  name: string;
  /** Files under the case's folder; `interfaces` is the main one. */
  files: Record<string, string>;
  /** The automatic interfaces, in reading order. */
  auto: string[];
  problems?: RegExp;
  /** What ifquery says for the same problem (it goes on reading and exits 0). */
  stderr?: RegExp;
}

const cases: Case[] = [
  {
    name: 'paths are relative to the file holding the line, stanzas read in place',
    files: {
      interfaces: `${LO}${st('m1')}source sub/b.cfg\n${st('m2')}`,
      'sub/b.cfg': `${st('b1')}source ../nested\n`,
      nested: st('n1'),
    },
    auto: ['lo', 'm1', 'b1', 'n1', 'm2'],
  },
  {
    name: 'source globs: sorted, any name but a dot file',
    files: {
      interfaces: `${LO}source x/*\n`,
      'x/b': st('b1'),
      'x/a': st('a1'),
      'x/.hidden': st('h1'),
      'x/d~': st('d1'),
      'x/e.cfg': st('e1'),
    },
    auto: ['lo', 'a1', 'b1', 'd1', 'e1'],
  },
  {
    name: 'source-directory: run-parts names only, several directories, globs in the path',
    files: {
      interfaces: `${LO}source-directory x\nsource-dir [y]*\n`,
      'x/a': st('a1'),
      'x/b_2-c': st('b1'),
      'x/e.cfg': st('e1'),
      'x/d~': st('d1'),
      'x/.hidden': st('h1'),
      'y/z': st('z1'),
      'yy/w': st('w1'),
    },
    auto: ['lo', 'a1', 'b1', 'z1', 'w1'],
  },
  {
    name: 'words as the shell splits them: quotes, escapes, several paths, # is a word',
    files: {
      interfaces: `${LO}source "x/a"\nsource 'x/*'\nsource x/\\[b]\nsource x/c # x/d\n`,
      'x/a': st('a1'),
      'x/[b]': st('b1'),
      'x/*': st('star1'),
      'x/c': st('c1'),
      'x/d': st('d1'),
      'cwd/x/d': st('cd1'),
    },
    auto: ['lo', 'a1', 'star1', 'b1', 'c1', 'cd1'],
  },
  {
    name: 'only the first word of a line is relative to the file: later ones are relative to cwd',
    files: {
      interfaces: `${LO}source x/a x/b\nsource-directory y z\n`,
      'x/a': st('a1'),
      'x/b': st('b1'),
      'y/f': st('y1'),
      'z/f': st('z1'),
      'cwd/x/b': st('cb1'),
      'cwd/z/f': st('cz1'),
    },
    auto: ['lo', 'a1', 'cb1', 'y1', 'cz1'],
  },
  {
    name: 'paths that match nothing are skipped, as ifupdown does (no ~, $VAR or {a,b})',
    files: {
      interfaces: `${LO}source /nonexistent/hagate\nsource nomatch*\nsource-dir /nonexistent.d\nsource ~/x\nsource x/{a,b}\n`,
      'x/a': st('a1'),
    },
    auto: ['lo'],
  },
  {
    name: 'a source naming a directory is an error',
    files: { interfaces: `${LO}source x\n`, 'x/a': st('a1') },
    auto: ['lo'],
    problems: /x is a directory/,
    stderr: /x: Is a directory/,
  },
  {
    name: 'a file sourcing itself is an error',
    files: { interfaces: `${LO}source x/loop\n`, 'x/loop': `${st('c1')}source ../interfaces\n` },
    auto: ['lo', 'c1'],
    problems: /interfaces sources itself/,
    stderr: /couldn't open interfaces file/,
  },
];

function write(c: Case, i: number): string {
  const dir = join(scratch, String(i));
  for (const [rel, text] of Object.entries(c.files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return join(dir, 'interfaces');
}

const autos = (l: LoadedInterfaces) => [
  ...new Set(findAutoInterfaces(l.file, { classes: [] }).map((e) => e.name)),
];

describe('loadInterfaces', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const main = write(c, i);
    const loaded = loadInterfaces(main, { cwd: join(dirname(main), 'cwd') });
    expect(autos(loaded)).toEqual(c.auto);
    if (c.problems) expect(loaded.problems.map((p) => p.message).join('\n')).toMatch(c.problems);
    else expect(loaded.problems).toEqual([]);
    // The same findings as located Diagnostics: at the source line, in the file holding it.
    expect(loaded.diagnostics.map((d) => [d.severity, d.message, d.pos.file, d.pos.line, d.pos.col])).toEqual(
      loaded.problems.map((p) => ['error', p.message, p.path, p.loc?.line, p.loc?.column]),
    );
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(
      loaded.problems.map((p) => (/is a directory/.test(p.message) ? 'IFUP002' : 'IFUP003')),
    );
    expect(loaded.files[0]?.path).toBe(join(scratch, String(i), 'interfaces'));
  });

  it('keeps each file with its own tree, and positions in their own file', () => {
    const loaded = loadInterfaces(write(cases[0]!, 100));
    expect(loaded.files.map((f) => f.path.slice(scratch.length + 5))).toEqual([
      'interfaces',
      'sub/b.cfg',
      'nested',
    ]);
    const n1 = loaded.file.nodes.find((n) => n.kind === 'iface' && n.name === 'n1');
    expect(n1?.loc).toEqual({ line: 2, column: 1 });
    expect(loaded.file.nodes.some((n) => n.kind === 'source')).toBe(false);
  });

  it.each([
    ['a b', ['a', 'b']],
    ['"a b" c', ['a b', 'c']],
    ["'x*' y\\ z", ['x\\*', 'y z']],
    ['a # b', ['a', '#', 'b']],
    ['a#b', ['a#b']],
  ])('shellWords(%j)', (text, words) => {
    expect(shellWords(text)).toEqual(words);
  });
});

describe('ifquery -i follows the same files', () => {
  it.for(cases.map((c, i) => [c.name, c, i] as const))('%s', ([, c, i], ctx) => {
    needs(ctx, 'ifquery');
    const main = write(c, 200 + i);
    const cwd = join(dirname(main), 'cwd');
    mkdirSync(cwd, { recursive: true });
    const loaded = loadInterfaces(main, { cwd });
    const ifquery = (...args: string[]) =>
      run(['sh', '-c', 'cd "$0" && exec ifquery "$@"', cwd, '-i', main, ...args]);
    const list = ifquery('--list');
    expect(list.status, list.stderr).toBe(0);
    if (c.stderr) expect(list.stderr).toMatch(c.stderr);
    else expect(list.stderr).toBe('');
    expect(list.stdout.split('\n').filter((l) => l !== '')).toEqual(autos(loaded));
    // Every stanza of every file written is known to ifquery exactly when the loader read it.
    const read = new Set(loaded.file.nodes.flatMap((n) => (n.kind === 'iface' ? [n.name] : [])));
    const all = Object.values(c.files).flatMap((t) => [...t.matchAll(/^iface (\S+)/gm)].map((m) => m[1]!));
    for (const name of new Set(all)) {
      const r = ifquery(name);
      expect(r.status === 0, `ifquery ${name}: ${r.stderr}`).toBe(read.has(name));
    }
  });
});
