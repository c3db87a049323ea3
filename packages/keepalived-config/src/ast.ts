/** A place in a source text: 1-based line and column; 0-based offset when known; file when known. */
export interface Position {
  file?: string;
  line: number;
  col: number;
  offset?: number;
}

/** The position of a parsed node: its file is always known. */
export interface NodePosition extends Position {
  file: string;
}

/** A keyword line, with optional arguments and optional `{ ... }` block. */
export interface Statement {
  kind: 'statement';
  /** The first word (`vrrp_instance`, `priority`, an address inside `virtual_ipaddress`, `$MACRO`, ...). */
  keyword: string;
  /** The remaining words, as written (quotes kept, so printing is lossless). */
  args: string[];
  /** Children when the statement opens a `{ }` block; undefined for a plain line. */
  block?: Node[];
  /** `@host` / `@^host` prefix (conditional configuration), as written. */
  condition?: string;
  /** `~SEQ(...)` / `~SEQx(...)` prefixes, as written. */
  sequences?: string[];
  /** Trailing comment on the statement's line, marker included (`# ...` or `! ...`). */
  comment?: string;
  /** Trailing comment after the closing `}`. */
  closeComment?: string;
  /** True when the whole block was written on the statement's line and must stay there (conditional lines). */
  inline?: boolean;
  /**
   * Layout of lines that carry an `@id` / `@^id` condition or a `~SEQ` prefix, which keepalived applies
   * to the rest of the physical line (the whole line is dropped or repeated, braces included). Set by
   * the parser only on such lines; the printer keeps these parts on their line as long as the line
   * still starts with a condition or `~SEQ`.
   *
   * `glued`: this statement was written on the same line as what precedes it, after the condition.
   */
  glued?: boolean;
  /** The `{` of this statement (whose line carries a condition) was written at the start of a later line. */
  openApart?: boolean;
  /** The closing `}` was written on the same line as what precedes it, after a condition. */
  closeGlued?: boolean;
  pos: NodePosition;
  /** Position of the closing `}` when there is a block. */
  end?: NodePosition;
}

/** `$NAME=value` or a multi-line definition (`$NAME= \` followed by continued lines). */
export interface Definition {
  kind: 'definition';
  name: string;
  /** The single-line value (may be empty); undefined for a multi-line definition. */
  value?: string;
  /** The body lines of a multi-line definition, without their trailing `\`, leading space trimmed. */
  lines?: string[];
  condition?: string;
  comment?: string;
  /** Written on the same line as what precedes it, after a condition (see {@link Statement.glued}). */
  glued?: boolean;
  pos: NodePosition;
}

/** A full-line comment, marker included. */
export interface Comment {
  kind: 'comment';
  text: string;
  pos: NodePosition;
}

/** One or more empty lines (printed as one). */
export interface Blank {
  kind: 'blank';
  pos: NodePosition;
}

export type Node = Statement | Definition | Comment | Blank;

/** One parsed file. */
export interface ConfigFile {
  kind: 'file';
  file: string;
  body: Node[];
}

/** A located finding. `message` is the whole human text (`expected X, found Y` where it applies). */
export interface Diagnostic {
  /** Stable id: `KA000`...`KA1xx` (see `LINT_RULES`). */
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  pos: Position;
  /** What keepalived expects there, when the finding is a mismatch. */
  expected?: string;
  /** What the file has there. */
  found?: string;
  /** A one-line fix hint. */
  hint?: string;
}

/** `file:line:col` (`line:col` when the file is not known). */
export function formatPosition(p: Position): string {
  return p.file === undefined ? `${p.line}:${p.col}` : `${p.file}:${p.line}:${p.col}`;
}
