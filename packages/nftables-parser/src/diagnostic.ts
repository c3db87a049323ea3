/** The one shape of a located finding in this library, and the one place diagnostics are built. */
import type { Position } from './ast.js';

/**
 * What a diagnostic is about (stable ids):
 * - `NFT001`: a value of the wrong type for its selector or statement (a port over 65535, an IPv4 address
 *   where an IPv6 one goes, an unknown ct state, a modulus of 0, `jump` without a chain name...);
 * - `NFT002` (strict): what nft's grammar rejects inside a rule or an element list (a missing value, a
 *   misspelled keyword);
 * - `NFT003` (strict): what nft's evaluation rejects in a whole rule (a statement after a terminal one, two
 *   network protocols, a NAT port without a transport match, a statement the table's family lacks);
 * - `NFT004` (strict): what nft rejects in a command, a block head or a chain, set, map or table property.
 */
export type DiagnosticCode = 'NFT001' | 'NFT002' | 'NFT003' | 'NFT004';

/** A located finding. `message` is the whole human text (`expected X, found Y`). */
export interface Diagnostic {
  /** Stable id (see `DiagnosticCode`). */
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  pos: Position;
  expected?: string;
  /** What the source has there (with the hint, `'acept'; did you mean 'accept'?`, as in the message). */
  found?: string;
  /** `did you mean 'accept'?` for a word close to one the grammar allows. */
  hint?: string;
}

/**
 * @deprecated since 0.2: use `Diagnostic`. The diagnostics this library returns are still of this type for
 * one release: a `Diagnostic` that also has the flat place fields of 0.1.
 */
export interface RuleDiagnostic extends Diagnostic {
  expected: string;
  found: string;
  /** @deprecated read `pos.file`. */
  file: string;
  /** @deprecated read `pos.line`. */
  line: number;
  /** @deprecated read `pos.col`. */
  col: number;
}

/** `file:line:col: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.pos.file ?? '<input>'}:${d.pos.line}:${d.pos.col}: ${d.message}`;
}

/** What a diagnostic is, besides where and the expected/found pair. */
export interface DiagnosticKind {
  code: DiagnosticCode;
  /** A word close to the one found (`did you mean 'hint'?`). */
  hint?: string;
}

/**
 * Builds an error diagnostic at `pos` (line 0 when the place is not known: trees made with the builders).
 * `found` gets the hint appended (`'acept'; did you mean 'accept'?`).
 */
export function makeDiagnostic(
  file: string,
  pos: Position | undefined,
  expected: string,
  found: string,
  kind: DiagnosticKind,
): RuleDiagnostic {
  const place: Position = { file, line: pos?.line ?? 0, col: pos?.col ?? 0 };
  if (pos?.offset !== undefined) place.offset = pos.offset;
  const hint = kind.hint ? `did you mean '${kind.hint}'?` : undefined;
  const shown = hint ? `${found}; ${hint}` : found;
  const d: RuleDiagnostic = {
    code: kind.code,
    severity: 'error',
    message: `expected ${expected}, found ${shown}`,
    pos: place,
    expected,
    found: shown,
    file,
    line: place.line,
    col: place.col,
  };
  if (hint) d.hint = hint;
  return d;
}
