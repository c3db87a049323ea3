/** Values: scalars, sets and their elements, lists, concatenations, bitwise expressions, map lookups. */
import { isIPv4, isIPv6 } from 'node:net';
import type { Group, Item, NodePosition, Token } from '../ast.js';
import {
  BITOPS,
  EXPR_KEYWORDS,
  NFT_KEYWORDS,
  OPS,
  RHS_KEYWORDS,
  STRONG_START,
  VERDICTS,
  WORD_BITOPS,
  WORD_OPS,
} from '../keywords.js';
import { Diags } from './diagnostics.js';
import { LHS_VALUE, type Reader, VALUE } from './reader.js';
import { selectorChain } from './selectors.js';
import type { BitOp, Expr, RelOp } from './types.js';

export function isNum(s: string): boolean {
  return /^(0x[0-9a-fA-F]+|\d+)$/.test(s);
}
export function num(s: string): number {
  return s.startsWith('0x') ? Number.parseInt(s, 16) : Number(s);
}
export function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** A word nft's scanner reads as one value token (number, name, address, classid, time, `eth*`). */
export function atomOk(t: string): boolean {
  return (
    /^(\d+|0[xX][0-9a-fA-F]+)$/.test(t) ||
    /^[A-Za-z_.][A-Za-z0-9/\-_.]*(\\?\*)?$/.test(t) ||
    /^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}$/.test(t) ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(t) ||
    isIPv6(t) ||
    /^[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}$/.test(t) ||
    (t !== '' && /^(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/.test(t)) ||
    t === '*' ||
    t === '8021q' ||
    t === '8021ad'
  );
}

/** A word nft reads as a value: one token, a prefix `a/N` or a range `a-b`. */
export function lexesAsValue(t: string): boolean {
  if (atomOk(t)) return true;
  const slash = t.lastIndexOf('/');
  if (slash > 0 && /^\d+$/.test(t.slice(slash + 1)) && atomOk(t.slice(0, slash))) return true;
  for (let i = t.indexOf('-'); i > 0; i = t.indexOf('-', i + 1)) {
    const a = t.slice(0, i);
    const b = t.slice(i + 1);
    // a name would swallow the dash (`eth-1` is one name), an address or a number does not
    if (atomOk(a) && !/^[A-Za-z_.][A-Za-z0-9/\-_.]*$/.test(a) && (atomOk(b) || lexesAsValue(b))) return true;
  }
  return false;
}

/** Reads one word as a scalar value: number, address, prefix, range or symbol. */
export function scalarWord(text: string, pos: NodePosition | undefined): Expr {
  if (isNum(text)) return { kind: 'number', value: num(text), text, pos };
  if (isIPv4(text)) return { kind: 'ipv4', text, pos };
  if (isIPv6(text)) return { kind: 'ipv6', text, pos };
  const slash = text.lastIndexOf('/');
  if (slash > 0 && /^\d+$/.test(text.slice(slash + 1))) {
    const addr = text.slice(0, slash);
    if (/^[\d.]+$/.test(addr) || addr.includes(':')) {
      return {
        kind: 'prefix',
        addr: scalarWord(addr, pos),
        length: Number(text.slice(slash + 1)),
        text,
        pos,
      };
    }
  }
  const dash = text.indexOf('-');
  if (dash > 0) {
    const a = text.slice(0, dash);
    const b = text.slice(dash + 1);
    const addrLike = (s: string) => /^[\d.]+$/.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));
    if ((isNum(a) && isNum(b)) || (addrLike(a) && addrLike(b))) {
      return { kind: 'range', from: scalarWord(a, pos), to: scalarWord(b, pos), text, pos };
    }
  }
  return { kind: 'symbol', name: text, pos };
}

/**
 * Reads a value. `lhs`: where nft's grammar wants an expression (concat_expr: a match's left side, a set
 * update key), which takes no keyword values and, once evaluated, no names (only numbers, addresses,
 * strings and variables).
 */
