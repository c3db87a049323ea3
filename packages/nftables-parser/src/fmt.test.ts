import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './bin/fmt.js';

const dir = mkdtempSync(join(tmpdir(), 'hgt-nftfmt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function runFmt(args: string[]): { code: number; out: string } {
  let out = '';
  const code = main(args, (s) => {
    out += s;
  });
  return { code, out };
}

describe('nft-fmt', () => {
  const good = file('good.nft', 'table ip t {\n\tchain c {\n\t\tdrop\n\t}\n}\n');
  const ugly = file('ugly.nft', 'table ip t { chain c { drop; } }\n');
  const bad = file('bad.nft', 'table ip t {\n\tchain c {\n\t\tip saddr { 1.1.1.1 ) drop\n\t}\n}\n');

  it('prints the canonical form', () => {
    const r = runFmt([ugly]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('table ip t {\n\tchain c {\n\t\tdrop\n\t}\n}\n');
  });

  it('--check reports ok, differs (with a short diff) and error file:line:col, then N passed, N failed', () => {
    const r = runFmt(['--check', good, ugly, bad]);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`ok ${good}`);
    expect(lines[1]).toBe(`differs ${ugly}`);
    expect(r.out).toContain('  1- "table ip t { chain c { drop; } }"\n  1+ "table ip t {"');
    expect(r.out).toContain(`error ${bad}:3:22: syntax error, unexpected ')', expecting '}'`);
    expect(lines[lines.length - 1]).toBe('1 passed, 2 failed');
  });

  it('exits 0 when every file is canonical', () => {
    expect(runFmt(['--check', good])).toEqual({ code: 0, out: `ok ${good}\n1 passed, 0 failed\n` });
  });

  it('usage without files', () => {
    expect(runFmt([]).code).toBe(2);
  });

  it('refuses an unknown option with the usage, instead of reading it as a file', () => {
    const r = runFmt(['--chek', good]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^nft-fmt: Unknown option '--chek'.*\nusage: nft-fmt /s);
  });
});
