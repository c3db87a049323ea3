/**
 * Repository-level promises: every published package is well-formed for npm (publint), packs into a
 * tarball holding what it promises (pnpm pack), its types resolve for ESM consumers
 * (@arethetypeswrong/cli), and the README's commands are what CI runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testTempDir } from '@hagate/testkit/temp-dir';
import { publint } from 'publint';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const license = readFileSync(join(repo, 'LICENSE'), 'utf8');

/** Every file path a package.json points at (exports, bin, main, types), without the leading `./`. */
function targets(pj: Record<string, unknown>): string[] {
  const out: string[] = [];
  const collect = (v: unknown) => {
    if (typeof v === 'string') out.push(v.replace(/^\.\//, ''));
    else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
  };
  collect([pj.exports, pj.bin, pj.main, pj.types]);
  return out.filter((p) => !p.includes('*'));
}
const dirs = ['packages', 'apps'].flatMap((d) => readdirSync(join(repo, d)).map((p) => join(d, p)));
const published = dirs.filter((d) => {
  const pj = JSON.parse(readFileSync(join(repo, d, 'package.json'), 'utf8')) as { private?: boolean };
  return !pj.private;
});

describe.each(published)('%s', (dir) => {
  const pj = JSON.parse(readFileSync(join(repo, dir, 'package.json'), 'utf8')) as Record<string, unknown>;

  it('has the fields every published package needs and a README', () => {
    expect(pj.type).toBe('module');
    expect(pj.sideEffects).toBe(false);
    expect(pj.files).toEqual(expect.arrayContaining(['dist']));
    expect(pj.license).toBeTruthy();
    expect(existsSync(join(repo, dir, 'README.md'))).toBe(true);
  });

  it('has the MIT LICENSE of the repository', () => {
    expect(pj.license).toBe('MIT');
    expect(readFileSync(join(repo, dir, 'LICENSE'), 'utf8')).toBe(license);
  });

  it('packs (pnpm pack) into what it promises: its entries, README, LICENSE; no workspace range, test or source', () => {
    const dest = testTempDir('pack');
    const r = spawnSync('pnpm', ['pack', '--pack-destination', dest], {
      cwd: join(repo, dir),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const [tgz] = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
    expect(tgz).toBeDefined();
    const tar = (...args: string[]) =>
      spawnSync('tar', [...args, join(dest, tgz!)], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
    const files = tar('-tzf')
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', ...targets(pj)]));
    expect(files.filter((f) => /(^|\/)src\/|\.test\.|\.map$|^test\//.test(f))).toEqual([]);
    const packed = spawnSync('tar', ['-xzOf', join(dest, tgz!), 'package/package.json'], {
      encoding: 'utf8',
    });
    expect(packed.stdout).not.toContain('workspace:');
    expect(JSON.parse(packed.stdout).version).toBe(pj.version);
  });

  it('passes publint', async () => {
    const { messages } = await publint({
      pkgDir: join(repo, dir),
      level: 'warning',
      strict: true,
      pack: 'pnpm',
    });
    expect(messages.map((m) => `${m.code} ${JSON.stringify(m.args)}`)).toEqual([]);
  });

  // attw checks a package's importable entry; a bin-only package (the agent) has none, so no such test.
  const importable = Boolean(pj.exports && (pj.exports as Record<string, unknown>)['.']);
  const attwIt = importable ? it : () => undefined;
  attwIt('passes @arethetypeswrong (esm-only)', () => {
    const r = spawnSync(
      'pnpm',
      [
        'exec',
        'attw',
        '--pack',
        join(repo, dir),
        '--profile',
        'esm-only',
        '--format',
        'table-flipped',
        '--no-emoji',
      ],
      { cwd: repo, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });
});

describe('the README is what CI runs', () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const ci = readFileSync(join(repo, '.ci/run'), 'utf8');
  it('quick start: one command ends in pnpm gen, one runs the tests, and .ci/run runs the same', () => {
    const blocks = [...readme.matchAll(/```sh\n([^`]*)```/g)].map((m) => m[1]!.trim());
    expect(blocks[0]).toMatch(/^npm i -g pnpm@10\.\d+\.\d+ && pnpm install --frozen-lockfile && pnpm gen$/);
    expect(blocks[1]).toBe('pnpm test');
    expect(ci).toContain('pnpm install --frozen-lockfile\npnpm test\n');
    const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { packageManager: string };
    expect(blocks[0]).toContain(root.packageManager.replace('pnpm@', 'pnpm@'));
  });
});

describe('package boundaries', () => {
  // A relative import into a sibling that is not a dependency makes a package's typecheck read sources
  // whose own imports turbo has not built yet (the race that once failed CI). Such a sibling must be a
  // declared dependency; the bench runner's types (a leaf file, type-only) are the one exception.
  const roots = ['packages', 'apps', 'tooling']
    .flatMap((d) => readdirSync(join(repo, d)).map((p) => join(d, p)))
    .filter((d) => existsSync(join(repo, d, 'package.json')));
  const byName = new Map(
    roots.map((d) => [
      (JSON.parse(readFileSync(join(repo, d, 'package.json'), 'utf8')) as { name: string }).name,
      d,
    ]),
  );
  const sources = (dir: string): string[] =>
    ['src', 'test', 'bench', 'scripts']
      .filter((sub) => existsSync(join(repo, dir, sub)))
      .flatMap((sub) => readdirSync(join(repo, dir, sub), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && /\.m?ts$/.test(e.name))
      .map((e) => join(e.parentPath, e.name));

  it.each(roots)('%s reaches into no sibling it does not depend on', (dir) => {
    const pj = JSON.parse(readFileSync(join(repo, dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    const deps = ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((k) =>
      Object.keys((pj[k] as Record<string, string> | undefined) ?? {}),
    );
    const allowed = [dir, ...deps.flatMap((n) => byName.get(n) ?? [])].map((d) => `${join(repo, d)}/`);
    const escapes: string[] = [];
    for (const file of sources(dir)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^import (type )?[^;]*?from '(\.\.\/[^']+)'/gms)) {
        const target = join(file, '..', m[2]!);
        const benchTypes = m[1] === 'type ' && target === join(repo, 'tooling/bench/src/types.js');
        if (!benchTypes && !allowed.some((a) => target.startsWith(a))) {
          escapes.push(`${file.slice(repo.length)} -> ${m[2]}`);
        }
      }
    }
    expect(escapes).toEqual([]);
  });
});
