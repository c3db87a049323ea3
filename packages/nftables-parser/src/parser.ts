import type { Block, BlockKind, Comment, Group, Item, Node, Ruleset, Statement, Token } from './ast.js';
import { formatDiagnostic } from './diagnostic.js';
import { NftSyntaxError } from './errors.js';
import {
  AFTER_VALUE,
  CHAIN_WORDS,
  COMMON_WORDS,
  closest,
  FAMILIES,
  FIELDS,
  FLOWTABLE_WORDS,
  RULE_START,
  SET_WORDS,
} from './keywords.js';
import { type RawToken, tokenize } from './lexer.js';
import { analyzeRule, checkRules } from './rules/index.js';

export interface ParseOptions {
  /** File name used in error messages. */
  file?: string;
  /**
   * Also reject what nft's grammar rejects inside rules and commands (`checkRules` with `strict`): the
   * first strict diagnostic is thrown as an NftSyntaxError whose message is the diagnostic's
   * (`f.nft:3:22: expected a value or an operator, found end of rule`).
   */
  strict?: boolean;
}

type Level = 'top' | BlockKind;

const VERBS = new Set([
  'add',
  'create',
  'insert',
  'replace',
  'delete',
  'destroy',
  'flush',
  'rename',
  'list',
  'reset',
]);
const TOP_WORDS = new Set([
  ...VERBS,
  'table',
  'chain',
  'set',
  'map',
  'flowtable',
  'element',
  'rule',
  'define',
  'redefine',
  'undefine',
  'include',
  'describe',
  'monitor',
  'export',
  'import',
  'get',
  // bare object commands (`counter inet t c`: add is implied)
  'counter',
  'quota',
  'limit',
  'secmark',
  'synproxy',
]);
const OBJECT_WORDS = new Set(['counter', 'quota', 'limit', 'ct', 'secmark', 'synproxy', 'tunnel']);
const TABLE_WORDS = new Set(['flags', 'comment']);
/** Rule keywords that must be followed by an argument. */
const NEEDS_ARG: Record<string, { what: string; strings?: boolean }> = {
  jump: { what: 'a chain name' },
  goto: { what: 'a chain name' },
  prefix: { what: 'a quoted string', strings: true },
  comment: { what: 'a quoted string', strings: true },
  to: { what: 'an address, a port or a device' },
};

function blockKindFor(level: Level, head: Item[]): BlockKind | undefined {
  const first = head[0];
  if (first?.kind !== 'word') return undefined;
  let w = first.text;
  if (level === 'top' && VERBS.has(w)) {
    const second = head[1];
    if (second?.kind !== 'word') return undefined;
    w = second.text;
  }
  if (level === 'top' && w === 'table') return 'table';
  if (level !== 'top' && level !== 'table') return undefined;
  if (w === 'chain') return 'chain';
  if (w === 'set') return 'set';
  if (w === 'map') return 'map';
  if (w === 'flowtable') return 'flowtable';
  if (OBJECT_WORDS.has(w)) return 'object';
  return undefined;
}

