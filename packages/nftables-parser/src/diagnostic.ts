/** The one shape of a located finding in this library, and the one place diagnostics are built. */
import type { Pos } from './ast.js';

/** A located finding about a value: where, what was expected, what was found. */
export interface RuleDiagnostic {
  file: string;
  line: number;
  col: number;
  expected: string;
  found: string;
  /** `file:line:col: expected ..., found ...`. */
  message: string;
}

/** Builds a diagnostic at `pos` (line 0 when the place is not known: trees made with the builders). */
export function makeDiagnostic(
  file: string,
  pos: Pos | undefined,
  expected: string,
  found: string,
): RuleDiagnostic {
  const p = pos ?? { line: 0, col: 0, offset: 0 };
  return {
    file,
    line: p.line,
    col: p.col,
    expected,
    found,
    message: `${file}:${p.line}:${p.col}: expected ${expected}, found ${found}`,
  };
}
