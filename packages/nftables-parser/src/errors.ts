import type { Position } from './ast.js';

/** A parse error with its place, what was found and what was expected. */
export class NftSyntaxError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly found: string;
  readonly expected: string;
  /** Where: file, line, col (and the offset when known). */
  readonly pos: Position;

  /** `message` replaces the default `file:line:col: syntax error, unexpected ..., expecting ...`. */
  constructor(file: string, pos: Position, found: string, expected: string, message?: string) {
    super(
      message ?? `${file}:${pos.line}:${pos.col}: syntax error, unexpected ${found}, expecting ${expected}`,
    );
    this.name = 'NftSyntaxError';
    this.file = file;
    this.line = pos.line;
    this.col = pos.col;
    this.found = found;
    this.expected = expected;
    this.pos = { ...pos, file };
  }
}
