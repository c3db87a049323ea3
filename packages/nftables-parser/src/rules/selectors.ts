import {
  AFTER_VALUE,
  BARE_META,
  CT_DIR_KEYS,
  CT_KEYS,
  CT_SET_ONLY,
  DIAG_FIELDS,
  FIB_FLAGS,
  FIB_RESULTS,
  FIELDS,
  MORE_FIELDS,
  RAW_BASES,
  RULE_START,
  UNQUALIFIED_META,
} from '../keywords.js';
import type { Diags } from './diagnostics.js';
import type { Problem, Reader } from './reader.js';
import { specialSelector } from './selectors-extra.js';
import type { Selector } from './types.js';
import { isNum, num } from './values.js';

/** A selector or a concatenation of selectors `ip saddr . tcp dport`; undefined (cursor unchanged) if none. */
export function selectorChain(c: Reader, d: Diags): Selector | undefined {
  const first = selector(c, d);
  if (!first || !c.isWord('.')) return first;
  const parts = [first];
  let end = c.i;
  while (c.isWord('.')) {
    c.next();
    const next = selector(c, d);
    if (!next) break;
    parts.push(next);
    end = c.i;
  }
  // a concatenation may go on with values (`ip saddr . 10.0.0.1`): stop before the first non-selector
  c.i = end;
  return parts.length === 1 ? first : { kind: 'concat', parts, pos: first.pos };
}