function describe(t: RawToken): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'newline':
      return 'newline';
    case 'string':
      return `string ${t.text}`;
    case 'comment':
      return 'comment';
    default:
      return `'${t.text}'`;
  }
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: RawToken[],
    private readonly file: string,
  ) {}

  private peek(): RawToken {
    return this.toks[this.i] as RawToken;
  }

  private fail(t: RawToken, expected: string): never {
    throw new NftSyntaxError(this.file, t.pos, describe(t), expected);
  }

  parseBody(level: Level, closing: boolean): Node[] {
    const body: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'newline' || (t.kind === 'punct' && t.text === ';')) {
        this.i++;
        continue;
      }
      if (t.kind === 'comment') {
        body.push({ kind: 'comment', text: t.text, pos: t.pos } satisfies Comment);
        this.i++;
        continue;
      }
      if (t.kind === 'eof') {
        if (closing) this.fail(t, "'}'");
        return body;
      }
      if (t.kind === 'punct' && t.text === '}') {
        if (!closing) this.fail(t, 'a statement');
        return body;
      }
      body.push(this.parseStatement(level));
    }
  }

  private checkStart(level: Level, t: RawToken): void {
    if (t.kind !== 'word' && t.kind !== 'variable' && t.kind !== 'setref' && t.kind !== 'punct') return;
    if (level === 'top') {
      if (t.kind !== 'word' || !TOP_WORDS.has(t.text)) {
        this.fail(t, "a command ('table', 'add', 'flush', 'define', 'include', ...)");
      }
    } else if (level === 'table') {
      if (t.kind === 'word' && COMMON_WORDS.has(t.text)) return;
      if (t.kind !== 'word' || !(TABLE_WORDS.has(t.text) || blockKindFor('table', [toToken(t)]))) {
        this.fail(t, "'chain', 'set', 'map', 'flowtable', a stateful object, 'flags' or 'comment'");
      }
    } else if (t.kind === 'punct' && t.text !== '!' && t.text !== '{' && t.text !== '(') {
      this.fail(t, 'a statement');
    }
  }

  private parseStatement(level: Level): Node {
    const start = this.peek();
    this.checkStart(level, start);
    const items: Item[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof' || t.kind === 'newline' || t.kind === 'comment') break;
      if (t.kind === 'punct' && (t.text === ';' || t.text === '}')) break;
      if (t.kind === 'punct' && t.text === '{') {
        const nextKind = this.toks[this.i + 1]?.kind;
        const kind =
          items.length === 0
            ? undefined
            : level === 'object' && nextKind === 'newline'
              ? 'object'
              : blockKindFor(level, items);
        if (kind) {
          this.i++;
          this.checkHead(kind, items, level, t);
          const headComment = this.peek();
          let trailing: string | undefined;
          if (headComment.kind === 'comment') {
            trailing = headComment.text;
            this.i++;
          }
          const body = this.parseBody(kind, true);
          this.i++; // the closing brace
          const block: Block = { kind: 'block', block: kind, head: items, body, pos: start.pos };
          if (trailing !== undefined) block.trailing = trailing;
          return block;
        }
        const prev = items[items.length - 1];
        if (prev && prev.kind === 'word' && (prev.text === 'jump' || prev.text === 'goto')) {
          this.i++;
          const body = this.parseBody('chain', true);
          this.i++;
          items.push({ kind: 'group', open: '{', items: [], body, space: t.space, pos: t.pos });
          continue;
        }
        items.push(this.parseGroup());
        continue;
      }
      if (t.kind === 'punct' && t.text === '(') {
        items.push(this.parseGroup());
        continue;
      }
      if (t.kind === 'punct' && t.text === ')') this.fail(t, 'a statement');
      if (t.kind === 'punct' && t.text === ']' && !openBracket(items)) this.fail(t, 'a statement');
      items.push(toToken(t));
      this.i++;
    }
    if (items.length === 0) this.fail(this.peek(), 'a statement');
    if (level !== 'top' && level !== 'table') {
      const blockKw = blockKindFor('top', items);
      if (blockKw === 'table') this.fail(start, 'a statement (table blocks only nest at top level)');
    }
    this.checkKeywords(level, items);
    const st: Statement = { kind: 'statement', items, pos: start.pos };
    let after = this.peek();
    if (after.kind === 'punct' && after.text === ';' && this.toks[this.i + 1]?.kind === 'comment') {
      this.i++;
      after = this.peek();
    }
    if (after.kind === 'comment') {
      st.trailing = after.text;
      st.trailingSep = after.tab ? '\t' : ' ';
      this.i++;
    }
    return st;
  }

  private checkHead(kind: BlockKind, head: Item[], level: Level, brace: RawToken): void {
    // `[verb] table [family] name`, `[verb] chain [family] [table] name`, `set name`, `ct helper name`...
    if (level === 'object') return;
    const words = head.filter((h): h is Token => h.kind !== 'group');
    if (words.length !== head.length) this.fail(brace, 'a name before the block');
    const k = level === 'top' && VERBS.has(words[0]?.text ?? '') ? 1 : 0;
    const rest = words.slice(k + 1);
    if (kind === 'table') {
      const ok = rest.length === 1 || (rest.length === 2 && FAMILIES.has(rest[0]?.text ?? ''));
      if (!ok) {
        const bad = rest.length === 0 ? brace : rest.length === 2 ? head[k + 1] : head[k + 3];
        const badTok =
          bad && bad.kind !== 'group' && bad.pos ? ({ ...bad, pos: bad.pos } as RawToken) : brace;
        this.fail(
          badTok,
          rest.length === 2 ? 'a family (ip, ip6, inet, arp, bridge, netdev)' : "a table name then '{'",
        );
      }
    } else if (rest.length === 0) {
      this.fail(brace, 'a name');
    }
  }

  private failItem(it: Item, expected: string): never {
    const t: RawToken =
      it.kind === 'group'
        ? { kind: 'punct', text: it.open, pos: it.pos ?? { line: 0, col: 0, offset: 0 }, space: it.space }
        : { kind: it.kind, text: it.text, pos: it.pos ?? { line: 0, col: 0, offset: 0 }, space: it.space };
    this.fail(t, expected);
  }

  /** Checks the keyword a statement starts with, for the block it is in (rules: a match or a statement). */
  private checkKeywords(level: Level, items: Item[]): void {
    const first = items[0];
    if (!first) return;
    if (level !== 'top' && first.kind === 'word' && COMMON_WORDS.has(first.text)) {
      this.checkCommon(items);
      return;
    }
    if (level === 'chain') {
      if (first.kind === 'word' && CHAIN_WORDS.has(first.text)) return;
      this.checkRuleStart(first);
      this.checkFields(items, 0);
    } else if (level === 'set' || level === 'map' || level === 'flowtable') {
      const words = level === 'flowtable' ? FLOWTABLE_WORDS : SET_WORDS;
      if (first.kind !== 'word' || !words.has(first.text)) {
        this.failItem(first, `a ${level} property (${[...words].join(', ')})`);
      }
    } else if (level === 'top' && first.kind === 'word') {
      const verb = first.text;
      const second = items[1];
      if (
        (verb === 'add' || verb === 'insert' || verb === 'replace' || verb === 'create') &&
        second?.kind === 'word' &&
        second.text === 'rule'
      ) {
        let k = 2;
        const fam = items[k];
        if (fam?.kind === 'word' && FAMILIES.has(fam.text)) k++;
        k += 2; // table, chain
        const pos = items[k];
        if (
          pos?.kind === 'word' &&
          (pos.text === 'position' || pos.text === 'handle' || pos.text === 'index')
        )
          k += 2;
        const start = items[k];
        if (!start) this.failItem(items[items.length - 1] as Item, 'a family, table and chain, then a rule');
        this.checkRuleStart(start);
        this.checkFields(items, k);
      } else if (COMMON_WORDS.has(verb)) {
        this.checkCommon(items);
      }
    }
  }

  /** `define NAME = VALUE`, `redefine ...`, `undefine NAME`, `include "FILE"`. */
  private checkCommon(items: Item[]): void {
    const [first, second, third] = items as [Token, Item | undefined, Item | undefined];
    const verb = first.text;
    if ((verb === 'define' || verb === 'redefine') && (second?.kind !== 'word' || !isPunct(third, '='))) {
      this.failItem(third ?? second ?? first, "a variable name then '='");
    } else if ((verb === 'define' || verb === 'redefine') && items.length < 4) {
      this.failItem(third as Item, "a value after '='");
    } else if (verb === 'undefine' && (second?.kind !== 'word' || items.length !== 2)) {
      this.failItem(items[2] ?? second ?? first, 'a variable name');
    } else if (verb === 'include' && (second?.kind !== 'string' || items.length !== 2)) {
      this.failItem(items[2] ?? second ?? first, 'a quoted file name');
    }
  }

  /** Checks the header field after protocol keywords (`ip saddr`, `tcp dport`, `meta mark`). */
  private checkFields(items: Item[], from: number): void {
    for (let i = from; i < items.length; i++) {
      const it = items[i] as Item;
      if (it.kind !== 'word') continue;
      const need = NEEDS_ARG[it.text];
      if (!need) continue;
      const next = items[i + 1];
      const ok =
        need.strings === true
          ? next !== undefined && (next.kind === 'string' || next.kind === 'variable')
          : next !== undefined && (next.kind !== 'punct' || (it.text === 'to' && next.text === '['));
      if (!ok) {
        if (next) this.failItem(next, need.what);
        const end = { ...(it.pos ?? { line: 0, col: 0, offset: 0 }) };
        end.col += it.text.length;
        end.offset += it.text.length;
        this.fail({ kind: 'newline', text: '', pos: end, space: false }, need.what);
      }
    }
    for (let i = from; i < items.length - 1; i++) {
      const it = items[i] as Item;
      const next = items[i + 1] as Item;
      if (it.kind !== 'word' || next.kind !== 'word') continue;
      const fields = FIELDS[it.text];
      if (!fields || fields.includes(next.text)) continue;
      const prev = items[i - 1];
      if (
        prev?.kind === 'word' &&
        (prev.text === 'with' ||
          prev.text === 'original' ||
          prev.text === 'reply' ||
          prev.text === 'flags' ||
          prev.text === 'rt' ||
          prev.text === 'saddr' ||
          prev.text === 'daddr')
      )
        continue;
      if (it.text !== 'meta' && (RULE_START.has(next.text) || AFTER_VALUE.has(next.text))) continue;
      const hint = closest(next.text, fields);
      const what = it.text === 'meta' ? 'a meta key' : `a header field of ${it.text}`;
      this.failItem(
        next,
        `${what} (${fields.slice(0, 8).join(', ')}, ...)${hint ? `; did you mean '${hint}'?` : ''}`,
      );
    }
  }

  private checkRuleStart(first: Item): void {
    if (
      first.kind === 'variable' ||
      first.kind === 'setref' ||
      first.kind === 'group' ||
      first.kind === 'string'
    )
      return;
    if (first.kind === 'word' && RULE_START.has(first.text)) return;
    const hint = first.kind === 'word' ? closest(first.text, RULE_START) : undefined;
    this.failItem(
      first,
      `a match (ip, ip6, tcp, udp, meta, ct, iifname, ...) or a statement (accept, drop, jump, counter, log, ...)${hint ? `; did you mean '${hint}'?` : ''}`,
    );
  }

  private parseGroup(): Group {
    const open = this.peek();
    this.i++;
    const close = open.text === '{' ? '}' : ')';
    const items: Item[] = [];
    let openComment: string | undefined;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'comment') {
        const last = items[items.length - 1];
        if (last) last.comment = last.comment ? `${last.comment} ${t.text}` : t.text;
        else openComment = openComment ? `${openComment} ${t.text}` : t.text;
        this.i++;
        continue;
      }
      if (t.kind === 'newline') {
        this.i++;
        continue;
      }
      if (t.kind === 'eof') this.fail(t, `'${close}'`);
      if (t.kind === 'punct') {
        if (t.text === close) {
          this.i++;
          break;
        }
        if (t.text === '{' || t.text === '(') {
          items.push(this.parseGroup());
          continue;
        }
        if (t.text === '}' || t.text === ')' || t.text === ';') this.fail(t, `'${close}'`);
        if (t.text === ',' && close === '}') {
          const prev = items[items.length - 1];
          if (!prev || (prev.kind === 'punct' && prev.text === ',')) this.fail(t, "an element or '}'");
        }
      }
      items.push(toToken(t));
      this.i++;
    }
    const g: Group = { kind: 'group', open: open.text as '{' | '(', items, space: open.space, pos: open.pos };
    if (openComment !== undefined) g.openComment = openComment;
    return g;
  }
}

