import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { ConfigFile, Diagnostic, Node, Statement } from './ast.js';
import { tryParse, unquote } from './parse.js';

export const INCLUDE_KEYWORDS: ReadonlySet<string> = new Set([
  'include',
  'includer',
  'includem',
  'includew',
  'includeb',
  'includea',
]);

export interface LoadedConfig {
  /** The main file as parsed (include lines kept). */
  file: ConfigFile;
  /** Every file read, main file first, in include order. */
  files: ConfigFile[];
  /** The main file's body with include lines replaced by the bodies of the files they match. */
  body: Node[];
  /** Syntax errors of every file, and includes that matched nothing or loop. */
  diagnostics: Diagnostic[];
}

/** Reads a keepalived.conf and the files it includes (globs, relative to the including file). */
export function loadConfig(path: string): LoadedConfig {
  const files: ConfigFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const read = (p: string): ConfigFile => {
    const r = tryParse(readFileSync(p, 'utf8'), { file: p });
    files.push(r.file);
    diagnostics.push(...r.diagnostics);
    return r.file;
  };
  const main = read(path);
  const inline = (nodes: Node[], from: string, stack: string[]): Node[] =>
    nodes.flatMap((n): Node[] => {
      if (n.kind !== 'statement') return [n];
      if (INCLUDE_KEYWORDS.has(n.keyword) && !n.block && !n.condition && n.args[0] !== undefined) {
        const pattern = unquote(n.args[0]);
        const abs = isAbsolute(pattern) ? pattern : join(dirname(resolvePath(from)), pattern);
        const matches = glob(abs);
        if (matches.length === 0) {
          diagnostics.push({
            code: 'KA040',
            severity: n.keyword === 'includer' ? 'info' : 'warning',
            message: `${n.keyword} ${pattern}: no file matches (looked for ${abs})`,
            pos: n.pos,
            hint: 'fix the path; relative paths are relative to the including file',
          });
        }
        return matches.flatMap((m) => {
          if (stack.includes(m)) {
            diagnostics.push({
              code: 'KA040',
              severity: 'error',
              message: `include loop: ${m} includes itself`,
              pos: n.pos,
            });
            return [];
          }
          const f = read(m);
          return inline(f.body, m, [...stack, m]);
        });
      }
      if (n.block) {
        const s: Statement = { ...n, block: inline(n.block, from, stack) };
        return [s];
      }
      return [n];
    });
  const body = inline(main.body, path, [resolvePath(path)]);
  return { file: main, files, body, diagnostics };
}

/** Expands `{a,b}` alternatives (nested allowed). */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const inner = pattern.slice(open + 1, i);
        const parts: string[] = [];
        let d = 0;
        let s = 0;
        for (let j = 0; j < inner.length; j++) {
          if (inner[j] === '{') d++;
          else if (inner[j] === '}') d--;
          else if (inner[j] === ',' && d === 0) {
            parts.push(inner.slice(s, j));
            s = j + 1;
          }
        }
        parts.push(inner.slice(s));
        const pre = pattern.slice(0, open);
        const post = pattern.slice(i + 1);
        return parts.flatMap((p) => expandBraces(pre + p + post));
      }
    }
  }
  return [pattern];
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        const body = seg
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < seg.length) re += seg[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Absolute paths of the files keepalived reads for an include pattern, in its order: glob(3) with
 * GLOB_BRACE expands `{a,b}` alternatives in the order written and sorts the matches of each one (an
 * alternative matched twice is read twice); `*`, `?` and `[...]` (`[!...]` negated) never match a leading
 * `.`. keepalived then skips what is not a regular file, and executable files.
 */
export function glob(pattern: string): string[] {
  const out: string[] = [];
  for (const p of expandBraces(pattern)) {
    const segs = p.split('/').filter((s) => s !== '');
    let current = [p.startsWith('/') ? '/' : '.'];
    for (const seg of segs) {
      const next: string[] = [];
      const magic = /[*?[]/.test(seg);
      for (const dir of current) {
        if (!magic) {
          next.push(join(dir, seg.replace(/\\(.)/g, '$1')));
          continue;
        }
        const re = segmentRegex(seg);
        let names: string[] = [];
        try {
          names = readdirSync(dir);
        } catch {
          names = [];
        }
        for (const n of names)
          if (re.test(n) && !(n.startsWith('.') && !seg.startsWith('.'))) next.push(join(dir, n));
      }
      current = next;
    }
    const files: string[] = [];
    for (const f of current) {
      try {
        const st = statSync(f);
        if (st.isFile() && !(st.mode & 0o111)) files.push(resolvePath(f));
      } catch {
        // not there
      }
    }
    out.push(...files.sort());
  }
  return out;
}
