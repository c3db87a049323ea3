/**
 * The reader of one rule: a cursor over a token sequence that owns the state of its analysis (strict or
 * not, the table's family, the furthest place a failed statement got to, value problems waiting for their
 * statement to complete). A group `{ ... }` or `( ... )` is read by a sub-reader sharing that state; an
 * anonymous chain (`jump { ... }`) is analyzed with a state of its own.
 */
import type { Item, NodePosition } from '../ast.js';

/** What the grammar allows where a value stands (nft's rhs_expr). */
export const VALUE = 'a value (number, address, name, "string", { set }, @set or $variable)';
/** What the grammar allows where a statement starts. */
export const START = 'a match or a statement';
/** What the grammar allows where an expression stands (a selector, or a number, address or string). */
export const LHS_VALUE =
  'an expression (ip saddr, tcp dport, meta mark, ...) or a number, address or "string"';

/**
 * A value problem found while reading a selector (where, expected, found), kept until the statement is
 * complete: selectors are also read speculatively (and dropped), so only those in the final statement
 * report (`reportProblems`).
 */
export type Problem = [{ pos?: NodePosition }, string, string];

/**
 * The furthest place a failed statement got to, with everything the grammar allowed there (merged when
 * several alternatives stop at the same token): the explanation strict mode gives for an `unknown`.
 */
export interface Expectation {
  key: number;
  found: string;
  word?: string;
  pos?: NodePosition;
  what: string[];
  words: Set<string>;
}

/** The state of one analysis, shared by a reader and its sub-readers. */
export class ReadState {
  /** See `Expectation`; reset by the rule loop between statements. */
  furthest: Expectation | undefined = undefined;
  /** A `mod 0` found by the hash arguments, attached to the selector that reads them (`withMod`). */
  pendingMod: Problem | undefined = undefined;
  /** Value problems of the selectors read so far, by selector object (made with the first one). */
  problems: WeakMap<object, Problem[]> | undefined = undefined;
  constructor(
    /** File name used in diagnostics. */
    readonly file: string,
    /** Report what nft's grammar rejects (see AnalyzeOptions.strict). */
    readonly strict: boolean,
    /** The family of the rule's table, when known. */
    readonly family: string | undefined,
  ) {}
  /** Keeps the problems of a selector until its statement is complete (see `reportProblems`). */
  recordProblems(selector: object, problems: Problem[]): void {
    this.problems ??= new WeakMap();
    this.problems.set(selector, problems);
  }
}

/** What follows the items of a reader: the end of the rule, or the closing brace of a group. */
interface End {
  found: string;
  pos?: NodePosition;
  key: number;
}

function itemEnd(it: Item): NodePosition | undefined {
  if (it.kind === 'group') {
    const last = it.items[it.items.length - 1];
    const inner = last ? itemEnd(last) : it.pos;
    return inner ? { line: inner.line, col: inner.col + 2, offset: inner.offset + 2 } : undefined;
  }
  return it.pos
    ? { line: it.pos.line, col: it.pos.col + it.text.length, offset: it.pos.offset + it.text.length }
    : undefined;
}

/** Thrown inside the reader when a statement cannot be typed; caught and turned into `unknown`. */
export class NoMatch extends Error {}

export function showItem(it: Item): string {
  return it.kind === 'group' ? `'${it.open}'` : `'${it.text}'`;
}

/** A cursor over items, with the state of the analysis it belongs to. */
export class Reader {
  i = 0;
  readonly end: End;
  constructor(
    readonly items: Item[],
    readonly st: ReadState,
    close?: string,
  ) {
    const last = items[items.length - 1];
    const pos = last ? itemEnd(last) : undefined;
    this.end = { found: close ? `'${close}'` : 'end of rule', pos, key: pos ? pos.offset : items.length };
  }
  /** A reader of a group's items (closed by `close`), sharing this reader's state. */
  sub(items: Item[], close?: string): Reader {
    return new Reader(items, this.st, close);
  }
  get strict(): boolean {
    return this.st.strict;
  }
  peek(k = 0): Item | undefined {
    return this.items[this.i + k];
  }
  word(k = 0): string | undefined {
    const it = this.peek(k);
    return it?.kind === 'word' ? it.text : undefined;
  }
  isWord(text: string, k = 0): boolean {
    return this.word(k) === text;
  }
  isPunct(text: string, k = 0): boolean {
    const it = this.peek(k);
    return it?.kind === 'punct' && it.text === text;
  }
  next(): Item | undefined {
    return this.items[this.i++];
  }
  done(): boolean {
    return this.i >= this.items.length;
  }
  /** A position key of the item k ahead (or of the end): later in the source, larger. */
  key(k = 0): number {
    const it = this.peek(k);
    return it ? (it.pos?.offset ?? this.i + k) : this.end.key;
  }
  /** Records that the grammar allows `what` at the item k ahead (or at the end). */
  note(what: string, words: Iterable<string> = [], k = 0): void {
    const key = this.key(k);
    const st = this.st;
    if (st.furthest && key < st.furthest.key) return;
    if (!st.furthest || key > st.furthest.key) {
      const it = this.peek(k);
      st.furthest = {
        key,
        found: it ? showItem(it) : this.end.found,
        pos: it ? it.pos : this.end.pos,
        what: [],
        words: new Set(),
      };
      if (it?.kind === 'word') st.furthest.word = it.text;
    }
    if (!st.furthest.what.includes(what)) st.furthest.what.push(what);
    for (const w of words) st.furthest.words.add(w);
  }
  /** Notes what the grammar allows here and gives up on the statement. */
  fail(what: string, words?: Iterable<string>, k = 0): never {
    this.note(what, words, k);
    throw new NoMatch();
  }
}
