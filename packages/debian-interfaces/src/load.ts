import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import picomatch from 'picomatch';
import type { InterfacesFile, Location, TopNode } from './ast.js';
import type { Diagnostic } from './diagnostic.js';
import { parseInterfaces } from './parse.js';

/** One file read by {@link loadInterfaces}, with its own tree (edit and print this one). */
export interface LoadedFile {
  path: string;
  file: InterfacesFile;
}

/**
 * Something ifupdown would refuse while following `source` lines.
 * @deprecated Read `diagnostics` (Diagnostic: code, severity, message, pos with the file); `problems`
 * and this type go in the next release.
 */
export interface LoadProblem {
  /** The file holding the `source` / `source-directory` line. */
  path: string;
  loc?: Location;
  message: string;
}

export interface LoadedInterfaces {
  /**
   * What ifupdown reads: the nodes of every file in reading order, each `source` / `source-directory`
   * line replaced by the nodes of the files it names (their `loc` is in their own file).
   */
  file: InterfacesFile;
  /** Every file read, the main one first, in reading order. */
  files: LoadedFile[];
  /**
   * What ifupdown would stop at while following the lines, as errors at the `source` line: IFUP002 a
   * path naming a directory, IFUP003 a file sourcing itself, IFUP004 too many nested levels.
   */
  diagnostics: Diagnostic[];
  /** @deprecated The same findings as `diagnostics`, as `{ path, loc, message }`. */
  problems: LoadProblem[];
}

export interface LoadOptions {
  /** Most nested `source` levels followed (default 32); deeper ones are reported as problems. */
  maxDepth?: number;
  /** Directory of relative words after the first one on a line (default: the process's; `/` at boot). */
  cwd?: string;
}

/** run-parts names: what `source-directory` reads in a directory (interfaces(5)). */
const RUN_PARTS_NAME = /^[a-zA-Z0-9_-]+$/;

/**
 * Reads an interfaces file and the files its `source` and `source-directory` lines name, as ifupdown
 * 0.8 does: a relative line is relative to the directory of the file holding it (ifupdown prepends
 * that directory to the line, so only its first word is: later relative words are relative to the
 * current directory, `cwd`); the words are split as the shell splits them (quotes, backslashes) and each is expanded
 * with `*`, `?` and `[...]` (names starting with `.` only match a pattern that does; results sorted);
 * `source-directory` reads the files of each directory whose names match `^[a-zA-Z0-9_-]+$`, sorted.
 * Paths that match nothing are skipped silently, as ifupdown does. A path naming a directory, or a
 * file that sources itself, is a problem (ifupdown stops with an error there). Neither `~` nor `$VAR`
 * is expanded. Throws InterfacesSyntaxError for a file that does not parse, and the fs error for an
 * unreadable main file.
 */
export function loadInterfaces(path: string, options: LoadOptions = {}): LoadedInterfaces {
  const maxDepth = options.maxDepth ?? 32;
  const cwd = escapeGlob(resolve(options.cwd ?? process.cwd()));
  const files: LoadedFile[] = [];
  const problems: LoadProblem[] = [];
  const diagnostics: Diagnostic[] = [];
  const read = (p: string, stack: string[]): TopNode[] => {
    const file = parseInterfaces(readFileSync(p, 'utf8'), { file: p });
    files.push({ path: p, file });
    const out: TopNode[] = [];
    for (const node of file.nodes) {
      if (node.kind !== 'source' && node.kind !== 'source-directory') {
        out.push(node);
        continue;
      }
      const problem = (code: string, message: string) => {
        problems.push({ path: p, ...(node.loc ? { loc: node.loc } : {}), message });
        diagnostics.push({
          code,
          severity: 'error',
          message,
          pos: { ...(node.pos ?? { line: 1, col: 1 }), file: p },
        });
      };
      const targets: string[] = [];
      // ifupdown prepends the file's directory to a relative line, then splits it into words: only
      // the first word is relative to that directory, the others to the current one.
      const words = shellWords(node.path);
      for (const [k, word] of words.entries()) {
        const absolute = isAbsolute(word) ? word : join(k === 0 ? escapeGlob(dirname(p)) : cwd, word);
        for (const match of expandPath(absolute)) {
          if (node.kind === 'source') targets.push(match);
          else if (isDirectory(match))
            for (const name of listDir(match).filter((n) => RUN_PARTS_NAME.test(n)))
              targets.push(join(match, name));
        }
      }
      for (const t of targets) {
        if (isDirectory(t)) problem('IFUP002', `${t} is a directory`);
        else if (stack.includes(resolve(t)))
          problem('IFUP003', `${t} sources itself (through ${stack.join(' -> ')})`);
        else if (stack.length > maxDepth)
          problem('IFUP004', `${t}: more than ${maxDepth} nested source levels`);
        else if (exists(t)) out.push(...read(t, [...stack, resolve(t)]));
      }
    }
    return out;
  };
  const nodes = read(path, [resolve(path)]);
  return { file: { kind: 'file', nodes, finalNewline: true }, files, diagnostics, problems };
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function listDir(p: string): string[] {
  try {
    return readdirSync(p).sort();
  } catch {
    return [];
  }
}

/** Splits a line into words as wordexp(3) does for ifupdown: blanks, '...', "...", backslash escapes (no comments). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else if (c === '\\' && i + 1 < text.length) cur = (cur ?? '') + escapeGlob(text[++i]!);
    else if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      const end = close < 0 ? text.length : close;
      cur = (cur ?? '') + escapeGlob(text.slice(i + 1, end));
      i = end;
    } else cur = (cur ?? '') + c;
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/** Quoted text matches itself only: its glob characters are escaped with a backslash. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

const unescapeGlob = (s: string) => s.replace(/\\(.)/g, '$1');
const hasGlob = (s: string) => /(^|[^\\])[*?[]/.test(s);

/** Expands `*`, `?` and `[...]` in an absolute path, one segment at a time; sorted, existing paths only. */
function expandPath(pattern: string): string[] {
  const segments = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let paths = [segments[0] === '' ? '/' : unescapeGlob(segments[0]!)];
  for (const seg of segments.slice(1)) {
    if (!hasGlob(seg)) {
      paths = paths.map((p) => join(p, unescapeGlob(seg)));
      continue;
    }
    const matches = segmentMatcher(seg);
    const next: string[] = [];
    for (const p of paths) for (const name of listDir(p)) if (matches(name)) next.push(join(p, name));
    paths = next;
  }
  return paths.filter(exists);
}

/**
 * Whether a directory entry matches one pattern segment as glob(3) matches it for wordexp(3): `*`, `?`,
 * `[...]` (with `!` / `^`, ranges, POSIX classes such as `[[:digit:]]`) and backslash escapes, by
 * picomatch with the shell extensions turned off (no braces, no extglob, no globstar, no negation);
 * and glob(3)'s own rule for dot files: a name starting with `.` only matches a segment starting with
 * a literal `.` (not `*`, `?` or a bracket).
 */
function segmentMatcher(seg: string): (name: string) => boolean {
  const match = picomatch(seg, {
    dot: true,
    nobrace: true,
    noextglob: true,
    noglobstar: true,
    nonegate: true,
    posix: true,
  });
  const literalDot = seg.startsWith('.') || seg.startsWith('\\.');
  return (name) => (name.startsWith('.') && !literalDot ? false : match(name));
}
