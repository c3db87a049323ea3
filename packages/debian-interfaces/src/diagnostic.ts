/** The located finding this package reports (load problems, address findings, syntax errors). */

/** A place in a source text: 1-based line and column; 0-based offset when known; file when known. */
export interface Position {
  file?: string;
  line: number;
  col: number;
  offset?: number;
}

/** A located finding. `message` is the whole human text (`expected X, found Y` where it applies). */
export interface Diagnostic {
  /** Stable id, `IFUP001`...; the README lists them. */
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  pos: Position;
  expected?: string;
  found?: string;
  hint?: string;
}

/** `file:line:col: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.pos.file ?? '<input>'}:${d.pos.line}:${d.pos.col}: ${d.message}`;
}