/** Whether a `[` of the statement is still open (`dnat ip6 to [2001:db8::1]:80`, `srh sid[1]`). */
function openBracket(items: Item[]): boolean {
  let depth = 0;
  for (const it of items) if (it.kind === 'punct') depth += it.text === '[' ? 1 : it.text === ']' ? -1 : 0;
  return depth > 0;
}

function isPunct(it: Item | undefined, text: string): boolean {
  return it !== undefined && it.kind === 'punct' && it.text === text;
}

function toToken(t: RawToken): Token {
  return { kind: t.kind as Token['kind'], text: t.text, space: t.space, pos: t.pos };
}

/** Parses nft source text; throws NftSyntaxError (file:line:col, found, expected) on bad input. */
export function parse(src: string, opts: ParseOptions = {}): Ruleset {
  const file = opts.file ?? '<input>';
  const p = new Parser(tokenize(src, file), file);
  const rs: Ruleset = { kind: 'ruleset', body: p.parseBody('top', false) };
  if (opts.strict) strictOrThrow(rs, file);
  return rs;
}

function strictOrThrow(rs: Ruleset, file: string): void {
  const d = checkRules(rs, { file, strict: true })[0];
  if (d) {
    throw new NftSyntaxError(file, d.pos, d.found ?? '', d.expected ?? '', formatDiagnostic(d));
  }
}

/** Parses the body of one chain (rules only, e.g. user-supplied rule text); same errors as parse. */
export function parseRules(src: string, opts: ParseOptions = {}): Statement[] {
  const file = opts.file ?? '<input>';
  const p = new Parser(tokenize(src, file), file);
  const rules = p.parseBody('chain', false).filter((n): n is Statement => n.kind === 'statement');
  if (opts.strict) {
    for (const r of rules) {
      const d = analyzeRule(r, { file, strict: true }).diagnostics[0];
      if (d) throw new NftSyntaxError(file, d.pos, d.found ?? '', d.expected ?? '', formatDiagnostic(d));
    }
  }
  return rules;
}

export type ParseResult = { ok: true; ruleset: Ruleset } | { ok: false; error: NftSyntaxError };

/** Like parse, but returns the error instead of throwing. */
export function tryParse(src: string, opts: ParseOptions = {}): ParseResult {
  try {
    return { ok: true, ruleset: parse(src, opts) };
  } catch (e) {
    if (e instanceof NftSyntaxError) return { ok: false, error: e };
    throw e;
  }
}