export function primary(c: Reader, lhs = false): Expr {
  const save = c.i;
  const key = selectorChain(c, new Diags('', undefined));
  if (key && c.isWord('map')) {
    c.next();
    const map = primary(c);
    if (map.kind !== 'set' && map.kind !== 'setref') c.fail("a set { ... } or @map after 'map'", [], -1);
    return { kind: 'map', key: { kind: 'selector', selector: key, pos: key.pos }, map, pos: key.pos };
  }
  c.i = save;
  const it = c.peek();
  if (it === undefined) return c.fail(VALUE);
  if (it.kind === 'group' && it.open === '(') {
    c.next();
    const inner = c.sub(it.items, ')');
    const e = bits(inner, true);
    if (!inner.done()) inner.fail("')' or a bitwise operator (&, |, ^, <<, >>)");
    return e;
  }
  if (it.kind === 'group') {
    if (it.open !== '{' || it.body) return c.fail(VALUE);
    if (c.strict && it.items.length === 0) {
      const p = it.pos;
      const end = c.sub([], '}');
      if (p)
        Object.assign(end.end, {
          pos: { line: p.line, col: p.col + 2, offset: p.offset + 2 },
          key: p.offset + 2,
        });
      return end.fail('a set element');
    }
    c.next();
    return { kind: 'set', elements: setElements(c, it), pos: it.pos };
  }
  switch (it.kind) {
    case 'string':
      c.next();
      return { kind: 'string', value: unquote(it.text), pos: it.pos };
    case 'variable':
      c.next();
      return { kind: 'variable', name: it.text.slice(1), pos: it.pos };
    case 'setref':
      c.next();
      return { kind: 'setref', name: it.text.slice(1), pos: it.pos };
    case 'word':
      if (it.text === '.' || it.text === ':' || STRONG_START.has(it.text) || EXPR_KEYWORDS.has(it.text))
        return c.fail(VALUE);
      if (
        c.strict &&
        ((NFT_KEYWORDS.has(it.text) && (lhs || !RHS_KEYWORDS.has(it.text))) || !lexesAsValue(it.text))
      )
        return c.fail(lhs ? LHS_VALUE : VALUE);
      if (c.strict && lhs && scalarWord(it.text, it.pos).kind === 'symbol') return c.fail(LHS_VALUE);
      c.next();
      return scalarWord(it.text, it.pos);
    default:
      return c.fail(VALUE);
  }
}

export function bitOp(c: Reader): BitOp | undefined {
  const it = c.peek();
  if (it?.kind === 'punct' && BITOPS.has(it.text)) {
    c.next();
    return it.text as BitOp;
  }
  if (it?.kind === 'word' && WORD_BITOPS[it.text] && c.peek(1) !== undefined) {
    c.next();
    return WORD_BITOPS[it.text];
  }
  return undefined;
}

/** Operands joined by bitwise operators; with `sel`, operands may be selectors (`ct mark | meta mark`). */
export function bits(c: Reader, sel: boolean, lhs = false): Expr {
  const operand = (): Expr => {
    if (sel) {
      const s = selectorChain(c, new Diags('', undefined));
      if (s) return { kind: 'selector', selector: s, pos: s.pos };
    }
    return primary(c, lhs);
  };
  let e = operand();
  for (let op = bitOp(c); op; op = bitOp(c)) e = { kind: 'binop', op, left: e, right: operand(), pos: e.pos };
  return e;
}

/** A value with its `a,b` list and `a . b` concatenation forms. */
export function value(c: Reader): Expr {
  const first = primary(c);
  if (c.isPunct(',') && c.peek(1)?.kind === 'word') {
    const values = [first];
    while (c.isPunct(',')) {
      c.next();
      values.push(primary(c));
    }
    return { kind: 'list', values, pos: first.pos };
  }
  if (c.isWord('.')) {
    const parts = [first];
    while (c.isWord('.')) {
      c.next();
      parts.push(primary(c));
    }
    return { kind: 'concat', parts, pos: first.pos };
  }
  return first;
}

