/**
 * Statements that start with a selector: a match (`tcp dport 22`, `ct state established,related`, `tcp
 * flags syn / syn,ack`), a verdict map lookup (`ip saddr vmap { ... }`) and a `set` statement (`meta mark
 * set 1`).
 */
import type { Item } from '../../ast.js';
import { OPS, SETTABLE_META } from '../../keywords.js';
import type { Diags } from '../diagnostics.js';
import { type Reader, VALUE } from '../reader.js';
import { selector } from '../selectors.js';
import type { Mask, RuleStatement } from '../types.js';
import { checkValue, setType, show, typeOf } from '../value-check.js';
import { bitOp, bits, primary, relOp, value } from '../values.js';

/** A statement that starts with a selector, or undefined (reader unchanged) when no selector starts here. */
export function selectorStatement(c: Reader, d: Diags, start: Item): RuleStatement | undefined {
  const pos = start.pos;
  const sel = selector(c, d);
  if (!sel) return undefined;
  let left = sel;
  if (c.isWord('.')) {
    const parts = [sel];
    while (c.isWord('.')) {
      c.next();
      const p = selector(c, d);
      if (p) parts.push(p);
      else {
        const v = primary(c, true);
        parts.push({ kind: 'value', value: v, pos: v.pos });
      }
    }
    left = { kind: 'concat', parts, pos };
  }
  if (c.isWord('set')) {
    if (c.strict && (left.kind === 'tcpopt' || left.kind === 'ipopt') && left.field === undefined)
      c.fail(`a field of the ${left.option} option before 'set'`);
    if (c.strict && left.kind === 'meta' && !SETTABLE_META.has(left.key))
      c.fail(`a meta key the kernel can set (${[...SETTABLE_META].join(', ')}), not ${left.key}`, [], -1);
    c.next();
    let v = bits(c, true);
    if (c.isWord('map')) {
      c.next();
      const map = primary(c);
      if (map.kind !== 'set' && map.kind !== 'setref') c.fail("a map { ... } or @map after 'map'", [], -1);
      v = { kind: 'map', key: v, map, pos: v.pos };
    }
    for (let op = bitOp(c); op; op = bitOp(c))
      v = { kind: 'binop', op, left: v, right: bits(c, true), pos: v.pos };
    if (v.kind !== 'binop' && v.kind !== 'map') checkValue(setType(typeOf(left)), v, d, c.strict);
    return { kind: 'set', left, value: v, pos };
  }
  if (c.strict && left.kind === 'meta' && left.key === 'nftrace')
    c.fail("'set' (nftrace can only be set)", ['set']);
  const mask: Mask[] = [];
  for (let op = bitOp(c); op; op = bitOp(c)) mask.push({ op, value: primary(c) });
  const own = typeOf(left);
  // `&`, `|`, `^` keep the selector's type (`ct mark & 0xff`, `tcp flags & (fin | syn) == syn`); a shift
  // changes it (`ip6 dscp << 2`)
  const flagType = !Array.isArray(own) && mask.every((m) => m.op === '&' || m.op === '|' || m.op === '^');
  if (flagType) for (const m of mask) checkValue(own, m.value, d, c.strict);
  const type = mask.length > 0 && !flagType ? 'other' : own;
  if (c.isWord('vmap')) {
    c.next();
    const map = primary(c);
    if (map.kind !== 'set' && map.kind !== 'setref' && map.kind !== 'variable')
      c.fail("a verdict map { ... } or @map after 'vmap'", [], -1);
    checkValue(type, map, d, c.strict);
    if (map.kind === 'set') {
      for (const e of map.elements) {
        if (e.kind !== 'mapping') d.add(e, "a mapping 'key : verdict'", show(e));
        else if (
          e.value.kind !== 'symbol' ||
          !/^(accept|drop|continue|return|(jump|goto) .+)$/.test(e.value.name)
        )
          d.add(e.value, 'a verdict (accept, drop, continue, return, jump CHAIN, goto CHAIN)', show(e.value));
      }
    }
    return mask.length > 0 ? { kind: 'vmap', left, mask, map, pos } : { kind: 'vmap', left, map, pos };
  }
  const nextIt = c.peek();
  const wantValue = 'a value, an operator (==, !=, <, >, <=, >=), a bitwise operator, . or vmap';
  if (nextIt === undefined) c.fail(wantValue);
  if (nextIt?.kind === 'word' && (nextIt.text === 'vmap' || nextIt.text === 'map')) c.fail(VALUE);
  if (nextIt?.kind === 'punct' && !OPS.has(nextIt.text)) c.fail(wantValue);
  const op = relOp(c);
  let right = value(c);
  for (let b = bitOp(c); b; b = bitOp(c))
    right = { kind: 'binop', op: b, left: right, right: primary(c), pos: right.pos };
  let flagMask = false;
  if (c.isWord('/') && mask.length === 0) {
    // `tcp flags syn / syn,ack`: (flags & (syn|ack)) == syn
    c.next();
    const m = value(c);
    mask.push({ op: '&', value: m });
    flagMask = true;
    checkValue(type, m, d, c.strict);
  }
  checkValue(mask.length > 0 && !flagMask && !flagType ? 'other' : type, right, d, c.strict);
  if (right.kind === 'set')
    for (const e of right.elements)
      if (e.kind === 'mapping')
        d.add(e, "a set element (a mapping ':' belongs in a map or vmap)", 'a mapping');
  return mask.length > 0
    ? { kind: 'match', left, mask, op, right, pos }
    : { kind: 'match', left, op, right, pos };
}
