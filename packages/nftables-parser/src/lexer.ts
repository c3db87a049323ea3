import type { NodePosition, TokenKind } from './ast.js';
import { NftSyntaxError } from './errors.js';

export type RawKind = TokenKind | 'newline' | 'comment' | 'eof';

export interface RawToken {
  kind: RawKind;
  text: string;
  pos: NodePosition;
  /** Whitespace (or a line continuation) directly before the token. */
  space: boolean;
  /** For a comment: a tab was part of the whitespace before it. */
  tab?: boolean;
}

const PUNCT2 = new Set(['!=', '==', '<=', '>=', '<<', '>>']);
const PUNCT1 = new Set(['{', '}', '(', ')', '[', ']', ',', ';', '=', '!', '<', '>', '&', '|', '^']);

function isWordChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x5f || // _
    c === 0x2e || // .
    c === 0x2f || // /
    c === 0x3a || // :
    c === 0x2d || // -
    c === 0x2a || // *
    c === 0x25 || // %
    c === 0x2b || // +
    c === 0x7e || // ~
    c > 0x7f
  );
}

/** Splits nft source text into tokens (newlines and `#` comments included, whitespace recorded as `space`). */
export function tokenize(src: string, file = '<input>'): RawToken[] {
  const out: RawToken[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let space = false;
  const n = src.length;
  const pos = (): NodePosition => ({ line, col: i - lineStart + 1, offset: i });
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d) {
      i++;
      space = true;
      continue;
    }
    if (c === 0x5c && (src[i + 1] === '\n' || (src[i + 1] === '\r' && src[i + 2] === '\n'))) {
      i += src[i + 1] === '\n' ? 2 : 3;
      line++;
      lineStart = i;
      space = true;
      continue;
    }
    if (c === 0x0a) {
      out.push({ kind: 'newline', text: '\n', pos: pos(), space });
      i++;
      line++;
      lineStart = i;
      space = false;
      continue;
    }
    if (c === 0x23) {
      const p = pos();
      let j = i;
      while (j < n && src[j] !== '\n') j++;
      const tab = i > 0 && src[i - 1] === '\t';
      out.push({ kind: 'comment', text: src.slice(i, j).replace(/\s+$/, ''), pos: p, space, tab });
      i = j;
      space = true;
      continue;
    }
    if (c === 0x22) {
      const p = pos();
      let j = i + 1;
      while (j < n && src[j] !== '"' && src[j] !== '\n') j += src[j] === '\\' && src[j + 1] !== '\n' ? 2 : 1;
      if (j >= n || src[j] !== '"') {
        throw new NftSyntaxError(file, p, 'end of line inside a quoted string', "closing '\"'");
      }
      out.push({ kind: 'string', text: src.slice(i, j + 1), pos: p, space });
      i = j + 1;
      space = false;
      continue;
    }
    if (c === 0x40 || c === 0x24) {
      const p = pos();
      let j = i + 1;
      while (j < n && isWordChar(src.charCodeAt(j))) j++;
      if (j === i + 1) {
        throw new NftSyntaxError(
          file,
          p,
          `'${src[i]}'`,
          c === 0x40 ? 'a set name after @' : 'a variable name after $',
        );
      }
      out.push({ kind: c === 0x40 ? 'setref' : 'variable', text: src.slice(i, j), pos: p, space });
      i = j;
      space = false;
      continue;
    }
    if (isWordChar(c)) {
      const p = pos();
      let j = i + 1;
      while (j < n && isWordChar(src.charCodeAt(j))) j++;
      out.push({ kind: 'word', text: src.slice(i, j), pos: p, space });
      i = j;
      space = false;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (PUNCT2.has(two)) {
      out.push({ kind: 'punct', text: two, pos: pos(), space });
      i += 2;
      space = false;
      continue;
    }
    const one = src[i] as string;
    if (PUNCT1.has(one)) {
      out.push({ kind: 'punct', text: one, pos: pos(), space });
      i++;
      space = false;
      continue;
    }
    throw new NftSyntaxError(file, pos(), `character ${JSON.stringify(one)}`, 'a token');
  }
  out.push({ kind: 'eof', text: '', pos: pos(), space });
  return out;
}
