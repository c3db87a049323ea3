import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Statement } from './ast.js';
import { expandBraces, glob, loadConfig } from './include.js';
import { lint } from './lint.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), 'hgt-inc-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

describe('include', () => {
  it('expands {a,b} alternatives, nested', () => {
    expect(expandBraces('x/{a,b{1,2}}.conf')).toEqual(['x/a.conf', 'x/b1.conf', 'x/b2.conf']);
  });

  it('globs *, ? and [..] in several path segments, sorted', () => {
    const d = tree({ 'c/x1.conf': '', 'c/x2.conf': '', 'c/y.conf': '', 'd/x3.conf': '' });
    expect(glob(join(d, '[cd]/x?.conf')).map((p) => p.slice(d.length + 1))).toEqual([
      'c/x1.conf',
      'c/x2.conf',
      'd/x3.conf',
    ]);
  });

  it('orders matches as glob(3) with GLOB_BRACE: alternatives as written, each sorted; skips executables', () => {
    const d = tree({
      'c/a.conf': '',
      'c/b.conf': '',
      'c/x1.conf': '',
      'c/x2.conf': '',
      'c/.h.conf': '',
      'c/run.conf': '',
    });
    chmodSync(join(d, 'c/run.conf'), 0o755);
    const rel = (ps: string[]) => ps.map((p) => p.slice(d.length + 1));
    expect(rel(glob(join(d, 'c/{b,a}.conf')))).toEqual(['c/b.conf', 'c/a.conf']);
    expect(rel(glob(join(d, 'c/{x*,a}.conf')))).toEqual(['c/x1.conf', 'c/x2.conf', 'c/a.conf']);
    expect(rel(glob(join(d, 'c/{a,a}.conf')))).toEqual(['c/a.conf', 'c/a.conf']);
    expect(rel(glob(join(d, 'c/*.conf')))).toEqual(['c/a.conf', 'c/b.conf', 'c/x1.conf', 'c/x2.conf']);
    expect(rel(glob(join(d, 'c/[!a]*')))).toEqual(['c/b.conf', 'c/x1.conf', 'c/x2.conf']);
  });

  it('inlines included files relative to the including file, keeping their own positions', () => {
    const d = tree({
      'main.conf': 'global_defs {\n  router_id a\n}\ninclude conf.d/*.conf\n',
      'conf.d/10-vi.conf': 'vrrp_instance VI {\n  include ../inner/prio\n}\n',
      'inner/prio': 'prority 5\n',
    });
    const l = loadConfig(join(d, 'main.conf'));
    expect(l.diagnostics).toEqual([]);
    expect(l.files.map((f) => f.file.slice(d.length + 1))).toEqual([
      'main.conf',
      'conf.d/10-vi.conf',
      'inner/prio',
    ]);
    const vi = l.body[1] as Statement;
    expect(vi.keyword).toBe('vrrp_instance');
    const found = lint(l.body).find((x) => x.code === 'KA001');
    expect(found?.pos).toEqual({ file: join(d, 'inner/prio'), line: 1, col: 1 });
  });

  it('reports includes that match nothing, and include loops', () => {
    const d = tree({ 'a.conf': 'include missing/*.conf\ninclude b.conf\n', 'b.conf': 'include a.conf\n' });
    const l = loadConfig(join(d, 'a.conf'));
    expect(l.diagnostics.map((x) => [x.code, x.pos.line, x.message.split(':')[0]])).toEqual([
      ['KA040', 1, 'include missing/*.conf'],
      ['KA040', 1, `include loop`],
    ]);
  });
});
