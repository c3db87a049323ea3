import type { Comment, ConfigFile, Definition, Diagnostic, Node, NodePosition, Statement } from './ast.js';
import { formatPosition } from './ast.js';

export interface ParseOptions {
  /** File name used in positions and error messages (default `keepalived.conf`). */
  file?: string;
}

/** Thrown by {@link parse} for input keepalived cannot read; the message starts with `file:line:col`. */
export class KeepalivedParseError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const first = diagnostics[0];
    super(
      first
        ? `${formatPosition(first.pos)}: ${first.message}${diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : ''}`
        : 'parse error',
    );
    this.name = 'KeepalivedParseError';
    this.diagnostics = diagnostics;
  }
}

export interface ParseResult {
  /** The tree, as far as it could be built (always present: the parser recovers). */
  file: ConfigFile;
  /** Syntax errors (code KA000), empty when the input is well formed. */
  diagnostics: Diagnostic[];
}

/** Whitespace as keepalived splits words: space, tab, CR, VT, FF. */
const WS = {
  has(c: string): boolean {
    return c === ' ' || c === '\t' || c === '\r' || c === '\v' || c === '\f';
  },
};
const DEF_RE = /^\$([A-Za-z_][A-Za-z0-9_]*)=/;

interface Frame {
  stmt: Statement | null;
  body: Node[];
}

/** Parses keepalived.conf text and throws {@link KeepalivedParseError} on syntax errors. */
export function parse(text: string, options: ParseOptions = {}): ConfigFile {
  const r = tryParse(text, options);
  if (r.diagnostics.length > 0) throw new KeepalivedParseError(r.diagnostics);
  return r.file;
}

