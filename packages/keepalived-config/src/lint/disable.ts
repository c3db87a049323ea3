import type { Diagnostic, Node } from '../ast.js';

/**
 * Inline disables: a comment `# keepalived-lint disable=KA012,KA030` (or with `!`) silences those codes
 * on its own line and, for a comment on a line of its own, on the next line.
 */
const DIRECTIVE = /keepalived-lint\s+disable=([A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)/;

function codesOf(comment: string | undefined): string[] {
  const m = comment === undefined ? null : DIRECTIVE.exec(comment);
  return m ? m[1]!.split(',').map((c) => c.trim().toUpperCase()) : [];
}

/** Where codes are disabled: `file:line` -> codes. */
export class Disables {
  private readonly at = new Map<string, Set<string>>();
  private readonly everywhere: ReadonlySet<string>;

  constructor(codes: readonly string[] = []) {
    this.everywhere = new Set(codes.map((c) => c.toUpperCase()));
  }

  /** Reads the directives of a parsed body (blocks included). */
  read(nodes: readonly Node[]): this {
    for (const n of nodes) {
      if (n.kind === 'comment') {
        for (const c of codesOf(n.text)) {
          this.add(n.pos.file, n.pos.line, c);
          this.add(n.pos.file, n.pos.line + 1, c);
        }
      } else if (n.kind === 'statement') {
        for (const c of codesOf(n.comment)) this.add(n.pos.file, n.pos.line, c);
        if (n.end) for (const c of codesOf(n.closeComment)) this.add(n.end.file, n.end.line, c);
        if (n.block) this.read(n.block);
      } else if (n.kind === 'definition') {
        for (const c of codesOf(n.comment)) this.add(n.pos.file, n.pos.line, c);
      }
    }
    return this;
  }

  private add(file: string, line: number, code: string): void {
    const key = `${file}:${line}`;
    let s = this.at.get(key);
    if (!s) this.at.set(key, (s = new Set()));
    s.add(code);
  }

  /** Whether a finding is silenced (by a `disable` option or a directive on its line). */
  has(d: Diagnostic): boolean {
    return this.everywhere.has(d.code) || (this.at.get(`${d.pos.file}:${d.pos.line}`)?.has(d.code) ?? false);
  }

  filter(ds: Diagnostic[]): Diagnostic[] {
    return this.everywhere.size === 0 && this.at.size === 0 ? ds : ds.filter((d) => !this.has(d));
  }
}
