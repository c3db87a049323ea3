import type { Diagnostic } from './ast.js';
import { formatPosition } from './ast.js';

/** `file:line:col: severity CODE message (hint)` — one line per finding. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${formatPosition(d.pos)}: ${d.severity} ${d.code} ${d.message}${d.hint ? ` (fix: ${d.hint})` : ''}`;
}