/** Parses keepalived.conf text, never throws: syntax problems come back as diagnostics. */
export function tryParse(text: string, options: ParseOptions = {}): ParseResult {
  const fileName = options.file ?? 'keepalived.conf';
  const diagnostics: Diagnostic[] = [];
  const root: ConfigFile = { kind: 'file', file: fileName, body: [] };
  const stack: Frame[] = [{ stmt: null, body: root.body }];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const pos = (line: number, col: number): NodePosition => ({ file: fileName, line, col });
  let lineStarts: number[] | undefined;
  /** The 0-based offset of a position (line starts computed on the first diagnostic only). */
  const offsetOf = (p: NodePosition): number => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) lineStarts.push(k + 1);
    }
    return Math.min((lineStarts[p.line - 1] ?? text.length) + p.col - 1, text.length);
  };
  const error = (p: NodePosition, message: string, hint?: string) => {
    const m = /expected (.+?), found (.+)$/.exec(message);
    diagnostics.push({
      code: 'KA000',
      severity: 'error',
      message,
      pos: { ...p, offset: offsetOf(p) },
      ...(m ? { expected: m[1]!, found: m[2]! } : {}),
      ...(hint ? { hint } : {}),
    });
  };
  const top = (): Frame => stack[stack.length - 1]!;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const raw = line.endsWith('\r') ? line.slice(0, -1) : line;
    const lineNo = i + 1;
    let p = 0;
    while (p < raw.length && WS.has(raw[p]!)) p++;
    const body = top().body;
    if (p >= raw.length) {
      if (body.length > 0 && body[body.length - 1]!.kind !== 'blank')
        body.push({ kind: 'blank', pos: pos(lineNo, 1) });
      continue;
    }
    const split = splitComment(raw, p);
    if (split.unterminatedQuote !== undefined) {
      error(
        pos(lineNo, split.unterminatedQuote + 1),
        'unterminated quoted string: expected a closing quote before the end of the line',
      );
    }
    let end = split.codeEnd;
    while (end > p && WS.has(raw[end - 1]!)) end--;
    const comment = split.comment;
    if (end <= p) {
      const c: Comment = { kind: 'comment', text: comment ?? '', pos: pos(lineNo, p + 1) };
      body.push(c);
      continue;
    }
    let lastStmt: Statement | null = null;
    let lastWasClose = false;
    let commentUsed = false;
    // Once a condition or ~SEQ appears, keepalived applies it to the rest of this physical line.
    let exactLine = false;
    let seg = p;
    // A line is read as segments: after a `{` or `}` the rest of the line starts afresh, as in keepalived.
    segments: while (seg < end) {
      let cur = seg;
      while (cur < end && WS.has(raw[cur]!)) cur++;
      if (cur >= end) break;
      let condition: string | undefined;
      if (raw[cur] === '@') {
        const s = cur;
        while (cur < end && !WS.has(raw[cur]!) && raw[cur] !== '{' && raw[cur] !== '}') cur++;
        condition = raw.slice(s, cur);
        if (condition === '@' || condition === '@^') {
          error(pos(lineNo, s + 1), `expected a config id right after '${condition}', found whitespace`);
        }
        while (cur < end && WS.has(raw[cur]!)) cur++;
        if (cur >= end) {
          error(pos(lineNo, s + 1), `expected a configuration line after '${condition}', found end of line`);
          break;
        }
      }
      const def = raw[cur] === '$' ? DEF_RE.exec(raw.slice(cur, end)) : null;
      if (def) {
        const name = def[1]!;
        const value = raw.slice(cur + def[0].length, end).trim();
        const d: Definition = { kind: 'definition', name, pos: pos(lineNo, cur + 1) };
        if (condition) d.condition = condition;
        if (exactLine) d.glued = true;
        if (comment) {
          d.comment = comment;
          commentUsed = true;
        }
        if (value === '\\') {
          const defLines: string[] = [];
          let closed = false;
          let j = i + 1;
          for (; j < lines.length; j++) {
            const l = (lines[j] ?? '').replace(/\r$/, '').trim();
            defLines.push(l);
            if (l === '') continue;
            if (!l.endsWith('\\')) {
              closed = true;
              break;
            }
          }
          if (!closed) {
            error(
              pos(lineNo, cur + 1),
              `multi-line definition $${name} is not terminated: expected a last line without a trailing '\\', found end of file`,
            );
          }
          while (defLines.length > 0 && defLines[defLines.length - 1] === '') defLines.pop();
          d.lines = defLines;
          i = Math.min(j, lines.length - 1);
        } else {
          d.value = value;
        }
        top().body.push(d);
        lastStmt = null;
        break;
      }
      const sequences: string[] = [];
      while (raw.startsWith('~SEQ', cur)) {
        const close = raw.indexOf(')', cur);
        if (close < 0 || close >= end) {
          error(
            pos(lineNo, cur + 1),
            "unterminated ~SEQ(...): expected ')'",
            'write ~SEQ(VAR, START, STEP, END)',
          );
          cur = end;
          break;
        }
        sequences.push(raw.slice(cur, close + 1));
        cur = close + 1;
        while (cur < end && WS.has(raw[cur]!)) cur++;
      }
      const tokens = tokenize(raw, cur, end);
      let stmt: Statement | null = null;
      let first = true;
      for (const t of tokens) {
        const tp = pos(lineNo, t.col + 1);
        if (t.text === '{') {
          let target: Statement | null = stmt;
          if (!target) {
            const b = top().body;
            let k = b.length - 1;
            while (k >= 0 && b[k]!.kind === 'blank') k--;
            const prev = b[k];
            if (prev && prev.kind === 'statement' && !prev.block && !lastWasClose) target = prev;
          }
          if (!target) {
            error(tp, "unexpected '{': expected a keyword before it");
          } else {
            if (target !== stmt && target.pos.line !== lineNo && onConditionalLine(target))
              target.openApart = true;
            target.block = [];
            stack.push({ stmt: target, body: target.block });
            lastStmt = target;
            lastWasClose = false;
          }
          seg = t.col + 1;
          continue segments;
        }
        if (t.text === '}') {
          if (stack.length === 1) {
            error(tp, "unexpected '}': no block is open here", 'remove it or add the missing opening line');
          } else {
            const fr = stack.pop()!;
            const s = fr.stmt!;
            s.end = tp;
            if ((s.condition || s.sequences) && s.pos.line === lineNo) s.inline = true;
            if (exactLine) s.closeGlued = true;
            lastStmt = s;
            lastWasClose = true;
          }
          seg = t.col + 1;
          continue segments;
        }
        if (!stmt) {
          stmt = { kind: 'statement', keyword: t.text, args: [], pos: tp };
          if (exactLine) stmt.glued = true;
          if (first) {
            if (condition) stmt.condition = condition;
            if (sequences.length > 0) stmt.sequences = sequences;
            if (condition || sequences.length > 0) exactLine = true;
          }
          first = false;
          top().body.push(stmt);
        } else {
          stmt.args.push(t.text);
        }
        lastStmt = stmt;
        lastWasClose = false;
      }
      break;
    }
    if (comment && commentUsed) {
      // kept on the definition
    } else if (comment && lastStmt) {
      if (lastWasClose) lastStmt.closeComment = comment;
      else lastStmt.comment = comment;
    } else if (comment) {
      top().body.push({ kind: 'comment', text: comment, pos: pos(lineNo, split.codeEnd + 1) });
    }
  }
  // A block still open at the end of the file: keepalived reads it as if closed there (and warns); the
  // statement keeps no `end`, and the linter reports it (KA042).
  return { file: root, diagnostics };
}

