import type { Diagnostic } from './diagnostic.js';

/** A syntax error in an interfaces file: where, what was expected, what was found. */
export class InterfacesSyntaxError extends Error {
  override readonly name = 'InterfacesSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${file}:${line}:${column}: expected ${expected}, found ${found}`);
  }

  /** The error as a Diagnostic (code IFUP001), e.g. to report it with other findings. */
  get diagnostic(): Diagnostic {
    return {
      code: 'IFUP001',
      severity: 'error',
      message: `expected ${this.expected}, found ${this.found}`,
      pos: { file: this.file, line: this.line, col: this.column },
      expected: this.expected,
      found: this.found,
    };
  }
}

/** A node that cannot be printed as a valid interfaces line (e.g. a value with a newline). */
export class InterfacesBuildError extends Error {
  override readonly name = 'InterfacesBuildError';
}
