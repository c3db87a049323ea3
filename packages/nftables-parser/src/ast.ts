/**
 * The lossless syntax tree of an nftables ruleset file.
 *
 * The tree keeps the block structure nft uses (tables, chains, sets, maps, flowtables, stateful objects,
 * commands) and, inside each statement, the exact token sequence with brace/parenthesis groups. Every node
 * carries its source position; `#` comments are kept as nodes.
 */

/** A place in a source text: 1-based line and column; 0-based offset when known; file when known. */
export interface Position {
  file?: string;
  line: number;
  col: number;
  offset?: number;
}

/** The position of a parsed token or node: its offset is always known (its file is the parse's `file`). */
export interface NodePosition extends Position {
  offset: number;
}

/** @deprecated since 0.2: use `Position` (or `NodePosition`, its form on tree nodes). */
export type Pos = NodePosition;

export type TokenKind = 'word' | 'string' | 'punct' | 'variable' | 'setref';

/** One lexical token of a statement. `space` records whether whitespace separated it from the previous one. */
export interface Token {
  kind: TokenKind;
  text: string;
  space: boolean;
  /** A `#` comment following this token on its line, inside a multi-line `{ }` group. */
  comment?: string;
  pos?: NodePosition;
}

/** A `{ ... }` (anonymous set, map, verdict map) or `( ... )` group inside a statement. */
export interface Group {
  kind: 'group';
  open: '{' | '(';
  items: Item[];
  /** Set for an anonymous chain (`jump { ... }`): its rules, one statement each. */
  body?: Node[];
  space: boolean;
  /** A `#` comment on the line of the opening brace. */
  openComment?: string;
  /** A `#` comment following the closing brace, when the group is an element of an enclosing group. */
  comment?: string;
  pos?: NodePosition;
}

export type Item = Token | Group;

/** One statement: a rule, a set property (`type ipv4_addr`), a chain header, a command (`flush ruleset`)... */
export interface Statement {
  kind: 'statement';
  items: Item[];
  /** Comment written on the same line after the statement (`# handle 4`, `# count 1`). */
  trailing?: string;
  /** What separates the statement from its trailing comment: nft lists set counts after a tab, handles after a space. */
  trailingSep?: ' ' | '\t';
  pos?: NodePosition;
}

/** What a block contains: decides how its body is parsed and printed. */
export type BlockKind = 'table' | 'chain' | 'set' | 'map' | 'flowtable' | 'object';

/** A `head { body }` block: `table inet filter { ... }`, `chain input { ... }`, `set s { ... }`, `counter c { ... }`. */
export interface Block {
  kind: 'block';
  block: BlockKind;
  head: Item[];
  body: Node[];
  /** Comment on the line of the opening brace (`chain input { # handle 2`). */
  trailing?: string;
  pos?: NodePosition;
}

/** A `#` comment on its own line (text includes the `#`). */
export interface Comment {
  kind: 'comment';
  text: string;
  pos?: NodePosition;
}

export type Node = Block | Statement | Comment;

/** A whole file. */
export interface Ruleset {
  kind: 'ruleset';
  body: Node[];
}

/** Text of a token list as it is printed (helper for consumers). */
export function isToken(i: Item): i is Token {
  return i.kind !== 'group';
}
