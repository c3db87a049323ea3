/**
 * Repository-level structure promises: small files with one job (no source file of a package or an app
 * over 600 lines), and no module-level mutable state in the libraries (state is owned by objects).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mutableBindings, tsFiles } from '../src/structure.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const srcDirs = (parent: string) => readdirSync(join(repo, parent)).map((p) => join(repo, parent, p, 'src'));
const modules = (dirs: string[]) =>
  dirs.flatMap((d) => {
    try {
      return tsFiles(d).filter((f) => !f.endsWith('.test.ts'));
    } catch {
      return [];
    }
  });

describe('repository structure', () => {
  const all = modules([...srcDirs('packages'), ...srcDirs('apps'), ...srcDirs('tooling')]);

  it('has no source file over 600 lines in packages, apps and tooling', () => {
    expect(all.length).toBeGreaterThan(100);
    const long = all
      .map((f) => [relative(repo, f), readFileSync(f, 'utf8').split('\n').length - 1] as const)
      .filter(([, n]) => n > 600);
    expect(long).toEqual([]);
  });

  it('has no module-level mutable state in the libraries (packages/*)', () => {
    const found = modules(srcDirs('packages')).flatMap((f) =>
      mutableBindings(readFileSync(f, 'utf8')).map((l) => `${relative(repo, f)}:${l}`),
    );
    expect(found).toEqual([]);
  });
});
