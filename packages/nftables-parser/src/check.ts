import { NftSyntaxError } from './errors.js';
import { parse } from './parser.js';
import { print } from './printer.js';

/** Outcome of checking one file against its canonical form. */
export type CheckResult =
  | { status: 'ok' }
  | { status: 'differs'; canonical: string; diff: string }
  | { status: 'error'; message: string; line: number; col: number };

/** A short line diff: the first differing lines of a and b (at most `max` lines shown). */
export function shortDiff(a: string, b: string, max = 6): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  const out: string[] = [];
  const n = Math.max(la.length, lb.length);
  for (let i = 0; i < n && out.length < max; i++) {
    if (la[i] !== lb[i]) {
      if (la[i] !== undefined) out.push(`${i + 1}- ${JSON.stringify(la[i])}`);
      if (lb[i] !== undefined) out.push(`${i + 1}+ ${JSON.stringify(lb[i])}`);
    }
  }
  return out.join('\n');
}

/** Parses `src` and compares it byte for byte with its canonical printing. */
export function checkFormat(src: string, file = '<input>'): CheckResult {
  try {
    const canonical = print(parse(src, { file }));
    if (canonical === src) return { status: 'ok' };
    return { status: 'differs', canonical, diff: shortDiff(src, canonical) };
  } catch (e) {
    if (e instanceof NftSyntaxError) return { status: 'error', message: e.message, line: e.line, col: e.col };
    throw e;
  }
}