/** Whether a statement's head line carries a condition or `~SEQ` (its own or an earlier one on the line). */
function onConditionalLine(s: Statement): boolean {
  return s.condition !== undefined || s.sequences !== undefined || s.glued === true;
}

interface CommentSplit {
  codeEnd: number;
  comment?: string;
  unterminatedQuote?: number;
}

/** Finds where a `#` or `!` comment starts (outside quotes). */
function splitComment(raw: string, start: number): CommentSplit {
  let quote: string | null = null;
  let quoteAt = -1;
  for (let i = start; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"') {
      quote = c;
      quoteAt = i;
      continue;
    }
    if (c === '#' || c === '!') {
      return { codeEnd: i, comment: raw.slice(i).trimEnd() };
    }
  }
  return quote ? { codeEnd: raw.length, unterminatedQuote: quoteAt } : { codeEnd: raw.length };
}

interface Token {
  text: string;
  col: number;
}

function tokenize(raw: string, start: number, end: number): Token[] {
  const out: Token[] = [];
  let i = start;
  while (i < end) {
    const c = raw[i]!;
    if (WS.has(c)) {
      i++;
      continue;
    }
    if (c === '{' || c === '}') {
      out.push({ text: c, col: i });
      i++;
      continue;
    }
    const s = i;
    let quote: string | null = null;
    while (i < end) {
      const d = raw[i]!;
      if (d === '\\' && i + 1 < end && !WS.has(raw[i + 1]!)) {
        i += 2;
        continue;
      }
      if (quote) {
        if (d === quote) quote = null;
        i++;
        continue;
      }
      if (d === '"') {
        quote = d;
        i++;
        continue;
      }
      if (d === '$' && raw[i + 1] === '{') {
        // ${NAME}: a parameter reference, not a block.
        const close = raw.indexOf('}', i + 2);
        if (close >= 0 && close < end) {
          i = close + 1;
          continue;
        }
      }
      if (WS.has(d) || d === '{' || d === '}') break;
      i++;
    }
    out.push({ text: raw.slice(s, Math.min(i, end)), col: s });
  }
  return out;
}

/** Removes the quotes and escapes of one word as keepalived reads it (`"a b"c` -> `a bc`). */
export function unquote(word: string): string {
  if (!word.includes('"') && !word.includes('\\')) return word;
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if (c === '\\' && i + 1 < word.length) {
      out += word[++i];
      continue;
    }
    if (quote) {
      if (c === quote) quote = null;
      else out += c;
      continue;
    }
    if (c === '"') {
      quote = c;
      continue;
    }
    out += c;
  }
  return out;
}
