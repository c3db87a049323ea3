/**
 * The package's structure rules, checked on its source text: no file of src over 600 lines, and no
 * module-level mutable state in its modules (state belongs to objects such as the rule reader's ReadState).
 * The source is biome-formatted, so a module's top-level statements are the lines that start at column 0.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));
const MAX_LINES = 600;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    )
    .sort();
}

/** Top-level `let`/`var`, and mutable static class fields: state that outlives a call. */
function mutableBindings(text: string): string[] {
  const out: string[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (/^(export\s+)?(let|var)\s/.test(line)) out.push(`${i + 1}: ${line.trim()}`);
    if (
      /^\s+(public\s+|private\s+|protected\s+)?static\s+(?!readonly\b)(?!(async\s+)?[\w$]+\s*[(<])/.test(line)
    )
      out.push(`${i + 1}: ${line.trim()}`);
  }
  return out;
}

/** Names of top-level containers (`const X = new Set(...)`, `= [...]`, `= {...}`), which could be written to. */
function containers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m =
      /^(?:export\s+)?const\s+([\w$]+)\s*(?::[^=]+)?=\s*(?:new\s+(?:Set|Map|WeakMap|WeakSet|Array)\b|\[|\{)/.exec(
        line,
      );
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

/** Writes to a named container anywhere in a text: mutating calls, assignments to its members, delete. */
function writesTo(name: string, text: string): string[] {
  const n = name.replace(/\$/g, '\\$');
  const patterns = [
    new RegExp(
      `(?<![\\w$.])${n}\\s*\\.\\s*(add|set|delete|clear|push|pop|shift|unshift|splice|sort|reverse|fill|copyWithin)\\s*\\(`,
    ),
    new RegExp(`(?<![\\w$.])${n}\\s*(\\[[^\\]]*\\]|\\.[\\w$]+)\\s*(=(?!=)|\\+=|-=|\\+\\+|--)`),
    new RegExp(`Object\\.(assign|defineProperty)\\(\\s*${n}\\b`),
    new RegExp(`delete\\s+${n}\\b`),
  ];
  return text.split('\n').filter((line) => patterns.some((p) => p.test(line)));
}

const files = tsFiles(src);
const modules = files.filter((f) => !f.endsWith('.test.ts'));
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));

describe('structure of src', () => {
  it(`has no file over ${MAX_LINES} lines`, () => {
    expect(files.length).toBeGreaterThan(30);
    const long = files
      .map((f) => [relative(src, f), (text.get(f) ?? '').split('\n').length - 1] as const)
      .filter(([, n]) => n > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('has no module-level let/var and no mutable static fields', () => {
    const found = modules.flatMap((f) =>
      mutableBindings(text.get(f) ?? '').map((l) => `${relative(src, f)}:${l}`),
    );
    expect(found).toEqual([]);
  });

  it('never writes to a module-level container (word lists and tables are read-only)', () => {
    const names = modules.flatMap((f) => containers(text.get(f) ?? ''));
    expect(names).toContain('STATEMENTS');
    expect(names).toContain('FAMILIES');
    const found = names.flatMap((name) =>
      modules.flatMap((f) =>
        writesTo(name, text.get(f) ?? '').map((l) => `${relative(src, f)}: ${l.trim()}`),
      ),
    );
    expect(found).toEqual([]);
  });

  it('the checks see what they look for (on a made-up module)', () => {
    const bad = [
      'let furthest: number | undefined;',
      'export var x = 1;',
      "const SEEN = new Set(['a']);",
      'const CACHE: Record<string, number> = {};',
      'class C {',
      '  static count = 0;',
      '  static readonly fine = 1;',
      '  static make(): C {',
      '    return new C();',
      '  }',
      '}',
      'function f(w: string) {',
      '  SEEN.add(w);',
      '  CACHE[w] = 1;',
      '  const seen = new Set();',
      '  seen.add(w);',
      '}',
    ].join('\n');
    expect(mutableBindings(bad)).toEqual([
      '1: let furthest: number | undefined;',
      '2: export var x = 1;',
      '6: static count = 0;',
    ]);
    expect(containers(bad)).toEqual(['SEEN', 'CACHE']);
    expect(writesTo('SEEN', bad)).toEqual(['  SEEN.add(w);']);
    expect(writesTo('CACHE', bad)).toEqual(['  CACHE[w] = 1;']);
  });
});