export function setElements(outer: Reader, g: Group): Expr[] {
  const out: Expr[] = [];
  let cur: Item[] = [];
  const flush = (last: boolean) => {
    if (cur.length === 0) return;
    const c = outer.sub(cur, last ? '}' : ',');
    let key = value(c);
    for (let op = bitOp(c); op; op = bitOp(c))
      key = { kind: 'binop', op, left: key, right: primary(c), pos: key.pos };
    key = elementAttrs(c, key);
    if (c.isWord(':')) {
      c.next();
      out.push({ kind: 'mapping', key, value: mapValue(c), pos: key.pos });
    } else out.push(key);
    if (!c.done()) c.fail("',', ':', an element option (timeout, expires, comment, counter) or '}'");
    cur = [];
  };
  for (const it of g.items) {
    if (it.kind === 'punct' && it.text === ',') flush(false);
    else cur.push(it);
  }
  flush(true);
  return out;
}

/** Reads the attributes after a set element (`timeout 1m expires 30s counter packets 0 bytes 0 comment "x"`). */
export function elementAttrs(c: Reader, value: Expr): Expr {
  const out: Expr & { kind: 'element' } = { kind: 'element', value, pos: value.pos };
  let any = false;
  for (;;) {
    const k = c.word();
    const v = c.peek(1);
    if ((k === 'timeout' || k === 'expires') && v?.kind === 'word') {
      out[k] = v.text;
      c.i += 2;
    } else if (k === 'comment' && v?.kind === 'string') {
      out.comment = unquote(v.text);
      c.i += 2;
    } else if (k === 'counter') {
      c.next();
      out.counter = { packets: 0, bytes: 0 };
      if (c.isWord('packets') && isNum(c.word(1) ?? '') && c.isWord('bytes', 2) && isNum(c.word(3) ?? '')) {
        out.counter = { packets: num(c.word(1) as string), bytes: num(c.word(3) as string) };
        c.i += 4;
      }
    } else break;
    any = true;
  }
  return any ? out : value;
}

export function mapValue(c: Reader): Expr {
  const it = c.peek();
  if (it?.kind === 'word' && VERDICTS.has(it.text)) {
    c.next();
    return { kind: 'symbol', name: it.text, pos: it.pos };
  }
  if (it?.kind === 'word' && (it.text === 'jump' || it.text === 'goto')) {
    const target = c.peek(1);
    if (target?.kind !== 'word' && target?.kind !== 'string') return c.fail('a chain name', [], 1);
    c.i += 2;
    return { kind: 'symbol', name: `${it.text} ${unquote((target as Token).text)}`, pos: it.pos };
  }
  return value(c);
}

export function relOp(c: Reader): RelOp {
  const it = c.peek();
  if (it?.kind === 'punct' && OPS.has(it.text)) {
    c.next();
    return it.text as RelOp;
  }
  if (it?.kind === 'word' && WORD_OPS[it.text] && c.peek(1) !== undefined) {
    c.next();
    return WORD_OPS[it.text] as RelOp;
  }
  return '==';
}

/** In strict mode, the word k ahead must be a time (`1h`, `30s`, `1d2h3m`). */
export function timeWord(c: Reader, k: number): void {
  const t = c.word(k) ?? '';
  if (c.strict && (t === '' || !/^(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/.test(t)))
    c.fail('a time (1h, 30m, 10s, 1d2h)', [], k);
}

/** A word that must be a value in strict mode: one nft reads as a value token. */
export function strictWord(c: Reader, text: string, k = 0): void {
  if (c.strict && (text === '' || !lexesAsValue(text))) c.fail(VALUE, [], k);
}

/** Operands (selectors or values, with bitwise operators) joined by `.`; `lhs`: a key (see primary). */
export function concatOf(c: Reader, lhs = false): Expr {
  const key = bits(c, true, lhs);
  if (!c.isWord('.')) return key;
  const parts = [key];
  while (c.isWord('.')) {
    c.next();
    parts.push(bits(c, true, lhs));
  }
  return { kind: 'concat', parts, pos: key.pos };
}

/** A statement argument (nft's stmt_expr): a concatenation of operands, optionally looked up in a map. */
export function stmtExpr(c: Reader): Expr {
  const key = concatOf(c);
  if (!c.isWord('map')) return key;
  c.next();
  const map = primary(c);
  if (map.kind !== 'set' && map.kind !== 'setref') c.fail("a map { ... } or @map after 'map'", [], -1);
  return { kind: 'map', key, map, pos: key.pos };
}
