/** The diagnostics of one rule: value problems, and in strict mode what the grammar allowed. */
import type { Item, NodePosition } from '../ast.js';
import { type DiagnosticKind, makeDiagnostic, type RuleDiagnostic } from '../diagnostic.js';
import { closest } from '../keywords.js';
import { type Expectation, type Problem, type ReadState, START, showItem } from './reader.js';

/** Collects the diagnostics of a rule (placed at the rule when a value has no position). */
export class Diags {
  readonly list: RuleDiagnostic[] = [];
  constructor(
    readonly file: string,
    readonly rulePos: NodePosition | undefined,
  ) {}
  /** A diagnostic at `at` (a value problem, NFT001, unless `kind` says otherwise). */
  add(
    at: { pos?: NodePosition } | undefined,
    expected: string,
    found: string,
    kind: DiagnosticKind = { code: 'NFT001' },
  ): void {
    this.list.push(makeDiagnostic(this.file, at?.pos ?? this.rulePos, expected, found, kind));
  }
}

/** A keyword close to a misspelled word (not for numbers and one- or two-letter words). */
export function hintFor(word: string, words: Iterable<string>): string | undefined {
  if (word.length < 3 || /^[\d.:/x-]+$/.test(word)) return undefined;
  return closest(word, words);
}

/** The diagnostic strict mode gives an `unknown` statement: the furthest point and what was allowed. */
export function grammarDiagnostic(d: Diags, at: Item, e: Expectation | undefined): void {
  if (!e) {
    d.add(at, START, showItem(at), { code: 'NFT002' });
    return;
  }
  const what =
    e.what.length <= 1 ? (e.what[0] ?? START) : `${e.what.slice(0, -1).join(', ')} or ${e.what.at(-1)}`;
  const hint = e.word !== undefined && !e.words.has(e.word) ? hintFor(e.word, e.words) : undefined;
  d.add(e.pos ? { pos: e.pos } : at, what, e.found, hint ? { code: 'NFT002', hint } : { code: 'NFT002' });
}

/** Reports the value problems the selectors of a complete statement recorded (see `Problem`). */
export function reportProblems(x: unknown, d: Diags, st: ReadState): void {
  if (st.problems) reportIn(x, d, st.problems);
}

function reportIn(x: unknown, d: Diags, problems: WeakMap<object, Problem[]>): void {
  if (Array.isArray(x)) {
    for (const v of x) reportIn(v, d, problems);
    return;
  }
  if (x === null || typeof x !== 'object') return;
  for (const p of problems.get(x) ?? []) d.add(...p);
  for (const [k, v] of Object.entries(x)) {
    if (k !== 'pos' && k !== 'anonymous' && k !== 'tokens' && k !== 'rule') reportIn(v, d, problems);
  }
}
