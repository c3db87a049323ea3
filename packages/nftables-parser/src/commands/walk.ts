/** The cursor of the command checks: over the tokens of one command or block head, with nft's spec rules. */
import type { Group, Item, NodePosition } from '../ast.js';
import type { RuleDiagnostic } from '../diagnostic.js';
import { closest, FAMILIES, isIdentifier, NFT_KEYWORDS } from '../keywords.js';

/** Checks an element list `{ ... }` (given by the rule model). */
export type ElementCheck = (g: Group, file: string) => RuleDiagnostic[];

export class CommandError extends Error {
  constructor(
    readonly at: { pos?: NodePosition },
    readonly expected: string,
    readonly found: string,
    /** A word close to the one found. */
    readonly hint?: string,
  ) {
    super(expected);
  }
}

/** A cursor over the tokens of one command or block head, with nft's spec rules. */
export class Walk {
  i = 0;
  /** Diagnostics found inside element lists, reported with the command's. */
  readonly inner: RuleDiagnostic[] = [];
  constructor(
    readonly items: Item[],
    readonly endPos: NodePosition | undefined,
    readonly endText: string,
    readonly elements?: { check: ElementCheck; file: string },
  ) {}
  peek(k = 0): Item | undefined {
    return this.items[this.i + k];
  }
  word(k = 0): string | undefined {
    const it = this.peek(k);
    return it?.kind === 'word' ? it.text : undefined;
  }
  isPunct(text: string): boolean {
    const it = this.peek();
    return it?.kind === 'punct' && it.text === text;
  }
  done(): boolean {
    return this.i >= this.items.length;
  }
  fail(expected: string, words: Iterable<string> = []): never {
    const it = this.peek();
    if (!it) throw new CommandError({ pos: this.endPos }, expected, this.endText);
    const text = it.kind === 'group' ? it.open : it.text;
    const hint = it.kind === 'word' ? closest(it.text, words) : undefined;
    throw new CommandError(it, expected, `'${text}'`, hint && hint !== text ? hint : undefined);
  }
  expectWord(text: string): void {
    if (this.word() !== text) this.fail(`'${text}'`, [text]);
    this.i++;
  }
  number(what = 'a number'): void {
    if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(this.word() ?? '')) this.fail(what);
    this.i++;
  }
  family(): void {
    if (FAMILIES.has(this.word() ?? '')) this.i++;
  }
  ident(what: string): void {
    const it = this.peek();
    if (it?.kind !== 'word' || !isIdentifier(it.text)) {
      const quoted = it?.kind === 'string' ? ' (unquoted: nft takes no quoted names here)' : '';
      const keyword = it?.kind === 'word' && NFT_KEYWORDS.has(it.text) ? ` ('${it.text}' is a keyword)` : '';
      this.fail(`a ${what} name${quoted}${keyword}`);
    }
    this.i++;
  }
  tableSpec(): void {
    this.family();
    this.ident('table');
  }
  /** `[family] name` or `[family] handle N`. */
  tableOrId(): void {
    this.family();
    if (this.word() === 'handle') this.handle();
    else this.ident('table');
  }
  spec(what: string): void {
    this.tableSpec();
    this.ident(what);
  }
  specOrId(what: string): void {
    this.tableSpec();
    if (this.word() === 'handle') this.handle();
    else this.ident(what);
  }
  handle(): void {
    this.expectWord('handle');
    this.number('a handle number');
  }
  end(what = 'end of the command'): void {
    if (!this.done()) this.fail(what);
  }
}

export function lastPos(items: Item[]): NodePosition | undefined {
  const last = items[items.length - 1];
  if (!last?.pos) return undefined;
  const len = last.kind === 'group' ? 1 : last.text.length;
  return { line: last.pos.line, col: last.pos.col + len, offset: last.pos.offset + len };
}
