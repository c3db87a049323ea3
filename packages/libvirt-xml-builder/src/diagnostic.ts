/** The located finding every check of this package reports, and its one-line text. */

/**
 * A place in a source text: 1-based line and column; 0-based offset when known; file when known.
 * A model built in code has no source text: its findings are at line 0, column 0.
 */
export interface Position {
  file?: string;
  line: number;
  col: number;
  offset?: number;
}

/** A located finding. `message` is the whole human text (`expected X, found Y` where it applies). */
export interface Diagnostic {
  /** Stable id: `LV001`... for the build checks, `LV100` / `LV101` for documents that cannot be read. */
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  pos: Position;
  expected?: string;
  found?: string;
  hint?: string;
}

/** `file:line:col: message`; `file: message` for a finding without a source line (a model built in code). */
export function formatDiagnostic(d: Diagnostic): string {
  const file = d.pos.file ?? '<input>';
  return d.pos.line > 0 ? `${file}:${d.pos.line}:${d.pos.col}: ${d.message}` : `${file}: ${d.message}`;
}
