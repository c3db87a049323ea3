/**
 * The bundle as a file: the same bytes whatever the working directory of the build, and it runs however
 * Node loads it: as CommonJS (installed as /usr/local/sbin/hagate-agent, no package.json above it) and as
 * an ES module (a copy under a `"type": "module"` package, e.g. a checkout's out/).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suiteTempDir } from '@hagate/testkit/temp-dir';
import { describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const repo = join(appDir, '../..');
const bundle = join(appDir, 'dist/hagate-agent');
const work = suiteTempDir('agent-bundle');

function node(args: string[], cwd = work) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the hagate-agent bundle', () => {
  it('has the same bytes whatever the working directory of the build, and those of pnpm build', () => {
    const built = readFileSync(bundle);
    for (const [name, cwd] of [
      ['from-repo-root', repo],
      ['from-temp', work],
      ['from-agent-dir', appDir],
    ] as const) {
      const out = join(work, name, 'hagate-agent');
      const r = node([join(appDir, 'build.mjs'), join(work, name)], cwd);
      expect(r.status, r.stderr).toBe(0);
      expect(Buffer.compare(readFileSync(out), built), `built ${name}`).toBe(0);
    }
  });

  it.each([
    ['as CommonJS, with no package.json above it (a router)', undefined],
    ['as an ES module, under a "type": "module" package (a checkout\'s out/)', 'module'],
    ['as CommonJS, under a "type": "commonjs" package', 'commonjs'],
  ])('runs %s', (_, type) => {
    const dir = join(work, `run-${type ?? 'none'}`, 'usr/local/sbin');
    mkdirSync(dir, { recursive: true });
    if (type) writeFileSync(join(dir, '../../../package.json'), JSON.stringify({ type }));
    const agent = join(dir, 'hagate-agent');
    copyFileSync(bundle, agent);
    const v = node([agent, '--version']);
    expect(v.stderr).toBe('');
    expect(v.stdout).toMatch(/^hagate-agent \d+\.\d+\.\d+\n$/);
    expect(node([agent, '--help']).stdout).toContain('TYPE NAME STATE PRIORITY');
    const bad = node([agent, '--frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('hagate-agent: unknown option --frobnicate (see --help)\n');
  });

  it('requires nothing but Node builtins and uses nothing only one module system has', () => {
    const text = readFileSync(bundle, 'utf8');
    const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((m) => !m?.startsWith('node:'))).toEqual([]);
    expect(text).not.toMatch(/\bimport\.meta\b|\b__(?:file|dir)name\b|^\s*(?:import|export)\s/m);
  });
});