/** Reads a selector at the cursor, or returns undefined (cursor unchanged) when there is none. */
export function selector(c: Reader, d: Diags): Selector | undefined {
  const w = c.word();
  const first = c.peek();
  if (first?.kind === 'setref' && RAW_BASES.has(first.text) && c.isPunct(',', 1) && c.isPunct(',', 3)) {
    const off = c.peek(2);
    const len = c.peek(4);
    if (off?.kind !== 'word' || len?.kind !== 'word') return undefined;
    c.i += 5;
    const base = first.text.slice(1) as 'll' | 'nh' | 'th' | 'ih';
    const raw: Selector = { kind: 'raw', base, offset: num(off.text), length: num(len.text), pos: first.pos };
    const found: Problem[] = [];
    if (!isNum(off.text)) found.push([off, 'a bit offset (a number)', `'${off.text}'`]);
    if (!isNum(len.text) || num(len.text) === 0)
      found.push([len, 'a bit length (a number > 0)', `'${len.text}'`]);
    if (found.length > 0) c.st.recordProblems(raw, found);
    return raw;
  }
  if (first?.kind === 'setref' && RAW_BASES.has(first.text)) {
    c.note("',' then a bit offset and a bit length (@th,16,16)", [], 1);
    return undefined;
  }
  if (w === undefined || first === undefined) return undefined;
  const pos = first.pos;
  const special = specialSelector(c, d, w, pos);
  if (special) return special;
  if (w === 'meta') {
    const key = c.word(1);
    if (key === undefined || !FIELDS.meta?.includes(key)) {
      c.note('a meta key (mark, iifname, l4proto, nfproto, ...)', FIELDS.meta, 1);
      return undefined;
    }
    c.i += 2;
    return { kind: 'meta', key, pos };
  }
  if (BARE_META.has(w)) {
    if (c.strict && !UNQUALIFIED_META.has(w)) {
      c.note(`'meta ${w}'`);
      return undefined;
    }
    c.i += 1;
    return { kind: 'meta', key: w, pos };
  }
  if (c.strict && UNQUALIFIED_META.has(w) && w !== 'time' && w !== 'day' && w !== 'hour') {
    c.i += 1;
    return { kind: 'meta', key: w, pos };
  }
  if (w === 'ct') {
    let k = 1;
    let direction: 'original' | 'reply' | undefined;
    const dir = c.word(1);
    if (dir === 'original' || dir === 'reply') {
      direction = dir;
      k = 2;
    }
    let key = c.word(k);
    if (direction && (key === 'ip' || key === 'ip6')) {
      const f = c.word(k + 1);
      if (f !== 'saddr' && f !== 'daddr') {
        c.note("'saddr' or 'daddr'", ['saddr', 'daddr'], k + 1);
        return undefined;
      }
      key = `${key} ${f}`;
      k++;
    }
    const valid =
      key !== undefined &&
      (key.includes(' ') ||
        (direction && c.strict ? CT_DIR_KEYS.has(key) : CT_KEYS.has(key)) ||
        (!direction && CT_KEYS.has(key)));
    if (!valid || key === undefined) {
      const keys = direction
        ? [...CT_DIR_KEYS, 'ip saddr', 'ip6 daddr']
        : [...CT_KEYS, 'original', 'reply', 'count'];
      c.note(`a ct key (${keys.slice(0, 6).join(', ')}, ...)`, keys, k);
      return undefined;
    }
    if (c.strict && CT_SET_ONLY.has(key) && !c.isWord('set', k + 1)) {
      c.note("'set' (a ct timeout or expectation object is only assigned)", ['set'], k + 1);
      return undefined;
    }
    c.i += k + 1;
    return direction ? { kind: 'ct', key, direction, pos } : { kind: 'ct', key, pos };
  }
  if (w === 'fib') {
    const flags: string[] = [];
    let k = 1;
    for (;;) {
      const f = c.word(k);
      if (f === undefined || !FIB_FLAGS.has(f)) {
        c.note('a fib input (saddr, daddr, mark, iif, oif)', FIB_FLAGS, k);
        return undefined;
      }
      flags.push(f);
      k++;
      if (c.isWord('.', k)) k++;
      else break;
    }
    const result = c.word(k);
    if (result === undefined || !FIB_RESULTS.has(result)) {
      c.note("'.' then a fib input, or a fib result (oif, oifname, type)", FIB_RESULTS, k);
      return undefined;
    }
    c.i += k + 1;
    const fib: Selector = { kind: 'fib', flags, result, pos };
    const found: Problem[] = [];
    const addr = flags.filter((f) => f === 'saddr' || f === 'daddr');
    if (addr.length !== 1)
      found.push([first, 'exactly one of saddr and daddr in a fib lookup', `'${flags.join(' . ')}'`]);
    if (flags.includes('iif') && flags.includes('oif'))
      found.push([first, 'iif or oif in a fib lookup, not both', `'${flags.join(' . ')}'`]);
    if (found.length > 0) c.st.recordProblems(fib, found);
    return fib;
  }
  if (w === 'arp' && (c.isWord('saddr', 1) || c.isWord('daddr', 1))) {
    const f = c.word(2);
    if (f === 'ip' || f === 'ether') {
      c.i += 3;
      return { kind: 'payload', protocol: 'arp', field: `${c.word(-2)} ${f}`, pos };
    }
    if (c.strict) {
      c.note("'ip' or 'ether' (arp saddr ip, arp daddr ether)", ['ip', 'ether'], 2);
      return undefined;
    }
  }
  const fields = w === 'meta' ? undefined : (FIELDS[w] ?? MORE_FIELDS[w]);
  if (fields) {
    const field = c.peek(1);
    if (field?.kind !== 'word') {
      c.note(`a header field of ${w} (${fields.join(', ')})`, fields, 1);
      return undefined;
    }
    if (!fields.includes(field.text)) {
      if (
        DIAG_FIELDS.has(w) &&
        !RULE_START.has(field.text) &&
        !AFTER_VALUE.has(field.text) &&
        field.text !== 'option'
      ) {
        d.add(field, `a header field of ${w} (${fields.join(', ')})`, `'${field.text}'`);
      }
      c.note(`a header field of ${w} (${fields.join(', ')})`, fields, 1);
      return undefined;
    }
    if ((w === 'ip' || w === 'tcp' || w === 'ip6') && field.text === 'option') return undefined;
    c.i += 2;
    return { kind: 'payload', protocol: w, field: field.text, pos };
  }
  return undefined;
}
