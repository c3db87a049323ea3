import { diffArrays } from 'diff';
import { NftSyntaxError } from './errors.js';
import { parse } from './parser.js';
import { type NftLayout, type PrintOptions, print } from './printer.js';

/** Outcome of checking one file against its canonical form. */
export type CheckResult =
  | { status: 'ok' }
  | {
      status: 'differs';
      canonical: string;
      diff: string;
      /** Set when the file is canonical in the other nft's layout (`nft list ruleset` of nft 1.0.6, say). */
      layout?: NftLayout;
    }
  | { status: 'error'; message: string; line: number; col: number };

export interface CheckOptions extends PrintOptions {
  /** Also report what nft's grammar rejects (parse with `strict`). */
  strict?: boolean;
}

/**
 * A short line diff of a and b (jsdiff's): each removed line as `N- "text"` (N its line in a), each added
 * line as `N+ "text"` (N its line in b), at most `max` lines shown.
 */
export function shortDiff(a: string, b: string, max = 6): string {
  const out: string[] = [];
  let lineA = 1;
  let lineB = 1;
  for (const change of diffArrays(a.split('\n'), b.split('\n'))) {
    for (const text of change.value) {
      if (change.removed) out.push(`${lineA++}- ${JSON.stringify(text)}`);
      else if (change.added) out.push(`${lineB++}+ ${JSON.stringify(text)}`);
      else {
        lineA++;
        lineB++;
      }
      if (out.length >= max) return out.join('\n');
    }
  }
  return out.join('\n');
}

/**
 * Parses `src` and compares it byte for byte with its canonical printing (in the layout `opts.nft` names,
 * the current nft's by default). A file that differs but is canonical in the other layout says so.
 */
export function checkFormat(src: string, file = '<input>', opts: CheckOptions = {}): CheckResult {
  try {
    const rs = parse(src, { file, strict: opts.strict === true });
    const canonical = print(rs, opts);
    if (canonical === src) return { status: 'ok' };
    const result: CheckResult = { status: 'differs', canonical, diff: shortDiff(src, canonical) };
    const other: NftLayout =
      (opts.nft ?? (opts.mapWrap === 'by-key' ? '1.0.6' : 'current')) === '1.0.6' ? 'current' : '1.0.6';
    if (print(rs, { nft: other }) === src) result.layout = other;
    return result;
  } catch (e) {
    if (e instanceof NftSyntaxError) return { status: 'error', message: e.message, line: e.line, col: e.col };
    throw e;
  }
}
